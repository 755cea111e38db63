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

// Register use in the quantize kernels:
//	R0 dst, R1 src, R3 blocks left, R4 = 1 while the overlapping last block
//	is pending, R6/R7 src/dst of that block.
//	V0-V3 data, V4-V7 NaN masks, V8-V9 int16, V10 bytes;
//	V16 k (s or inv), V17 float32(z), V18 z (int32), V19 lo, V20 hi (bytes).

// func neonQuantizeU8(dst []uint8, src []float32, conv int, k, zf float32, z, lo, hi int32)
TEXT ·neonQuantizeU8(SB), NOSPLIT, $0-76
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
	MOVD	conv+48(FP), R8
	CBZ	R8, u8seed
	CMP	$1, R8
	BEQ	u8onnx

u8torch:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VFMUL_4S(0, 0, 16)
	VFMUL_4S(1, 1, 16)
	VFMUL_4S(2, 2, 16)
	VFMUL_4S(3, 3, 16)
	VFCVTNS_4S(0, 0)
	VFCVTNS_4S(1, 1)
	VFCVTNS_4S(2, 2)
	VFCVTNS_4S(3, 3)
	VSQADD_4S(0, 0, 18)
	VSQADD_4S(1, 1, 18)
	VSQADD_4S(2, 2, 18)
	VSQADD_4S(3, 3, 18)
	VSQXTN_4H(8, 0)
	VSQXTN_4H(9, 2)
	VSQXTN2_8H(8, 1)
	VSQXTN2_8H(9, 3)
	VSQXTUN_8B(10, 8)
	VSQXTUN2_16B(10, 9)
	VUMAX	V19.B16, V10.B16, V10.B16
	VUMIN	V20.B16, V10.B16, V10.B16
	VST1.P	[V10.B16], 16(R0)
	SUBS	$1, R3, R3
	BNE	u8torch
	CBZ	R4, u8done
	MOVD	R6, R1
	MOVD	R7, R0
	MOVD	$1, R3
	MOVD	$0, R4
	B	u8torch

u8onnx:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VFDIV_4S(0, 0, 16)
	VFDIV_4S(1, 1, 16)
	VFDIV_4S(2, 2, 16)
	VFDIV_4S(3, 3, 16)
	VFCVTNS_4S(0, 0)
	VFCVTNS_4S(1, 1)
	VFCVTNS_4S(2, 2)
	VFCVTNS_4S(3, 3)
	VSQADD_4S(0, 0, 18)
	VSQADD_4S(1, 1, 18)
	VSQADD_4S(2, 2, 18)
	VSQADD_4S(3, 3, 18)
	VSQXTN_4H(8, 0)
	VSQXTN_4H(9, 2)
	VSQXTN2_8H(8, 1)
	VSQXTN2_8H(9, 3)
	VSQXTUN_8B(10, 8)
	VSQXTUN2_16B(10, 9)
	VUMAX	V19.B16, V10.B16, V10.B16
	VUMIN	V20.B16, V10.B16, V10.B16
	VST1.P	[V10.B16], 16(R0)
	SUBS	$1, R3, R3
	BNE	u8onnx
	CBZ	R4, u8done
	MOVD	R6, R1
	MOVD	R7, R0
	MOVD	$1, R3
	MOVD	$0, R4
	B	u8onnx

u8seed:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VFCMEQ_4S(4, 0, 0)
	VFCMEQ_4S(5, 1, 1)
	VFCMEQ_4S(6, 2, 2)
	VFCMEQ_4S(7, 3, 3)
	VAND	V4.B16, V0.B16, V0.B16
	VAND	V5.B16, V1.B16, V1.B16
	VAND	V6.B16, V2.B16, V2.B16
	VAND	V7.B16, V3.B16, V3.B16
	VFDIV_4S(0, 0, 16)
	VFDIV_4S(1, 1, 16)
	VFDIV_4S(2, 2, 16)
	VFDIV_4S(3, 3, 16)
	VFADD_4S(0, 0, 17)
	VFADD_4S(1, 1, 17)
	VFADD_4S(2, 2, 17)
	VFADD_4S(3, 3, 17)
	VFCVTNS_4S(0, 0)
	VFCVTNS_4S(1, 1)
	VFCVTNS_4S(2, 2)
	VFCVTNS_4S(3, 3)
	VSQXTN_4H(8, 0)
	VSQXTN_4H(9, 2)
	VSQXTN2_8H(8, 1)
	VSQXTN2_8H(9, 3)
	VSQXTUN_8B(10, 8)
	VSQXTUN2_16B(10, 9)
	VUMAX	V19.B16, V10.B16, V10.B16
	VUMIN	V20.B16, V10.B16, V10.B16
	VST1.P	[V10.B16], 16(R0)
	SUBS	$1, R3, R3
	BNE	u8seed
	CBZ	R4, u8done
	MOVD	R6, R1
	MOVD	R7, R0
	MOVD	$1, R3
	MOVD	$0, R4
	B	u8seed

u8done:
	RET

// func neonQuantizeI8(dst []int8, src []float32, conv int, k, zf float32, z, lo, hi int32)
TEXT ·neonQuantizeI8(SB), NOSPLIT, $0-76
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
	MOVD	conv+48(FP), R8
	CBZ	R8, i8seed
	CMP	$1, R8
	BEQ	i8onnx

i8torch:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VFMUL_4S(0, 0, 16)
	VFMUL_4S(1, 1, 16)
	VFMUL_4S(2, 2, 16)
	VFMUL_4S(3, 3, 16)
	VFCVTNS_4S(0, 0)
	VFCVTNS_4S(1, 1)
	VFCVTNS_4S(2, 2)
	VFCVTNS_4S(3, 3)
	VSQADD_4S(0, 0, 18)
	VSQADD_4S(1, 1, 18)
	VSQADD_4S(2, 2, 18)
	VSQADD_4S(3, 3, 18)
	VSQXTN_4H(8, 0)
	VSQXTN_4H(9, 2)
	VSQXTN2_8H(8, 1)
	VSQXTN2_8H(9, 3)
	VSQXTN_8B(10, 8)
	VSQXTN2_16B(10, 9)
	VSMAX_16B(10, 10, 19)
	VSMIN_16B(10, 10, 20)
	VST1.P	[V10.B16], 16(R0)
	SUBS	$1, R3, R3
	BNE	i8torch
	CBZ	R4, i8done
	MOVD	R6, R1
	MOVD	R7, R0
	MOVD	$1, R3
	MOVD	$0, R4
	B	i8torch

i8onnx:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VFDIV_4S(0, 0, 16)
	VFDIV_4S(1, 1, 16)
	VFDIV_4S(2, 2, 16)
	VFDIV_4S(3, 3, 16)
	VFCVTNS_4S(0, 0)
	VFCVTNS_4S(1, 1)
	VFCVTNS_4S(2, 2)
	VFCVTNS_4S(3, 3)
	VSQADD_4S(0, 0, 18)
	VSQADD_4S(1, 1, 18)
	VSQADD_4S(2, 2, 18)
	VSQADD_4S(3, 3, 18)
	VSQXTN_4H(8, 0)
	VSQXTN_4H(9, 2)
	VSQXTN2_8H(8, 1)
	VSQXTN2_8H(9, 3)
	VSQXTN_8B(10, 8)
	VSQXTN2_16B(10, 9)
	VSMAX_16B(10, 10, 19)
	VSMIN_16B(10, 10, 20)
	VST1.P	[V10.B16], 16(R0)
	SUBS	$1, R3, R3
	BNE	i8onnx
	CBZ	R4, i8done
	MOVD	R6, R1
	MOVD	R7, R0
	MOVD	$1, R3
	MOVD	$0, R4
	B	i8onnx

i8seed:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	VFCMEQ_4S(4, 0, 0)
	VFCMEQ_4S(5, 1, 1)
	VFCMEQ_4S(6, 2, 2)
	VFCMEQ_4S(7, 3, 3)
	VAND	V4.B16, V0.B16, V0.B16
	VAND	V5.B16, V1.B16, V1.B16
	VAND	V6.B16, V2.B16, V2.B16
	VAND	V7.B16, V3.B16, V3.B16
	VFDIV_4S(0, 0, 16)
	VFDIV_4S(1, 1, 16)
	VFDIV_4S(2, 2, 16)
	VFDIV_4S(3, 3, 16)
	VFADD_4S(0, 0, 17)
	VFADD_4S(1, 1, 17)
	VFADD_4S(2, 2, 17)
	VFADD_4S(3, 3, 17)
	VFCVTNS_4S(0, 0)
	VFCVTNS_4S(1, 1)
	VFCVTNS_4S(2, 2)
	VFCVTNS_4S(3, 3)
	VSQXTN_4H(8, 0)
	VSQXTN_4H(9, 2)
	VSQXTN2_8H(8, 1)
	VSQXTN2_8H(9, 3)
	VSQXTN_8B(10, 8)
	VSQXTN2_16B(10, 9)
	VSMAX_16B(10, 10, 19)
	VSMIN_16B(10, 10, 20)
	VST1.P	[V10.B16], 16(R0)
	SUBS	$1, R3, R3
	BNE	i8seed
	CBZ	R4, i8done
	MOVD	R6, R1
	MOVD	R7, R0
	MOVD	$1, R3
	MOVD	$0, R4
	B	i8seed

i8done:
	RET

// Dequantize: V0 16 bytes, V1-V2 8H, V3-V6 4S; V16 z (int32), V17 s.

// func neonDequantizeU8(dst []float32, src []uint8, z int32, s float32)
TEXT ·neonDequantizeU8(SB), NOSPLIT, $0-56
	MOVD	dst_base+0(FP), R0
	MOVD	src_base+24(FP), R1
	MOVD	src_len+32(FP), R2
	LSR	$4, R2, R3
	AND	$15, R2, R4
	SUB	$16, R2, R5
	ADD	R5, R1, R6
	ADD	R5<<2, R0, R7
	MOVWU	z+48(FP), R8
	VDUP	R8, V16.S4
	MOVWU	s+52(FP), R8
	VDUP	R8, V17.S4

du8loop:
	VLD1.P	16(R1), [V0.B16]
	VUXTL	V0.B8, V1.H8
	VUXTL2	V0.B16, V2.H8
	VUXTL	V1.H4, V3.S4
	VUXTL2	V1.H8, V4.S4
	VUXTL	V2.H4, V5.S4
	VUXTL2	V2.H8, V6.S4
	VSUB	V16.S4, V3.S4, V3.S4
	VSUB	V16.S4, V4.S4, V4.S4
	VSUB	V16.S4, V5.S4, V5.S4
	VSUB	V16.S4, V6.S4, V6.S4
	VSCVTF_4S(3, 3)
	VSCVTF_4S(4, 4)
	VSCVTF_4S(5, 5)
	VSCVTF_4S(6, 6)
	VFMUL_4S(3, 3, 17)
	VFMUL_4S(4, 4, 17)
	VFMUL_4S(5, 5, 17)
	VFMUL_4S(6, 6, 17)
	VST1.P	[V3.S4, V4.S4, V5.S4, V6.S4], 64(R0)
	SUBS	$1, R3, R3
	BNE	du8loop
	CBZ	R4, du8done
	MOVD	R6, R1
	MOVD	R7, R0
	MOVD	$1, R3
	MOVD	$0, R4
	B	du8loop

du8done:
	RET

// func neonDequantizeI8(dst []float32, src []int8, z int32, s float32)
TEXT ·neonDequantizeI8(SB), NOSPLIT, $0-56
	MOVD	dst_base+0(FP), R0
	MOVD	src_base+24(FP), R1
	MOVD	src_len+32(FP), R2
	LSR	$4, R2, R3
	AND	$15, R2, R4
	SUB	$16, R2, R5
	ADD	R5, R1, R6
	ADD	R5<<2, R0, R7
	MOVWU	z+48(FP), R8
	VDUP	R8, V16.S4
	MOVWU	s+52(FP), R8
	VDUP	R8, V17.S4

di8loop:
	VLD1.P	16(R1), [V0.B16]
	VSXTL_8H(1, 0)
	VSXTL2_8H(2, 0)
	VSXTL_4S(3, 1)
	VSXTL2_4S(4, 1)
	VSXTL_4S(5, 2)
	VSXTL2_4S(6, 2)
	VSUB	V16.S4, V3.S4, V3.S4
	VSUB	V16.S4, V4.S4, V4.S4
	VSUB	V16.S4, V5.S4, V5.S4
	VSUB	V16.S4, V6.S4, V6.S4
	VSCVTF_4S(3, 3)
	VSCVTF_4S(4, 4)
	VSCVTF_4S(5, 5)
	VSCVTF_4S(6, 6)
	VFMUL_4S(3, 3, 17)
	VFMUL_4S(4, 4, 17)
	VFMUL_4S(5, 5, 17)
	VFMUL_4S(6, 6, 17)
	VST1.P	[V3.S4, V4.S4, V5.S4, V6.S4], 64(R0)
	SUBS	$1, R3, R3
	BNE	di8loop
	CBZ	R4, di8done
	MOVD	R6, R1
	MOVD	R7, R0
	MOVD	$1, R3
	MOVD	$0, R4
	B	di8loop

di8done:
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
	VFMIN_4S(4, 4, 0)
	VFMIN_4S(5, 5, 1)
	VFMIN_4S(6, 6, 2)
	VFMIN_4S(7, 7, 3)
	VFMAX_4S(8, 8, 0)
	VFMAX_4S(9, 9, 1)
	VFMAX_4S(10, 10, 2)
	VFMAX_4S(11, 11, 3)
	SUBS	$1, R3, R3
	BNE	mmfloop
	CBZ	R4, mmfdone
	MOVD	R6, R1
	MOVD	$1, R3
	MOVD	$0, R4
	B	mmfloop

mmfdone:
	VFMIN_4S(4, 4, 5)
	VFMIN_4S(6, 6, 7)
	VFMIN_4S(4, 4, 6)
	VFMINV_4S(4, 4)
	VFMAX_4S(8, 8, 9)
	VFMAX_4S(10, 10, 11)
	VFMAX_4S(8, 8, 10)
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
	VFADD_4S(0, 0, 16)
	VFADD_4S(1, 1, 16)
	VFADD_4S(2, 2, 16)
	VFADD_4S(3, 3, 16)
	VFMINNM_4S(4, 4, 0)
	VFMINNM_4S(5, 5, 1)
	VFMINNM_4S(6, 6, 2)
	VFMINNM_4S(7, 7, 3)
	VFMAXNM_4S(8, 8, 0)
	VFMAXNM_4S(9, 9, 1)
	VFMAXNM_4S(10, 10, 2)
	VFMAXNM_4S(11, 11, 3)
	SUBS	$1, R3, R3
	BNE	mmnloop
	CBZ	R4, mmndone
	MOVD	R6, R1
	MOVD	$1, R3
	MOVD	$0, R4
	B	mmnloop

mmndone:
	VFMINNM_4S(4, 4, 5)
	VFMINNM_4S(6, 6, 7)
	VFMINNM_4S(4, 4, 6)
	VFMINNMV_4S(4, 4)
	VFMAXNM_4S(8, 8, 9)
	VFMAXNM_4S(10, 10, 11)
	VFMAXNM_4S(8, 8, 10)
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
	VFABD_4S(0, 0, 16)
	VFABD_4S(1, 1, 16)
	VFABD_4S(2, 2, 16)
	VFABD_4S(3, 3, 16)
	VFMAXNM_4S(4, 4, 0)
	VFMAXNM_4S(5, 5, 1)
	VFMAXNM_4S(6, 6, 2)
	VFMAXNM_4S(7, 7, 3)
	SUBS	$1, R3, R3
	BNE	amloop
	CBZ	R4, amdone
	MOVD	R6, R1
	MOVD	$1, R3
	MOVD	$0, R4
	B	amloop

amdone:
	VFMAXNM_4S(4, 4, 5)
	VFMAXNM_4S(6, 6, 7)
	VFMAXNM_4S(4, 4, 6)
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
	VFCVTL_2D(8, 0)
	VFCVTL2_2D(9, 0)
	VFCVTL_2D(10, 1)
	VFCVTL2_2D(11, 1)
	VFCVTL_2D(12, 2)
	VFCVTL2_2D(13, 2)
	VFCVTL_2D(14, 3)
	VFCVTL2_2D(15, 3)
	VFCVTL_2D(24, 4)
	VFCVTL2_2D(25, 4)
	VFCVTL_2D(26, 5)
	VFCVTL2_2D(27, 5)
	VFCVTL_2D(28, 6)
	VFCVTL2_2D(29, 6)
	VFCVTL_2D(30, 7)
	VFCVTL2_2D(31, 7)
	VFSUB_2D(8, 8, 24)
	VFSUB_2D(9, 9, 25)
	VFSUB_2D(10, 10, 26)
	VFSUB_2D(11, 11, 27)
	VFSUB_2D(12, 12, 28)
	VFSUB_2D(13, 13, 29)
	VFSUB_2D(14, 14, 30)
	VFSUB_2D(15, 15, 31)
	VFMUL_2D(8, 8, 8)
	VFMUL_2D(9, 9, 9)
	VFMUL_2D(10, 10, 10)
	VFMUL_2D(11, 11, 11)
	VFMUL_2D(12, 12, 12)
	VFMUL_2D(13, 13, 13)
	VFMUL_2D(14, 14, 14)
	VFMUL_2D(15, 15, 15)
	VFADD_2D(16, 16, 8)
	VFADD_2D(17, 17, 9)
	VFADD_2D(18, 18, 10)
	VFADD_2D(19, 19, 11)
	VFADD_2D(20, 20, 12)
	VFADD_2D(21, 21, 13)
	VFADD_2D(22, 22, 14)
	VFADD_2D(23, 23, 15)
	SUBS	$1, R3, R3
	BNE	seloop

sedone:
	VST1.P	[V16.D2, V17.D2, V18.D2, V19.D2], 64(R9)
	VST1	[V20.D2, V21.D2, V22.D2, V23.D2], (R9)
	RET

// Quantization error: V0-V3 x, V4-V7 y = dequant(quant(x)) in float32;
// then per half (x V0-V1 with y V4-V5, then x V2-V3 with y V6-V7):
// V8-V11 float64(x), V12-V15 float64(y). Constants V24 k, V25 s,
// V26 float32(z), V27 lo, V28 hi (float32).

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

qetorch:
	VLD1.P	64(R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	VFMUL_4S(4, 0, 24)
	VFMUL_4S(5, 1, 24)
	VFMUL_4S(6, 2, 24)
	VFMUL_4S(7, 3, 24)
	VFRINTN_4S(4, 4)
	VFRINTN_4S(5, 5)
	VFRINTN_4S(6, 6)
	VFRINTN_4S(7, 7)
	VFMAX_4S(4, 4, 27)
	VFMAX_4S(5, 5, 27)
	VFMAX_4S(6, 6, 27)
	VFMAX_4S(7, 7, 27)
	VFMIN_4S(4, 4, 28)
	VFMIN_4S(5, 5, 28)
	VFMIN_4S(6, 6, 28)
	VFMIN_4S(7, 7, 28)
	VFMUL_4S(4, 4, 25)
	VFMUL_4S(5, 5, 25)
	VFMUL_4S(6, 6, 25)
	VFMUL_4S(7, 7, 25)
	VFCVTL_2D(8, 0)
	VFCVTL2_2D(9, 0)
	VFCVTL_2D(10, 1)
	VFCVTL2_2D(11, 1)
	VFCVTL_2D(12, 4)
	VFCVTL2_2D(13, 4)
	VFCVTL_2D(14, 5)
	VFCVTL2_2D(15, 5)
	VFSUB_2D(8, 8, 12)
	VFSUB_2D(9, 9, 13)
	VFSUB_2D(10, 10, 14)
	VFSUB_2D(11, 11, 15)
	VFMUL_2D(8, 8, 8)
	VFMUL_2D(9, 9, 9)
	VFMUL_2D(10, 10, 10)
	VFMUL_2D(11, 11, 11)
	VFADD_2D(16, 16, 8)
	VFADD_2D(17, 17, 9)
	VFADD_2D(18, 18, 10)
	VFADD_2D(19, 19, 11)
	VFCVTL_2D(8, 2)
	VFCVTL2_2D(9, 2)
	VFCVTL_2D(10, 3)
	VFCVTL2_2D(11, 3)
	VFCVTL_2D(12, 6)
	VFCVTL2_2D(13, 6)
	VFCVTL_2D(14, 7)
	VFCVTL2_2D(15, 7)
	VFSUB_2D(8, 8, 12)
	VFSUB_2D(9, 9, 13)
	VFSUB_2D(10, 10, 14)
	VFSUB_2D(11, 11, 15)
	VFMUL_2D(8, 8, 8)
	VFMUL_2D(9, 9, 9)
	VFMUL_2D(10, 10, 10)
	VFMUL_2D(11, 11, 11)
	VFADD_2D(20, 20, 8)
	VFADD_2D(21, 21, 9)
	VFADD_2D(22, 22, 10)
	VFADD_2D(23, 23, 11)
	SUBS	$1, R3, R3
	BNE	qetorch
	B	qedone

qeonnx:
	VLD1.P	64(R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	VFDIV_4S(4, 0, 24)
	VFDIV_4S(5, 1, 24)
	VFDIV_4S(6, 2, 24)
	VFDIV_4S(7, 3, 24)
	VFRINTN_4S(4, 4)
	VFRINTN_4S(5, 5)
	VFRINTN_4S(6, 6)
	VFRINTN_4S(7, 7)
	VFMAX_4S(4, 4, 27)
	VFMAX_4S(5, 5, 27)
	VFMAX_4S(6, 6, 27)
	VFMAX_4S(7, 7, 27)
	VFMIN_4S(4, 4, 28)
	VFMIN_4S(5, 5, 28)
	VFMIN_4S(6, 6, 28)
	VFMIN_4S(7, 7, 28)
	VFMUL_4S(4, 4, 25)
	VFMUL_4S(5, 5, 25)
	VFMUL_4S(6, 6, 25)
	VFMUL_4S(7, 7, 25)
	VFCVTL_2D(8, 0)
	VFCVTL2_2D(9, 0)
	VFCVTL_2D(10, 1)
	VFCVTL2_2D(11, 1)
	VFCVTL_2D(12, 4)
	VFCVTL2_2D(13, 4)
	VFCVTL_2D(14, 5)
	VFCVTL2_2D(15, 5)
	VFSUB_2D(8, 8, 12)
	VFSUB_2D(9, 9, 13)
	VFSUB_2D(10, 10, 14)
	VFSUB_2D(11, 11, 15)
	VFMUL_2D(8, 8, 8)
	VFMUL_2D(9, 9, 9)
	VFMUL_2D(10, 10, 10)
	VFMUL_2D(11, 11, 11)
	VFADD_2D(16, 16, 8)
	VFADD_2D(17, 17, 9)
	VFADD_2D(18, 18, 10)
	VFADD_2D(19, 19, 11)
	VFCVTL_2D(8, 2)
	VFCVTL2_2D(9, 2)
	VFCVTL_2D(10, 3)
	VFCVTL2_2D(11, 3)
	VFCVTL_2D(12, 6)
	VFCVTL2_2D(13, 6)
	VFCVTL_2D(14, 7)
	VFCVTL2_2D(15, 7)
	VFSUB_2D(8, 8, 12)
	VFSUB_2D(9, 9, 13)
	VFSUB_2D(10, 10, 14)
	VFSUB_2D(11, 11, 15)
	VFMUL_2D(8, 8, 8)
	VFMUL_2D(9, 9, 9)
	VFMUL_2D(10, 10, 10)
	VFMUL_2D(11, 11, 11)
	VFADD_2D(20, 20, 8)
	VFADD_2D(21, 21, 9)
	VFADD_2D(22, 22, 10)
	VFADD_2D(23, 23, 11)
	SUBS	$1, R3, R3
	BNE	qeonnx
	B	qedone

qeseed:
	VLD1.P	64(R0), [V0.S4, V1.S4, V2.S4, V3.S4]
	VFDIV_4S(4, 0, 24)
	VFDIV_4S(5, 1, 24)
	VFDIV_4S(6, 2, 24)
	VFDIV_4S(7, 3, 24)
	VFADD_4S(4, 4, 26)
	VFADD_4S(5, 5, 26)
	VFADD_4S(6, 6, 26)
	VFADD_4S(7, 7, 26)
	VFRINTN_4S(4, 4)
	VFRINTN_4S(5, 5)
	VFRINTN_4S(6, 6)
	VFRINTN_4S(7, 7)
	VFMAX_4S(4, 4, 27)
	VFMAX_4S(5, 5, 27)
	VFMAX_4S(6, 6, 27)
	VFMAX_4S(7, 7, 27)
	VFMIN_4S(4, 4, 28)
	VFMIN_4S(5, 5, 28)
	VFMIN_4S(6, 6, 28)
	VFMIN_4S(7, 7, 28)
	VFSUB_4S(4, 4, 26)
	VFSUB_4S(5, 5, 26)
	VFSUB_4S(6, 6, 26)
	VFSUB_4S(7, 7, 26)
	VFMUL_4S(4, 4, 25)
	VFMUL_4S(5, 5, 25)
	VFMUL_4S(6, 6, 25)
	VFMUL_4S(7, 7, 25)

	VFCVTL_2D(8, 0)
	VFCVTL2_2D(9, 0)
	VFCVTL_2D(10, 1)
	VFCVTL2_2D(11, 1)
	VFCVTL_2D(12, 4)
	VFCVTL2_2D(13, 4)
	VFCVTL_2D(14, 5)
	VFCVTL2_2D(15, 5)
	VFSUB_2D(8, 8, 12)
	VFSUB_2D(9, 9, 13)
	VFSUB_2D(10, 10, 14)
	VFSUB_2D(11, 11, 15)
	VFMUL_2D(8, 8, 8)
	VFMUL_2D(9, 9, 9)
	VFMUL_2D(10, 10, 10)
	VFMUL_2D(11, 11, 11)
	VFADD_2D(16, 16, 8)
	VFADD_2D(17, 17, 9)
	VFADD_2D(18, 18, 10)
	VFADD_2D(19, 19, 11)
	VFCVTL_2D(8, 2)
	VFCVTL2_2D(9, 2)
	VFCVTL_2D(10, 3)
	VFCVTL2_2D(11, 3)
	VFCVTL_2D(12, 6)
	VFCVTL2_2D(13, 6)
	VFCVTL_2D(14, 7)
	VFCVTL2_2D(15, 7)
	VFSUB_2D(8, 8, 12)
	VFSUB_2D(9, 9, 13)
	VFSUB_2D(10, 10, 14)
	VFSUB_2D(11, 11, 15)
	VFMUL_2D(8, 8, 8)
	VFMUL_2D(9, 9, 9)
	VFMUL_2D(10, 10, 10)
	VFMUL_2D(11, 11, 11)
	VFADD_2D(20, 20, 8)
	VFADD_2D(21, 21, 9)
	VFADD_2D(22, 22, 10)
	VFADD_2D(23, 23, 11)
	SUBS	$1, R3, R3
	BNE	qeseed

qedone:
	VST1.P	[V16.D2, V17.D2, V18.D2, V19.D2], 64(R9)
	VST1	[V20.D2, V21.D2, V22.D2, V23.D2], (R9)
	RET
