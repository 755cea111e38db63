package diffcheck

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Reference checks the generic kernels against the one-element formulas
// Params.Quantize and Params.Dequantize on rounds random cases (Params
// of the short sweep, mixed inputs, every code): the reference's own
// consistency, which is all there is to check where no other
// implementation runs.
func Reference(seed uint64, rounds int) error {
	rng := rand.New(rand.NewPCG(seed, 0x9E3779B97F4A7C15))
	table := paramsTable(true)
	var e errs
	for r := range rounds {
		p := table[rng.IntN(len(table))]
		n := rng.IntN(300)
		in, _ := masterInputs(p, n, rng.Uint64())
		codes := make([]uint8, n)
		for i := range codes {
			codes[i] = uint8(rng.Uint32())
		}
		if p.ValidateU8() == nil {
			q := make([]uint8, n)
			ref.QuantizeU8(q, in, p)
			for i, x := range in {
				if w := p.Quantize(x); int32(q[i]) != w {
					e.add(fmt.Errorf("round %d: generic QuantizeU8 %+v: element %d (x bits %#08x) = %d, Params.Quantize %d", r, p, i, math.Float32bits(x), q[i], w))
					break
				}
			}
		}
		if p.ValidateI8() == nil {
			q := make([]int8, n)
			ref.QuantizeI8(q, in, p)
			for i, x := range in {
				if w := p.Quantize(x); int32(q[i]) != w {
					e.add(fmt.Errorf("round %d: generic QuantizeI8 %+v: element %d (x bits %#08x) = %d, Params.Quantize %d", r, p, i, math.Float32bits(x), q[i], w))
					break
				}
			}
		}
		du, di := make([]float32, n), make([]float32, n)
		ref.DequantizeU8(du, codes, p)
		ref.DequantizeI8(di, unsafeInt8(codes), p)
		for i, c := range codes {
			if w := p.Dequantize(int32(c)); !bitsEqual32(du[i], w) {
				e.add(fmt.Errorf("round %d: generic DequantizeU8 %+v: code %d = %s, Params.Dequantize %s", r, p, c, fmtElem(du[i]), fmtElem(w)))
				break
			}
			if w := p.Dequantize(int32(int8(c))); !bitsEqual32(di[i], w) {
				e.add(fmt.Errorf("round %d: generic DequantizeI8 %+v: code %d = %s, Params.Dequantize %s", r, p, int8(c), fmtElem(di[i]), fmtElem(w)))
				break
			}
		}
	}
	return e.err()
}
