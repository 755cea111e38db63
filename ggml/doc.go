// Package ggml quantizes float32 to ggml's block formats and back, with the
// bytes of ggml's reference quantizers (quantize_row_<type>_ref in
// ggml/src/ggml-quants.c) and the floats of its dequantizers
// (dequantize_row_<type>), bit for bit, in pure Go.
//
// Types: Q8_0, Q8_1, Q4_0, Q4_1, Q5_0, Q5_1 (32-element blocks), Q4_K,
// Q5_K, Q6_K, Q8_K (256-element super-blocks), and the element types F32,
// F16 and BF16. Block layouts are those of ggml-common.h (see BlockQ4_K
// and the others); Type values are ggml's GGML_TYPE_* ids, as stored in
// GGUF files.
//
// # Arithmetic
//
// Each type's doc and code follow ggml's C expression by expression: every
// operation is float32 (ggml's reference uses no double), products are
// rounded on their own (no fused multiply-add, as in ggml's x86-64 build),
// scales are quantized with ggml's fp32 d and stored as FP32ToFP16(d).
// Rounding is roundf (halves away from zero) for Q8_0/Q8_1, truncation of
// x·id + 8.5 (Q4_0), + 16.5 (Q5_0) or + 0.5 (Q4_1, Q5_1), and nearest_int
// (halves to even) for the k-quants. Where a tiny (subnormal) block makes
// 1/d overflow, ggml's float → int8 casts see ±Inf or NaN; this package
// reproduces what ggml's x86-64 build stores then (x86's 0x80000000,
// whose low byte is 0), so the bytes agree for every finite input.
//
// # Contracts
//
// Quantize rejects an input holding NaN or ±Inf with a
// *quant.NotFiniteError (errors.Is(err, quant.ErrNotFinite)) naming the
// first such element, and writes nothing. Dequantize accepts any bytes:
// fp16 scales that are ±Inf or NaN give the bits ggml's x86-64 build
// gives, on every architecture: a NaN operand propagates made quiet (the
// first in ggml's expression if both are), and an invalid operation
// (Inf·0, Inf-Inf) gives x86's default NaN 0xFFC00000, where ARM
// hardware would give 0x7FC00000. Functions panic when dst is too short (a programming error) and
// return errors wrapping ErrType or ErrLength for an unsupported type or a
// length that is not a whole number of blocks. dst must not overlap src.
// All functions are safe for concurrent use and, when they succeed,
// allocate nothing, except QuantizeRows, which starts goroutines.
//
// # SIMD
//
// On amd64 with AVX2 and F16C (and not the purego build tag), quantize
// and dequantize of Q8_0, Q8_1, Q4_0, Q4_1, Q5_0 and Q5_1, dequantize of
// Q4_K, Q5_K, Q6_K and Q8_K, the searches of Q4_K, Q5_K and Q6_K
// quantize (one sub-block per lane, asm/ggml_kquants.go), and the NaN/Inf
// scan before quantizing, run assembly kernels (generated from asm/)
// that give the same bytes and floats as the pure-Go
// code for every input, NaN and ±Inf scales included; the rest of the
// k-quant code, Q8_K quantize, the element types, QuantizeQ8_0X86 and
// every other machine run the pure-Go code, which is the specification.
package ggml
