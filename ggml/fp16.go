package ggml

import "math"

// FP32ToFP16 returns the binary16 bits of f as ggml converts it
// (GGML_FP32_TO_FP16, ggml_compute_fp32_to_fp16 in ggml-impl.h, the
// conversion of every quantize_row_*_ref and of ggml_fp32_to_fp16):
// round to nearest, ties to even; finite values beyond the largest half
// (from 65520 up) become ±Inf; results below the smallest normal are
// rounded to subnormals; ±0 keeps its sign. A NaN becomes sign|0x7E00: the
// payload is dropped, unlike github.com/x448/float16, which keeps its top
// bits (the two agree on every other input; the tests check all 2^32).
//
// The arithmetic is ggml's own: (|f|·2^112)·2^-110 added to a power of two
// chosen from f's exponent, which rounds at bit 13.
func FP32ToFP16(f float32) uint16 {
	const scaleToInf = 0x1p112
	const scaleToZero = 0x1p-110
	w := math.Float32bits(f)
	base := float32(float32(math.Float32frombits(w&0x7FFFFFFF)*scaleToInf) * scaleToZero)
	shl1 := w + w
	sign := w & 0x80000000
	if shl1 > 0xFF000000 {
		return uint16(sign>>16) | 0x7E00
	}
	bias := shl1 & 0xFF000000
	if bias < 0x71000000 {
		bias = 0x71000000
	}
	base = float32(math.Float32frombits((bias>>1)+0x07800000) + base)
	bits := math.Float32bits(base)
	nonsign := (bits>>13)&0x7C00 + bits&0x0FFF
	return uint16(sign>>16 | nonsign)
}

// FP16ToFP32 returns the float32 value of binary16 bits h as ggml computes
// it (GGML_FP16_TO_FP32): exact for every finite h and ±Inf; a NaN keeps
// its sign and payload (shifted into the top of the float32 mantissa) and
// is made quiet, as ggml's multiply by 2^-112 does.
func FP16ToFP32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1F
	mant := uint32(h & 0x3FF)
	switch exp {
	case 0x1F:
		if mant == 0 {
			return math.Float32frombits(sign | 0x7F800000)
		}
		return math.Float32frombits(sign | 0x7FC00000 | mant<<13)
	case 0:
		// mant·2^-24, exact; the sign is set by bits so that -0 stays -0.
		return math.Float32frombits(sign | math.Float32bits(float32(mant)*0x1p-24))
	}
	return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
}

// FP32ToBF16 returns the bfloat16 bits of f as ggml converts it
// (GGML_FP32_TO_BF16, ggml_compute_fp32_to_bf16): round to nearest, ties
// to even, overflow to ±Inf; a NaN keeps its top 16 bits with the quiet
// bit (0x40) forced on.
func FP32ToBF16(f float32) uint16 {
	u := math.Float32bits(f)
	if u&0x7FFFFFFF > 0x7F800000 {
		return uint16(u>>16) | 0x40
	}
	return uint16((u + 0x7FFF + (u>>16)&1) >> 16)
}

// BF16ToFP32 returns the float32 whose top 16 bits are h (exact; NaN
// payloads unchanged).
func BF16ToFP32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }
