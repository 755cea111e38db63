package diffcheck

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/quantkernel/quant"
)

// Random compares m with generic on random cases until the deadline: each
// round draws a length (mostly up to 300, sometimes up to 5000), offsets,
// Params of every convention and an input (random bits, specials, the
// Params' ties, or finite data), and runs every per-tensor operation, the
// packed int4 forms, one random Layout and one calibrating form on it. It
// returns the number of rounds and the mismatches, counted per operation
// in counts (which may be nil).
func Random(m *quant.Impl, seed uint64, deadline time.Time, counts map[string]int) (rounds int, err error) {
	rng := rand.New(rand.NewPCG(seed, 0x51ed270b27e5a4c1))
	var e errs
	add := func(op string, err error) {
		if err != nil {
			if counts != nil {
				counts[op]++
			}
			e.add(err)
		}
	}
	rp := representativeParams()
	table := paramsTable(true)
	for ; rounds == 0 || time.Now().Before(deadline); rounds++ {
		n := rng.IntN(301)
		switch rng.IntN(10) {
		case 0:
			n = rng.IntN(5001)
		case 1:
			n = rng.IntN(17)
		}
		p := rp[rng.IntN(len(rp))]
		if rng.IntN(2) == 0 {
			p = table[rng.IntN(len(table))]
		}
		var in []float32
		switch rng.IntN(4) {
		case 0:
			in = randBits(rng, n)
		case 1:
			mixed, _ := masterInputs(p, n, rng.Uint64())
			in = mixed
		case 2:
			_, finite := masterInputs(p, n, rng.Uint64())
			in = finite
		default:
			sp := append(specialValues(), paramSpecials(p)...)
			in = make([]float32, n)
			for i := range in {
				in[i] = sp[rng.IntN(len(sp))]
			}
		}
		aux := randFloats(rng, n, p.Scale)
		sOff, dOff, salt := rng.IntN(64), rng.IntN(64), rng.Uint32()
		for _, k := range floatKernels {
			if k.params && !k.fits(p) {
				continue
			}
			add(k.name, k.check(m, in, aux, sOff, dOff, p, salt))
		}
		codes := make([]uint8, n)
		for i := range codes {
			codes[i] = uint8(rng.Uint32())
		}
		add("DequantizeU8", diffDequantizeU8(m, srcBuf(codes, sOff), p, dOff, salt))
		add("DequantizeI8", diffDequantizeI8(m, srcBuf(unsafeInt8(codes), sOff), p, dOff, salt))
		if p.ValidateI4() == nil {
			add("QuantizeI4", diffPackedI4(m, in, p, true, sOff, dOff, salt, true))
		}
		if p.ValidateU4() == nil {
			add("QuantizeU4", diffPackedI4(m, in, p, false, sOff, dOff, salt, true))
		}
		rows := 1 + rng.IntN(4)
		ls := layoutsFor(rows, n/rows)
		l := ls[rng.IntN(len(ls))]
		add("Layout", diffLayout(m, rng, l, sOff%8, dOff%8))
		if rounds%4 == 0 {
			add("CalibrateLayout", diffCalibrate(m, rng, l, sOff%8, dOff%8))
		}
	}
	if err := e.err(); err != nil {
		return rounds, fmt.Errorf("%s: %w", m.Name(), err)
	}
	return rounds, nil
}
