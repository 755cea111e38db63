package quant

import "math"

// This file is the specification written as code: every other
// implementation must return exactly these bits. It has no build tags and
// is always compiled and tested. Every float32 operation is wrapped in an
// explicit float32(...) conversion, which forbids the compiler from fusing
// a multiply and an add into an FMA (the Go spec allows fusion otherwise).

// genericKernels is the reference implementation (grouped kernels:
// kernel_generic_blocked.go).
var genericKernels = kernels{
	quantizeU8:   quantize8Generic[uint8],
	quantizeI8:   quantize8Generic[int8],
	dequantizeU8: dequantize8Generic[uint8],
	dequantizeI8: dequantize8Generic[int8],
	minMax:       minMaxGeneric,
	absMax:       absMaxGeneric,
	quantError:   quantErrorGeneric,
	squaredError: squaredErrorGeneric,

	quantizeBlocksI8:   quantizeBlocks8Generic[int8],
	quantizeBlocksU8:   quantizeBlocks8Generic[uint8],
	dequantizeBlocksI8: dequantizeBlocks8Generic[int8],
	dequantizeBlocksU8: dequantizeBlocks8Generic[uint8],
	quantizeBlocksI4:   quantizeBlocksI4Generic,
	dequantizeBlocksI4: dequantizeBlocksI4Generic,
	minMaxColumns:      minMaxColumnsGeneric,
	quantizeColumnsI8:  composeColumns(quantizeBlocks8Generic[int8]),
	quantizeColumnsU8:  composeColumns(quantizeBlocks8Generic[uint8]),
	quantizeI4:         quantizeI4Generic,
	dequantizeI4:       dequantizeI4Generic,
}

// pytorchInv is the PyTorch convention's multiplier, float32(1/s).
func pytorchInv(s float32) float32 { return float32(1 / s) }

// quantizeOne is the quantization formula for one element.
//
//	x' = 0 if x is NaN, else x
//	Seed:    v = rne(float32(float32(x'/s) + float32(z)))        q = clamp(v, lo, hi)
//	ONNX:    v = rne(float32(x'/s))                              q = clamp(v + z, lo, hi)
//	PyTorch: v = rne(float32(x'*inv)), inv = float32(1/s)        q = clamp(v + z, lo, hi)
//
// v is an integer-valued float32 or ±Inf; the sum v + z and the clamp are
// done in float64 (exact below 2^53, monotone above), so no conversion
// ever sees an out-of-range value.
func quantizeOne(x float32, c Convention, s, inv float32, z, lo, hi int32) int32 {
	if x != x {
		x = 0
	}
	var v float64
	switch c {
	case Seed:
		v = math.RoundToEven(float64(float32(float32(x/s) + float32(z))))
	case ONNX:
		v = math.RoundToEven(float64(float32(x/s))) + float64(z)
	default: // PyTorch
		v = math.RoundToEven(float64(float32(x*inv))) + float64(z)
	}
	if v <= float64(lo) {
		return lo
	}
	if v >= float64(hi) {
		return hi
	}
	return int32(v)
}

// quantize8Generic quantizes src into dst[:len(src)], as int8 or uint8 (T):
// q = quantizeOne(x), which p's bounds keep inside T.
func quantize8Generic[T int8 | uint8](dst []T, src []float32, p Params) {
	c, s, inv, z, lo, hi := p.Convention, p.Scale, pytorchInv(p.Scale), p.Zero, p.Lo, p.Hi
	dst = dst[:len(src)]
	for i, x := range src {
		dst[i] = T(quantizeOne(x, c, s, inv, z, lo, hi))
	}
}

// dequantize8Generic: x = float32(q - z) * s, the int32 difference
// converted with round-to-nearest-even, one float32 multiply.
func dequantize8Generic[T int8 | uint8](dst []float32, src []T, p Params) {
	s, z := p.Scale, p.Zero
	dst = dst[:len(src)]
	for i, q := range src {
		dst[i] = float32(float32(int32(q)-z) * s)
	}
}

// minMaxGeneric: NaN is skipped; finite is false if any element is NaN or
// ±Inf; a zero result is +0. With no non-NaN element, lo = +Inf and
// hi = -Inf (the identities of min and max).
func minMaxGeneric(src []float32) (lo, hi float32, finite bool) {
	lo, hi = float32(math.Inf(1)), float32(math.Inf(-1))
	finite = true
	for _, x := range src {
		if x-x != 0 { // NaN or ±Inf
			finite = false
			if x != x {
				continue
			}
		}
		if x < lo {
			lo = x
		}
		if x > hi {
			hi = x
		}
	}
	// -0 + +0 = +0 under round-to-nearest; every other value is unchanged.
	return lo + 0, hi + 0, finite
}

// absMaxGeneric returns max |x|, skipping NaN; +0 for an empty or all-NaN
// or all-zero input; +Inf if any element is ±Inf.
func absMaxGeneric(src []float32) float32 {
	var m float32
	for _, x := range src {
		a := float32(math.Abs(float64(x)))
		if a > m { // false for NaN
			m = a
		}
	}
	return m
}

// sumLanes is the number of float64 partial sums of QuantError and
// SquaredError: element i is added to lane i % sumLanes, in index order.
const sumLanes = 16

// combineLanes adds the lanes by a fixed pairwise tree:
// l[i] += l[i+8] (i < 8), l[i] += l[i+4] (i < 4), l[i] += l[i+2] (i < 2),
// then l[0] + l[1]. (NaN payloads are made canonical by the caller, see
// Impl.QuantError.)
func combineLanes(l *[sumLanes]float64) float64 {
	for w := sumLanes / 2; w >= 1; w /= 2 {
		for i := 0; i < w; i++ {
			l[i] = l[i] + l[i+w]
		}
	}
	return l[0]
}

// quantErrorGeneric: sum over i of d*d, d = float64(x) - float64(dequant(quant(x))),
// each term rounded to float64 before it is added to its lane.
func quantErrorGeneric(src []float32, p Params) float64 {
	var l [sumLanes]float64
	quantErrorLanes(&l, src, 0, p)
	return combineLanes(&l)
}

// quantErrorLanes adds the QuantError terms of src[i0:] to l, element i
// into lane i%sumLanes in index order: the whole reference loop, and the
// tail after a SIMD kernel has filled the lanes for src[:i0].
func quantErrorLanes(l *[sumLanes]float64, src []float32, i0 int, p Params) {
	c, s, inv, z, lo, hi := p.Convention, p.Scale, pytorchInv(p.Scale), p.Zero, p.Lo, p.Hi
	for i := i0; i < len(src); i++ {
		x := src[i]
		q := quantizeOne(x, c, s, inv, z, lo, hi)
		y := float32(float32(q-z) * s)
		d := float64(x) - float64(y)
		l[i%sumLanes] = l[i%sumLanes] + float64(d*d)
	}
}

// squaredErrorGeneric: sum over i of d*d, d = float64(a[i]) - float64(b[i]).
func squaredErrorGeneric(a, b []float32) float64 {
	var l [sumLanes]float64
	squaredErrorLanes(&l, a, b, 0)
	return combineLanes(&l)
}

// squaredErrorLanes is quantErrorLanes for SquaredError (len(b) >= len(a)).
func squaredErrorLanes(l *[sumLanes]float64, a, b []float32, i0 int) {
	b = b[:len(a)]
	for i := i0; i < len(a); i++ {
		d := float64(a[i]) - float64(b[i])
		l[i%sumLanes] = l[i%sumLanes] + float64(d*d)
	}
}
