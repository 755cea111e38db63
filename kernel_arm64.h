// WORD macros for the NEON instructions Go's arm64 assembler has no
// mnemonic for, shared by kernel_arm64.s and kernel_blocked_arm64.s.
//
// Each macro takes register numbers in ARM operand order (destination
// first: VFDIV_4S(3, 1, 2) is fdiv v3.4s, v1.4s, v2.4s, i.e. V3 = V1 / V2)
// and is preceded by a comment giving its ARM mnemonic with the operands
// named after the macro's parameters. encoding_test.go checks every call
// site in the assembled objects against the encoding llvm-mc gives for that
// mnemonic (testdata/neon_encodings.txt) and against Go's disassembler.
// Native Go instructions (VLD1, VST1, VAND, VSUB, VTBL, ...) keep Go's
// operand order: sources first, destination last.

// fadd Vd.4s, Vn.4s, Vm.4s
#define VFADD_4S(d, n, m) WORD $(0x4e20d400 | ((m)<<16) | ((n)<<5) | (d))
// fsub Vd.4s, Vn.4s, Vm.4s
#define VFSUB_4S(d, n, m) WORD $(0x4ea0d400 | ((m)<<16) | ((n)<<5) | (d))
// fmul Vd.4s, Vn.4s, Vm.4s
#define VFMUL_4S(d, n, m) WORD $(0x6e20dc00 | ((m)<<16) | ((n)<<5) | (d))
// fdiv Vd.4s, Vn.4s, Vm.4s
#define VFDIV_4S(d, n, m) WORD $(0x6e20fc00 | ((m)<<16) | ((n)<<5) | (d))
// fmax Vd.4s, Vn.4s, Vm.4s
#define VFMAX_4S(d, n, m) WORD $(0x4e20f400 | ((m)<<16) | ((n)<<5) | (d))
// fmin Vd.4s, Vn.4s, Vm.4s
#define VFMIN_4S(d, n, m) WORD $(0x4ea0f400 | ((m)<<16) | ((n)<<5) | (d))
// fmaxnm Vd.4s, Vn.4s, Vm.4s
#define VFMAXNM_4S(d, n, m) WORD $(0x4e20c400 | ((m)<<16) | ((n)<<5) | (d))
// fminnm Vd.4s, Vn.4s, Vm.4s
#define VFMINNM_4S(d, n, m) WORD $(0x4ea0c400 | ((m)<<16) | ((n)<<5) | (d))
// fabd Vd.4s, Vn.4s, Vm.4s
#define VFABD_4S(d, n, m) WORD $(0x6ea0d400 | ((m)<<16) | ((n)<<5) | (d))
// fcmeq Vd.4s, Vn.4s, Vm.4s
#define VFCMEQ_4S(d, n, m) WORD $(0x4e20e400 | ((m)<<16) | ((n)<<5) | (d))
// fcmgt Vd.4s, Vn.4s, Vm.4s
#define VFCMGT_4S(d, n, m) WORD $(0x6ea0e400 | ((m)<<16) | ((n)<<5) | (d))
// fcvtns Vd.4s, Vn.4s
#define VFCVTNS_4S(d, n) WORD $(0x4e21a800 | ((n)<<5) | (d))
// scvtf Vd.4s, Vn.4s
#define VSCVTF_4S(d, n) WORD $(0x4e21d800 | ((n)<<5) | (d))
// frintn Vd.4s, Vn.4s
#define VFRINTN_4S(d, n) WORD $(0x4e218800 | ((n)<<5) | (d))
// fminv Sd, Vn.4s
#define VFMINV_4S(d, n) WORD $(0x6eb0f800 | ((n)<<5) | (d))
// fmaxv Sd, Vn.4s
#define VFMAXV_4S(d, n) WORD $(0x6e30f800 | ((n)<<5) | (d))
// fminnmv Sd, Vn.4s
#define VFMINNMV_4S(d, n) WORD $(0x6eb0c800 | ((n)<<5) | (d))
// fmaxnmv Sd, Vn.4s
#define VFMAXNMV_4S(d, n) WORD $(0x6e30c800 | ((n)<<5) | (d))
// fcvtl Vd.2d, Vn.2s
#define VFCVTL_2D(d, n) WORD $(0x0e617800 | ((n)<<5) | (d))
// fcvtl2 Vd.2d, Vn.4s
#define VFCVTL2_2D(d, n) WORD $(0x4e617800 | ((n)<<5) | (d))
// fadd Vd.2d, Vn.2d, Vm.2d
#define VFADD_2D(d, n, m) WORD $(0x4e60d400 | ((m)<<16) | ((n)<<5) | (d))
// fsub Vd.2d, Vn.2d, Vm.2d
#define VFSUB_2D(d, n, m) WORD $(0x4ee0d400 | ((m)<<16) | ((n)<<5) | (d))
// fmul Vd.2d, Vn.2d, Vm.2d
#define VFMUL_2D(d, n, m) WORD $(0x6e60dc00 | ((m)<<16) | ((n)<<5) | (d))
// sqadd Vd.4s, Vn.4s, Vm.4s
#define VSQADD_4S(d, n, m) WORD $(0x4ea00c00 | ((m)<<16) | ((n)<<5) | (d))
// smax Vd.4s, Vn.4s, Vm.4s
#define VSMAX_4S(d, n, m) WORD $(0x4ea06400 | ((m)<<16) | ((n)<<5) | (d))
// smin Vd.4s, Vn.4s, Vm.4s
#define VSMIN_4S(d, n, m) WORD $(0x4ea06c00 | ((m)<<16) | ((n)<<5) | (d))
// smax Vd.16b, Vn.16b, Vm.16b
#define VSMAX_16B(d, n, m) WORD $(0x4e206400 | ((m)<<16) | ((n)<<5) | (d))
// smin Vd.16b, Vn.16b, Vm.16b
#define VSMIN_16B(d, n, m) WORD $(0x4e206c00 | ((m)<<16) | ((n)<<5) | (d))
// sqxtn Vd.4h, Vn.4s
#define VSQXTN_4H(d, n) WORD $(0x0e614800 | ((n)<<5) | (d))
// sqxtn2 Vd.8h, Vn.4s
#define VSQXTN2_8H(d, n) WORD $(0x4e614800 | ((n)<<5) | (d))
// sqxtn Vd.8b, Vn.8h
#define VSQXTN_8B(d, n) WORD $(0x0e214800 | ((n)<<5) | (d))
// sqxtn2 Vd.16b, Vn.8h
#define VSQXTN2_16B(d, n) WORD $(0x4e214800 | ((n)<<5) | (d))
// sqxtun Vd.8b, Vn.8h
#define VSQXTUN_8B(d, n) WORD $(0x2e212800 | ((n)<<5) | (d))
// sqxtun2 Vd.16b, Vn.8h
#define VSQXTUN2_16B(d, n) WORD $(0x6e212800 | ((n)<<5) | (d))
// sxtl Vd.8h, Vn.8b
#define VSXTL_8H(d, n) WORD $(0x0f08a400 | ((n)<<5) | (d))
// sxtl2 Vd.8h, Vn.16b
#define VSXTL2_8H(d, n) WORD $(0x4f08a400 | ((n)<<5) | (d))
// sxtl Vd.4s, Vn.4h
#define VSXTL_4S(d, n) WORD $(0x0f10a400 | ((n)<<5) | (d))
// sxtl2 Vd.4s, Vn.8h
#define VSXTL2_4S(d, n) WORD $(0x4f10a400 | ((n)<<5) | (d))

// Multi-line macros: the 16-lane sequences the kernels share. Statements
// are separated by semicolons; the Go assembler attributes every
// instruction of an expansion to the line of the call, and
// encoding_test.go expands the calls the same way to check each WORD in
// order. Register conventions (fixed, so that the macros need no token
// pasting):
//	V0-V3 16 float32 (or int32) lanes, element i in lane i%4 of V(i/4);
//	V4-V7 scratch (NaN masks); V8-V9 16 int16 lanes; V10 16 bytes;
//	quantize constants V16 k (s, or inv for PyTorch), V17 float32(z),
//	V18 z (int32), V19 lo and V20 hi (bytes);
//	dequantize: V0 16 bytes, V1-V2 int16, V3-V6 int32 then float32,
//	V16 z (int32), V17 s.

// ZERO_NANS16: V0-V3 lanes that are NaN become +0 (FCMEQ x, x is false
// only for NaN; masks in V4-V7).
#define ZERO_NANS16 \
	VFCMEQ_4S(4, 0, 0); \
	VFCMEQ_4S(5, 1, 1); \
	VFCMEQ_4S(6, 2, 2); \
	VFCMEQ_4S(7, 3, 3); \
	VAND	V4.B16, V0.B16, V0.B16; \
	VAND	V5.B16, V1.B16, V1.B16; \
	VAND	V6.B16, V2.B16, V2.B16; \
	VAND	V7.B16, V3.B16, V3.B16

// FDIV16(d, n, k): V(d)..V(d+3) = V(n)..V(n+3) / Vk.
#define FDIV16(d, n, k) \
	VFDIV_4S(d, n, k); \
	VFDIV_4S((d)+1, (n)+1, k); \
	VFDIV_4S((d)+2, (n)+2, k); \
	VFDIV_4S((d)+3, (n)+3, k)

// FMUL16(d, n, k): V(d)..V(d+3) = V(n)..V(n+3) * Vk.
#define FMUL16(d, n, k) \
	VFMUL_4S(d, n, k); \
	VFMUL_4S((d)+1, (n)+1, k); \
	VFMUL_4S((d)+2, (n)+2, k); \
	VFMUL_4S((d)+3, (n)+3, k)

// FADD16(d, n, k): V(d)..V(d+3) = V(n)..V(n+3) + Vk.
#define FADD16(d, n, k) \
	VFADD_4S(d, n, k); \
	VFADD_4S((d)+1, (n)+1, k); \
	VFADD_4S((d)+2, (n)+2, k); \
	VFADD_4S((d)+3, (n)+3, k)

// FSUB16(d, n, k): V(d)..V(d+3) = V(n)..V(n+3) - Vk.
#define FSUB16(d, n, k) \
	VFSUB_4S(d, n, k); \
	VFSUB_4S((d)+1, (n)+1, k); \
	VFSUB_4S((d)+2, (n)+2, k); \
	VFSUB_4S((d)+3, (n)+3, k)

// FMAX16(d, n, k): V(d)..V(d+3) = V(n)..V(n+3) max Vk.
#define FMAX16(d, n, k) \
	VFMAX_4S(d, n, k); \
	VFMAX_4S((d)+1, (n)+1, k); \
	VFMAX_4S((d)+2, (n)+2, k); \
	VFMAX_4S((d)+3, (n)+3, k)

// FMIN16(d, n, k): V(d)..V(d+3) = V(n)..V(n+3) min Vk.
#define FMIN16(d, n, k) \
	VFMIN_4S(d, n, k); \
	VFMIN_4S((d)+1, (n)+1, k); \
	VFMIN_4S((d)+2, (n)+2, k); \
	VFMIN_4S((d)+3, (n)+3, k)

// FABD16(d, n, k): V(d)..V(d+3) = |V(n)..V(n+3) - Vk|.
#define FABD16(d, n, k) \
	VFABD_4S(d, n, k); \
	VFABD_4S((d)+1, (n)+1, k); \
	VFABD_4S((d)+2, (n)+2, k); \
	VFABD_4S((d)+3, (n)+3, k)

// FRINTN16(d): V(d)..V(d+3) rounded to integral, ties to even.
#define FRINTN16(d) \
	VFRINTN_4S(d, d); \
	VFRINTN_4S((d)+1, (d)+1); \
	VFRINTN_4S((d)+2, (d)+2); \
	VFRINTN_4S((d)+3, (d)+3)

// FCVTNS16: V0-V3 = round to nearest even, saturating, NaN to 0.
#define FCVTNS16 \
	VFCVTNS_4S(0, 0); \
	VFCVTNS_4S(1, 1); \
	VFCVTNS_4S(2, 2); \
	VFCVTNS_4S(3, 3)

// SQADD16(z): V0-V3 = V0-V3 + Vz, saturating int32.
#define SQADD16(z) \
	VSQADD_4S(0, 0, z); \
	VSQADD_4S(1, 1, z); \
	VSQADD_4S(2, 2, z); \
	VSQADD_4S(3, 3, z)

// QUANT_SEED16: V0-V3 = fcvtns(float32(x'/V16) + V17), x' = 0 for NaN x.
#define QUANT_SEED16 \
	ZERO_NANS16; \
	FDIV16(0, 0, 16); \
	FADD16(0, 0, 17); \
	FCVTNS16

// QUANT_ONNX16: V0-V3 = fcvtns(x/V16) + V18 (saturating).
#define QUANT_ONNX16 \
	FDIV16(0, 0, 16); \
	FCVTNS16; \
	SQADD16(18)

// QUANT_TORCH16: V0-V3 = fcvtns(x*V16) + V18 (saturating).
#define QUANT_TORCH16 \
	FMUL16(0, 0, 16); \
	FCVTNS16; \
	SQADD16(18)

// SQXTN16_H: the int32 lanes of V0-V3 saturated to int16, elements 0-7
// in V8 and 8-15 in V9.
#define SQXTN16_H \
	VSQXTN_4H(8, 0); \
	VSQXTN_4H(9, 2); \
	VSQXTN2_8H(8, 1); \
	VSQXTN2_8H(9, 3)

// NARROW16_I8: V10 = the int16 lanes of V8-V9 saturated to int8, then
// clamped to V19..V20 (signed bytes).
#define NARROW16_I8 \
	VSQXTN_8B(10, 8); \
	VSQXTN2_16B(10, 9); \
	VSMAX_16B(10, 10, 19); \
	VSMIN_16B(10, 10, 20)

// NARROW16_U8: V10 = the int16 lanes of V8-V9 saturated to uint8, then
// clamped to V19..V20 (unsigned bytes).
#define NARROW16_U8 \
	VSQXTUN_8B(10, 8); \
	VSQXTUN2_16B(10, 9); \
	VUMAX	V19.B16, V10.B16, V10.B16; \
	VUMIN	V20.B16, V10.B16, V10.B16

// SXTL16_S: the 16 signed bytes of V0 widened to int32 in V3-V6 (via
// int16 in V1-V2).
#define SXTL16_S \
	VSXTL_8H(1, 0); \
	VSXTL2_8H(2, 0); \
	VSXTL_4S(3, 1); \
	VSXTL2_4S(4, 1); \
	VSXTL_4S(5, 2); \
	VSXTL2_4S(6, 2)

// UXTL16_S: the 16 unsigned bytes of V0 widened to int32 in V3-V6 (via
// int16 in V1-V2).
#define UXTL16_S \
	VUXTL	V0.B8, V1.H8; \
	VUXTL2	V0.B16, V2.H8; \
	VUXTL	V1.H4, V3.S4; \
	VUXTL2	V1.H8, V4.S4; \
	VUXTL	V2.H4, V5.S4; \
	VUXTL2	V2.H8, V6.S4

// DEQUANT16: V3-V6 = float32(V3-V6 - V16) * V17.
#define DEQUANT16 \
	VSUB	V16.S4, V3.S4, V3.S4; \
	VSUB	V16.S4, V4.S4, V4.S4; \
	VSUB	V16.S4, V5.S4, V5.S4; \
	VSUB	V16.S4, V6.S4, V6.S4; \
	VSCVTF_4S(3, 3); \
	VSCVTF_4S(4, 4); \
	VSCVTF_4S(5, 5); \
	VSCVTF_4S(6, 6); \
	VFMUL_4S(3, 3, 17); \
	VFMUL_4S(4, 4, 17); \
	VFMUL_4S(5, 5, 17); \
	VFMUL_4S(6, 6, 17)

// NEXT_GROUP(loop, done, n, pending): the end of a loop over groups of 16
// that takes a ragged end as one more group, the last 16 elements, whose
// src and dst addresses are in R6 and R7: while n (groups left) is not
// zero, go to loop; then, if pending is set, move R1/R0 to that group and
// go round once more; else go to done.
#define NEXT_GROUP(loop, done, n, pending) \
	SUBS	$1, n, n; \
	BNE	loop; \
	CBZ	pending, done; \
	MOVD	R6, R1; \
	MOVD	R7, R0; \
	MOVD	$1, n; \
	MOVD	$0, pending; \
	B	loop

// NEXT_GROUP_SRC(loop, done): NEXT_GROUP for the reductions, which have
// only a source (R1; the last group's in R6), with R3 groups left and R4
// pending.
#define NEXT_GROUP_SRC(loop, done) \
	SUBS	$1, R3, R3; \
	BNE	loop; \
	CBZ	R4, done; \
	MOVD	R6, R1; \
	MOVD	$1, R3; \
	MOVD	$0, R4; \
	B	loop

// QUANTIZE8_LOOP(loop, done, n, pending, QUANT, NARROW): the quantize
// loop: 16 float32 from R1, QUANT (QUANT_SEED16, QUANT_ONNX16 or
// QUANT_TORCH16), SQXTN16_H, NARROW (NARROW16_I8 or NARROW16_U8), 16 bytes
// to R0; then NEXT_GROUP(loop, done, n, pending).
#define QUANTIZE8_LOOP(loop, done, n, pending, QUANT, NARROW) \
loop: \
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]; \
	QUANT; \
	SQXTN16_H; \
	NARROW; \
	VST1.P	[V10.B16], 16(R0); \
	NEXT_GROUP(loop, done, n, pending)

// QUANTIZE4_LOOP(loop, done, QUANT): QUANTIZE8_LOOP with NARROW16_I8 for
// int4 codes, packed: TBL V21 takes the 8 codes of the low nibbles to V11,
// TBL V22 those of the high nibbles to V12, SLI #4 forms V12<<4 |
// (V11 & 0x0F), 8 bytes to R0; R5 groups, R9 pending.
#define QUANTIZE4_LOOP(loop, done, QUANT) \
loop: \
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]; \
	QUANT; \
	SQXTN16_H; \
	NARROW16_I8; \
	VTBL	V21.B8, [V10.B16], V11.B8; \
	VTBL	V22.B8, [V10.B16], V12.B8; \
	VSLI	$4, V12.B8, V11.B8; \
	VST1.P	[V11.B8], 8(R0); \
	NEXT_GROUP(loop, done, R5, R9)

// ACC16(OP, a): V(a)..V(a+3) = OP(V(a)..V(a+3), V0..V3), OP a three-register
// WORD macro (VFMIN_4S, VFMAXNM_4S, ...): a 16-lane running reduction.
#define ACC16(OP, a) \
	OP(a, a, 0); \
	OP((a)+1, (a)+1, 1); \
	OP((a)+2, (a)+2, 2); \
	OP((a)+3, (a)+3, 3)

// FOLD4(OP, a): V(a) = OP over V(a)..V(a+3), lane by lane.
#define FOLD4(OP, a) \
	OP(a, a, (a)+1); \
	OP((a)+2, (a)+2, (a)+3); \
	OP(a, a, (a)+2)

// SQERR8_2D(x, y, acc): for the 8 float32 of V(x), V(x+1) and of V(y),
// V(y+1): d = float64(x) - float64(y) (FCVTL/FCVTL2 to V8-V11 and
// V12-V15), then V(acc)..V(acc+3) += d*d: element i of the 8 goes to
// lane i%2 of V(acc+i/2).
#define SQERR8_2D(x, y, acc) \
	VFCVTL_2D(8, x); \
	VFCVTL2_2D(9, x); \
	VFCVTL_2D(10, (x)+1); \
	VFCVTL2_2D(11, (x)+1); \
	VFCVTL_2D(12, y); \
	VFCVTL2_2D(13, y); \
	VFCVTL_2D(14, (y)+1); \
	VFCVTL2_2D(15, (y)+1); \
	VFSUB_2D(8, 8, 12); \
	VFSUB_2D(9, 9, 13); \
	VFSUB_2D(10, 10, 14); \
	VFSUB_2D(11, 11, 15); \
	VFMUL_2D(8, 8, 8); \
	VFMUL_2D(9, 9, 9); \
	VFMUL_2D(10, 10, 10); \
	VFMUL_2D(11, 11, 11); \
	VFADD_2D(acc, acc, 8); \
	VFADD_2D((acc)+1, (acc)+1, 9); \
	VFADD_2D((acc)+2, (acc)+2, 10); \
	VFADD_2D((acc)+3, (acc)+3, 11)

// QERR_Y_SEED16 (QuantError, Seed): V4-V7 = y, the dequantized quantized
// V0-V3, in float32: c = clamp(frintn(x/V24 + V26), V27, V28),
// y = (c - V26) * V25.
#define QERR_Y_SEED16 \
	FDIV16(4, 0, 24); \
	FADD16(4, 4, 26); \
	FRINTN16(4); \
	FMAX16(4, 4, 27); \
	FMIN16(4, 4, 28); \
	FSUB16(4, 4, 26); \
	FMUL16(4, 4, 25)

// QERR_Y_ONNX16: V4-V7 = clamp(frintn(x/V24), V27, V28) * V25.
#define QERR_Y_ONNX16 \
	FDIV16(4, 0, 24); \
	FRINTN16(4); \
	FMAX16(4, 4, 27); \
	FMIN16(4, 4, 28); \
	FMUL16(4, 4, 25)

// QERR_Y_TORCH16: V4-V7 = clamp(frintn(x*V24), V27, V28) * V25.
#define QERR_Y_TORCH16 \
	FMUL16(4, 0, 24); \
	FRINTN16(4); \
	FMAX16(4, 4, 27); \
	FMIN16(4, 4, 28); \
	FMUL16(4, 4, 25)

// QERR_LOOP(loop, Y): the QuantError loop: 16 float32 x from R0 into
// V0-V3, Y (QERR_Y_*16) into V4-V7, the squared differences into the
// float64 lanes V16-V23; R3 groups (no ragged end: the caller finishes it).
#define QERR_LOOP(loop, Y) \
loop: \
	VLD1.P	64(R0), [V0.S4, V1.S4, V2.S4, V3.S4]; \
	Y; \
	SQERR8_2D(0, 4, 16); \
	SQERR8_2D(2, 6, 20); \
	SUBS	$1, R3, R3; \
	BNE	loop
