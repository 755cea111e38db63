//go:build gc && !purego

package ggml

import (
	"unsafe"

	"github.com/klauspost/cpuid/v2"
	"golang.org/x/sys/cpu"
)

//go:generate go run -C ../asm . -ggml -out ../ggml/kernel_amd64.s

// The AVX2 kernels (with F16C for the fp16 scales), generated from
// asm/ggml.go. Each walks nb whole blocks, reading exactly the source
// blocks and writing exactly the destination blocks, and gives the bytes
// or floats of the per-block reference code in legacy.go for every input
// (quantize: finite src, as Quantize checks first; dequantize: any
// bytes, NaN and ±Inf scales included, x86 propagating the first NaN
// operand exactly as mulx and addx do).

// q8_0QuantAVX2 is quantQ8_0 over nb blocks: 32·nb floats of src into
// 34·nb bytes of dst.
//
//go:noescape
func q8_0QuantAVX2(dst *byte, src *float32, nb int)

// q8_1QuantAVX2 is quantQ8_1 over nb blocks: 32·nb floats of src into
// 36·nb bytes of dst.
//
//go:noescape
func q8_1QuantAVX2(dst *byte, src *float32, nb int)

// The legacy quantizers, quantQ4_0, quantQ4_1, quantQ5_0 and quantQ5_1
// over nb blocks: 32·nb floats of src into 18, 20, 22 or 24 bytes per
// block of dst.

//go:noescape
func q4_0QuantAVX2(dst *byte, src *float32, nb int)

//go:noescape
func q4_1QuantAVX2(dst *byte, src *float32, nb int)

//go:noescape
func q5_0QuantAVX2(dst *byte, src *float32, nb int)

//go:noescape
func q5_1QuantAVX2(dst *byte, src *float32, nb int)

// finiteBlocksAVX2 returns the number of leading 32-element blocks of
// the nb at src that hold no NaN or ±Inf (nb if none does).
//
//go:noescape
func finiteBlocksAVX2(src *float32, nb int) int

// The dequantizers: nb blocks of src (34, 36, 18, 20, 22, 24 bytes) into
// 32·nb floats of dst.

//go:noescape
func q8_0DequantAVX2(dst *float32, src *byte, nb int)

//go:noescape
func q8_1DequantAVX2(dst *float32, src *byte, nb int)

//go:noescape
func q4_0DequantAVX2(dst *float32, src *byte, nb int)

//go:noescape
func q4_1DequantAVX2(dst *float32, src *byte, nb int)

//go:noescape
func q5_0DequantAVX2(dst *float32, src *byte, nb int)

//go:noescape
func q5_1DequantAVX2(dst *float32, src *byte, nb int)

// The k-quant dequantizers: nb super-blocks of src (Q4_K 144 bytes, Q5_K
// 176, Q6_K 210, Q8_K 292) into 256·nb floats of dst.

//go:noescape
func q4_KDequantAVX2(dst *float32, src *byte, nb int)

//go:noescape
func q5_KDequantAVX2(dst *float32, src *byte, nb int)

//go:noescape
func q6_KDequantAVX2(dst *float32, src *byte, nb int)

//go:noescape
func q8_KDequantAVX2(dst *float32, src *byte, nb int)

// hasAVX2 reports whether the kernels can run: AVX2 and F16C (every AVX2
// CPU has F16C, but x/sys/cpu does not report it; cpuid does).
var hasAVX2 = cpu.X86.HasAVX2 && cpuid.CPU.Supports(cpuid.F16C)

func init() {
	if !hasAVX2 {
		return
	}
	simdFinite = func(src []float32) int {
		if nb := len(src) / QK; nb > 0 {
			return QK * finiteBlocksAVX2(unsafe.SliceData(src), nb)
		}
		return 0
	}
	simdQuant[Q8_0] = quantRow(q8_0QuantAVX2)
	simdQuant[Q8_1] = quantRow(q8_1QuantAVX2)
	simdQuant[Q4_0] = quantRow(q4_0QuantAVX2)
	simdQuant[Q4_1] = quantRow(q4_1QuantAVX2)
	simdQuant[Q5_0] = quantRow(q5_0QuantAVX2)
	simdQuant[Q5_1] = quantRow(q5_1QuantAVX2)
	for t, k := range map[Type]func(*float32, *byte, int){
		Q8_0: q8_0DequantAVX2, Q8_1: q8_1DequantAVX2,
		Q4_0: q4_0DequantAVX2, Q4_1: q4_1DequantAVX2,
		Q5_0: q5_0DequantAVX2, Q5_1: q5_1DequantAVX2,
		Q4_K: q4_KDequantAVX2, Q5_K: q5_KDequantAVX2,
		Q6_K: q6_KDequantAVX2, Q8_K: q8_KDequantAVX2,
	} {
		simdDequant[t] = dequantRow(t, k)
	}
}

// quantRow adapts a quantize kernel to whole rows of 32-element blocks
// (the callers have checked the lengths).
func quantRow(k func(*byte, *float32, int)) func([]byte, []float32) {
	return func(dst []byte, src []float32) {
		if nb := len(src) / QK; nb > 0 {
			k(unsafe.SliceData(dst), unsafe.SliceData(src), nb)
		}
	}
}

// dequantRow adapts a dequantize kernel to len(src)/t.TypeSize() blocks.
func dequantRow(t Type, k func(*float32, *byte, int)) func([]float32, []byte) {
	ts := t.TypeSize()
	return func(dst []float32, src []byte) {
		if nb := len(src) / ts; nb > 0 {
			k(unsafe.SliceData(dst), unsafe.SliceData(src), nb)
		}
	}
}
