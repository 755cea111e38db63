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

// usubl Vd.8h, Vn.8b, Vm.8b
#define VUSUBL_8H(d, n, m) WORD $(0x2e202000 | ((m)<<16) | ((n)<<5) | (d))
// usubl2 Vd.8h, Vn.16b, Vm.16b
#define VUSUBL2_8H(d, n, m) WORD $(0x6e202000 | ((m)<<16) | ((n)<<5) | (d))
// ssubl Vd.8h, Vn.8b, Vm.8b
#define VSSUBL_8H(d, n, m) WORD $(0x0e202000 | ((m)<<16) | ((n)<<5) | (d))
// ssubl2 Vd.8h, Vn.16b, Vm.16b
#define VSSUBL2_8H(d, n, m) WORD $(0x4e202000 | ((m)<<16) | ((n)<<5) | (d))
// fmla Vd.4s, Vn.4s, Vm.4s
#define VFMLA_4S(d, n, m) WORD $(0x4e20cc00 | ((m)<<16) | ((n)<<5) | (d))
// fmls Vd.4s, Vn.4s, Vm.4s
#define VFMLS_4S(d, n, m) WORD $(0x4ea0cc00 | ((m)<<16) | ((n)<<5) | (d))
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
//	V16 z (int32), V17 s, V18 z (bytes, where it fits one).

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

// FABD16(d, n, k): V(d)..V(d+3) = |V(n)..V(n+3) - Vk|.
#define FABD16(d, n, k) \
	VFABD_4S(d, n, k); \
	VFABD_4S((d)+1, (n)+1, k); \
	VFABD_4S((d)+2, (n)+2, k); \
	VFABD_4S((d)+3, (n)+3, k)

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

// RECIP_QUOTIENT16: V0-V3 = RN(x/s) for the x of V0-V3 without the divider,
// by Markstein's correction in exactly the domain and sequence of
// exactdiv.go: V16 s, V21 y = RN(1/s), V22 c = s*2^25, V23 -c.
// x' = clamp(x, -c, c) (FMIN/FMAX: a NaN stays NaN) into V4-V7;
// q0 = RN(x'*y) into V0-V3; r = fma(-q0, s, x') (FMLS, exact) into V4-V7;
// q = fma(r, y, q0) (FMLA) into V0-V3. The only fused instructions of the
// package's assembly (.ci/fma.txt).
#define RECIP_QUOTIENT16 \
	VFMIN_4S(4, 0, 22); \
	VFMIN_4S(5, 1, 22); \
	VFMIN_4S(6, 2, 22); \
	VFMIN_4S(7, 3, 22); \
	VFMAX_4S(4, 4, 23); \
	VFMAX_4S(5, 5, 23); \
	VFMAX_4S(6, 6, 23); \
	VFMAX_4S(7, 7, 23); \
	FMUL16(0, 4, 21); \
	VFMLS_4S(4, 0, 16); \
	VFMLS_4S(5, 1, 16); \
	VFMLS_4S(6, 2, 16); \
	VFMLS_4S(7, 3, 16); \
	VFMLA_4S(0, 4, 21); \
	VFMLA_4S(1, 5, 21); \
	VFMLA_4S(2, 6, 21); \
	VFMLA_4S(3, 7, 21)

// QUANT_SEED_RECIP16: QUANT_SEED16 with RECIP_QUOTIENT16 for the FDIVs:
// the same bits for s in exactdiv.go's domain.
#define QUANT_SEED_RECIP16 \
	ZERO_NANS16; \
	RECIP_QUOTIENT16; \
	FADD16(0, 0, 17); \
	FCVTNS16

// QUANT_SEED_FAST16: QUANT_SEED_RECIP16 without zeroing the NaN inputs
// first: the same bits for every lane whose x is not NaN. A NaN x stays
// NaN through RECIP_QUOTIENT16 and the FADD, and FCVTNS turns it into 0
// (not rne(zf) as Seed asks) and raises Invalid Operation, which sets
// FPSR.IOC; no other lane can raise it (x' is clamped to ±c, so every
// product, sum and conversion is of finite values below 2^26 in
// magnitude). A kernel that runs this loop with FPSR.IOC clear redoes the
// whole call with QUANT_SEED_RECIP16 if IOC is set at its end
// (SEED_FAST_BEGIN, SEED_FAST_END).
#define QUANT_SEED_FAST16 \
	RECIP_QUOTIENT16; \
	FADD16(0, 0, 17); \
	FCVTNS16

// SEED_FAST_BEGIN: before a kernel's first QUANT_SEED_FAST16 pass: clears
// the FPSR's cumulative flags (QC, IDC, IXC, UFC, OFC, DZC, IOC), saves
// R0, R1, R3, R4 (dst, src, and the kernel's count and pending flag or
// Params pointer) in R14-R17, R21 = 0 (the first pass).
#define SEED_FAST_BEGIN \
	MSR	ZR, FPSR; \
	MOVD	R0, R14; \
	MOVD	R1, R15; \
	MOVD	R3, R16; \
	MOVD	R4, R17; \
	MOVD	$0, R21

// SEED_FAST_END(again): at the end of the first pass (R21 = 0) with
// FPSR.IOC set — a NaN input was met: FCVTNS raises Invalid Operation on
// every NaN lane, whatever the loop — restore R0, R1, R3, R4, set R21 = 1
// and go to again, which redoes the call with QUANT_SEED_RECIP16 for the
// Seed lanes. Else (no NaN, or the careful pass) fall through.
#define SEED_FAST_END(again) \
	MRS	FPSR, R22; \
	CBNZ	R21, 8(PC); \
	TBZ	$0, R22, 7(PC); \
	MOVD	R14, R0; \
	MOVD	R15, R1; \
	MOVD	R16, R3; \
	MOVD	R17, R4; \
	MOVD	$1, R21; \
	B	again

// QUANT_ONNX_RECIP16: QUANT_ONNX16 with RECIP_QUOTIENT16 (a NaN x stays
// NaN through it, and FCVTNS maps it to 0 as it does x/s = NaN).
#define QUANT_ONNX_RECIP16 \
	RECIP_QUOTIENT16; \
	FCVTNS16; \
	SQADD16(18)

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

// SQXTN16_B: V10 = the int16 lanes of V8-V9 saturated to int8.
#define SQXTN16_B \
	VSQXTN_8B(10, 8); \
	VSQXTN2_16B(10, 9)

// SQXTUN16_B: V10 = the int16 lanes of V8-V9 saturated to uint8.
#define SQXTUN16_B \
	VSQXTUN_8B(10, 8); \
	VSQXTUN2_16B(10, 9)

// NARROW16_I8: V10 = the int16 lanes of V8-V9 saturated to int8, then
// clamped to V19..V20 (signed bytes).
#define NARROW16_I8 \
	SQXTN16_B; \
	VSMAX_16B(10, 10, 19); \
	VSMIN_16B(10, 10, 20)

// NARROW16_U8: V10 = the int16 lanes of V8-V9 saturated to uint8, then
// clamped to V19..V20 (unsigned bytes).
#define NARROW16_U8 \
	SQXTUN16_B; \
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

// SCALE16: V3-V6 = float32(V3-V6) * V17 (SCVTF, FMUL).
#define SCALE16 \
	VSCVTF_4S(3, 3); \
	VSCVTF_4S(4, 4); \
	VSCVTF_4S(5, 5); \
	VSCVTF_4S(6, 6); \
	VFMUL_4S(3, 3, 17); \
	VFMUL_4S(4, 4, 17); \
	VFMUL_4S(5, 5, 17); \
	VFMUL_4S(6, 6, 17)

// DEQUANT16: V3-V6 = float32(V3-V6 - V16) * V17.
#define DEQUANT16 \
	VSUB	V16.S4, V3.S4, V3.S4; \
	VSUB	V16.S4, V4.S4, V4.S4; \
	VSUB	V16.S4, V5.S4, V5.S4; \
	VSUB	V16.S4, V6.S4, V6.S4; \
	SCALE16

// USUBL16_S: V3-V6 = the 16 unsigned bytes of V0 minus the unsigned
// bytes of V18 (z, 0 <= z <= 255), as int32: the 16-bit differences
// (USUBL, exact as int16 since |q - z| <= 255) sign-extended.
#define USUBL16_S \
	VUSUBL_8H(1, 0, 18); \
	VUSUBL2_8H(2, 0, 18); \
	VSXTL_4S(3, 1); \
	VSXTL2_4S(4, 1); \
	VSXTL_4S(5, 2); \
	VSXTL2_4S(6, 2)

// SSUBL16_S: USUBL16_S for signed bytes and -128 <= z <= 127 (SSUBL).
#define SSUBL16_S \
	VSSUBL_8H(1, 0, 18); \
	VSSUBL2_8H(2, 0, 18); \
	VSXTL_4S(3, 1); \
	VSXTL2_4S(4, 1); \
	VSXTL_4S(5, 2); \
	VSXTL2_4S(6, 2)

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

// FULL8_LOOP(iloop, uentry, uloop, done, QUANT): QUANTIZE8_LOOP for a
// block whose bounds are the codes' full range (-128..127 or 0..255), so
// no clamp: if R11 (unsigned) is set, go to uentry, the uint8 loop uloop
// (SQXTUN); else the int8 loop iloop (SQXTN); both go to done.
#define FULL8_LOOP(iloop, uentry, uloop, done, QUANT) \
	CBNZ	R11, uentry; \
	QUANTIZE8_LOOP(iloop, done, R5, R9, QUANT, SQXTN16_B); \
uentry: \
	QUANTIZE8_LOOP(uloop, done, R5, R9, QUANT, SQXTUN16_B)

// QUANTIZE4_LOOP(loop, done, QUANT): QUANTIZE8_LOOP with NARROW16_I8 for
// int4 codes, packed: TBL V24 takes the 8 codes of the low nibbles to V11,
// TBL V25 those of the high nibbles to V12, SLI #4 forms V12<<4 |
// (V11 & 0x0F), 8 bytes to R0; R5 groups, R9 pending.
#define QUANTIZE4_LOOP(loop, done, QUANT) \
loop: \
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]; \
	QUANT; \
	SQXTN16_H; \
	NARROW16_I8; \
	VTBL	V24.B8, [V10.B16], V11.B8; \
	VTBL	V25.B8, [V10.B16], V12.B8; \
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

// SQERR16_2D: for the 16 float32 x of V0-V3 and y of V4-V7, d =
// float64(x) - float64(y) (FCVTL/FCVTL2), and V16-V23 += d*d: element i
// goes to lane i%2 of V(16+i/2). The widening of each register pair is
// interleaved with the arithmetic of the previous one (V8-V11 and
// V12-V15 in turn), the order llvm-mca finds fastest on Neoverse N1, N2,
// V1 and V2 (bench/mca).
#define SQERR16_2D \
	VFCVTL_2D(8, 0); \
	VFCVTL_2D(9, 4); \
	VFCVTL2_2D(10, 0); \
	VFCVTL2_2D(11, 4); \
	VFCVTL_2D(12, 1); \
	VFSUB_2D(8, 8, 9); \
	VFCVTL_2D(13, 5); \
	VFSUB_2D(10, 10, 11); \
	VFCVTL2_2D(14, 1); \
	VFMUL_2D(8, 8, 8); \
	VFCVTL2_2D(15, 5); \
	VFMUL_2D(10, 10, 10); \
	VFADD_2D(16, 16, 8); \
	VFADD_2D(17, 17, 10); \
	VFCVTL_2D(8, 2); \
	VFSUB_2D(12, 12, 13); \
	VFCVTL_2D(9, 6); \
	VFSUB_2D(14, 14, 15); \
	VFCVTL2_2D(10, 2); \
	VFMUL_2D(12, 12, 12); \
	VFCVTL2_2D(11, 6); \
	VFMUL_2D(14, 14, 14); \
	VFADD_2D(18, 18, 12); \
	VFADD_2D(19, 19, 14); \
	VFCVTL_2D(12, 3); \
	VFSUB_2D(8, 8, 9); \
	VFCVTL_2D(13, 7); \
	VFSUB_2D(10, 10, 11); \
	VFCVTL2_2D(14, 3); \
	VFMUL_2D(8, 8, 8); \
	VFCVTL2_2D(15, 7); \
	VFMUL_2D(10, 10, 10); \
	VFADD_2D(20, 20, 8); \
	VFADD_2D(21, 21, 10); \
	VFSUB_2D(12, 12, 13); \
	VFSUB_2D(14, 14, 15); \
	VFMUL_2D(12, 12, 12); \
	VFMUL_2D(14, 14, 14); \
	VFADD_2D(22, 22, 12); \
	VFADD_2D(23, 23, 14)

// The QuantError bodies: from the 16 float32 x of V0-V3, y (the
// dequantized quantized x, in float32) into V4-V7, then, as SQERR16_2D
// (the same instructions), the squared differences into V16-V23:
//	Seed:    c = clamp(frintn(x/V24 + V26), V27, V28), y = (c - V26) * V25
//	ONNX:    y = clamp(frintn(x/V24), V27, V28) * V25
//	PyTorch: y = clamp(frintn(x*V24), V27, V28) * V25
// Each is one interleaving of the four y chains with SQERR16_2D (a y
// register is complete before its first use), the one a search over
// random interleavings found fastest in the worst case over Neoverse N1,
// N2, V1 and V2 against the C intrinsics peer (bench/mca): the
// arithmetic of every lane is that of the plain sequence.
#define QERR_SEED16 \
	VFDIV_4S(4, 0, 24); \
	VFDIV_4S(5, 1, 24); \
	VFADD_4S(5, 5, 26); \
	VFDIV_4S(6, 2, 24); \
	VFADD_4S(4, 4, 26); \
	VFRINTN_4S(5, 5); \
	VFADD_4S(6, 6, 26); \
	VFRINTN_4S(4, 4); \
	VFRINTN_4S(6, 6); \
	VFDIV_4S(7, 3, 24); \
	VFCVTL_2D(8, 0); \
	VFADD_4S(7, 7, 26); \
	VFRINTN_4S(7, 7); \
	VFMAX_4S(7, 7, 27); \
	VFMAX_4S(6, 6, 27); \
	VFMIN_4S(7, 7, 28); \
	VFMAX_4S(4, 4, 27); \
	VFMIN_4S(6, 6, 28); \
	VFMIN_4S(4, 4, 28); \
	VFMAX_4S(5, 5, 27); \
	VFSUB_4S(4, 4, 26); \
	VFSUB_4S(7, 7, 26); \
	VFMIN_4S(5, 5, 28); \
	VFMUL_4S(4, 4, 25); \
	VFCVTL_2D(9, 4); \
	VFSUB_4S(6, 6, 26); \
	VFSUB_4S(5, 5, 26); \
	VFCVTL2_2D(10, 0); \
	VFMUL_4S(6, 6, 25); \
	VFMUL_4S(5, 5, 25); \
	VFMUL_4S(7, 7, 25); \
	VFCVTL2_2D(11, 4); \
	VFCVTL_2D(12, 1); \
	VFSUB_2D(8, 8, 9); \
	VFCVTL_2D(13, 5); \
	VFSUB_2D(10, 10, 11); \
	VFCVTL2_2D(14, 1); \
	VFMUL_2D(8, 8, 8); \
	VFCVTL2_2D(15, 5); \
	VFMUL_2D(10, 10, 10); \
	VFADD_2D(16, 16, 8); \
	VFADD_2D(17, 17, 10); \
	VFCVTL_2D(8, 2); \
	VFSUB_2D(12, 12, 13); \
	VFCVTL_2D(9, 6); \
	VFSUB_2D(14, 14, 15); \
	VFCVTL2_2D(10, 2); \
	VFMUL_2D(12, 12, 12); \
	VFCVTL2_2D(11, 6); \
	VFMUL_2D(14, 14, 14); \
	VFADD_2D(18, 18, 12); \
	VFADD_2D(19, 19, 14); \
	VFCVTL_2D(12, 3); \
	VFSUB_2D(8, 8, 9); \
	VFCVTL_2D(13, 7); \
	VFSUB_2D(10, 10, 11); \
	VFCVTL2_2D(14, 3); \
	VFMUL_2D(8, 8, 8); \
	VFCVTL2_2D(15, 7); \
	VFMUL_2D(10, 10, 10); \
	VFADD_2D(20, 20, 8); \
	VFADD_2D(21, 21, 10); \
	VFSUB_2D(12, 12, 13); \
	VFSUB_2D(14, 14, 15); \
	VFMUL_2D(12, 12, 12); \
	VFMUL_2D(14, 14, 14); \
	VFADD_2D(22, 22, 12); \
	VFADD_2D(23, 23, 14)

#define QERR_ONNX16 \
	VFDIV_4S(6, 2, 24); \
	VFDIV_4S(4, 0, 24); \
	VFRINTN_4S(4, 4); \
	VFRINTN_4S(6, 6); \
	VFMAX_4S(4, 4, 27); \
	VFMIN_4S(4, 4, 28); \
	VFCVTL_2D(8, 0); \
	VFDIV_4S(5, 1, 24); \
	VFRINTN_4S(5, 5); \
	VFMAX_4S(6, 6, 27); \
	VFDIV_4S(7, 3, 24); \
	VFMIN_4S(6, 6, 28); \
	VFMUL_4S(6, 6, 25); \
	VFRINTN_4S(7, 7); \
	VFMUL_4S(4, 4, 25); \
	VFCVTL_2D(9, 4); \
	VFMAX_4S(7, 7, 27); \
	VFMIN_4S(7, 7, 28); \
	VFMUL_4S(7, 7, 25); \
	VFCVTL2_2D(10, 0); \
	VFCVTL2_2D(11, 4); \
	VFMAX_4S(5, 5, 27); \
	VFCVTL_2D(12, 1); \
	VFMIN_4S(5, 5, 28); \
	VFMUL_4S(5, 5, 25); \
	VFSUB_2D(8, 8, 9); \
	VFCVTL_2D(13, 5); \
	VFSUB_2D(10, 10, 11); \
	VFCVTL2_2D(14, 1); \
	VFMUL_2D(8, 8, 8); \
	VFCVTL2_2D(15, 5); \
	VFMUL_2D(10, 10, 10); \
	VFADD_2D(16, 16, 8); \
	VFADD_2D(17, 17, 10); \
	VFCVTL_2D(8, 2); \
	VFSUB_2D(12, 12, 13); \
	VFCVTL_2D(9, 6); \
	VFSUB_2D(14, 14, 15); \
	VFCVTL2_2D(10, 2); \
	VFMUL_2D(12, 12, 12); \
	VFCVTL2_2D(11, 6); \
	VFMUL_2D(14, 14, 14); \
	VFADD_2D(18, 18, 12); \
	VFADD_2D(19, 19, 14); \
	VFCVTL_2D(12, 3); \
	VFSUB_2D(8, 8, 9); \
	VFCVTL_2D(13, 7); \
	VFSUB_2D(10, 10, 11); \
	VFCVTL2_2D(14, 3); \
	VFMUL_2D(8, 8, 8); \
	VFCVTL2_2D(15, 7); \
	VFMUL_2D(10, 10, 10); \
	VFADD_2D(20, 20, 8); \
	VFADD_2D(21, 21, 10); \
	VFSUB_2D(12, 12, 13); \
	VFSUB_2D(14, 14, 15); \
	VFMUL_2D(12, 12, 12); \
	VFMUL_2D(14, 14, 14); \
	VFADD_2D(22, 22, 12); \
	VFADD_2D(23, 23, 14)

#define QERR_TORCH16 \
	VFMUL_4S(4, 0, 24); \
	VFMUL_4S(7, 3, 24); \
	VFRINTN_4S(4, 4); \
	VFRINTN_4S(7, 7); \
	VFMUL_4S(5, 1, 24); \
	VFMAX_4S(4, 4, 27); \
	VFRINTN_4S(5, 5); \
	VFMIN_4S(4, 4, 28); \
	VFCVTL_2D(8, 0); \
	VFMAX_4S(5, 5, 27); \
	VFMIN_4S(5, 5, 28); \
	VFMUL_4S(5, 5, 25); \
	VFMAX_4S(7, 7, 27); \
	VFMUL_4S(4, 4, 25); \
	VFCVTL_2D(9, 4); \
	VFMUL_4S(6, 2, 24); \
	VFRINTN_4S(6, 6); \
	VFMAX_4S(6, 6, 27); \
	VFCVTL2_2D(10, 0); \
	VFCVTL2_2D(11, 4); \
	VFMIN_4S(7, 7, 28); \
	VFCVTL_2D(12, 1); \
	VFMUL_4S(7, 7, 25); \
	VFMIN_4S(6, 6, 28); \
	VFMUL_4S(6, 6, 25); \
	VFSUB_2D(8, 8, 9); \
	VFCVTL_2D(13, 5); \
	VFSUB_2D(10, 10, 11); \
	VFCVTL2_2D(14, 1); \
	VFMUL_2D(8, 8, 8); \
	VFCVTL2_2D(15, 5); \
	VFMUL_2D(10, 10, 10); \
	VFADD_2D(16, 16, 8); \
	VFADD_2D(17, 17, 10); \
	VFCVTL_2D(8, 2); \
	VFSUB_2D(12, 12, 13); \
	VFCVTL_2D(9, 6); \
	VFSUB_2D(14, 14, 15); \
	VFCVTL2_2D(10, 2); \
	VFMUL_2D(12, 12, 12); \
	VFCVTL2_2D(11, 6); \
	VFMUL_2D(14, 14, 14); \
	VFADD_2D(18, 18, 12); \
	VFADD_2D(19, 19, 14); \
	VFCVTL_2D(12, 3); \
	VFSUB_2D(8, 8, 9); \
	VFCVTL_2D(13, 7); \
	VFSUB_2D(10, 10, 11); \
	VFCVTL2_2D(14, 3); \
	VFMUL_2D(8, 8, 8); \
	VFCVTL2_2D(15, 7); \
	VFMUL_2D(10, 10, 10); \
	VFADD_2D(20, 20, 8); \
	VFADD_2D(21, 21, 10); \
	VFSUB_2D(12, 12, 13); \
	VFSUB_2D(14, 14, 15); \
	VFMUL_2D(12, 12, 12); \
	VFMUL_2D(14, 14, 14); \
	VFADD_2D(22, 22, 12); \
	VFADD_2D(23, 23, 14)

// QERR_LOOP(loop, BODY): the QuantError loop: 16 float32 x from R0 into
// V0-V3, BODY (QERR_SEED16, QERR_ONNX16 or QERR_TORCH16); R3 groups (no
// ragged end: the caller finishes it).
#define QERR_LOOP(loop, BODY) \
loop: \
	VLD1.P	64(R0), [V0.S4, V1.S4, V2.S4, V3.S4]; \
	BODY; \
	SUBS	$1, R3, R3; \
	BNE	loop

// GATHER_PARAMS4(base, o0, o1, o2, o3, K, Z, L, H): the Params of four
// elements, at o0(base) .. o3(base), transposed into lanes 0..3 of K
// (Scale), Z (Zero), L (Lo) and H (Hi), vector registers named in full
// (V16, ...): each Params' first 16 bytes (Scale, Zero, Lo, Hi; never
// beyond the Params) are loaded whole into V4-V7, TRN1/TRN2 of the 32-bit
// lanes pair them up in V8-V11 (Scale, Lo of two elements; Zero, Hi) and
// TRN1/TRN2 of the 64-bit halves finish the 4x4 transpose.
#define GATHER_PARAMS4(base, o0, o1, o2, o3, K, Z, L, H) \
	FMOVQ	o0(base), F4; \
	FMOVQ	o1(base), F5; \
	FMOVQ	o2(base), F6; \
	FMOVQ	o3(base), F7; \
	VTRN1	V5.S4, V4.S4, V8.S4; \
	VTRN2	V5.S4, V4.S4, V9.S4; \
	VTRN1	V7.S4, V6.S4, V10.S4; \
	VTRN2	V7.S4, V6.S4, V11.S4; \
	VTRN1	V10.D2, V8.D2, K.D2; \
	VTRN1	V11.D2, V9.D2, Z.D2; \
	VTRN2	V10.D2, V8.D2, L.D2; \
	VTRN2	V11.D2, V9.D2, H.D2

// EACH16(OP, d, n, m): V(d+i) = OP(V(n+i), V(m+i)) for i = 0..3, OP a
// three-register WORD macro: a 16-lane operation with a vector of
// per-element operands (the per-column Params).
#define EACH16(OP, d, n, m) \
	OP(d, n, m); \
	OP((d)+1, (n)+1, (m)+1); \
	OP((d)+2, (n)+2, (m)+2); \
	OP((d)+3, (n)+3, (m)+3)

// Per-column quantize (GATHER_PARAMS4 layout: k V16-V19, z V20-V23, lo
// V24-V27, hi V28-V31; V15 1.0), V0-V3 to int32 before the clamp:
// QCOLS_TORCH16: fcvtns(x * float32(1/s)) + z, the inverse by FDIV per lane.
#define QCOLS_TORCH16 \
	VFDIV_4S(4, 15, 16); \
	VFDIV_4S(5, 15, 17); \
	VFDIV_4S(6, 15, 18); \
	VFDIV_4S(7, 15, 19); \
	EACH16(VFMUL_4S, 0, 0, 4); \
	FCVTNS16; \
	EACH16(VSQADD_4S, 0, 0, 20)

// QCOLS_ONNX16: fcvtns(x/s) + z.
#define QCOLS_ONNX16 \
	EACH16(VFDIV_4S, 0, 0, 16); \
	FCVTNS16; \
	EACH16(VSQADD_4S, 0, 0, 20)

// QCOLS_SEED16: fcvtns(x'/s + float32(z)), x' = 0 for NaN x.
#define QCOLS_SEED16 \
	ZERO_NANS16; \
	VSCVTF_4S(4, 20); \
	VSCVTF_4S(5, 21); \
	VSCVTF_4S(6, 22); \
	VSCVTF_4S(7, 23); \
	EACH16(VFDIV_4S, 0, 0, 16); \
	EACH16(VFADD_4S, 0, 0, 4); \
	FCVTNS16

// QCOLS_LOOP(loop, done, QUANT, NARROW): the per-column quantize loop: 16
// float32 from R1, their Params gathered from R4 (R12 = R4 + 160), QUANT
// (QCOLS_*16), the clamp to lo..hi on the int32 values, SQXTN16_H and
// NARROW (SQXTN16_B or SQXTUN16_B: nothing left to saturate), 16 bytes to
// R0; R3 groups, R5 pending, the last group's src, dst and ps in R6, R7,
// R13.
#define QCOLS_LOOP(loop, done, QUANT, NARROW) \
loop: \
	VLD1.P	64(R1), [V0.S4, V1.S4, V2.S4, V3.S4]; \
	GATHER_PARAMS4(R4, 0, 20, 40, 60, V16, V20, V24, V28); \
	GATHER_PARAMS4(R4, 80, 100, 120, 140, V17, V21, V25, V29); \
	GATHER_PARAMS4(R12, 0, 20, 40, 60, V18, V22, V26, V30); \
	GATHER_PARAMS4(R12, 80, 100, 120, 140, V19, V23, V27, V31); \
	QUANT; \
	EACH16(VSMAX_4S, 0, 0, 24); \
	EACH16(VSMIN_4S, 0, 0, 28); \
	SQXTN16_H; \
	NARROW; \
	VST1.P	[V10.B16], 16(R0); \
	ADD	$320, R4, R4; \
	ADD	$160, R4, R12; \
	SUBS	$1, R3, R3; \
	BNE	loop; \
	CBZ	R5, done; \
	MOVD	R6, R1; \
	MOVD	R7, R0; \
	MOVD	R13, R4; \
	ADD	$160, R4, R12; \
	MOVD	$1, R3; \
	MOVD	$0, R5; \
	B	loop

// LOAD_BLOCK_PARAMS: the Params at R4 broadcast, R4 moved to the next
// Params (+20): V16 Scale, V18 Zero (int32), V19 Lo and V20 Hi (their low
// bytes: the bounds of 8-bit codes), R8 Convention. Needs R13 = 4. Loads
// that replicate (LD1R) instead of moves from general registers: no DUP,
// and the Seed float32(z) is one vector SCVTF of V18, the PyTorch inverse
// one vector FDIV, each only on its convention's path.
#define LOAD_BLOCK_PARAMS \
	VLD1R.P	4(R4), [V16.S4]; \
	VLD1R.P	4(R4), [V18.S4]; \
	VLD1R.P	(R4)(R13), [V19.B16]; \
	VLD1R.P	(R4)(R13), [V20.B16]; \
	MOVBU.P	4(R4), R8

// STORE16_F32: the 16 float32 of V3-V6 to R0, R0 += 64, as two STP Q
// (which llvm-mca models cheaper than one four-register ST1 on N2 and V1).
#define STORE16_F32 \
	FSTPQ	(F5, F6), 32(R0); \
	FSTPQ.P	(F3, F4), 64(R0)

// RECIP_OR(fdiv): per block, go to the loop fdiv (the quotient by FDIV)
// unless the block's Scale (at -20(R4), after LOAD_BLOCK_PARAMS) is in
// exactDivScale's domain, 2^-100 <= s <= 2^100: bits 0x0d800000 ..
// 0x71800000 (s > 0), tested as bits - R19 <= R20 (unsigned) with R19 =
// 0x0d800000, R20 = 0x64000000. Else fall through to RECIP_CONSTS.
#define RECIP_OR(fdiv) \
	MOVWU	-20(R4), R12; \
	SUBW	R19, R12, R12; \
	CMPW	R20, R12; \
	BHI	fdiv

// RECIP_CONSTS: the constants of RECIP_QUOTIENT16 from the block's s
// (V16): y = RN(1/s) by a vector FDIV of V15 = 1.0, c = s*2^25 (V26 =
// 2^25), -c = s*-2^25 (V27 = -2^25), both exact.
#define RECIP_CONSTS \
	VFDIV_4S(21, 15, 16); \
	VFMUL_4S(22, 16, 26); \
	VFMUL_4S(23, 16, 27)

// Per-column quantize over rows (neonQuantizeColumns): the Params of a
// group of 16 columns are read from their record (R10, post-incremented
// loads, in the order below: the Go wrapper writes it once per call) with
// element i of the group in lane i%4 of register i/4, as the data:
// COLUMNS_RECIP16: V0-V3 = RN(x/s) as RECIP_QUOTIENT16, lane by lane:
// record c (V24-V27), -c (V28-V31), y = RN(1/s) (V16-V19), s (V20-V23).
// The fused instructions (FMLS, FMLA: exactdiv.go's correction) are
// written out, so that .ci/fma.txt's count sees them.
#define COLUMNS_RECIP16 \
	VLD1.P	64(R10), [V24.S4, V25.S4, V26.S4, V27.S4]; \
	VLD1.P	64(R10), [V28.S4, V29.S4, V30.S4, V31.S4]; \
	EACH16(VFMIN_4S, 4, 0, 24); \
	EACH16(VFMAX_4S, 4, 4, 28); \
	VLD1.P	64(R10), [V16.S4, V17.S4, V18.S4, V19.S4]; \
	VLD1.P	64(R10), [V20.S4, V21.S4, V22.S4, V23.S4]; \
	EACH16(VFMUL_4S, 0, 4, 16); \
	VFMLS_4S(4, 0, 20); \
	VFMLS_4S(5, 1, 21); \
	VFMLS_4S(6, 2, 22); \
	VFMLS_4S(7, 3, 23); \
	VFMLA_4S(0, 4, 16); \
	VFMLA_4S(1, 5, 17); \
	VFMLA_4S(2, 6, 18); \
	VFMLA_4S(3, 7, 19)

// COLUMNS_K16: V16-V19 = the record's next 16 float32 (s, or inv).
#define COLUMNS_K16 \
	VLD1.P	64(R10), [V16.S4, V17.S4, V18.S4, V19.S4]

// COLUMNS_Z16: V24-V27 = the record's next 16 words (z, or float32(z)).
#define COLUMNS_Z16 \
	VLD1.P	64(R10), [V24.S4, V25.S4, V26.S4, V27.S4]

// COLUMNS_ADDZ16: V0-V3 = fcvtns(V0-V3) + z (the record's next 16 int32,
// saturating). COLUMNS_ADDZF16: V0-V3 = fcvtns(V0-V3 + zf) (the record's
// next 16 float32).
#define COLUMNS_ADDZ16 \
	COLUMNS_Z16; \
	FCVTNS16; \
	EACH16(VSQADD_4S, 0, 0, 24)

#define COLUMNS_ADDZF16 \
	COLUMNS_Z16; \
	EACH16(VFADD_4S, 0, 0, 24); \
	FCVTNS16

// The per-column quantize bodies, V0-V3 to int32 (the clamp follows):
//	COLUMNS_ONNXR16: record c, -c, y, s, z:   fcvtns(RN(x/s)) + z
//	COLUMNS_SEEDR16: record c, -c, y, s, zf:  fcvtns(RN(x'/s) + zf)
//	COLUMNS_ONNX16:  record s, z:             fcvtns(x/s) + z
//	COLUMNS_SEED16:  record s, zf:            fcvtns(x'/s + zf)
//	COLUMNS_TORCH16: record inv, z:           fcvtns(x*inv) + z
// x' = 0 for NaN x; zf = float32(z); sums of int32 saturating.
#define COLUMNS_ONNXR16 \
	COLUMNS_RECIP16; \
	COLUMNS_ADDZ16

#define COLUMNS_SEEDR16 \
	ZERO_NANS16; \
	COLUMNS_RECIP16; \
	COLUMNS_ADDZF16

#define COLUMNS_ONNX16 \
	COLUMNS_K16; \
	EACH16(VFDIV_4S, 0, 0, 16); \
	COLUMNS_ADDZ16

#define COLUMNS_SEED16 \
	ZERO_NANS16; \
	COLUMNS_K16; \
	EACH16(VFDIV_4S, 0, 0, 16); \
	COLUMNS_ADDZF16

#define COLUMNS_TORCH16 \
	COLUMNS_K16; \
	EACH16(VFMUL_4S, 0, 0, 16); \
	COLUMNS_ADDZ16

// QCOLUMNS_LOOP(loop, last, row, done, QUANT, NARROW): the rows loop of
// neonQuantizeColumns. Per row (label row): R8/R9 = the row's src/dst
// (R1/R0), R10 = the records (R5), R11 = whole groups (R13), R12 = 1 if a
// ragged last group is pending (R14). Per group (label loop): 16 float32
// from R8, QUANT (COLUMNS_*16), SQXTN16_H, lo and hi from R10 into V19
// and V20 (dead by then), NARROW (NARROW16_I8 or NARROW16_U8), 16 bytes to
// R9. The ragged last group is the 16 columns ending at n (src
// R1+R15, dst R0+R16), whose record follows the others'. Then (label
// last) R1 += 4*stride, R0 += stride (R4), and the next row until R3 rows
// are done.
#define QCOLUMNS_LOOP(loop, last, row, done, QUANT, NARROW) \
row: \
	MOVD	R1, R8; \
	MOVD	R0, R9; \
	MOVD	R5, R10; \
	MOVD	R13, R11; \
	MOVD	R14, R12; \
loop: \
	VLD1.P	64(R8), [V0.S4, V1.S4, V2.S4, V3.S4]; \
	QUANT; \
	SQXTN16_H; \
	VLD1.P	32(R10), [V19.B16, V20.B16]; \
	NARROW; \
	VST1.P	[V10.B16], 16(R9); \
	SUBS	$1, R11, R11; \
	BNE	loop; \
	CBZ	R12, last; \
	ADD	R15, R1, R8; \
	ADD	R16, R0, R9; \
	MOVD	$1, R11; \
	MOVD	$0, R12; \
	B	loop; \
last: \
	ADD	R4<<2, R1, R1; \
	ADD	R4, R0, R0; \
	SUBS	$1, R3, R3; \
	BNE	row; \
	B	done
