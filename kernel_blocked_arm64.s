//go:build gc && !purego

#include "textflag.h"
#include "kernel_arm64.h"

// NEON kernels of the grouped forms for arm64. Contracts: see the
// declarations in kernel_blocked_arm64.go; the arithmetic is that of
// kernel_generic_blocked.go, bit for bit, and per element exactly that of
// the per-tensor NEON kernels of kernel_arm64.s.
//
// The blocked kernels walk nblocks consecutive blocks of block >= 16 elements
// (even for the packed int4 forms), loading each block's Params (20
// bytes: Scale +0, Zero +4, Lo +8, Hi +12, Convention +16) from ps, ps+20,
// ... as it reaches the block, so a whole row or matrix is one call. A
// block is done in groups of 16 elements; if block is not a multiple of
// 16, the last group is the 16 elements ending at the block's end (R6/R7
// hold its addresses): its first elements are recomputed with the same
// Params and rewritten with the same bits, and nothing outside the block
// is read or written. An even block starts on a byte boundary of the
// packed data, so a group of 16 int4 codes is 8 whole bytes.
// MinMaxColumns and the per-column quantize kernels (at the end) treat a
// ragged end the same way.

// Register use in the quantize kernels (the per-tensor kernels' registers
// for the data, per-block constants loaded at each block):
//	R0 dst, R1 src, R2 block, R3 blocks left, R4 ps (next block's Params),
//	R5 groups of 16 left in the block, R9 = 1 while the overlapping last
//	group is pending, R6/R7 src/dst of that group, R10 block-16, R8 scratch,
//	R11 unsigned (int8/uint8 codes: narrow with SQXTN and clamp with
//	SMAX/SMIN, or SQXTUN and UMAX/UMIN; the loop, an instance of
//	QUANTIZE8_LOOP, is chosen per block by convention and R11).
//	V0-V3 data, V4-V7 NaN masks, V8-V9 int16, V10 codes (bytes);
//	V16 k (s, or inv = float32(1/s) by a vector FDIV of V15 = 1.0 for
//	PyTorch), V17 float32(z) (Seed), V18 z (int32), V19 lo, V20 hi
//	(bytes), loaded by LOAD_BLOCK_PARAMS (R13 = 4) — in the 8-bit
//	kernel, a block whose Lo, Hi (read as one 64-bit word into R24) are
//	the codes' full range (R23: -128, 127 or 0, 255) skips the lo/hi
//	broadcasts and the clamp (the saturating narrow already gives the
//	full range; SMAX/SMIN or UMAX/UMIN with those bounds change no byte):
//	loops i8torchf/u8torchf (PyTorch), i8onnxf/u8onnxf (ONNX by
//	reciprocal) and i8seedff/u8seedff (Seed by reciprocal, first pass);
//	such Seed and ONNX blocks that need FDIV or the careful Seed loop go
//	back to q8bounds (q8fslow), which loads the bounds as for every other
//	block; for Seed and ONNX
//	blocks whose s is in exactDivScale's domain (RECIP_OR) the quotient
//	is RECIP_QUOTIENT16's (V21 y, V22 c, V23 -c from RECIP_CONSTS; V26
//	2^25, V27 -2^25), else FDIV; R12 scratch, R19/R20 the domain test.
//	Seed blocks by reciprocal run QUANT_SEED_FAST16 (no NaN zeroing) on
//	the first pass (R21 = 0); if that pass met a NaN input (FPSR.IOC),
//	the call is redone from the saved R0, R1, R3, R4 (R14-R17) with
//	R21 = 1, the Seed blocks then by QUANT_SEED_RECIP16
//	(SEED_FAST_BEGIN/END; R22 the FPSR).
//
// int4: the codes (-8..15) are clamped as int8 codes; then two TBLs take
// the 8 codes of the low nibbles (V24 indices: the even codes, or the odd
// ones if hiFirst) to V11 and those of the high nibbles (V25) to V12, and
// SLI #4 forms V12<<4 | (V11 & 0x0F): 8 packed bytes.

// func neonQuantizeBlocksI4(dst *uint8, src *float32, block, nblocks int, ps *Params, order *[16]uint8)
TEXT ·neonQuantizeBlocksI4(SB), NOSPLIT, $0-48
	MOVD	dst+0(FP), R0
	MOVD	src+8(FP), R1
	MOVD	block+16(FP), R2
	MOVD	nblocks+24(FP), R3
	MOVD	ps+32(FP), R4
	MOVD	order+40(FP), R8
	VLD1	(R8), [V24.B8, V25.B8]
	SUB	$16, R2, R10
	MOVD	$4, R13
	FMOVS	$1.0, F15
	VDUP	V15.S[0], V15.S4
	MOVW	$0x4c000000, R12
	VDUP	R12, V26.S4
	MOVW	$0xcc000000, R12
	VDUP	R12, V27.S4
	MOVW	$0x0d800000, R19
	MOVW	$0x64000000, R20
	SEED_FAST_BEGIN

qi4block:
	LSR	$4, R2, R5
	AND	$15, R2, R9
	ADD	R10<<2, R1, R6
	ADD	R10>>1, R0, R7
	LOAD_BLOCK_PARAMS
	CBZ	R8, qi4seedp
	CMP	$1, R8
	BEQ	qi4onnxp
	VFDIV_4S(16, 15, 16)
	QUANTIZE4_LOOP(qi4torch, qi4next, QUANT_TORCH16)

qi4onnxp:
	RECIP_OR(qi4onnx)
	RECIP_CONSTS

qi4onnxr:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	QUANT_ONNX_RECIP16
	SQXTN16_H
	NARROW16_I8
	VTBL	V24.B8, [V10.B16], V11.B8
	VTBL	V25.B8, [V10.B16], V12.B8
	VSLI	$4, V12.B8, V11.B8
	VST1.P	[V11.B8], 8(R0)
	NEXT_GROUP(qi4onnxr, qi4next, R5, R9)
	QUANTIZE4_LOOP(qi4onnx, qi4next, QUANT_ONNX16)

qi4seedp:
	VSCVTF_4S(17, 18)
	RECIP_OR(qi4seed)
	RECIP_CONSTS
	CBNZ	R21, qi4seedr

	QUANTIZE4_LOOP(qi4seedf, qi4next, QUANT_SEED_FAST16)

qi4seedr:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	QUANT_SEED_RECIP16
	SQXTN16_H
	NARROW16_I8
	VTBL	V24.B8, [V10.B16], V11.B8
	VTBL	V25.B8, [V10.B16], V12.B8
	VSLI	$4, V12.B8, V11.B8
	VST1.P	[V11.B8], 8(R0)
	NEXT_GROUP(qi4seedr, qi4next, R5, R9)
	QUANTIZE4_LOOP(qi4seed, qi4next, QUANT_SEED16)

qi4next:
	SUBS	$1, R3, R3
	BNE	qi4block
	SEED_FAST_END(qi4block)
	RET

// func neonQuantizeBlocks8(dst *byte, src *float32, block, nblocks int, ps *Params, unsigned bool)
TEXT ·neonQuantizeBlocks8(SB), NOSPLIT, $0-41
	MOVD	dst+0(FP), R0
	MOVD	src+8(FP), R1
	MOVD	block+16(FP), R2
	MOVD	nblocks+24(FP), R3
	MOVD	ps+32(FP), R4
	SUB	$16, R2, R10
	MOVBU	unsigned+40(FP), R11
	MOVD	$4, R13
	FMOVS	$1.0, F15
	VDUP	V15.S[0], V15.S4
	MOVW	$0x4c000000, R12
	VDUP	R12, V26.S4
	MOVW	$0xcc000000, R12
	VDUP	R12, V27.S4
	MOVW	$0x0d800000, R19
	MOVW	$0x64000000, R20
	MOVD	$0x0000007fffffff80, R23
	CBZ	R11, q8signed
	MOVD	$0x000000ff00000000, R23

q8signed:
	SEED_FAST_BEGIN

q8block:
	LSR	$4, R2, R5
	AND	$15, R2, R9
	ADD	R10<<2, R1, R6
	ADD	R10, R0, R7
	VLD1R.P	4(R4), [V16.S4]
	VLD1R.P	4(R4), [V18.S4]
	MOVBU	8(R4), R8
	MOVD	(R4), R24
	CMP	R23, R24
	BNE	q8bounds
	ADD	$12, R4, R4
	CMP	$2, R8
	BNE	q8fullsr
	VFDIV_4S(16, 15, 16)
	FULL8_LOOP(i8torchf, u8torchfp, u8torchf, q8next, QUANT_TORCH16)

q8fullsr:
	CBZ	R8, q8fseedp
	RECIP_OR(q8fslow)
	RECIP_CONSTS
	FULL8_LOOP(i8onnxf, u8onnxfp, u8onnxf, q8next, QUANT_ONNX_RECIP16)

q8fseedp:
	RECIP_OR(q8fslow)
	CBNZ	R21, q8fslow
	VSCVTF_4S(17, 18)
	RECIP_CONSTS
	FULL8_LOOP(i8seedff, u8seedfp, u8seedff, q8next, QUANT_SEED_FAST16)

q8fslow:
	SUB	$12, R4, R4

q8bounds:
	VLD1R.P	(R4)(R13), [V19.B16]
	VLD1R.P	(R4)(R13), [V20.B16]
	ADD	$4, R4, R4
	CBNZ	R11, q8unsigned
	CBZ	R8, i8seedp
	CMP	$1, R8
	BEQ	i8onnxp
	VFDIV_4S(16, 15, 16)
	QUANTIZE8_LOOP(i8torch, q8next, R5, R9, QUANT_TORCH16, NARROW16_I8)

i8onnxp:
	RECIP_OR(i8onnx)
	RECIP_CONSTS

i8onnxr:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	QUANT_ONNX_RECIP16
	SQXTN16_H
	NARROW16_I8
	VST1.P	[V10.B16], 16(R0)
	NEXT_GROUP(i8onnxr, q8next, R5, R9)
	QUANTIZE8_LOOP(i8onnx, q8next, R5, R9, QUANT_ONNX16, NARROW16_I8)

i8seedp:
	VSCVTF_4S(17, 18)
	RECIP_OR(i8seed)
	RECIP_CONSTS
	CBNZ	R21, i8seedr

	QUANTIZE8_LOOP(i8seedf, q8next, R5, R9, QUANT_SEED_FAST16, NARROW16_I8)

i8seedr:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	QUANT_SEED_RECIP16
	SQXTN16_H
	NARROW16_I8
	VST1.P	[V10.B16], 16(R0)
	NEXT_GROUP(i8seedr, q8next, R5, R9)
	QUANTIZE8_LOOP(i8seed, q8next, R5, R9, QUANT_SEED16, NARROW16_I8)

q8unsigned:
	CBZ	R8, u8seedp
	CMP	$1, R8
	BEQ	u8onnxp
	VFDIV_4S(16, 15, 16)
	QUANTIZE8_LOOP(u8torch, q8next, R5, R9, QUANT_TORCH16, NARROW16_U8)

u8onnxp:
	RECIP_OR(u8onnx)
	RECIP_CONSTS

u8onnxr:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	QUANT_ONNX_RECIP16
	SQXTN16_H
	NARROW16_U8
	VST1.P	[V10.B16], 16(R0)
	NEXT_GROUP(u8onnxr, q8next, R5, R9)
	QUANTIZE8_LOOP(u8onnx, q8next, R5, R9, QUANT_ONNX16, NARROW16_U8)

u8seedp:
	VSCVTF_4S(17, 18)
	RECIP_OR(u8seed)
	RECIP_CONSTS
	CBNZ	R21, u8seedr

	QUANTIZE8_LOOP(u8seedf, q8next, R5, R9, QUANT_SEED_FAST16, NARROW16_U8)

u8seedr:
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]
	QUANT_SEED_RECIP16
	SQXTN16_H
	NARROW16_U8
	VST1.P	[V10.B16], 16(R0)
	NEXT_GROUP(u8seedr, q8next, R5, R9)
	QUANTIZE8_LOOP(u8seed, q8next, R5, R9, QUANT_SEED16, NARROW16_U8)

q8next:
	SUBS	$1, R3, R3
	BNE	q8block
	SEED_FAST_END(q8block)
	RET

// Dequantize int4: per group of 8 bytes (16 nibbles), V0 = bytes XOR
// (flip | flip<<4) (V23), V1 = V0 AND 0x0F (V24), V2 = V0 >> 4; TBL with
// the indices V21 interleaves V1 and V2 into the 16 nibbles t in element
// order; then as dequantize: UXTL to int32, minus z + flip (V16), SCVTF,
// FMUL s (V17). For signed nibbles flip = 8: sext4(v) = (v XOR 8) - 8, so
// t - (z + 8) = sext4(v) - z; for unsigned flip = 0.
// Registers: R0 dst, R1 src, R2 block, R3 blocks left, R4 ps, R5 groups
// left, R9 overlap pending, R6/R7 src/dst of the last group, R10 block-16,
// R12 flip; V0-V3 bytes, V4-V5 8H, V6-V9 4S.

// func neonDequantizeBlocksI4(dst *float32, src *uint8, block, nblocks int, ps *Params, flip int, order *[16]uint8)
TEXT ·neonDequantizeBlocksI4(SB), NOSPLIT, $0-56
	MOVD	dst+0(FP), R0
	MOVD	src+8(FP), R1
	MOVD	block+16(FP), R2
	MOVD	nblocks+24(FP), R3
	MOVD	ps+32(FP), R4
	MOVD	flip+40(FP), R12
	MOVD	order+48(FP), R8
	VLD1	(R8), [V21.B16]
	ORR	R12<<4, R12, R8
	VDUP	R8, V23.B16
	VMOVI	$15, V24.B16
	SUB	$16, R2, R10

di4block:
	LSR	$4, R2, R5
	AND	$15, R2, R9
	ADD	R10>>1, R1, R6
	ADD	R10<<2, R0, R7
	VLD1R	(R4), [V17.S4]
	MOVW	4(R4), R8
	ADD	R12, R8, R8
	VDUP	R8, V16.S4
	ADD	$20, R4, R4

di4loop:
	VLD1.P	8(R1), [V0.B8]
	VEOR	V23.B8, V0.B8, V0.B8
	VAND	V24.B8, V0.B8, V1.B8
	VUSHR	$4, V0.B8, V2.B8
	VTBL	V21.B16, [V1.B16, V2.B16], V3.B16
	VUXTL	V3.B8, V4.H8
	VUXTL2	V3.B16, V5.H8
	VUXTL	V4.H4, V6.S4
	VUXTL2	V4.H8, V7.S4
	VUXTL	V5.H4, V8.S4
	VUXTL2	V5.H8, V9.S4
	VSUB	V16.S4, V6.S4, V6.S4
	VSUB	V16.S4, V7.S4, V7.S4
	VSUB	V16.S4, V8.S4, V8.S4
	VSUB	V16.S4, V9.S4, V9.S4
	VSCVTF_4S(6, 6)
	VSCVTF_4S(7, 7)
	VSCVTF_4S(8, 8)
	VSCVTF_4S(9, 9)
	VFMUL_4S(6, 6, 17)
	VFMUL_4S(7, 7, 17)
	VFMUL_4S(8, 8, 17)
	VFMUL_4S(9, 9, 17)
	VST1.P	[V6.S4, V7.S4, V8.S4, V9.S4], 64(R0)
	NEXT_GROUP(di4loop, di4next, R5, R9)

di4next:
	SUBS	$1, R3, R3
	BNE	di4block
	RET

// Dequantize int8/uint8: the loops of neonDequantize8 with each
// block's z (V16) and s (V17), the bytes sign- or zero-extended as R11
// (unsigned) says (the loop chosen per block); registers as for int4, V0 16
// bytes, V1-V2 8H, V3-V6 4S.

// func neonDequantizeBlocks8(dst *float32, src *byte, block, nblocks int, ps *Params, unsigned bool)
TEXT ·neonDequantizeBlocks8(SB), NOSPLIT, $0-41
	MOVD	dst+0(FP), R0
	MOVD	src+8(FP), R1
	MOVD	block+16(FP), R2
	MOVD	nblocks+24(FP), R3
	MOVD	ps+32(FP), R4
	SUB	$16, R2, R10
	MOVBU	unsigned+40(FP), R11

d8block:
	LSR	$4, R2, R5
	AND	$15, R2, R9
	ADD	R10, R1, R6
	ADD	R10<<2, R0, R7
	VLD1R	(R4), [V17.S4]
	MOVW	4(R4), R8
	VDUP	R8, V16.S4
	ADD	$20, R4, R4
	CBNZ	R11, du8loop

di8loop:
	VLD1.P	16(R1), [V0.B16]
	SXTL16_S
	DEQUANT16
	VST1.P	[V3.S4, V4.S4, V5.S4, V6.S4], 64(R0)
	NEXT_GROUP(di8loop, d8next, R5, R9)

du8loop:
	VLD1.P	16(R1), [V0.B16]
	UXTL16_S
	DEQUANT16
	VST1.P	[V3.S4, V4.S4, V5.S4, V6.S4], 64(R0)
	NEXT_GROUP(du8loop, d8next, R5, R9)

d8next:
	SUBS	$1, R3, R3
	BNE	d8block
	RET

// MinMaxColumns: per group of 16 columns, x V0-V3, lo V4-V7, hi V8-V11;
// FCMGT lo, x (x < lo, false for NaN and for equal zeros) and BIT insert x
// into lo where true; FCMGT x, hi likewise for hi; x - x (+0 iff x is
// finite) ORed into V16-V19. A final partial group is redone as the 16
// columns ending at n: min and max with the same x again change nothing.
// R0 lo, R1 hi, R2 row, R3 groups left, R4 overlap pending, R5-R7 lo, hi,
// row of the last group.

// func neonMinMaxColumns(lo, hi, row *float32, n int) (finite bool)
TEXT ·neonMinMaxColumns(SB), NOSPLIT, $0-33
	MOVD	lo+0(FP), R0
	MOVD	hi+8(FP), R1
	MOVD	row+16(FP), R2
	MOVD	n+24(FP), R8
	LSR	$4, R8, R3
	AND	$15, R8, R4
	SUB	$16, R8, R8
	ADD	R8<<2, R0, R5
	ADD	R8<<2, R1, R6
	ADD	R8<<2, R2, R7
	VEOR	V16.B16, V16.B16, V16.B16
	VEOR	V17.B16, V17.B16, V17.B16
	VEOR	V18.B16, V18.B16, V18.B16
	VEOR	V19.B16, V19.B16, V19.B16

mmcloop:
	VLD1.P	64(R2), [V0.S4, V1.S4, V2.S4, V3.S4]
	VLD1	(R0), [V4.S4, V5.S4, V6.S4, V7.S4]
	VLD1	(R1), [V8.S4, V9.S4, V10.S4, V11.S4]
	VFCMGT_4S(12, 4, 0)
	VFCMGT_4S(13, 5, 1)
	VFCMGT_4S(14, 6, 2)
	VFCMGT_4S(15, 7, 3)
	VBIT	V12.B16, V0.B16, V4.B16
	VBIT	V13.B16, V1.B16, V5.B16
	VBIT	V14.B16, V2.B16, V6.B16
	VBIT	V15.B16, V3.B16, V7.B16
	VFCMGT_4S(12, 0, 8)
	VFCMGT_4S(13, 1, 9)
	VFCMGT_4S(14, 2, 10)
	VFCMGT_4S(15, 3, 11)
	VBIT	V12.B16, V0.B16, V8.B16
	VBIT	V13.B16, V1.B16, V9.B16
	VBIT	V14.B16, V2.B16, V10.B16
	VBIT	V15.B16, V3.B16, V11.B16
	VFSUB_4S(0, 0, 0)
	VFSUB_4S(1, 1, 1)
	VFSUB_4S(2, 2, 2)
	VFSUB_4S(3, 3, 3)
	VORR	V0.B16, V16.B16, V16.B16
	VORR	V1.B16, V17.B16, V17.B16
	VORR	V2.B16, V18.B16, V18.B16
	VORR	V3.B16, V19.B16, V19.B16
	VST1.P	[V4.S4, V5.S4, V6.S4, V7.S4], 64(R0)
	VST1.P	[V8.S4, V9.S4, V10.S4, V11.S4], 64(R1)
	SUBS	$1, R3, R3
	BNE	mmcloop
	CBZ	R4, mmcdone
	MOVD	R5, R0
	MOVD	R6, R1
	MOVD	R7, R2
	MOVD	$1, R3
	MOVD	$0, R4
	B	mmcloop

mmcdone:
	VORR	V17.B16, V16.B16, V16.B16
	VORR	V19.B16, V18.B16, V18.B16
	VORR	V18.B16, V16.B16, V16.B16
	VMOV	V16.D[0], R8
	VMOV	V16.D[1], R9
	ORR	R9, R8, R8
	CMP	$0, R8
	CSET	EQ, R8
	MOVB	R8, finite+32(FP)
	RET

// Per-column quantize (block 1): element i is quantized with ps[i], all
// of one convention (conv, as in neonQuantize8), the loop (an instance of
// QCOLS_LOOP) chosen once per call by conv and unsigned. Per group of 16, the
// Params are gathered into lanes by GATHER_PARAMS4 (16-byte loads and a
// 4x4 transpose, no lane inserts): k V16-V19, z V20-V23, lo V24-V27, hi
// V28-V31 (int32; element i of the group in lane i%4 of register i/4). Then the per-tensor
// arithmetic of the convention with these vectors:
// the PyTorch inverse is FDIV of 1.0 (V15) by s per lane, float32(z) is
// SCVTF of z for Seed; the clamp to lo..hi is done on the int32 values
// (SMAX, SMIN), so the narrowing that follows saturates nothing. A final
// partial group is redone as the 16 elements ending at n, with their own
// Params.
// R0 dst, R1 src, R4 ps of the group (R12 = R4 + 160), R3 groups left,
// R5 overlap pending, R6/R7/R13 src/dst/ps of the last group, R21 conv,
// R22 unsigned (narrow with SQXTUN for uint8, else SQXTN);
// V0-V3 data, V4-V11 gather scratch, then V4-V7 NaN masks and float32(z)
// or inv, V8-V9 int16, V10 bytes; V15 1.0.

// func neonQuantizeCols(dst *byte, src *float32, n int, ps *Params, conv int, unsigned bool)
TEXT ·neonQuantizeCols(SB), NOSPLIT, $0-41
	MOVD	dst+0(FP), R0
	MOVD	src+8(FP), R1
	MOVD	n+16(FP), R2
	MOVD	ps+24(FP), R4
	MOVD	conv+32(FP), R21
	MOVBU	unsigned+40(FP), R22
	LSR	$4, R2, R3
	AND	$15, R2, R5
	SUB	$16, R2, R2
	ADD	R2<<2, R1, R6
	ADD	R2, R0, R7
	MOVD	$20, R8
	MUL	R8, R2, R13
	ADD	R4, R13, R13
	ADD	$160, R4, R12
	FMOVS	$1.0, F15
	VDUP	V15.S[0], V15.S4

	CBNZ	R22, qcunsigned
	CBZ	R21, qci8seed
	CMP	$1, R21
	BEQ	qci8onnx
	QCOLS_LOOP(qci8torch, qcdone, QCOLS_TORCH16, SQXTN16_B)
	QCOLS_LOOP(qci8onnx, qcdone, QCOLS_ONNX16, SQXTN16_B)
	QCOLS_LOOP(qci8seed, qcdone, QCOLS_SEED16, SQXTN16_B)

qcunsigned:
	CBZ	R21, qcu8seed
	CMP	$1, R21
	BEQ	qcu8onnx
	QCOLS_LOOP(qcu8torch, qcdone, QCOLS_TORCH16, SQXTUN16_B)
	QCOLS_LOOP(qcu8onnx, qcdone, QCOLS_ONNX16, SQXTUN16_B)
	QCOLS_LOOP(qcu8seed, qcdone, QCOLS_SEED16, SQXTUN16_B)

qcdone:
	RET
