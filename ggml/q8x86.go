package ggml

import (
	"fmt"
	"math"
)

// QuantizeQ8_0X86 writes Q8_0 blocks for src into dst[:Q8_0.RowSize(len(src))]
// with the arithmetic of ggml's x86 SIMD quantize_row_q8_0 (ggml-cpu,
// arch/x86/quants.c, the path of every AVX, AVX2 and AVX-512 build): the
// quantizer llama.cpp applies to activations at run time on x86. It
// differs from Quantize(Q8_0, ...), ggml's reference, in two places:
//
//	id = amax != 0 ? 127/amax : 0     (the reference: 1/(amax/127))
//	q  = sat8(cvt(rne(x·id)))          (the reference: roundf, halves away from zero)
//
// with d = amax/127 stored as FP32ToFP16(d) in both. rne rounds halves to
// even (VROUNDPS), cvt is VCVTPS2DQ (0x80000000 for ±Inf, NaN or beyond
// int32) and sat8 the saturating packs to int8; they matter only when
// amax < 127/MaxFloat32 (about 2^-121) makes id infinite, where every
// element becomes -128, as in ggml.
//
// len(src) must be a multiple of 32 (else an error wrapping ErrLength); a
// NaN or ±Inf gives a *quant.NotFiniteError and writes nothing. It panics
// if dst is too short.
func QuantizeQ8_0X86(dst []byte, src []float32) error {
	if len(src)%QK != 0 {
		return fmt.Errorf("ggml.QuantizeQ8_0X86: %w: %d elements (block %d)", ErrLength, len(src), QK)
	}
	if need := Q8_0.RowSize(len(src)); len(dst) < need {
		panic(fmt.Sprintf("ggml.QuantizeQ8_0X86: dst has %d bytes, %d elements need %d", len(dst), len(src), need))
	}
	if err := checkFinite(src, 0); err != nil {
		return err
	}
	for i, o := 0, 0; i < len(src); i, o = i+QK, o+34 {
		quantQ8_0X86(dst[o:o+34], src[i:i+QK])
	}
	return nil
}

func quantQ8_0X86(b []byte, x []float32) {
	var amax float32
	for _, v := range x[:QK] {
		amax = max(amax, abs32(v)) // finite input: MAXPS order does not matter
	}
	putF16(b, amax/127)
	var id float32
	if amax != 0 {
		id = 127 / amax
	}
	q := b[2 : 2+QK]
	for j, v := range x[:QK] {
		r := float32(math.RoundToEven(float64(float32(v * id))))
		var c int32 = math.MinInt32
		if r >= -2147483648 && r < 2147483648 {
			c = int32(r)
		}
		q[j] = byte(int8(max(-128, min(127, c))))
	}
}
