package diffcheck

import (
	"math"
	"math/rand/v2"

	"github.com/quantkernel/quant"
)

// Special-value generators shared by the differential, guard-page and fuzz
// tests. Every generator is deterministic.

// nanBits32 are NaN bit patterns: quiet and signalling, both signs, several
// payloads (the smallest, the largest, and a few in between).
var nanBits32 = []uint32{
	0x7FC00000, // +qNaN, Go's math.NaN() as float32
	0xFFC00000, // -qNaN, the x86 "default NaN"
	0x7FC00001, // +qNaN, payload 1
	0x7FFFFFFF, // +qNaN, all payload bits
	0xFFFFFFFF, // -qNaN, all payload bits
	0x7FD55555, // +qNaN, mixed payload
	0x7F800001, // +sNaN, smallest payload
	0xFF800001, // -sNaN, smallest payload
	0x7FA00000, // +sNaN
	0x7FBFFFFF, // +sNaN, largest payload
	0xFFA5A5A5, // -sNaN, mixed payload
}

func fbits(b uint32) float32 { return math.Float32frombits(b) }

// negZero32 is -0 as a float32.
var negZero32 = fbits(0x80000000)

// specialValues are the input values every kernel is tested with at every
// lane position: NaNs (see nanBits32), ±Inf, ±0, subnormals, the normal
// limits, ±MaxFloat32, small integers and halves (ties at scale 1),
// powers of two at the edges of float32's integer range and around 2^31.
func specialValues() []float32 {
	var s []float32
	for _, b := range nanBits32 {
		s = append(s, fbits(b))
	}
	for _, b := range []uint32{
		0x7F800000, // +Inf
		0x00000000, // +0
		0x00000001, // smallest subnormal
		0x00000002,
		0x00012345, // a mid subnormal
		0x007FFFFF, // largest subnormal
		0x00800000, // smallest normal
		0x00800001,
		0x7F7FFFFF, // MaxFloat32
		0x7F7FFFFE,
		0x3F800000, // 1
		0x3F000000, // 0.5
		0x3FC00000, // 1.5
		0x40200000, // 2.5
		0x3EFFFFFF, // 0.49999997
		0x3F000001, // 0.50000006
		0x4B000000, // 2^23
		0x4AFFFFFF, // 2^23 - 0.5
		0x4B000001, // 2^23 + 1
		0x4B800000, // 2^24
		0x4F000000, // 2^31
		0x4EFFFFFF, // 2^31 - 128
		0x4F000001, // 2^31 + 256
		0x4F800000, // 2^32
		0x42FE0000, // 127
		0x42FF0000, // 127.5
		0x43000000, // 128
		0x437F0000, // 255
		0x437F8000, // 255.5
		0x43800000, // 256
	} {
		s = append(s, fbits(b), fbits(b|0x80000000)) // and the negative
	}
	return s
}

// preRound is the float32 value the convention of p rounds to an integer
// (for Seed it already includes the zero point).
func preRound(x float32, p quant.Params) float32 {
	switch p.Convention {
	case quant.Seed:
		return float32(float32(x/p.Scale) + float32(p.Zero))
	case quant.ONNX:
		return float32(x / p.Scale)
	default:
		return float32(x * float32(1/p.Scale))
	}
}

// nextUp and nextDown step one ulp (through ±0 and into ±Inf).
func nextUp(x float32) float32   { return float32(math.Nextafter32(x, float32(math.Inf(1)))) }
func nextDown(x float32) float32 { return float32(math.Nextafter32(x, float32(math.Inf(-1)))) }

// tieInput returns an x with preRound(x, p) == t exactly if one exists
// within a few ulps of the obvious candidate, and whether it was found
// and t is a .5 tie; otherwise the candidate itself.
func tieInput(t float32, p quant.Params) (float32, bool) {
	isTie := t-float32(math.Floor(float64(t))) == 0.5
	var x0 float32
	switch p.Convention {
	case quant.Seed:
		x0 = float32(float32(t-float32(p.Zero)) * p.Scale)
	case quant.ONNX:
		x0 = float32(t * p.Scale)
	default:
		x0 = float32(t / float32(1/p.Scale))
	}
	if x0-x0 != 0 { // ±Inf: no finite input reaches t
		return x0, false
	}
	up, down := x0, x0
	for range 8 {
		if preRound(up, p) == t {
			return up, isTie
		}
		if preRound(down, p) == t {
			return down, isTie
		}
		up, down = nextUp(up), nextDown(down)
	}
	return x0, false
}

// paramSpecials are the inputs that matter for p: for each rounding
// boundary near Lo, Hi, the zero point and 0 (the .5 tie in the domain the
// convention rounds, x*inv for PyTorch), the tie input and two ulps either
// side; the clamp boundaries; values near ±2^31·s, ±2^24·s, ±2^23·s.
func paramSpecials(p quant.Params) []float32 {
	var s []float32
	zq := float32(0) // the zero point's offset in the pre-round domain
	if p.Convention != quant.Seed {
		zq = float32(p.Zero)
	}
	add := func(x float32) {
		s = append(s, nextDown(nextDown(x)), nextDown(x), x, nextUp(x), nextUp(nextUp(x)))
	}
	ks := []int32{p.Lo - 2, p.Lo - 1, p.Lo, p.Lo + 1, p.Hi - 1, p.Hi, p.Hi + 1,
		p.Zero - 2, p.Zero - 1, p.Zero, p.Zero + 1, (p.Lo + p.Hi) / 2}
	for _, k := range ks {
		// Boundary between q = k and q = k+1 (not a tie if float32
		// cannot hold it: then no input rounds there).
		t := float32(float64(k) + 0.5 - float64(zq))
		x, _ := tieInput(t, p)
		add(x)
	}
	for _, t := range []float32{0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 1, -1} {
		x, _ := tieInput(t, p)
		add(x)
	}
	for _, m := range []float32{1 << 31, 1 << 24, 1 << 23, 1 << 16} {
		x := float32(m * p.Scale)
		add(x)
		add(-x)
	}
	return s
}

// randFloats returns n values drawn from rng: normal and uniform at
// several magnitudes around mag (mag·1e-3 .. mag·1e3), with the occasional
// exact small integer multiple of mag.
func randFloats(rng *rand.Rand, n int, mag float32) []float32 {
	s := make([]float32, n)
	for i := range s {
		m := mag * [...]float32{1e-3, 1e-2, 1e-1, 1, 10, 100, 1000}[rng.IntN(7)]
		switch rng.IntN(4) {
		case 0:
			s[i] = float32(rng.NormFloat64()) * m
		case 1:
			s[i] = float32(rng.Float64()*2-1) * m
		case 2:
			s[i] = float32(rng.NormFloat64()) * mag
		default:
			s[i] = float32(rng.IntN(21)-10) * mag
		}
	}
	return s
}

// randBits returns n float32 values with uniformly random bit patterns:
// about 0.4% NaN (with random payloads), the rest spread over every
// binade.
func randBits(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = fbits(rng.Uint32())
	}
	return s
}

// boundsSet is one pair of clamp bounds.
type boundsSet struct{ lo, hi int32 }

// boundsTable lists the clamp bounds of the parameter sweep: for bits 2..8
// the unsigned, signed and narrow (symmetric) signed ranges and the
// unsigned narrow range 1..2^b-1, plus odd, degenerate and one-sided
// bounds.
func boundsTable() []boundsSet {
	var t []boundsSet
	for b := int32(2); b <= 8; b++ {
		t = append(t,
			boundsSet{0, 1<<b - 1},
			boundsSet{-(1 << (b - 1)), 1<<(b-1) - 1},
			boundsSet{-(1<<(b-1) - 1), 1<<(b-1) - 1},
			boundsSet{1, 1<<b - 1})
	}
	return append(t,
		boundsSet{3, 9}, boundsSet{5, 5}, boundsSet{0, 0}, boundsSet{255, 255},
		boundsSet{-128, -128}, boundsSet{127, 127}, boundsSet{-7, 100},
		boundsSet{-128, -1}, boundsSet{0, 127}, boundsSet{-1, 0}, boundsSet{200, 254})
}

// zerosFor lists zero points for bounds b: at and beside the bounds, the
// middle, 0, far outside, and ±MaxZero.
func zerosFor(b boundsSet) []int32 {
	return []int32{0, b.lo, b.hi, (b.lo + b.hi) / 2, b.lo - 1, b.hi + 1,
		-quant.MaxZero, quant.MaxZero, quant.MaxZero - 1, 1000, -1000, 128, -129}
}

// scaleTable lists scales of many magnitudes: 1, exact and inexact
// reciprocals, FBGEMM's example, the smallest normal and its neighbour,
// huge values up to MaxFloat32, and values next to 1.
var scaleTable = []float32{
	1, 0.5, 0.1, float32(1.0 / 3), 0.7, float32(1.0 / 255), 0.00214854861, 7, 255,
	1e-3, 1e3, 1e-20, 1e20, 0x1p-126, fbits(0x00800001), 0x1p-100, 1e38, math.MaxFloat32,
	fbits(0x3F800001), fbits(0x3F7FFFFF), 0.0213,
}

var conventions = []quant.Convention{quant.Seed, quant.ONNX, quant.PyTorch}

// paramsTable is the full parameter sweep: bounds × zero points × scales ×
// conventions (only valid Params). With short it keeps every bounds set
// and convention but a spread subset of zero points and scales.
func paramsTable(short bool) []quant.Params {
	var t []quant.Params
	n := 0
	for _, b := range boundsTable() {
		for zi, z := range zerosFor(b) {
			for si, s := range scaleTable {
				n++
				if short && (zi+si+n)%8 != 0 {
					continue
				}
				for _, c := range conventions {
					p := quant.Params{Scale: s, Zero: z, Lo: b.lo, Hi: b.hi, Convention: c}
					if p.Validate() == nil {
						t = append(t, p)
					}
				}
			}
		}
	}
	return t
}

// representativeParams are a few Params per convention used for the
// length, offset and lane-position sweeps: a uint8 range with an inexact
// scale, a signed symmetric range, odd bounds with the zero point outside,
// and a narrow 4-bit range with a zero point at MaxZero. Every one fits
// uint8 or int8 (check with fitsU8/fitsI8).
func representativeParams() []quant.Params {
	var t []quant.Params
	for _, c := range conventions {
		t = append(t,
			quant.Params{Scale: 0.0213, Zero: 37, Lo: 0, Hi: 255, Convention: c},
			quant.Params{Scale: 0.7, Zero: -3, Lo: -128, Hi: 127, Convention: c},
			quant.Params{Scale: float32(1.0 / 3), Zero: 100, Lo: 3, Hi: 9, Convention: c},
			quant.Params{Scale: 1, Zero: -quant.MaxZero, Lo: -7, Hi: 7, Convention: c},
		)
	}
	return t
}

func fitsU8(p quant.Params) bool { return p.ValidateU8() == nil }
func fitsI8(p quant.Params) bool { return p.ValidateI8() == nil }
