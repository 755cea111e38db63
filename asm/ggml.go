package main

// The AVX2 (+F16C) kernels of package ggml, generated into
// ggml/kernel_amd64.s by `go run . -ggml -out ../ggml/kernel_amd64.s`
// (the go:generate line is in ggml/kernel_amd64.go, which holds the Go
// declarations and their contracts).
//
// Every kernel walks nb whole blocks; it reads and writes exactly the
// bytes of those blocks, nothing before or after. The arithmetic is that
// of ggml's reference code in float32, operation by operation: no FMA,
// VDIVPS for each of ggml's divisions, the products and sums with the
// operands in ggml's order (x86 returns the first NaN operand, so the
// order fixes which NaN a dequantize propagates).

import (
	"flag"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

var ggmlOut = flag.Bool("ggml", false, "generate the kernels of package ggml (ggml/kernel_amd64.s) instead of the per-tensor ones")

// Offsets in ggmlConst.
const (
	gcAbs   = 0   // 0x7FFFFFFF
	gc127   = 4   // 127.0
	gcOne   = 8   // 1.0
	gcHalf  = 12  // 0.5
	gcSign  = 16  // 0x80000000
	gcPerm  = 32  // dwords 0,4,1,5,2,6,3,7: order after VPACKSSDW/VPACKSSWB
	gcNib   = 64  // 16 bytes 0x0F
	gc8     = 80  // 16 bytes 0x08
	gc80    = 96  // 32 bytes 0x80
	gcShift = 128 // 4×8 dwords 0..31: bit index of element 8g+i in qh
	gc10    = 256 // dword 0x10
	gc16    = 260 // dword 16
	gcLen   = 264
)

var ggc Mem

// generateGGML generates the ggml kernels and reports true if the -ggml
// flag is set; main then returns.
func generateGGML() bool {
	if !*ggmlOut {
		return false
	}
	Package("github.com/quantkernel/quant/ggml")
	ConstraintExpr("gc,!purego")
	ggc = GLOBL("ggmlConst", RODATA|NOPTR)
	DATA(gcAbs, U32(0x7FFFFFFF))
	DATA(gc127, U32(0x42FE0000))
	DATA(gcOne, U32(0x3F800000))
	DATA(gcHalf, U32(0x3F000000))
	DATA(gcSign, U32(0x80000000))
	DATA(20, U32(0))
	DATA(24, U64(0))
	for i, v := range []uint32{0, 4, 1, 5, 2, 6, 3, 7} {
		DATA(gcPerm+4*i, U32(v))
	}
	for i := range 2 {
		DATA(gcNib+8*i, U64(0x0F0F0F0F0F0F0F0F))
	}
	for i := range 2 {
		DATA(gc8+8*i, U64(0x0808080808080808))
	}
	for i := range 4 {
		DATA(gc80+8*i, U64(0x8080808080808080))
	}
	for i := range 32 {
		DATA(gcShift+4*i, U32(uint32(i)))
	}
	DATA(gc10, U32(0x10))
	DATA(gc16, U32(16))
	_ = gcLen

	q8_0Quant()
	q8Dequant("q8_0DequantAVX2", 34, 2)
	q8Dequant("q8_1DequantAVX2", 36, 4)
	nibDequant("q4_0DequantAVX2", 18, false, false)
	nibDequant("q4_1DequantAVX2", 20, true, false)
	nibDequant("q5_0DequantAVX2", 22, false, true)
	nibDequant("q5_1DequantAVX2", 24, true, true)
	Generate()
	return true
}

func bcast(off int) reg.VecVirtual {
	y := YMM()
	VBROADCASTSS(ggc.Offset(off), y)
	return y
}

// q8_0Quant: per block, amax = max|x| (a MAXPS tree: the input is finite
// and non-negative after the AND, so the order does not matter), d =
// amax/127, id = d != 0 ? 1/d : 0, the half d as VCVTPS2PH rounds it to
// nearest even (ggml's conversion for every non-NaN float), and
// q = roundf(x·id): t = trunc(v), t += sign(v) where |v-t| >= 0.5 (v-t is
// exact), converted by VCVTTPS2DQ. Codes are in [-127, 127] except where
// id is +Inf (a block with d < 2^-128): v is then ±Inf or NaN, VCVTTPS2DQ
// gives 0x80000000, the saturating packs give 0x80 and that byte is
// cleared to 0, the low byte ggml's (int8_t) cast keeps on x86.
func q8_0Quant() {
	TEXT("q8_0QuantAVX2", NOSPLIT, "func(dst *byte, src *float32, nb int)")
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	n := Load(Param("nb"), GP64())
	abs := bcast(gcAbs)
	one := bcast(gcOne)
	c127 := bcast(gc127)
	half := bcast(gcHalf)
	sign := bcast(gcSign)
	zero := YMM()
	VXORPS(zero, zero, zero)
	perm := YMM()
	VMOVDQU(ggc.Offset(gcPerm), perm)
	TESTQ(n, n)
	JZ(LabelRef("done"))
	Label("loop")
	var x [4]reg.VecVirtual
	for k := range x {
		x[k] = YMM()
		VMOVUPS(Mem{Base: src, Disp: 32 * k}, x[k])
	}
	var a [4]reg.VecVirtual
	for k := range a {
		a[k] = YMM()
		VANDPS(abs, x[k], a[k])
	}
	VMAXPS(a[1], a[0], a[0])
	VMAXPS(a[3], a[2], a[2])
	VMAXPS(a[2], a[0], a[0])
	m := a[0]
	t := YMM()
	VPERM2F128(Imm(1), m, m, t)
	VMAXPS(t, m, m)
	VPERMILPS(Imm(0x4E), m, t)
	VMAXPS(t, m, m)
	VPERMILPS(Imm(0xB1), m, t)
	VMAXPS(t, m, m) // amax in every lane
	d := YMM()
	VDIVPS(c127, m, d) // d = amax/127
	id := YMM()
	VDIVPS(d, one, id)
	nz := YMM()
	VCMPPS(Imm(4), zero, d, nz) // d != 0 (NEQ_UQ)
	VANDPS(nz, id, id)
	h := XMM()
	VCVTPS2PH(Imm(0), d.AsX(), h)
	VPEXTRW(Imm(0), h, Mem{Base: dst})
	var r [4]reg.VecVirtual
	for k := range r {
		v, tr, f, s := YMM(), YMM(), YMM(), YMM()
		VMULPS(id, x[k], v)
		VROUNDPS(Imm(3), v, tr) // trunc
		VSUBPS(tr, v, f)        // v - t, exact
		VANDPS(abs, f, f)
		VCMPPS(Imm(0x1D), half, f, f) // |v-t| >= 0.5 (GE_OQ: false for NaN)
		VANDPS(sign, v, s)
		VORPS(one, s, s) // ±1 with v's sign
		VANDPS(f, s, s)
		VADDPS(s, tr, tr)
		r[k] = YMM()
		VCVTTPS2DQ(tr, r[k])
	}
	VPACKSSDW(r[1], r[0], r[0])
	VPACKSSDW(r[3], r[2], r[2])
	VPACKSSWB(r[2], r[0], r[0])
	VPERMD(r[0], perm, r[0])
	e := YMM()
	VPCMPEQB(ggc.Offset(gc80), r[0], e)
	VPANDN(r[0], e, r[0]) // 0x80 (from 0x80000000) → 0
	VMOVDQU(r[0], Mem{Base: dst, Disp: 2})
	ADDQ(U32(128), src)
	ADDQ(U32(34), dst)
	DECQ(n)
	JNZ(LabelRef("loop"))
	Label("done")
	VZEROUPPER()
	RET()
}

// halfScale loads the fp16 at m into every lane of a new YMM as float32
// (VCVTPH2PS: exact; a NaN keeps its payload and is made quiet, as
// ggml's GGML_FP16_TO_FP32).
func halfScale(m Mem) reg.VecVirtual {
	x := XMM()
	VPBROADCASTW(m, x)
	y := YMM()
	VCVTPH2PS(x, y)
	return y
}

// q8Dequant: y = float(q)·d for blocks of size bytes whose codes start at
// qoff (Q8_0: 34, 2; Q8_1: 36, 4, S unused).
func q8Dequant(name string, size, qoff int) {
	TEXT(name, NOSPLIT, "func(dst *float32, src *byte, nb int)")
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	n := Load(Param("nb"), GP64())
	TESTQ(n, n)
	JZ(LabelRef("done"))
	Label("loop")
	d := halfScale(Mem{Base: src})
	for k := range 4 {
		i := YMM()
		VPMOVSXBD(Mem{Base: src, Disp: qoff + 8*k}, i)
		VCVTDQ2PS(i, i)
		VMULPS(d, i, i) // float(q)·d
		VMOVUPS(i, Mem{Base: dst, Disp: 32 * k})
	}
	ADDQ(U32(size), src)
	ADDQ(U32(128), dst)
	DECQ(n)
	JNZ(LabelRef("loop"))
	Label("done")
	VZEROUPPER()
	RET()
}

// nibDequant: the 4- and 5-bit formats. Element j < 16 is the low nibble
// of qs[j], element j+16 the high nibble; with fifth bits (Q5_0, Q5_1),
// bit j of the little-endian qh is bit 4 of element j. Without a min
// (Q4_0, Q5_0) y = float(q-8)·d or float(q-16)·d (integer subtraction,
// exact); with a min (Q4_1, Q5_1) y = float(q)·d + m.
func nibDequant(name string, size int, hasMin, fifth bool) {
	TEXT(name, NOSPLIT, "func(dst *float32, src *byte, nb int)")
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	n := Load(Param("nb"), GP64())
	qhOff, qsOff := 2, 2
	if hasMin {
		qhOff, qsOff = 4, 4
	}
	if fifth {
		qsOff += 4
	}
	var c10, c16 reg.VecVirtual
	if fifth {
		c10, c16 = bcast(gc10), bcast(gc16)
	}
	TESTQ(n, n)
	JZ(LabelRef("done"))
	Label("loop")
	d := halfScale(Mem{Base: src})
	var m reg.VecVirtual
	if hasMin {
		m = halfScale(Mem{Base: src, Disp: 2})
	}
	var qh reg.VecVirtual
	if fifth {
		qh = YMM()
		VPBROADCASTD(Mem{Base: src, Disp: qhOff}, qh)
	}
	q := XMM()
	VMOVDQU(Mem{Base: src, Disp: qsOff}, q)
	lo, hi := XMM(), XMM()
	VPAND(ggc.Offset(gcNib), q, lo)
	VPSRLW(Imm(4), q, hi)
	VPAND(ggc.Offset(gcNib), hi, hi)
	if !hasMin && !fifth { // Q4_0: q-8 in bytes, then sign-extended
		VPSUBB(ggc.Offset(gc8), lo, lo)
		VPSUBB(ggc.Offset(gc8), hi, hi)
	}
	for k := range 4 {
		b := lo
		if k >= 2 {
			b = hi
		}
		if k%2 == 1 {
			t := XMM()
			VPSHUFD(Imm(0xEE), b, t) // bytes 8..15 to the bottom
			b = t
		}
		i := YMM()
		if !hasMin && !fifth {
			VPMOVSXBD(b, i)
		} else {
			VPMOVZXBD(b, i)
		}
		if fifth {
			h := YMM()
			VPSRLVD(ggc.Offset(gcShift+32*k), qh, h) // qh >> j
			VPSLLD(Imm(4), h, h)
			VPAND(c10, h, h) // (qh >> j & 1) << 4
			VPOR(h, i, i)
			if !hasMin {
				VPSUBD(c16, i, i)
			}
		}
		VCVTDQ2PS(i, i)
		VMULPS(d, i, i) // float(q)·d
		if hasMin {
			VADDPS(m, i, i) // + m, the product first
		}
		VMOVUPS(i, Mem{Base: dst, Disp: 32 * k})
	}
	ADDQ(U32(size), src)
	ADDQ(U32(128), dst)
	DECQ(n)
	JNZ(LabelRef("loop"))
	Label("done")
	VZEROUPPER()
	RET()
}
