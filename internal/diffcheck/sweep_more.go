package diffcheck

import (
	"math"
	"math/rand/v2"

	"github.com/quantkernel/quant"
)

// Sweeps that were architecture tests (amd64_test.go, arm64_test.go)
// before they were folded in here, so that every implementation gets
// them: constant inputs, the order of the sums on terms of wildly
// different size, and every pair of clamp bounds.

// constantLengths are the lengths of the constant-input suite: around the
// vector widths and the unrolled blocks of the SIMD kernels.
var constantLengths = []int{1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 100, 127, 128, 129, 300}

// suiteConstants runs every float-input kernel on inputs whose every
// element is the same special value (all NaN, all -0, all +Inf, all
// subnormal, ...): the identities of MinMax and AbsMax, the NaN and
// infinite sums, a vector of one repeated tie.
func suiteConstants(m *quant.Impl, only string) error {
	var e errs
	rp := representativeParams()
	for si, v := range specialValues() {
		for _, n := range constantLengths {
			in := make([]float32, n)
			for i := range in {
				in[i] = v
			}
			for _, k := range floatKernels {
				if only != "" && k.name != only {
					continue
				}
				for pi, p := range rp {
					if k.params && !k.fits(p) || !k.params && pi > 0 {
						continue
					}
					if k.params && (si+n+pi)%3 != 0 {
						continue // a third of the Params per value, in rotation
					}
					e.add(k.check(m, in, in, n%5, n%3, p, uint32(si)))
				}
			}
		}
	}
	return e.err()
}

// suiteWideSums pins the summation order of QuantError and SquaredError:
// terms whose squares span 2^-60..2^60 make any other lane assignment or
// combining tree give a different float64, at every length 16..80 (the
// first blocks and the Go tail) and at long lengths with odd tails.
func suiteWideSums(m *quant.Impl, only string) error {
	var e errs
	rng := rand.New(rand.NewPCG(7, 8))
	lengths := []int{1021, 4096, 4111, 65537}
	for n := 16; n <= 80; n++ {
		lengths = append(lengths, n)
	}
	for _, n := range lengths {
		x, y, z := make([]float32, n), make([]float32, n), make([]float32, n)
		for i := range x {
			x[i] = float32(math.Ldexp(rng.Float64(), rng.IntN(60)-30))
			y[i] = float32(rng.NormFloat64())
			z[i] = float32(math.Ldexp(1+float64(i)/7, (i*37)%60-30))
		}
		if only == "" || only == "SquaredError" {
			e.add(diffSquaredError(m, srcBuf(x, 0), srcBuf(y, n%7)))
			e.add(diffSquaredError(m, srcBuf(z, 3), srcBuf(make([]float32, n), 0)))
		}
		if only == "" || only == "QuantError" {
			for _, c := range conventions {
				p := quant.Params{Scale: 0.013, Zero: 3, Lo: -128, Hi: 127, Convention: c}
				e.add(diffQuantError(m, srcBuf(x, n%5), p))
				e.add(diffQuantError(m, srcBuf(z, 0), p))
			}
		}
	}
	return e.err()
}

// suiteBounds quantizes at one length with a tail (37) under every pair
// of bounds lo <= hi of int8 and uint8 stepped by 5 and 7, in every
// convention, on the specials and the ties of each Params: the bounds
// reach the right lanes of the constants.
func suiteBounds(m *quant.Impl, only string) error {
	var e errs
	rng := rand.New(rand.NewPCG(9, 10))
	const n = 37
	for _, signed := range []bool{true, false} {
		min, max := int32(0), int32(255)
		name := "QuantizeU8"
		if signed {
			min, max, name = -128, 127, "QuantizeI8"
		}
		if only != "" && only != name {
			continue
		}
		for lo := min; lo <= max; lo += 5 {
			for hi := lo; hi <= max; hi += 7 {
				for _, c := range conventions {
					p := quant.Params{Scale: 0.7, Zero: (lo + hi) / 3, Lo: lo, Hi: hi, Convention: c}
					sp := append(specialValues(), paramSpecials(p)...)
					in := randFloats(rng, n, float32(float64(p.Scale)*float64(hi-lo+1)))
					for i := rng.IntN(3); i < n; i += 1 + rng.IntN(3) {
						in[i] = sp[rng.IntN(len(sp))]
					}
					if signed {
						e.add(diffQuantizeI8(m, srcBuf(in, int(lo)&7), p, int(hi)&7, uint32(lo)))
					} else {
						e.add(diffQuantizeU8(m, srcBuf(in, int(lo)&7), p, int(hi)&7, uint32(lo)))
					}
				}
			}
		}
	}
	return e.err()
}
