// WORD macros for the NEON instructions Go's arm64 assembler has no
// mnemonic for, and the multi-line sequences of kernel_arm64.s.
//
// The conventions are those of the root package's kernel_arm64.h, and
// the root package's TestNEONEncodings checks this file too: each WORD
// macro takes register numbers in ARM operand order (destination first)
// and is preceded by a comment giving its ARM mnemonic with the operands
// named after the macro's parameters; every call site is compared with
// llvm-mc's encoding (testdata/neon_encodings.txt of the root package)
// and with Go's disassembler. Native Go instructions keep Go's operand
// order: sources first, destination last.

// fadd Vd.4s, Vn.4s, Vm.4s
#define VFADD_4S(d, n, m) WORD $(0x4e20d400 | ((m)<<16) | ((n)<<5) | (d))
// fsub Vd.4s, Vn.4s, Vm.4s
#define VFSUB_4S(d, n, m) WORD $(0x4ea0d400 | ((m)<<16) | ((n)<<5) | (d))
// fmul Vd.4s, Vn.4s, Vm.4s
#define VFMUL_4S(d, n, m) WORD $(0x6e20dc00 | ((m)<<16) | ((n)<<5) | (d))
// fmax Vd.4s, Vn.4s, Vm.4s
#define VFMAX_4S(d, n, m) WORD $(0x4e20f400 | ((m)<<16) | ((n)<<5) | (d))
// fmin Vd.4s, Vn.4s, Vm.4s
#define VFMIN_4S(d, n, m) WORD $(0x4ea0f400 | ((m)<<16) | ((n)<<5) | (d))
// fmaxv Sd, Vn.4s
#define VFMAXV_4S(d, n) WORD $(0x6e30f800 | ((n)<<5) | (d))
// fminv Sd, Vn.4s
#define VFMINV_4S(d, n) WORD $(0x6eb0f800 | ((n)<<5) | (d))
// fabs Vd.4s, Vn.4s
#define VFABS_4S(d, n) WORD $(0x4ea0f800 | ((n)<<5) | (d))
// fcvtas Vd.4s, Vn.4s
#define VFCVTAS_4S(d, n) WORD $(0x4e21c800 | ((n)<<5) | (d))
// fcvtzs Vd.4s, Vn.4s
#define VFCVTZS_4S(d, n) WORD $(0x4ea1b800 | ((n)<<5) | (d))
// scvtf Vd.4s, Vn.4s
#define VSCVTF_4S(d, n) WORD $(0x4e21d800 | ((n)<<5) | (d))
// smin Vd.16b, Vn.16b, Vm.16b
#define VSMIN_16B(d, n, m) WORD $(0x4e206c00 | ((m)<<16) | ((n)<<5) | (d))
// saddlp Vd.8h, Vn.16b
#define VSADDLP_8H(d, n) WORD $(0x4e202800 | ((n)<<5) | (d))
// sadalp Vd.8h, Vn.16b
#define VSADALP_8H(d, n) WORD $(0x4e206800 | ((n)<<5) | (d))
// sxtl Vd.8h, Vn.8b
#define VSXTL_8H(d, n) WORD $(0x0f08a400 | ((n)<<5) | (d))
// sxtl2 Vd.8h, Vn.16b
#define VSXTL2_8H(d, n) WORD $(0x4f08a400 | ((n)<<5) | (d))
// sxtl Vd.4s, Vn.4h
#define VSXTL_4S(d, n) WORD $(0x0f10a400 | ((n)<<5) | (d))
// sxtl2 Vd.4s, Vn.8h
#define VSXTL2_4S(d, n) WORD $(0x4f10a400 | ((n)<<5) | (d))

// Multi-line macros. Register conventions of the quantizers: V0-V7 the 32
// float32 of a block (element i in lane i%4 of V(i/4)), then their int32
// codes; V8-V11 scratch (16-bit lanes); V12 the codes of elements 0-15,
// V13 those of 16-31 (bytes); V16-V23 scratch (F16 max, F20 min, F17 d,
// F19 id once the reductions are done); V24 id, V25 the offset added
// before truncation, V26 min, V27 the clamp, V28 and V29 the qh
// constants; F30 1.0, F31 the divisor of d; R10 0x7F800000. The dequantizers: V0 the codes of elements 0-15, V1
// those of 16-31 (int8 lanes); V2-V5 scratch; V16-V23 the 32 float32.

// QLOAD32: V0-V7 = the 32 float32 at R1; R1 += 128.
#define QLOAD32 \
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]; \
	VLD1.P	64(R1), [V4.S4, V5.S4, V6.S4, V7.S4]

// VOP4(op, d, n, k): op(d+i, n+i, k) for i = 0..3, op a WORD macro of
// three registers; VOP8 the same for i = 0..7. VUN8(op, d, n): op(d+i,
// n+i) for i = 0..7, op a WORD macro of two registers.
#define VOP4(op, d, n, k) \
	op(d, n, k); \
	op((d)+1, (n)+1, k); \
	op((d)+2, (n)+2, k); \
	op((d)+3, (n)+3, k)

#define VOP8(op, d, n, k) \
	VOP4(op, d, n, k); \
	VOP4(op, (d)+4, (n)+4, k)

#define VUN8(op, d, n) \
	op(d, n); \
	op((d)+1, (n)+1); \
	op((d)+2, (n)+2); \
	op((d)+3, (n)+3); \
	op((d)+4, (n)+4); \
	op((d)+5, (n)+5); \
	op((d)+6, (n)+6); \
	op((d)+7, (n)+7)

// MAXV8(a): Fa = the largest lane of V(a)..V(a+7) (overwritten), NaN if
// any lane is NaN (FMAX, FMAXV propagate NaN).
#define MAXV8(a) \
	VFMAX_4S(a, a, (a)+1); \
	VFMAX_4S((a)+2, (a)+2, (a)+3); \
	VFMAX_4S((a)+4, (a)+4, (a)+5); \
	VFMAX_4S((a)+6, (a)+6, (a)+7); \
	VFMAX_4S(a, a, (a)+2); \
	VFMAX_4S((a)+4, (a)+4, (a)+6); \
	VFMAX_4S(a, a, (a)+4); \
	VFMAXV_4S(a, a)

// REDUCE32(op, opv, s): Fs = op over the lanes of V0-V7 by a tree
// (V(s)..V(s+3) scratch); FMAXV32 and FMINV32 (FMAX, FMIN: NaN
// propagates) give the block's max and min.
#define REDUCE32(op, opv, s) \
	op(s, 0, 1); \
	op((s)+1, 2, 3); \
	op((s)+2, 4, 5); \
	op((s)+3, 6, 7); \
	op(s, s, (s)+1); \
	op((s)+2, (s)+2, (s)+3); \
	op(s, s, (s)+2); \
	opv(s, s)

#define FMAXV32(s) REDUCE32(VFMAX_4S, VFMAXV_4S, s)

#define FMINV32(s) REDUCE32(VFMIN_4S, VFMINV_4S, s)

// ABSMAXV32: F16 = max |V0-V7| (V16-V23 scratch).
#define ABSMAXV32 \
	VUN8(VFABS_4S, 16, 0); \
	MAXV8(16)

// NONFINITE32: F16 is NaN if any of V0-V7 is NaN or ±Inf (x·0 is ±0
// for finite x, NaN otherwise), else ±0 (V31 zero; V16-V23 scratch).
#define NONFINITE32 \
	VOP8(VFMUL_4S, 16, 0, 31); \
	MAXV8(16)

// FMUL32(k), FADD32(k), FSUB32(k): V0-V7 = V0-V7 op Vk, lane by lane,
// each result rounded once.
#define FMUL32(k) VOP8(VFMUL_4S, 0, 0, k)

#define FADD32(k) VOP8(VFADD_4S, 0, 0, k)

#define FSUB32(k) VOP8(VFSUB_4S, 0, 0, k)

// FCVTAS32: V0-V7 = int32 of V0-V7 rounded to nearest, halves away from
// zero (C's roundf then the conversion).
#define FCVTAS32 VUN8(VFCVTAS_4S, 0, 0)

// FCVTZS32: V0-V7 = int32 of V0-V7 truncated toward zero (NaN gives 0).
#define FCVTZS32 VUN8(VFCVTZS_4S, 0, 0)

// NARROW32: V12 = the low bytes of the int32 lanes of V0-V3 (elements
// 0-15), V13 those of V4-V7 (16-31): C's (int8_t) or (uint8_t) of the
// int, by two unzips of the even halves (V8-V11 scratch).
#define NARROW32 \
	VUZP1	V1.H8, V0.H8, V8.H8; \
	VUZP1	V3.H8, V2.H8, V9.H8; \
	VUZP1	V5.H8, V4.H8, V10.H8; \
	VUZP1	V7.H8, V6.H8, V11.H8; \
	VUZP1	V9.B16, V8.B16, V12.B16; \
	VUZP1	V11.B16, V10.B16, V13.B16

// QHBITS: F14 (32 bits) = the qh word of Q5_0 and Q5_1: bit j is bit 4
// of code j, from V12 and V13 (V28 0x10 bytes, V29 the byte weights
// 1, 2, ..., 128, 1, ..., 128; V15 scratch). CMTST and the weights put
// bit j%8 in byte j where the code has bit 4; three pairwise adds sum
// each run of 8 bytes (distinct bits: no carries) into bytes 0-3 of V14.
#define QHBITS \
	VCMTST	V28.B16, V12.B16, V14.B16; \
	VCMTST	V28.B16, V13.B16, V15.B16; \
	VAND	V29.B16, V14.B16, V14.B16; \
	VAND	V29.B16, V15.B16, V15.B16; \
	VADDP	V15.B16, V14.B16, V14.B16; \
	VADDP	V14.B16, V14.B16, V14.B16; \
	VADDP	V14.B16, V14.B16, V14.B16

// QHSPREAD: V0 |= bit 4 for elements 0-15 and V1 |= bit 4 for 16-31
// from the qh word in V6.S[0] (V30 the TBL indices 0×8 1×8, V31 2×8 3×8,
// V29 the byte weights, V28 0x10 bytes; V7, V8 scratch).
#define QHSPREAD \
	VTBL	V30.B16, [V6.B16], V7.B16; \
	VTBL	V31.B16, [V6.B16], V8.B16; \
	VCMTST	V29.B16, V7.B16, V7.B16; \
	VCMTST	V29.B16, V8.B16, V8.B16; \
	VAND	V28.B16, V7.B16, V7.B16; \
	VAND	V28.B16, V8.B16, V8.B16; \
	VORR	V7.B16, V0.B16, V0.B16; \
	VORR	V8.B16, V1.B16, V1.B16

// NIBBLES: V0 = the low nibbles of the 16 bytes in V0 (elements 0-15),
// V1 = the high nibbles (16-31) (V26 0x0F bytes).
#define NIBBLES \
	VUSHR	$4, V0.B16, V1.B16; \
	VAND	V26.B16, V0.B16, V0.B16

// WIDEN32: V16-V23 = float32 of the int8 lanes of V0 (elements 0-15) and
// V1 (16-31), exact (V2-V5 scratch).
#define WIDEN32 \
	VSXTL_8H(2, 0); \
	VSXTL2_8H(3, 0); \
	VSXTL_8H(4, 1); \
	VSXTL2_8H(5, 1); \
	VSXTL_4S(16, 2); \
	VSXTL2_4S(17, 2); \
	VSXTL_4S(18, 3); \
	VSXTL2_4S(19, 3); \
	VSXTL_4S(20, 4); \
	VSXTL2_4S(21, 4); \
	VSXTL_4S(22, 5); \
	VSXTL2_4S(23, 5); \
	VUN8(VSCVTF_4S, 16, 16)

// DMUL32(k), DADD32(k): V16-V23 = V16-V23 op Vk.
#define DMUL32(k) VOP8(VFMUL_4S, 16, 16, k)

#define DADD32(k) VOP8(VFADD_4S, 16, 16, k)

// DOUT32(k): the 32 float32 float(V0, V1 int8 lanes)·Vk to R0; R0 += 128.
#define DOUT32(k) \
	WIDEN32; \
	DMUL32(k); \
	DSTORE32

// DSTORE32: the 32 float32 of V16-V23 to R0; R0 += 128.
#define DSTORE32 \
	VST1.P	[V16.S4, V17.S4, V18.S4, V19.S4], 64(R0); \
	VST1.P	[V20.S4, V21.S4, V22.S4, V23.S4], 64(R0)

// RECIP(ok, bail): F19 = id = d != 0 ? 1/d : 0 for d in F17, as ggml;
// to bail if 1/d overflows to ±Inf with d != 0 (d subnormal below
// 2^-128), where x86's conversion of the Inf or NaN products differs from
// ARM's saturating one (F30 1.0, R10 0x7F800000; R5 scratch). Then V24
// = id in every lane.
#define RECIP(ok, bail) \
	FDIVS	F17, F30, F19; \
	FMOVS	F19, R5; \
	ANDW	$0x7FFFFFFF, R5; \
	CMPW	R10, R5; \
	BNE	ok; \
	FCMPS	$(0.0), F17; \
	BNE	bail; \
	FMOVS	ZR, F19; \
ok: \
	VDUP	V19.S[0], V24.S4

// PUTF16(freg, off): the binary16 of freg (round to nearest even; freg
// is overwritten) to off(R0) (R5 scratch).
#define PUTF16(freg, off) \
	FCVTSH	freg, freg; \
	FMOVS	freg, R5; \
	MOVH	R5, off(R0)

// QPROLOGUE(div): the quantizers' arguments (R0 dst, R1 src, R2 nb),
// R3 = 0 blocks done, R10 = 0x7F800000, R11 = 0x80000000, F30 = 1.0,
// F31 = the divisor of d (float32 bits div).
#define QPROLOGUE(div) \
	MOVD	dst+0(FP), R0; \
	MOVD	src+8(FP), R1; \
	MOVD	nb+16(FP), R2; \
	MOVD	ZR, R3; \
	MOVW	$0x7F800000, R10; \
	MOVW	$0x80000000, R11; \
	FMOVS	$(1.0), F30; \
	MOVW	$div, R4; \
	FMOVS	R4, F31

// SIGNEDMAX(pos, neg, scan, have): F22 = the first element of largest
// magnitude of the block (ggml's `if (amax < fabsf(v))` scan, +0 for an
// all-zero block), from F16 = its max and F20 = its min: max when
// max > -min, min when -min > max, else (both signs reach the largest
// magnitude) the first such element, found by a scalar scan of the 128
// bytes before R1.
#define SIGNEDMAX(pos, neg, scan, have) \
	FNEGS	F20, F22; \
	FCMPS	F22, F16; \
	BGT	pos; \
	BLT	neg; \
	FMOVS	ZR, F22; \
	FCMPS	$(0.0), F16; \
	BEQ	have; \
	SUB	$128, R1, R7; \
scan: \
	FMOVS.P	4(R7), F22; \
	FABSS	F22, F23; \
	FCMPS	F16, F23; \
	BNE	scan; \
	B	have; \
neg: \
	FMOVS	F20, F22; \
	B	have; \
pos: \
	FMOVS	F16, F22; \
have:

// FIRSTZERO(scan, ok): when F20, the block's min, is -0 (FMIN orders -0
// below +0), F20 = the first zero of the 128 bytes before R1, with its
// sign: ggml's `if (v < min)` scan keeps the first of equal values
// (R11 0x80000000).
#define FIRSTZERO(scan, ok) \
	FMOVS	F20, R5; \
	CMPW	R11, R5; \
	BNE	ok; \
	SUB	$128, R1, R7; \
scan: \
	FMOVS.P	4(R7), F20; \
	FCMPS	$(0.0), F20; \
	BNE	scan; \
ok:

// DPROLOGUE: the dequantizers' arguments (R0 dst, R1 src, R2 nb), R3 = 0
// blocks done, R10 = 0x7C00 (the exponent field of binary16).
#define DPROLOGUE \
	MOVD	dst+0(FP), R0; \
	MOVD	src+8(FP), R1; \
	MOVD	nb+16(FP), R2; \
	MOVD	ZR, R3; \
	MOVW	$0x7C00, R10

// SCALE(r, freg, bail): freg = the float32 of the binary16 bits in r
// (FCVT: exact); to bail if they are ±Inf or NaN (R7 scratch).
#define SCALE(r, freg, bail) \
	ANDW	$0x7C00, r, R7; \
	CMPW	R10, R7; \
	BEQ	bail; \
	FMOVS	r, freg; \
	FCVTHS	freg, freg

// QHCONSTS: V26 0x0F bytes, V28 0x10 bytes, V29 the byte weights, V30 and
// V31 the TBL indices of QHSPREAD, from qhconst at R4.
#define QHCONSTS \
	VMOVI	$15, V26.B16; \
	VMOVI	$16, V28.B16; \
	VLD1	(R4), [V29.B16, V30.B16, V31.B16]

// Q6SCALES: V8-V11 = the 16 float32 d·float(int8 sc[i]) of a Q6_K block,
// from the scales in V6 and d in V24 (V7, V12 scratch).
#define Q6SCALES \
	VSXTL_8H(7, 6); \
	VSXTL2_8H(12, 6); \
	VSXTL_4S(8, 7); \
	VSXTL2_4S(9, 7); \
	VSXTL_4S(10, 12); \
	VSXTL2_4S(11, 12); \
	VSCVTF_4S(8, 8); \
	VSCVTF_4S(9, 9); \
	VSCVTF_4S(10, 10); \
	VSCVTF_4S(11, 11); \
	VOP4(VFMUL_4S, 8, 8, 24)

// Q6OUT(sv, ia, ib): the 32 float32 (q-32)·ds of the 6-bit codes in V0
// (elements 0-15, scale sv.S[ia]) and V1 (16-31, scale sv.S[ib]) to R0;
// R0 += 128 (V28 32 bytes; V29, V30 scratch).
#define Q6OUT(sv, ia, ib) \
	VSUB	V28.B16, V0.B16, V0.B16; \
	VSUB	V28.B16, V1.B16, V1.B16; \
	WIDEN32; \
	VDUP	sv.S[ia], V29.S4; \
	VDUP	sv.S[ib], V30.S4; \
	VOP4(VFMUL_4S, 16, 16, 29); \
	VOP4(VFMUL_4S, 20, 20, 30); \
	DSTORE32

// Q6HALF(sa, sb): 128 elements of a Q6_K block: 64 bytes of ql at R6 and
// 32 of qh at R7 (both advanced), scales ds in sa (sub-blocks 0-3) and
// sb (4-7); ql in V12-V15, qh in V6-V7 (V26 0x0F, V27 3 bytes). Element
// l+32k takes its low nibble from ql[l] (k even) or ql[l+32] (k odd),
// low (k < 2) or high, and bits 2k, 2k+1 of qh[l] as bits 4 and 5.
#define Q6HALF(sa, sb) \
	VLD1.P	64(R6), [V12.B16, V13.B16, V14.B16, V15.B16]; \
	VLD1.P	32(R7), [V6.B16, V7.B16]; \
	VAND	V26.B16, V12.B16, V0.B16; \
	VAND	V26.B16, V13.B16, V1.B16; \
	VAND	V27.B16, V6.B16, V2.B16; \
	VAND	V27.B16, V7.B16, V3.B16; \
	VSLI	$4, V2.B16, V0.B16; \
	VSLI	$4, V3.B16, V1.B16; \
	Q6OUT(sa, 0, 1); \
	VAND	V26.B16, V14.B16, V0.B16; \
	VAND	V26.B16, V15.B16, V1.B16; \
	VUSHR	$2, V6.B16, V2.B16; \
	VUSHR	$2, V7.B16, V3.B16; \
	VAND	V27.B16, V2.B16, V2.B16; \
	VAND	V27.B16, V3.B16, V3.B16; \
	VSLI	$4, V2.B16, V0.B16; \
	VSLI	$4, V3.B16, V1.B16; \
	Q6OUT(sa, 2, 3); \
	VUSHR	$4, V12.B16, V0.B16; \
	VUSHR	$4, V13.B16, V1.B16; \
	VUSHR	$4, V6.B16, V2.B16; \
	VUSHR	$4, V7.B16, V3.B16; \
	VAND	V27.B16, V2.B16, V2.B16; \
	VAND	V27.B16, V3.B16, V3.B16; \
	VSLI	$4, V2.B16, V0.B16; \
	VSLI	$4, V3.B16, V1.B16; \
	Q6OUT(sb, 0, 1); \
	VUSHR	$4, V14.B16, V0.B16; \
	VUSHR	$4, V15.B16, V1.B16; \
	VUSHR	$6, V6.B16, V2.B16; \
	VUSHR	$6, V7.B16, V3.B16; \
	VSLI	$4, V2.B16, V0.B16; \
	VSLI	$4, V3.B16, V1.B16; \
	Q6OUT(sb, 2, 3)

// K4SCALES: V8, V9 = the eight float32 d·sc[j] and V10, V11 the eight
// dmin·m[j] of a Q4_K or Q5_K block (get_scale_min_k4), from the 12
// scale bytes q[0..11] in V6, d in V24, dmin in V25 (V27 63 bytes, V26
// 0x0F bytes; V7, V12, V13, V29, V30 scratch). For j < 4: sc = q[j]&63,
// m = q[j+4]&63; for j >= 4: sc = q[j+4]&0xF | (q[j-4]>>6)<<4,
// m = q[j+4]>>4 | (q[j]>>6)<<4; the 6-bit values are exact in float32.
#define K4SCALES \
	VAND	V27.B16, V6.B16, V12.B16; \
	VUSHR	$6, V6.B16, V7.B16; \
	VSHL	$4, V7.B16, V7.B16; \
	VEXT	$8, V6.B16, V6.B16, V13.B16; \
	VAND	V26.B16, V13.B16, V29.B16; \
	VORR	V7.B16, V29.B16, V29.B16; \
	VUSHR	$4, V13.B16, V30.B16; \
	VEXT	$4, V7.B16, V7.B16, V7.B16; \
	VORR	V7.B16, V30.B16, V30.B16; \
	VZIP1	V29.S4, V12.S4, V13.S4; \
	VEXT	$4, V12.B16, V12.B16, V12.B16; \
	VZIP1	V30.S4, V12.S4, V12.S4; \
	VUXTL	V13.B8, V13.H8; \
	VUXTL	V12.B8, V12.H8; \
	VUXTL	V13.H4, V8.S4; \
	VUXTL2	V13.H8, V9.S4; \
	VUXTL	V12.H4, V10.S4; \
	VUXTL2	V12.H8, V11.S4; \
	VSCVTF_4S(8, 8); \
	VSCVTF_4S(9, 9); \
	VSCVTF_4S(10, 10); \
	VSCVTF_4S(11, 11); \
	VFMUL_4S(8, 8, 24); \
	VFMUL_4S(9, 9, 24); \
	VFMUL_4S(10, 10, 25); \
	VFMUL_4S(11, 11, 25)

// K4OUT(dv, mv, i): the 32 float32 float32(d1·q) - m1 of the codes
// (0-31) in V0 and V1, d1 = dv.S[i], m1 = mv.S[i], to R0; R0 += 128
// (V29, V30 scratch).
#define K4OUT(dv, mv, i) \
	WIDEN32; \
	VDUP	dv.S[i], V29.S4; \
	VDUP	mv.S[i], V30.S4; \
	DMUL32(29); \
	VOP8(VFSUB_4S, 16, 16, 30); \
	DSTORE32

// K4GROUP(dv, mv, ia, ib): 64 elements of a Q4_K block: the 32 bytes
// of qs at R6 (advanced), low nibbles with sub-block ia, high with ib.
#define K4GROUP(dv, mv, ia, ib) \
	VLD1.P	32(R6), [V12.B16, V13.B16]; \
	VAND	V26.B16, V12.B16, V0.B16; \
	VAND	V26.B16, V13.B16, V1.B16; \
	K4OUT(dv, mv, ia); \
	VUSHR	$4, V12.B16, V0.B16; \
	VUSHR	$4, V13.B16, V1.B16; \
	K4OUT(dv, mv, ib)

// K5GROUP(dv, mv, ia, ib, u1, u2): K4GROUP for Q5_K (ql at R6), with
// bit 4 of each code from qh (V14, V15): bit u1 (mask) of qh[l] for the
// low nibbles, u2 for the high (V28 0x10 bytes; V31, V2, V3 scratch).
#define K5GROUP(dv, mv, ia, ib, u1, u2) \
	VLD1.P	32(R6), [V12.B16, V13.B16]; \
	VAND	V26.B16, V12.B16, V0.B16; \
	VAND	V26.B16, V13.B16, V1.B16; \
	VMOVI	$u1, V31.B16; \
	VCMTST	V31.B16, V14.B16, V2.B16; \
	VCMTST	V31.B16, V15.B16, V3.B16; \
	VAND	V28.B16, V2.B16, V2.B16; \
	VAND	V28.B16, V3.B16, V3.B16; \
	VORR	V2.B16, V0.B16, V0.B16; \
	VORR	V3.B16, V1.B16, V1.B16; \
	K4OUT(dv, mv, ia); \
	VUSHR	$4, V12.B16, V0.B16; \
	VUSHR	$4, V13.B16, V1.B16; \
	VMOVI	$u2, V31.B16; \
	VCMTST	V31.B16, V14.B16, V2.B16; \
	VCMTST	V31.B16, V15.B16, V3.B16; \
	VAND	V28.B16, V2.B16, V2.B16; \
	VAND	V28.B16, V3.B16, V3.B16; \
	VORR	V2.B16, V0.B16, V0.B16; \
	VORR	V3.B16, V1.B16, V1.B16; \
	K4OUT(dv, mv, ib)

// NEXTBLOCK(ptr, size, loop): ptr += size (the block's bytes), one more
// block done (R3), and on to loop while fewer than R2 are.
#define NEXTBLOCK(ptr, size, loop) \
	ADD	$size, ptr; \
	ADD	$1, R3; \
	CMP	R2, R3; \
	BLT	loop
