//go:build gc && !purego

#include "textflag.h"
#include "kernel_arm64.h"

// NEON kernels of the 32-element ggml formats and the k-quant
// dequantizers. Contracts: see the declarations in kernel_arm64.go; the
// arithmetic is that of legacy.go and kquants.go, bit for bit: each float32 operation of the reference is one NEON
// operation rounded on its own (FMUL then FADD, never FMLA), d and id are
// scalar FDIVs, the fp16 scales are FCVT (round to nearest even, as
// ggml's conversion for every value that is not NaN; the quantizers' d,
// s and min are never NaN). Macros: kernel_arm64.h.
//
// Each kernel walks whole blocks, one per iteration, and returns the
// number done; it stops early, before writing anything of it, at a block
// whose result needs the reference code (quantize: 1/d overflowing;
// dequantize: a ±Inf or NaN scale, whose NaN results differ between ARM
// and x86), and the Go wrapper runs that block there and calls again.

// The byte weights 1, 2, ..., 128 twice (bit j%8 of byte j), then the TBL
// indices that give each of the 32 bytes its byte of qh: 0×8 1×8, 2×8 3×8.
DATA qhconst<>+0(SB)/8, $0x8040201008040201
DATA qhconst<>+8(SB)/8, $0x8040201008040201
DATA qhconst<>+16(SB)/8, $0x0000000000000000
DATA qhconst<>+24(SB)/8, $0x0101010101010101
DATA qhconst<>+32(SB)/8, $0x0202020202020202
DATA qhconst<>+40(SB)/8, $0x0303030303030303
GLOBL qhconst<>(SB), RODATA|NOPTR, $48

// func q8_0QuantNEON(dst *byte, src *float32, nb int) int
TEXT ·q8_0QuantNEON(SB), NOSPLIT, $0-32
	QPROLOGUE(0x42fe0000) // 127
	CBZ	R2, q80done

q80loop:
	QLOAD32
	ABSMAXV32                // F16 = amax
	FDIVS	F31, F16, F17    // d = amax/127
	RECIP(q80id, q80done)    // V24 = id
	FMUL32(24)
	FCVTAS32                 // roundf, to int32
	NARROW32
	PUTF16(F17, 0)
	ADD	$2, R0, R6
	VST1	[V12.B16, V13.B16], (R6)
	NEXTBLOCK(R0, 34, q80loop)

q80done:
	MOVD	R3, ret+24(FP)
	RET

// func q8_1QuantNEON(dst *byte, src *float32, nb int) int
TEXT ·q8_1QuantNEON(SB), NOSPLIT, $0-32
	QPROLOGUE(0x42fe0000) // 127
	CBZ	R2, q81done

q81loop:
	QLOAD32
	ABSMAXV32
	FDIVS	F31, F16, F17
	RECIP(q81id, q81done)
	FMUL32(24)
	FCVTAS32
	NARROW32
	// s = fp16(float(Σ int8 q)·d): SADDLP/SADALP give 8 sums of 4 codes,
	// ADDV their 16-bit total (|Σ| <= 4096).
	VSADDLP_8H(14, 12)
	VSADALP_8H(14, 13)
	VADDV	V14.H8, V14
	VMOV	V14.H[0], R6
	SXTH	R6, R6
	SCVTFS	R6, F15
	FMULS	F17, F15, F15
	PUTF16(F15, 2)
	PUTF16(F17, 0)
	ADD	$4, R0, R6
	VST1	[V12.B16, V13.B16], (R6)
	NEXTBLOCK(R0, 36, q81loop)

q81done:
	MOVD	R3, ret+24(FP)
	RET

// func q4_0QuantNEON(dst *byte, src *float32, nb int) int
TEXT ·q4_0QuantNEON(SB), NOSPLIT, $0-32
	QPROLOGUE(0xc1000000) // -8
	MOVW	$0x41080000, R4 // 8.5
	VDUP	R4, V25.S4
	VMOVI	$15, V27.B16
	CBZ	R2, q40done

q40loop:
	QLOAD32
	FMAXV32(16)
	FMINV32(20)
	SIGNEDMAX(q40pos, q40neg, q40scan, q40max)
	FDIVS	F31, F22, F17    // d = max/-8
	RECIP(q40id, q40done)
	FMUL32(24)
	FADD32(25)               // x·id + 8.5
	FCVTZS32
	NARROW32                 // (int8)
	VSMIN_16B(12, 12, 27)    // MIN(15, ·)
	VSMIN_16B(13, 13, 27)
	VSHL	$4, V13.B16, V13.B16
	VORR	V13.B16, V12.B16, V12.B16 // xi0 | xi1<<4
	PUTF16(F17, 0)
	ADD	$2, R0, R6
	VST1	[V12.B16], (R6)
	NEXTBLOCK(R0, 18, q40loop)

q40done:
	MOVD	R3, ret+24(FP)
	RET

// func q4_1QuantNEON(dst *byte, src *float32, nb int) int
TEXT ·q4_1QuantNEON(SB), NOSPLIT, $0-32
	QPROLOGUE(0x41700000) // 15
	MOVW	$0x3f000000, R4 // 0.5
	VDUP	R4, V25.S4
	VMOVI	$15, V27.B16
	CBZ	R2, q41done

q41loop:
	QLOAD32
	FMAXV32(16)
	FMINV32(20)
	FIRSTZERO(q41scan, q41min)
	FSUBS	F20, F16, F17    // max - min
	FDIVS	F31, F17, F17    // d = (max-min)/15
	RECIP(q41id, q41done)
	VDUP	V20.S[0], V26.S4
	FSUB32(26)               // x - min
	FMUL32(24)               // ·id
	FADD32(25)               // + 0.5
	FCVTZS32
	NARROW32
	VSMIN_16B(12, 12, 27)
	VSMIN_16B(13, 13, 27)
	VSHL	$4, V13.B16, V13.B16
	VORR	V13.B16, V12.B16, V12.B16
	PUTF16(F17, 0)
	PUTF16(F20, 2)
	ADD	$4, R0, R6
	VST1	[V12.B16], (R6)
	NEXTBLOCK(R0, 20, q41loop)

q41done:
	MOVD	R3, ret+24(FP)
	RET

// func q5_0QuantNEON(dst *byte, src *float32, nb int) int
TEXT ·q5_0QuantNEON(SB), NOSPLIT, $0-32
	QPROLOGUE(0xc1800000) // -16
	MOVW	$0x41840000, R4 // 16.5
	VDUP	R4, V25.S4
	VMOVI	$31, V27.B16
	VMOVI	$16, V28.B16
	MOVD	$qhconst<>(SB), R4
	VLD1	(R4), [V29.B16]
	CBZ	R2, q50done

q50loop:
	QLOAD32
	FMAXV32(16)
	FMINV32(20)
	SIGNEDMAX(q50pos, q50neg, q50scan, q50max)
	FDIVS	F31, F22, F17    // d = max/-16
	RECIP(q50id, q50done)
	FMUL32(24)
	FADD32(25)               // x·id + 16.5
	FCVTZS32
	NARROW32
	VSMIN_16B(12, 12, 27)    // MIN(31, ·)
	VSMIN_16B(13, 13, 27)
	QHBITS
	VSLI	$4, V13.B16, V12.B16 // xi0&0x0F | xi1<<4
	PUTF16(F17, 0)
	FMOVS	F14, 2(R0)
	ADD	$6, R0, R6
	VST1	[V12.B16], (R6)
	NEXTBLOCK(R0, 22, q50loop)

q50done:
	MOVD	R3, ret+24(FP)
	RET

// func q5_1QuantNEON(dst *byte, src *float32, nb int) int
TEXT ·q5_1QuantNEON(SB), NOSPLIT, $0-32
	QPROLOGUE(0x41f80000) // 31
	MOVW	$0x3f000000, R4 // 0.5
	VDUP	R4, V25.S4
	VMOVI	$16, V28.B16
	MOVD	$qhconst<>(SB), R4
	VLD1	(R4), [V29.B16]
	CBZ	R2, q51done

q51loop:
	QLOAD32
	FMAXV32(16)
	FMINV32(20)
	FIRSTZERO(q51scan, q51min)
	FSUBS	F20, F16, F17
	FDIVS	F31, F17, F17    // d = (max-min)/31
	RECIP(q51id, q51done)
	VDUP	V20.S[0], V26.S4
	FSUB32(26)
	FMUL32(24)
	FADD32(25)
	FCVTZS32
	NARROW32                 // (uint8), no clamp
	QHBITS
	VSLI	$4, V13.B16, V12.B16
	PUTF16(F17, 0)
	PUTF16(F20, 2)
	FMOVS	F14, 4(R0)
	ADD	$8, R0, R6
	VST1	[V12.B16], (R6)
	NEXTBLOCK(R0, 24, q51loop)

q51done:
	MOVD	R3, ret+24(FP)
	RET

// func finiteBlocksNEON(src *float32, nb int) int
TEXT ·finiteBlocksNEON(SB), NOSPLIT, $0-24
	MOVD	src+0(FP), R1
	MOVD	nb+8(FP), R2
	MOVD	ZR, R3
	VEOR	V31.B16, V31.B16, V31.B16
	CBZ	R2, findone

finloop:
	QLOAD32
	NONFINITE32
	FCMPS	F16, F16
	BVS	findone          // unordered: a NaN or ±Inf in the block
	ADD	$1, R3
	CMP	R2, R3
	BLT	finloop

findone:
	MOVD	R3, ret+16(FP)
	RET

// The dequantizers. DPROLOGUE: R0 dst, R1 src, R2 nb, R3 = 0 blocks done,
// R10 0x7C00 (the fp16 exponent), R11 0x7C000000 (that of the high half).

// func q8_0DequantNEON(dst *float32, src *byte, nb int) int
TEXT ·q8_0DequantNEON(SB), NOSPLIT, $0-32
	DPROLOGUE
	CBZ	R2, d80done

d80loop:
	MOVHU	(R1), R5
	SCALE(R5, F24, d80done)  // V24 = d
	VDUP	V24.S[0], V24.S4
	ADD	$2, R1, R6
	VLD1	(R6), [V0.B16, V1.B16]
	DOUT32(24)
	NEXTBLOCK(R1, 34, d80loop)

d80done:
	MOVD	R3, ret+24(FP)
	RET

// func q8_1DequantNEON(dst *float32, src *byte, nb int) int
TEXT ·q8_1DequantNEON(SB), NOSPLIT, $0-32
	DPROLOGUE
	CBZ	R2, d81done

d81loop:
	MOVHU	(R1), R5
	SCALE(R5, F24, d81done)
	VDUP	V24.S[0], V24.S4
	ADD	$4, R1, R6
	VLD1	(R6), [V0.B16, V1.B16]
	DOUT32(24)
	NEXTBLOCK(R1, 36, d81loop)

d81done:
	MOVD	R3, ret+24(FP)
	RET

// func q4_0DequantNEON(dst *float32, src *byte, nb int) int
TEXT ·q4_0DequantNEON(SB), NOSPLIT, $0-32
	DPROLOGUE
	VMOVI	$15, V26.B16
	VMOVI	$8, V27.B16
	CBZ	R2, d40done

d40loop:
	MOVHU	(R1), R5
	SCALE(R5, F24, d40done)
	VDUP	V24.S[0], V24.S4
	ADD	$2, R1, R6
	VLD1	(R6), [V0.B16]
	NIBBLES
	VSUB	V27.B16, V0.B16, V0.B16 // q - 8
	VSUB	V27.B16, V1.B16, V1.B16
	DOUT32(24)
	NEXTBLOCK(R1, 18, d40loop)

d40done:
	MOVD	R3, ret+24(FP)
	RET

// func q4_1DequantNEON(dst *float32, src *byte, nb int) int
TEXT ·q4_1DequantNEON(SB), NOSPLIT, $0-32
	DPROLOGUE
	VMOVI	$15, V26.B16
	CBZ	R2, d41done

d41loop:
	MOVHU	(R1), R5
	SCALE(R5, F24, d41done)  // V24 = d
	MOVHU	2(R1), R5
	SCALE(R5, F25, d41done)  // V25 = m
	VDUP	V24.S[0], V24.S4
	VDUP	V25.S[0], V25.S4
	ADD	$4, R1, R6
	VLD1	(R6), [V0.B16]
	NIBBLES
	WIDEN32
	DMUL32(24)
	DADD32(25)               // q·d + m
	DSTORE32
	NEXTBLOCK(R1, 20, d41loop)

d41done:
	MOVD	R3, ret+24(FP)
	RET

// func q5_0DequantNEON(dst *float32, src *byte, nb int) int
TEXT ·q5_0DequantNEON(SB), NOSPLIT, $0-32
	DPROLOGUE
	MOVD	$qhconst<>(SB), R4
	QHCONSTS
	VMOVI	$16, V27.B16
	CBZ	R2, d50done

d50loop:
	MOVHU	(R1), R5
	SCALE(R5, F24, d50done)
	VDUP	V24.S[0], V24.S4
	MOVWU	2(R1), R6
	VMOV	R6, V6.S[0]
	ADD	$6, R1, R6
	VLD1	(R6), [V0.B16]
	NIBBLES
	QHSPREAD
	VSUB	V27.B16, V0.B16, V0.B16 // q - 16
	VSUB	V27.B16, V1.B16, V1.B16
	DOUT32(24)
	NEXTBLOCK(R1, 22, d50loop)

d50done:
	MOVD	R3, ret+24(FP)
	RET

// func q5_1DequantNEON(dst *float32, src *byte, nb int) int
TEXT ·q5_1DequantNEON(SB), NOSPLIT, $0-32
	DPROLOGUE
	MOVD	$qhconst<>(SB), R4
	QHCONSTS
	CBZ	R2, d51done

d51loop:
	MOVHU	(R1), R5
	SCALE(R5, F24, d51done)
	MOVHU	2(R1), R5
	SCALE(R5, F25, d51done)
	VDUP	V24.S[0], V24.S4
	VDUP	V25.S[0], V25.S4
	MOVWU	4(R1), R6
	VMOV	R6, V6.S[0]
	ADD	$8, R1, R6
	VLD1	(R6), [V0.B16]
	NIBBLES
	QHSPREAD
	WIDEN32
	DMUL32(24)
	DADD32(25)
	DSTORE32
	NEXTBLOCK(R1, 24, d51loop)

d51done:
	MOVD	R3, ret+24(FP)
	RET

// The k-quant dequantizers: a 256-element super-block per iteration.

// func q8_KDequantNEON(dst *float32, src *byte, nb int) int
TEXT ·q8_KDequantNEON(SB), NOSPLIT, $0-32
	DPROLOGUE
	MOVW	$0x7F800000, R10
	CBZ	R2, d8kdone

d8kloop:
	MOVWU	(R1), R5         // d, float32
	ANDW	$0x7F800000, R5, R7
	CMPW	R10, R7
	BEQ	d8kdone          // ±Inf or NaN
	FMOVS	R5, F24
	VDUP	V24.S[0], V24.S4
	ADD	$4, R1, R6
	MOVD	$8, R8

d8kgroup:
	VLD1.P	32(R6), [V0.B16, V1.B16]
	DOUT32(24)
	SUBS	$1, R8, R8
	BNE	d8kgroup
	NEXTBLOCK(R1, 292, d8kloop)

d8kdone:
	MOVD	R3, ret+24(FP)
	RET

// func q6_KDequantNEON(dst *float32, src *byte, nb int) int
TEXT ·q6_KDequantNEON(SB), NOSPLIT, $0-32
	DPROLOGUE
	VMOVI	$15, V26.B16
	VMOVI	$3, V27.B16
	VMOVI	$32, V28.B16
	CBZ	R2, d6kdone

d6kloop:
	MOVHU	208(R1), R5
	SCALE(R5, F24, d6kdone)
	VDUP	V24.S[0], V24.S4
	ADD	$192, R1, R6
	VLD1	(R6), [V6.B16]
	Q6SCALES
	MOVD	R1, R6           // ql
	ADD	$128, R1, R7     // qh
	Q6HALF(V8, V9)
	Q6HALF(V10, V11)
	NEXTBLOCK(R1, 210, d6kloop)

d6kdone:
	MOVD	R3, ret+24(FP)
	RET

// func q4_KDequantNEON(dst *float32, src *byte, nb int) int
TEXT ·q4_KDequantNEON(SB), NOSPLIT, $0-32
	DPROLOGUE
	VMOVI	$15, V26.B16
	VMOVI	$63, V27.B16
	CBZ	R2, d4kdone

d4kloop:
	MOVHU	(R1), R5
	SCALE(R5, F24, d4kdone)  // d
	MOVHU	2(R1), R5
	SCALE(R5, F25, d4kdone)  // dmin
	VDUP	V24.S[0], V24.S4
	VDUP	V25.S[0], V25.S4
	ADD	$4, R1, R6
	VLD1	(R6), [V6.B16]   // the 12 scale bytes (and 4 of qs)
	K4SCALES
	ADD	$16, R1, R6
	K4GROUP(V8, V10, 0, 1)
	K4GROUP(V8, V10, 2, 3)
	K4GROUP(V9, V11, 0, 1)
	K4GROUP(V9, V11, 2, 3)
	NEXTBLOCK(R1, 144, d4kloop)

d4kdone:
	MOVD	R3, ret+24(FP)
	RET

// func q5_KDequantNEON(dst *float32, src *byte, nb int) int
TEXT ·q5_KDequantNEON(SB), NOSPLIT, $0-32
	DPROLOGUE
	VMOVI	$15, V26.B16
	VMOVI	$63, V27.B16
	VMOVI	$16, V28.B16
	CBZ	R2, d5kdone

d5kloop:
	MOVHU	(R1), R5
	SCALE(R5, F24, d5kdone)
	MOVHU	2(R1), R5
	SCALE(R5, F25, d5kdone)
	VDUP	V24.S[0], V24.S4
	VDUP	V25.S[0], V25.S4
	ADD	$4, R1, R6
	VLD1	(R6), [V6.B16]
	K4SCALES
	ADD	$16, R1, R6
	VLD1.P	32(R6), [V14.B16, V15.B16] // qh; R6 = ql
	K5GROUP(V8, V10, 0, 1, 1, 2)
	K5GROUP(V8, V10, 2, 3, 4, 8)
	K5GROUP(V9, V11, 0, 1, 16, 32)
	K5GROUP(V9, V11, 2, 3, 64, 128)
	NEXTBLOCK(R1, 176, d5kloop)

d5kdone:
	MOVD	R3, ret+24(FP)
	RET
