package diffcheck

import (
	"math/rand/v2"
	"slices"

	"github.com/quantkernel/quant"
)

type sweepConfig struct {
	lengths    []int // lengths run at offset 0/0
	offLengths []int // lengths run at every offset in offsets
	offsets    []int // src and dst start offsets (elements past 64 bytes)
	lanes      []int // positions where each special is placed alone
}

func sweep(short bool) sweepConfig {
	var c sweepConfig
	big := []int{1000, 4099, 65536 + 7}
	if short {
		c.lengths = append(seq(0, 80), 127, 128, 129, 255, 256, 257, 300)
		c.lengths = append(c.lengths, big...)
		c.offLengths = []int{0, 1, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 257}
		c.offsets = append(seq(0, 7), seq(60, 63)...)
		c.lanes = append(seq(0, 17), 31, 32, 33, 47, 48, 62, 63)
		return c
	}
	c.lengths = append(seq(0, 300), big...)
	c.offLengths = append(seq(0, 70), 71, 95, 96, 97, 100, 127, 128, 129, 130, 143, 255, 256, 257, 299, 300, 1000)
	c.offsets = seq(0, 63)
	c.lanes = seq(0, 63)
	return c
}

func seq(a, b int) []int {
	var s []int
	for i := a; i <= b; i++ {
		s = append(s, i)
	}
	return s
}

// masterInputs returns two inputs of length n for representative params
// p: mixed (random data with a special or a tie of p every few elements)
// and finite (random finite data, zeros and subnormals, no NaN or Inf).
func masterInputs(p quant.Params, n int, seed uint64) (mixed, finite []float32) {
	rng := rand.New(rand.NewPCG(seed, 0x9E3779B97F4A7C15))
	mag := float32(float64(p.Scale) * float64(p.Hi-p.Lo+1) / 2)
	if mag-mag != 0 || mag == 0 {
		mag = p.Scale
	}
	sp := append(specialValues(), paramSpecials(p)...)
	mixed = randFloats(rng, n, mag)
	for i := rng.IntN(5); i < n; i += 1 + rng.IntN(9) {
		mixed[i] = sp[rng.IntN(len(sp))]
	}
	finite = randFloats(rng, n, mag)
	for i := rng.IntN(7); i < n; i += 1 + rng.IntN(13) {
		finite[i] = [...]float32{0, negZero32, fbits(1), fbits(0x80000001), fbits(0x007FFFFF), fbits(0x807FFFFF)}[rng.IntN(6)]
	}
	return mixed, finite
}

// suiteParams compares every quantizer and QuantError on every Params
// of the sweep (bits 2..8, signed/unsigned/narrow/odd bounds, zero points
// inside and outside the bounds and at ±MaxZero, scales from the smallest
// normal to MaxFloat32, three conventions), with the specials and the
// Params' own ties, clamp boundaries and ±2^31·s neighbours as input.
func suiteParams(m *quant.Impl, short bool, only string) error {
	rng := rand.New(rand.NewPCG(1, 2))
	var e errs
	for i, p := range paramsTable(short) {
		vals := append(specialValues(), paramSpecials(p)...)
		vals = append(vals, randFloats(rng, 48, float32(float64(p.Scale)*float64(p.Hi-p.Lo+1)))...)
		rev := slices.Clone(vals)
		slices.Reverse(rev)
		for _, k := range floatKernels {
			if !k.params || !k.fits(p) || only != "" && k.name != only {
				continue
			}
			e.add(k.check(m, vals, nil, 0, 0, p, uint32(i)))
			e.add(k.check(m, rev, nil, 5, 3, p, uint32(i)))
		}
	}
	return e.err()
}

// dequantParams are the Params of the Dequantize sweeps: every zero point
// of zerosFor(0..255) and (-128..127) with every scale (bounds do not
// matter to Dequantize).
func dequantParams() []quant.Params {
	var t []quant.Params
	for _, z := range append(zerosFor(boundsSet{0, 255}), zerosFor(boundsSet{-128, 127})...) {
		for _, s := range scaleTable {
			t = append(t, quant.Params{Scale: s, Zero: z, Lo: -128, Hi: 255})
		}
	}
	return t
}

// suiteDequantizeParams runs every byte value at every Params of
// dequantParams, in order and reversed, so the results cover overflow to
// ±Inf, subnormal products and exact zeros.
func suiteDequantizeParams(m *quant.Impl) error {
	var u []uint8
	var s []int8
	for i := range 256 {
		u = append(u, uint8(i))
		s = append(s, int8(i-128))
	}
	ur, sr := slices.Clone(u), slices.Clone(s)
	slices.Reverse(ur)
	slices.Reverse(sr)
	var e errs
	for i, p := range dequantParams() {
		e.add(diffDequantizeU8(m, srcBuf(u, 0), p, 0, uint32(i)))
		e.add(diffDequantizeU8(m, srcBuf(ur, 3), p, 7, uint32(i)))
		e.add(diffDequantizeI8(m, srcBuf(s, 0), p, 0, uint32(i)))
		e.add(diffDequantizeI8(m, srcBuf(sr, 9), p, 1, uint32(i)))
	}
	return e.err()
}

// runLengthsOffsets runs kernel k on the mixed and finite master inputs
// of p (SquaredError: each against another finite input) at every length
// of c.lengths (offsets 0), then at every length of
// c.offLengths with the src offset swept (dst/b at 0) and with the
// dst/b offset swept (src at 0).
func runLengthsOffsets(m *quant.Impl, k floatKernel, p quant.Params, c sweepConfig, seed uint64) error {
	maxN := slices.Max(c.lengths)
	mixed, finite := masterInputs(p, maxN, seed)
	_, finite2 := masterInputs(p, maxN, seed+1000)
	var e errs
	for ii, in := range [][]float32{mixed, finite} {
		// SquaredError's b: finite data, so that finite-finite sums
		// (where the order of additions shows) run at every length.
		aux := [][]float32{finite2, finite2}[ii]
		for _, n := range c.lengths {
			e.add(k.check(m, in[:n], aux[:n], 0, 0, p, uint32(n)))
		}
		for _, n := range c.offLengths {
			for _, off := range c.offsets {
				e.add(k.check(m, in[:n], aux[:n], off, 0, p, uint32(n+off)))
				if k.name == "QuantizeU8" || k.name == "QuantizeI8" || k.name == "SquaredError" {
					e.add(k.check(m, in[:n], aux[:n], 0, off, p, uint32(n*off)))
				}
			}
		}
	}
	return e.err()
}

// suitePerKernel runs run for kernel k with every representative Params
// that fits it (once if k ignores Params).
func suitePerKernel(m *quant.Impl, k floatKernel, c sweepConfig, run func(*quant.Impl, floatKernel, quant.Params, sweepConfig, uint64) error) error {
	var e errs
	for i, p := range representativeParams() {
		if k.params && !k.fits(p) || !k.params && i > 0 {
			continue
		}
		e.add(run(m, k, p, c, uint64(i)))
	}
	return e.err()
}

func suiteDequantizeLengthsOffsets(m *quant.Impl, c sweepConfig) error {
	rng := rand.New(rand.NewPCG(3, 4))
	maxN := slices.Max(c.lengths)
	u := make([]uint8, maxN)
	for i := range u {
		u[i] = uint8(rng.Uint32())
	}
	s := make([]int8, maxN)
	for i := range s {
		s[i] = int8(u[(i*7+1)%maxN] ^ 0x80)
	}
	var e errs
	for _, p := range []quant.Params{
		{Scale: 0.0213, Zero: 37, Lo: 0, Hi: 255},
		{Scale: 0x1p-126, Zero: -quant.MaxZero, Lo: 0, Hi: 255},
		{Scale: 1e38, Zero: 3, Lo: 0, Hi: 255},
	} {
		for _, n := range c.lengths {
			e.add(diffDequantizeU8(m, srcBuf(u[:n], 0), p, 0, uint32(n)))
			e.add(diffDequantizeI8(m, srcBuf(s[:n], 0), p, 0, uint32(n)))
		}
		for _, n := range c.offLengths {
			for _, off := range c.offsets {
				e.add(diffDequantizeU8(m, srcBuf(u[:n], off), p, 0, uint32(n+off)))
				e.add(diffDequantizeU8(m, srcBuf(u[:n], 0), p, off, uint32(n+off)))
				e.add(diffDequantizeI8(m, srcBuf(s[:n], off), p, 0, uint32(n+off)))
				e.add(diffDequantizeI8(m, srcBuf(s[:n], 0), p, off, uint32(n+off)))
			}
		}
	}
	return e.err()
}

// laneBackgrounds are the inputs a lone special is placed in: +0 (where
// -0 and subnormals decide MinMax/AbsMax), -0, a constant 1, and random
// finite data.
func laneBackgrounds(n int, p quant.Params, seed uint64) map[string][]float32 {
	_, finite := masterInputs(p, n, seed)
	fill := func(v float32) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = v
		}
		return s
	}
	return map[string][]float32{"+0": fill(0), "-0": fill(negZero32), "1": fill(1), "random": finite}
}

// runSpecialLanes places every special value alone at every lane position
// of c.lanes and runs k on it, then runs every rotation of the list of all
// specials (so each appears at every position 0..len-1).
//
// Reductions (MinMax, AbsMax, SquaredError) see each of specialValues in
// four backgrounds (+0, where -0 and subnormals decide the result; -0; a
// constant 1; random finite data) at lengths pos+1 (special last), 64 and
// pos+67 (first vector, loop body, tail). Elementwise quantizers see
// specialValues and the Params' ties (paramSpecials, at positions below 32)
// in random data at lengths pos+1 and 64; QuantError also in +0.
func runSpecialLanes(m *quant.Impl, k floatKernel, p quant.Params, c sweepConfig, seed uint64) error {
	bgs := laneBackgrounds(256, p, seed)
	bgNames, lens := []string{"+0", "-0", "1", "random"}, []int{0, 64, 67}
	switch {
	case k.name == "QuantError":
		bgNames, lens = []string{"random", "+0"}, []int{0, 64}
	case k.params:
		bgNames, lens = []string{"random"}, []int{0, 64}
	}
	var e errs
	lone := func(sp []float32, lanes []int) {
		for _, bgName := range bgNames {
			bg := bgs[bgName]
			for si, v := range sp {
				for _, pos := range lanes {
					for _, n := range lens {
						n = max(n, pos+1)
						if n == 67 {
							n = pos + 67
						}
						in := slices.Clone(bg[:n])
						in[pos] = v
						aux := bg[len(bg)-n:]
						e.add(k.check(m, in, aux, 0, 0, p, uint32(si+pos)))
						if k.name == "SquaredError" {
							e.add(k.check(m, aux, in, 0, 0, p, 0))
						}
					}
				}
			}
		}
	}
	sp := specialValues()
	lone(sp, c.lanes)
	if k.params {
		ps := paramSpecials(p)
		var low []int
		for _, pos := range c.lanes {
			if pos < 32 {
				low = append(low, pos)
			}
		}
		lone(ps, low)
		sp = append(sp, ps...)
	}
	// Every rotation of the whole list, at two src offsets.
	for r := range len(sp) {
		in := append(slices.Clone(sp[r:]), sp[:r]...)
		rev := slices.Clone(in)
		slices.Reverse(rev)
		e.add(k.check(m, in, rev, 0, 0, p, uint32(r)))
		e.add(k.check(m, in, rev, 3, 1, p, uint32(r)))
	}
	return e.err()
}

// suiteRandomBits feeds uniformly random bit patterns (every NaN payload,
// every binade) to every float-input kernel (only that one if only is not
// "").
func suiteRandomBits(m *quant.Impl, short bool, only string) error {
	rng := rand.New(rand.NewPCG(5, 6))
	var e errs
	rounds := 200
	if short {
		rounds = 40
	}
	for r := range rounds {
		n := rng.IntN(300)
		a, b := randBits(rng, n), randBits(rng, n)
		for _, k := range floatKernels {
			if only != "" && k.name != only {
				continue
			}
			for _, p := range representativeParams() {
				if k.params && !k.fits(p) {
					continue
				}
				e.add(k.check(m, a, b, rng.IntN(64), rng.IntN(64), p, uint32(r)))
				if !k.params {
					break
				}
			}
		}
	}
	return e.err()
}
