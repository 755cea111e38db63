package ggml

import (
	"encoding/binary"
	"math"
)

// The C operations of ggml's reference code, with the behaviour of the
// x86-64 build that the oracle vectors come from, written so that Go gives
// the same bits on every architecture. Every product in this package is
// wrapped in float32(...) so that the compiler cannot fuse it with an add.

func abs32(f float32) float32 { return math.Float32frombits(math.Float32bits(f) &^ (1 << 31)) }

// cvtt is C's float → int conversion as x86 performs it (CVTTSS2SI,
// CVTTPS2DQ): truncation toward zero, and INT32_MIN (0x80000000) for NaN
// and for values outside the int32 range. ggml's (int8_t)/(uint8_t) casts
// of a float compile to cvtt followed by keeping the low byte. Inputs are
// finite, but a subnormal scale can make the reciprocal Inf and the
// product Inf or NaN (0·Inf); this is what ggml then stores.
func cvtt(f float32) int32 {
	if f >= -2147483648 && f < 2147483648 {
		return int32(f)
	}
	return math.MinInt32
}

// roundf is C's roundf: to nearest, halves away from zero. The result is
// exact in float64 and converts back to float32 exactly.
func roundf(f float32) float32 { return float32(math.Round(float64(f))) }

// nearestInt is ggml's nearest_int: the bits of fval + 1.5·2^23 (round to
// nearest even for |fval| <= 2^22 - 1, ggml's asserted domain; outside it,
// including ±Inf and NaN, the same bit formula, as ggml's release build
// computes it).
func nearestInt(fval float32) int32 {
	v := float32(fval + 12582912)
	i := int32(math.Float32bits(v))
	return (i & 0x007FFFFF) - 0x00400000
}

// cmax and cmin are C's MAX(a, b) = a > b ? a : b and MIN(a, b) =
// a < b ? a : b (ggml-impl.h), on ints.
func cmax(a, b int32) int32 {
	if a > b {
		return a
	}
	return b
}

func cmin(a, b int32) int32 {
	if a < b {
		return a
	}
	return b
}

func putF16(b []byte, f float32) { binary.LittleEndian.PutUint16(b, FP32ToFP16(f)) }
func getF16(b []byte) float32    { return FP16ToFP32(binary.LittleEndian.Uint16(b)) }

// x86DefaultNaN is the NaN an x86 SSE operation returns for an invalid
// operation (0·Inf, Inf-Inf): sign set, quiet bit set, no payload. ARM
// returns 0x7FC00000 instead.
const x86DefaultNaN = 0xFFC00000

// mulx, addx and subx are float32 a·b, a+b and a-b with x86 SSE's NaN
// results on every architecture, so that dequantizing blocks with ±Inf or
// NaN scales gives ggml's x86 bits: a NaN operand is returned made quiet
// (the first one, in ggml's source order, if both are NaN), and an invalid
// operation returns x86DefaultNaN. For results that are not NaN, this is
// the plain rounded operation.
func mulx(a, b float32) float32 { return fixNaN(float32(a*b), a, b) }
func addx(a, b float32) float32 { return fixNaN(a+b, a, b) }
func subx(a, b float32) float32 { return fixNaN(a-b, a, b) }

// finite reports whether all of v are neither ±Inf nor NaN. The
// dequantizers use plain float32 operations for blocks whose scales are
// finite (no NaN can arise there: the codes are small integers) and mulx,
// addx, subx for the others.
func finite(v ...float32) bool {
	for _, f := range v {
		if math.Float32bits(f)&0x7F800000 == 0x7F800000 {
			return false
		}
	}
	return true
}

func fixNaN(r, a, b float32) float32 {
	if r == r {
		return r
	}
	return nanOf(a, b)
}

func nanOf(a, b float32) float32 {
	switch {
	case a != a:
		return math.Float32frombits(math.Float32bits(a) | 0x00400000)
	case b != b:
		return math.Float32frombits(math.Float32bits(b) | 0x00400000)
	}
	return math.Float32frombits(x86DefaultNaN)
}
