//go:build gc && !purego

#include "textflag.h"
#include "kernel_arm64.h"

// NEON kernels for arm64. Contracts: see the declarations in
// kernel_arm64.go; the arithmetic is that of kernel_generic.go, bit for bit.
//
// The Go assembler has no mnemonics for most vector floating-point and
// saturating-narrow instructions, so they are emitted as WORDs through the
// macros of kernel_arm64.h (ARM operand order, destination first).
// Native Go instructions (VLD1, VST1, VAND, VSUB, VUMAX, VUXTL, ...) keep
// Go's operand order: sources first, destination last.
//
// Every loop consumes 16 float32 (four 4S registers) per iteration, in
// independent registers. Elementwise kernels and min/max reductions take a
// ragged end by running the loop body once more on the last 16 elements
// (R6/R7 hold their addresses); callers guarantee len >= 16.

// Register use in the quantize kernel:
//	R0 dst, R1 src, R3 blocks left, R4 = 1 while the overlapping last block
//	is pending, R6/R7 src/dst of that block.
//	V0-V3 data, V4-V7 NaN masks, V8-V9 int16, V10 bytes;
//	V16 k (s or inv), V17 float32(z), V18 z (int32), V19 lo, V20 hi (bytes);
//	V21 y = RN(1/s), V22 c = s*2^25, V23 -c (the quotient by reciprocal).
// One loop per convention and signedness, chosen once per call: instances
// of QUANTIZE8_LOOP (kernel_arm64.h), and for conv 3 and 4 (Seed and ONNX
// with the quotient by RECIP_QUOTIENT16) the same loop written out, so
// that .ci/fma.txt's counter sees each fused instruction in this file.
// Seed by reciprocal first runs QUANT_SEED_FAST16 (no NaN zeroing) with
// the FPSR's flags cleared, and only if that met a NaN (FPSR.IOC set)
// redoes the call with QUANT_SEED_RECIP16 (SEED_FAST_BEGIN/END; R14-R17
// the saved dst, src, blocks, pending; R21 the pass, R22 the FPSR).

// func neonQuantize8(dst []byte, src []float32, conv int, k, zf float32, z, lo, hi int32, unsigned bool, y, c float32)
TEXT ·neonQuantize8(SB), NOSPLIT, $0-88
	MOVD	dst_base+0(FP), R0
	MOVD	src_base+24(FP), R1
	MOVD	src_len+32(FP), R2
	LSR	$4, R2, R3
	AND	$15, R2, R4
	SUB	$16, R2, R5
	ADD	R5<<2, R1, R6
	ADD	R5, R0, R7
	MOVWU	k+56(FP), R8
	VDUP	R8, V16.S4
	MOVWU	zf+60(FP), R8
	VDUP	R8, V17.S4
	MOVWU	z+64(FP), R8
	VDUP	R8, V18.S4
	MOVW	lo+68(FP), R8
	VDUP	R8, V19.B16
	MOVW	hi+72(FP), R8
	VDUP	R8, V20.B16
	MOVWU	y+80(FP), R8
	VDUP	R8, V21.S4
	MOVWU	c+84(FP), R8
	VDUP	R8, V22.S4
	EOR	$0x80000000, R8, R8
	VDUP	R8, V23.S4
	MOVBU	unsigned+76(FP), R9
	MOVD	conv+48(FP), R8
	CBNZ	R9, q8unsigned
	CBZ	R8, i8seed
	CMP	$1, R8
	BEQ	i8onnx
	CMP	$3, R8
	BEQ	i8seedf
	CMP	$4, R8
	BEQ	i8onnxr
	QUANTIZE8_LOOP(i8torch, q8done, R3, R4, QUANT_TORCH16, NARROW16_I8)
	QUANTIZE8_LOOP(i8onnx, q8done, R3, R4, QUANT_ONNX16, NARROW16_I8)
	QUANTIZE8_LOOP(i8seed, q8done, R3, R4, QUANT_SEED16, NARROW16_I8)

i8seedf:
	SEED_FAST_BEGIN
	QUANTIZE8_LOOP(i8seedfl, i8seedfe, R3, R4, QUANT_SEED_FAST16, NARROW16_I8)

i8seedfe:
	SEED_FAST_END(i8seedr)
	B	q8done

i8seedr:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	QUANT_SEED_RECIP16
	SQXTN16_H
	NARROW16_I8
	VST1.P	[V10.B16], 16(R0)
	NEXT_GROUP(i8seedr, q8done, R3, R4)

i8onnxr:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	QUANT_ONNX_RECIP16
	SQXTN16_H
	NARROW16_I8
	VST1.P	[V10.B16], 16(R0)
	NEXT_GROUP(i8onnxr, q8done, R3, R4)

q8unsigned:
	CBZ	R8, u8seed
	CMP	$1, R8
	BEQ	u8onnx
	CMP	$3, R8
	BEQ	u8seedf
	CMP	$4, R8
	BEQ	u8onnxr
	QUANTIZE8_LOOP(u8torch, q8done, R3, R4, QUANT_TORCH16, NARROW16_U8)
	QUANTIZE8_LOOP(u8onnx, q8done, R3, R4, QUANT_ONNX16, NARROW16_U8)
	QUANTIZE8_LOOP(u8seed, q8done, R3, R4, QUANT_SEED16, NARROW16_U8)

u8seedf:
	SEED_FAST_BEGIN
	QUANTIZE8_LOOP(u8seedfl, u8seedfe, R3, R4, QUANT_SEED_FAST16, NARROW16_U8)

u8seedfe:
	SEED_FAST_END(u8seedr)
	B	q8done

u8seedr:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	QUANT_SEED_RECIP16
	SQXTN16_H
	NARROW16_U8
	VST1.P	[V10.B16], 16(R0)
	NEXT_GROUP(u8seedr, q8done, R3, R4)

u8onnxr:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	QUANT_ONNX_RECIP16
	SQXTN16_H
	NARROW16_U8
	VST1.P	[V10.B16], 16(R0)
	NEXT_GROUP(u8onnxr, q8done, R3, R4)

q8done:
	RET

// Dequantize: V0 16 bytes, V1-V2 8H, V3-V6 4S; V16 z (int32), V17 s, V18 z
// (bytes). Where z fits the codes' type (0..255 for uint8, -128..127 for
// int8), q - z is taken at 16-bit width (USUBL/SSUBL: |q - z| <= 255, exact)
// and sign-extended; else the bytes are extended to int32 first. Both
// give the int32 q - z exactly, hence the same float32.

// func neonDequantize8(dst []float32, src []byte, z int32, s float32, unsigned bool)
TEXT ·neonDequantize8(SB), NOSPLIT, $0-57
	MOVD	dst_base+0(FP), R0
	MOVD	src_base+24(FP), R1
	MOVD	src_len+32(FP), R2
	LSR	$4, R2, R3
	AND	$15, R2, R4
	SUB	$16, R2, R5
	ADD	R5, R1, R6
	ADD	R5<<2, R0, R7
	MOVW	z+48(FP), R8
	VDUP	R8, V16.S4
	VDUP	R8, V18.B16
	MOVWU	s+52(FP), R9
	VDUP	R9, V17.S4
	MOVBU	unsigned+56(FP), R9
	CBNZ	R9, du8

	ADD	$128, R8, R10
	CMPW	$256, R10
	BLO	di8nloop

di8loop:
	VLD1.P	16(R1), [V0.B16]
	SXTL16_S
	DEQUANT16
	STORE16_F32
	NEXT_GROUP(di8loop, d8done, R3, R4)

di8nloop:
	VLD1.P	16(R1), [V0.B16]
	SSUBL16_S
	SCALE16
	STORE16_F32
	NEXT_GROUP(di8nloop, d8done, R3, R4)

du8:
	CMPW	$256, R8
	BLO	du8nloop

du8loop:
	VLD1.P	16(R1), [V0.B16]
	UXTL16_S
	DEQUANT16
	STORE16_F32
	NEXT_GROUP(du8loop, d8done, R3, R4)

du8nloop:
	VLD1.P	16(R1), [V0.B16]
	USUBL16_S
	SCALE16
	STORE16_F32
	NEXT_GROUP(du8nloop, d8done, R3, R4)

d8done:
	RET

// Min/max: V0-V3 data, V4-V7 running minima, V8-V11 running maxima.

// func neonMinMaxFast(src []float32) (lo, hi float32)
TEXT ·neonMinMaxFast(SB), NOSPLIT, $0-32
	MOVD	src_base+0(FP), R1
	MOVD	src_len+8(FP), R2
	LSR	$4, R2, R3
	AND	$15, R2, R4
	SUB	$16, R2, R5
	ADD	R5<<2, R1, R6
	MOVD	$0x7f800000, R8
	VDUP	R8, V4.S4
	VMOV	V4.B16, V5.B16
	VMOV	V4.B16, V6.B16
	VMOV	V4.B16, V7.B16
	MOVD	$0xff800000, R8
	VDUP	R8, V8.S4
	VMOV	V8.B16, V9.B16
	VMOV	V8.B16, V10.B16
	VMOV	V8.B16, V11.B16

mmfloop:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	ACC16(VFMIN_4S, 4)
	ACC16(VFMAX_4S, 8)
	NEXT_GROUP_SRC(mmfloop, mmfdone)

mmfdone:
	FOLD4(VFMIN_4S, 4)
	VFMINV_4S(4, 4)
	FOLD4(VFMAX_4S, 8)
	VFMAXV_4S(8, 8)
	FMOVS	F4, lo+24(FP)
	FMOVS	F8, hi+28(FP)
	RET

// func neonMinMaxNaN(src []float32) (lo, hi float32)
TEXT ·neonMinMaxNaN(SB), NOSPLIT, $0-32
	MOVD	src_base+0(FP), R1
	MOVD	src_len+8(FP), R2
	LSR	$4, R2, R3
	AND	$15, R2, R4
	SUB	$16, R2, R5
	ADD	R5<<2, R1, R6
	MOVD	$0x7f800000, R8
	VDUP	R8, V4.S4
	VMOV	V4.B16, V5.B16
	VMOV	V4.B16, V6.B16
	VMOV	V4.B16, V7.B16
	MOVD	$0xff800000, R8
	VDUP	R8, V8.S4
	VMOV	V8.B16, V9.B16
	VMOV	V8.B16, V10.B16
	VMOV	V8.B16, V11.B16
	MOVD	$0x80000000, R8
	VDUP	R8, V16.S4 // -0

mmnloop:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	FADD16(0, 0, 16)
	ACC16(VFMINNM_4S, 4)
	ACC16(VFMAXNM_4S, 8)
	NEXT_GROUP_SRC(mmnloop, mmndone)

mmndone:
	FOLD4(VFMINNM_4S, 4)
	VFMINNMV_4S(4, 4)
	FOLD4(VFMAXNM_4S, 8)
	VFMAXNMV_4S(8, 8)
	FMOVS	F4, lo+24(FP)
	FMOVS	F8, hi+28(FP)
	RET

// func neonAbsMax(src []float32) float32
TEXT ·neonAbsMax(SB), NOSPLIT, $0-28
	MOVD	src_base+0(FP), R1
	MOVD	src_len+8(FP), R2
	LSR	$4, R2, R3
	AND	$15, R2, R4
	SUB	$16, R2, R5
	ADD	R5<<2, R1, R6
	VEOR	V16.B16, V16.B16, V16.B16
	VEOR	V4.B16, V4.B16, V4.B16
	VEOR	V5.B16, V5.B16, V5.B16
	VEOR	V6.B16, V6.B16, V6.B16
	VEOR	V7.B16, V7.B16, V7.B16

amloop:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	FABD16(0, 0, 16)
	ACC16(VFMAXNM_4S, 4)
	NEXT_GROUP_SRC(amloop, amdone)

amdone:
	FOLD4(VFMAXNM_4S, 4)
	VFMAXNMV_4S(4, 4)
	FMOVS	F4, ret+24(FP)
	RET

// Sums: element i goes to float64 lane i%16; lanes 2j, 2j+1 live in
// V(16+j), so V16-V23 hold lanes 0-15 in order. Per 4S register of
// inputs, FCVTL widens elements 0,1 and FCVTL2 elements 2,3.

// func neonSquaredError(a, b []float32, lanes *[16]float64)
TEXT ·neonSquaredError(SB), NOSPLIT, $0-56
	MOVD	a_base+0(FP), R0
	MOVD	a_len+8(FP), R2
	MOVD	b_base+24(FP), R1
	MOVD	lanes+48(FP), R9
	LSR	$4, R2, R3
	VEOR	V16.B16, V16.B16, V16.B16
	VEOR	V17.B16, V17.B16, V17.B16
	VEOR	V18.B16, V18.B16, V18.B16
	VEOR	V19.B16, V19.B16, V19.B16
	VEOR	V20.B16, V20.B16, V20.B16
	VEOR	V21.B16, V21.B16, V21.B16
	VEOR	V22.B16, V22.B16, V22.B16
	VEOR	V23.B16, V23.B16, V23.B16
	CBZ	R3, sedone

seloop:
	VLD1.P	64(R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1.P	64(R1), [V4.S4, V5.S4, V6.S4, V7.S4]
	SQERR16_2D
	SUBS	$1, R3, R3
	BNE	seloop

sedone:
	VST1.P	[V16.D2, V17.D2, V18.D2, V19.D2], 64(R9)
	VST1	[V20.D2, V21.D2, V22.D2, V23.D2], (R9)
	RET

// Quantization error: V0-V3 x, V4-V7 y = dequant(quant(x)) in float32;
// then SQERR16_2D (V8-V15 scratch). Constants V24 k, V25 s, V26
// float32(z), V27 lo, V28 hi (float32).

// func neonQuantError(src []float32, lanes *[16]float64, conv int, k, s, zf, lo, hi float32)
TEXT ·neonQuantError(SB), NOSPLIT, $0-60
	MOVD	src_base+0(FP), R0
	MOVD	src_len+8(FP), R2
	MOVD	lanes+24(FP), R9
	LSR	$4, R2, R3
	MOVWU	k+40(FP), R8
	VDUP	R8, V24.S4
	MOVWU	s+44(FP), R8
	VDUP	R8, V25.S4
	MOVWU	zf+48(FP), R8
	VDUP	R8, V26.S4
	MOVWU	lo+52(FP), R8
	VDUP	R8, V27.S4
	MOVWU	hi+56(FP), R8
	VDUP	R8, V28.S4
	VEOR	V16.B16, V16.B16, V16.B16
	VEOR	V17.B16, V17.B16, V17.B16
	VEOR	V18.B16, V18.B16, V18.B16
	VEOR	V19.B16, V19.B16, V19.B16
	VEOR	V20.B16, V20.B16, V20.B16
	VEOR	V21.B16, V21.B16, V21.B16
	VEOR	V22.B16, V22.B16, V22.B16
	VEOR	V23.B16, V23.B16, V23.B16
	CBZ	R3, qedone
	MOVD	conv+32(FP), R8
	CBZ	R8, qeseed
	CMP	$1, R8
	BEQ	qeonnx

	QERR_LOOP(qetorch, QERR_TORCH16)
	B	qedone
	QERR_LOOP(qeonnx, QERR_ONNX16)
	B	qedone
	QERR_LOOP(qeseed, QERR_SEED16)

qedone:
	VST1.P	[V16.D2, V17.D2, V18.D2, V19.D2], 64(R9)
	VST1	[V20.D2, V21.D2, V22.D2, V23.D2], (R9)
	RET
