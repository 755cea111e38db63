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
