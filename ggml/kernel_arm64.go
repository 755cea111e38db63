//go:build gc && !purego

package ggml

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// The NEON kernels (kernel_arm64.s, hand-written with the WORD macros of
// kernel_arm64.h). Each walks up to nb whole blocks, reading exactly the
// source blocks and writing exactly the destination blocks, gives the
// bytes or floats of the per-block reference code (legacy.go, kquants.go)
// and returns the number of blocks done: it stops, with nothing of that
// block written, at the first block that the reference must do, where
// x86's results (which ggml's reference and the oracle vectors have) are
// not ARM's:
//
//   - dequantize: a block with a ±Inf or NaN scale (fp16; Q8_K's float32
//     d). x86's default NaN (Inf·0, Inf-Inf) is 0xFFC00000, ARM's
//     0x7FC00000.
//   - quantize (src finite, as Quantize checks first): a block whose
//     1/d overflows to ±Inf (d nonzero below 2^-128). x86 converts the
//     Inf and NaN products x·id to INT32_MIN, ARM saturates them.
//
// The wrappers below run the reference on that block and call again.

//go:noescape
func q8_0QuantNEON(dst *byte, src *float32, nb int) int

//go:noescape
func q8_1QuantNEON(dst *byte, src *float32, nb int) int

//go:noescape
func q4_0QuantNEON(dst *byte, src *float32, nb int) int

//go:noescape
func q4_1QuantNEON(dst *byte, src *float32, nb int) int

//go:noescape
func q5_0QuantNEON(dst *byte, src *float32, nb int) int

//go:noescape
func q5_1QuantNEON(dst *byte, src *float32, nb int) int

// finiteBlocksNEON returns the number of leading 32-element blocks of the
// nb at src that hold no NaN or ±Inf (nb if none does).
//
//go:noescape
func finiteBlocksNEON(src *float32, nb int) int

//go:noescape
func q8_0DequantNEON(dst *float32, src *byte, nb int) int

//go:noescape
func q8_1DequantNEON(dst *float32, src *byte, nb int) int

//go:noescape
func q4_0DequantNEON(dst *float32, src *byte, nb int) int

//go:noescape
func q4_1DequantNEON(dst *float32, src *byte, nb int) int

//go:noescape
func q5_0DequantNEON(dst *float32, src *byte, nb int) int

//go:noescape
func q5_1DequantNEON(dst *float32, src *byte, nb int) int

// The k-quant dequantizers: nb super-blocks (144, 176, 210 and 292
// bytes) into 256·nb floats.

//go:noescape
func q4_KDequantNEON(dst *float32, src *byte, nb int) int

//go:noescape
func q5_KDequantNEON(dst *float32, src *byte, nb int) int

//go:noescape
func q8_KDequantNEON(dst *float32, src *byte, nb int) int

//go:noescape
func q6_KDequantNEON(dst *float32, src *byte, nb int) int

// hasNEON reports whether the kernels can run: ASIMD (every ARMv8-A CPU;
// GODEBUG=cpu.asimd=off clears it).
var hasNEON = cpu.ARM64.HasASIMD

func init() {
	if !hasNEON {
		return
	}
	simdFinite = func(src []float32) int {
		if nb := len(src) / QK; nb > 0 {
			return QK * finiteBlocksNEON(unsafe.SliceData(src), nb)
		}
		return 0
	}
	for t, k := range map[Type]func(*byte, *float32, int) int{
		Q8_0: q8_0QuantNEON, Q8_1: q8_1QuantNEON,
		Q4_0: q4_0QuantNEON, Q4_1: q4_1QuantNEON,
		Q5_0: q5_0QuantNEON, Q5_1: q5_1QuantNEON,
	} {
		simdQuant[t] = quantRowNEON(t, k)
	}
	for t, k := range map[Type]func(*float32, *byte, int) int{
		Q8_0: q8_0DequantNEON, Q8_1: q8_1DequantNEON,
		Q4_0: q4_0DequantNEON, Q4_1: q4_1DequantNEON,
		Q5_0: q5_0DequantNEON, Q5_1: q5_1DequantNEON,
		Q4_K: q4_KDequantNEON, Q5_K: q5_KDequantNEON,
		Q6_K: q6_KDequantNEON, Q8_K: q8_KDequantNEON,
	} {
		simdDequant[t] = dequantRowNEON(t, k)
	}
}

// quantRowNEON adapts a quantize kernel to whole rows of 32-element
// blocks (the callers have checked the lengths), running the reference on
// the blocks the kernel leaves.
func quantRowNEON(t Type, k func(*byte, *float32, int) int) func([]byte, []float32) {
	ts, ref := t.TypeSize(), codecs[t].quant
	return func(dst []byte, src []float32) {
		nb := len(src) / QK
		for i := 0; i < nb; i++ {
			i += k(&dst[i*ts], &src[i*QK], nb-i)
			if i < nb {
				ref(dst[i*ts:(i+1)*ts], src[i*QK:(i+1)*QK])
			}
		}
	}
}

// dequantRowNEON adapts a dequantize kernel to the len(src)/t.TypeSize()
// blocks of src, running the reference on the blocks the kernel leaves.
func dequantRowNEON(t Type, k func(*float32, *byte, int) int) func([]float32, []byte) {
	bs, ts, ref := t.BlockSize(), t.TypeSize(), codecs[t].dequant
	return func(dst []float32, src []byte) {
		nb := len(src) / ts
		for i := 0; i < nb; i++ {
			i += k(&dst[i*bs], &src[i*ts], nb-i)
			if i < nb {
				ref(dst[i*bs:(i+1)*bs], src[i*ts:(i+1)*ts])
			}
		}
	}
}
