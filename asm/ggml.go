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
	gcAbs    = 0   // 0x7FFFFFFF
	gcOne    = 8   // 1.0
	gcPerm   = 32  // dwords 0,4,1,5,2,6,3,7: order after VPACKSSDW/VPACKSSWB
	gcNib    = 64  // 16 bytes 0x0F
	gc8      = 80  // 16 bytes 0x08
	gcShift  = 128 // 4×8 dwords 0..31: bit index of element 8g+i in qh
	gc10     = 256 // dword 0x10
	gc16     = 260 // dword 16
	gc127v   = 264 // 8 × 127.0
	gcMaxF   = 328 // 0x7F7FFFFF, the bits of MaxFloat32
	gcInfv   = 332 // 8 × +Inf
	gcLegacy = 368 // 4 × 16: div, bias of legacyQuants[i]
	gcClampv = 432 // 4 × 32 bytes: clamp of legacyQuants[i]
	gcNib32  = 560 // 32 bytes 0x0F
	gcSign   = 592 // 0x80000000
	gc30     = 596 // dword 0x30
	gc32     = 600 // dword 32
	gc63     = 604 // dword 63
	gcLen    = 608
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
	DATA(gcOne, U32(0x3F800000))
	for i, v := range []uint32{0, 4, 1, 5, 2, 6, 3, 7} {
		DATA(gcPerm+4*i, U32(v))
	}
	for i := range 2 {
		DATA(gcNib+8*i, U64(0x0F0F0F0F0F0F0F0F))
	}
	for i := range 2 {
		DATA(gc8+8*i, U64(0x0808080808080808))
	}
	for i := range 32 {
		DATA(gcShift+4*i, U32(uint32(i)))
	}
	DATA(gc10, U32(0x10))
	DATA(gc16, U32(16))
	for i := range 8 {
		DATA(gc127v+4*i, U32(0x42FE0000))
	}
	DATA(gcMaxF, U32(0x7F7FFFFF))
	for i := range 8 {
		DATA(gcInfv+4*i, U32(0x7F800000))
	}
	legacyData()
	DATA(gcSign, U32(0x80000000))
	DATA(gc30, U32(0x30))
	DATA(gc32, U32(32))
	DATA(gc63, U32(63))
	_ = gcLen

	finiteBlocks()
	q8Quant("q8_0QuantAVX2", 34, false)
	q8Quant("q8_1QuantAVX2", 36, true)
	for _, lq := range legacyQuants {
		legacyQuantK(lq)
	}
	q8Dequant("q8_0DequantAVX2", 34, 2, false)
	q8Dequant("q8_1DequantAVX2", 36, 4, false)
	q8Dequant("q8_KDequantAVX2", 292, 4, true)
	nibDequant("q4_0DequantAVX2", 18, false, false)
	nibDequant("q4_1DequantAVX2", 20, true, false)
	nibDequant("q5_0DequantAVX2", 22, false, true)
	nibDequant("q5_1DequantAVX2", 24, true, true)
	kDequant("q4_KDequantAVX2", false)
	kDequant("q5_KDequantAVX2", true)
	q6KDequant()
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
// q = roundf(x·id) (see quantBlock). Groups of 8 blocks share the
// divisions: their 8 maxima are reduced into one vector (lane L holds
// block grpOrder[L]), d and id computed for all 8 at once, id kept in a
// 32-byte local from which each block broadcasts its own; the 0..7 blocks
// after the last group are done one at a time with the same arithmetic.
//
// With sum (Q8_1, blocks of 36 bytes, codes at 4), each block also stores
// s = fp16(float(Σq)·d): the codes are summed as dwords (exact), converted
// (exact: |Σq| <= 4064) and multiplied by the block's fp32 d.
func q8Quant(name string, size int, sum bool) {
	TEXT(name, NOSPLIT, "func(dst *byte, src *float32, nb int)")
	qoff := 2
	if sum {
		qoff = 4
	}
	ids := AllocLocal(64) // id, then d, of the group's 8 blocks
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	n := Load(Param("nb"), GP64())
	abs := bcast(gcAbs)
	perm := YMM()
	VMOVDQU(ggc.Offset(gcPerm), perm)
	groups := GP64()
	MOVQ(n, groups)
	SHRQ(U8(3), groups)
	ANDQ(U32(7), n)
	TESTQ(groups, groups)
	JZ(LabelRef("single"))

	Label("group")
	amax := groupReduce(src, func(m Mem) reg.VecVirtual { return blockMax(m, abs) }, VMAXPS) // lane L: block grpOrder[L]
	d, id := scales(amax)
	h := XMM()
	VCVTPS2PH(Imm(0), d, h)
	for l, b := range grpOrder {
		VPEXTRW(Imm(uint64(l)), h, Mem{Base: dst, Disp: size * b})
	}
	VMOVUPS(id, ids)
	if sum {
		VMOVUPS(d, ids.Offset(32))
	}
	for b := range 8 {
		idb := YMM()
		VBROADCASTSS(ids.Offset(4*grpPos[b]), idb)
		var db Mem
		if sum {
			db = ids.Offset(32 + 4*grpPos[b])
		}
		quantBlock(Mem{Base: src, Disp: 128 * b}, Mem{Base: dst, Disp: size * b}, qoff, idb, perm, sum, db)
	}
	ADDQ(U32(8*128), src)
	ADDQ(U32(uint64(8*size)), dst)
	DECQ(groups)
	JNZ(LabelRef("group"))

	Label("single")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	Label("loop")
	t := YMM()
	m := blockMax(Mem{Base: src}, abs)
	VPERM2F128(Imm(1), m, m, t)
	VMAXPS(t, m, m)
	VPERMILPS(Imm(0x4E), m, t)
	VMAXPS(t, m, m)
	VPERMILPS(Imm(0xB1), m, t)
	VMAXPS(t, m, m) // amax in every lane
	d1, id1 := scales(m)
	h1 := XMM()
	VCVTPS2PH(Imm(0), d1, h1)
	VPEXTRW(Imm(0), h1, Mem{Base: dst})
	var d1m Mem
	if sum {
		VMOVSS(d1.AsX(), ids.Offset(32))
		d1m = ids.Offset(32)
	}
	quantBlock(Mem{Base: src}, Mem{Base: dst}, qoff, id1, perm, sum, d1m)
	ADDQ(U32(128), src)
	ADDQ(U32(uint64(size)), dst)
	DECQ(n)
	JNZ(LabelRef("loop"))
	Label("done")
	VZEROUPPER()
	RET()
}

// finiteBlocks returns the number of leading 32-element blocks of src (of
// nb) that hold no NaN or ±Inf: per element, (bits AND 0x7FFFFFFF) >
// 0x7F7FFFFF as signed dwords.
func finiteBlocks() {
	TEXT("finiteBlocksAVX2", NOSPLIT, "func(src *float32, nb int) int")
	src := Load(Param("src"), GP64())
	n := Load(Param("nb"), GP64())
	i := GP64()
	XORQ(i, i)
	abs := bcast(gcAbs)
	maxf := bcast(gcMaxF)
	CMPQ(i, n)
	JAE(LabelRef("done"))
	Label("loop")
	var c [4]reg.VecVirtual
	for k := range c {
		c[k] = YMM()
		VPAND(Mem{Base: src, Disp: 32 * k}, abs, c[k])
		VPCMPGTD(maxf, c[k], c[k]) // |x| bits > MaxFloat32 bits
	}
	VPOR(c[1], c[0], c[0])
	VPOR(c[3], c[2], c[2])
	VPOR(c[2], c[0], c[0])
	VPTEST(c[0], c[0])
	JNZ(LabelRef("done"))
	ADDQ(U32(128), src)
	INCQ(i)
	CMPQ(i, n)
	JB(LabelRef("loop"))
	Label("done")
	VZEROUPPER()
	Store(i, ReturnIndex(0))
	RET()
}

// grpOrder[L] is the block whose maximum the group reduction leaves in
// lane L; grpPos is its inverse.
var (
	grpOrder = [8]int{0, 2, 4, 6, 1, 3, 5, 7}
	grpPos   = [8]int{0, 4, 1, 5, 2, 6, 3, 7}
)

// groupReduce returns op (VMAXPS or VMINPS) over each of the 8 blocks at
// src (128 bytes apart) in one vector, lane L holding block grpOrder[L]:
// lanewise(m) reduces one block to 8 lanes, then pairs, quads and octets
// of blocks are merged by lane shuffles. The input is finite, so the
// order of the operations does not change the value (only, for VMINPS and
// VMAXPS, which of +0 and -0 is returned).
func groupReduce(src reg.Register, lanewise func(Mem) reg.VecVirtual, op func(...Op)) reg.VecVirtual {
	var pair [4]reg.VecVirtual // pair[p]: [P(2p) | P(2p+1)], 4-lane partial results
	for p := range pair {
		var m [2]reg.VecVirtual
		for h := range m {
			m[h] = lanewise(Mem{Base: src, Disp: 128 * (2*p + h)})
		}
		lo, hi := YMM(), YMM()
		VPERM2F128(Imm(0x20), m[1], m[0], lo)
		VPERM2F128(Imm(0x31), m[1], m[0], hi)
		op(hi, lo, lo)
		pair[p] = lo
	}
	quad := [2]reg.VecVirtual{}
	for q := range quad {
		a, b := YMM(), YMM()
		VSHUFPS(Imm(0x88), pair[2*q+1], pair[2*q], a)
		VSHUFPS(Imm(0xDD), pair[2*q+1], pair[2*q], b)
		op(b, a, a)
		quad[q] = a
	}
	r, t := YMM(), YMM()
	VSHUFPS(Imm(0x88), quad[1], quad[0], r)
	VSHUFPS(Imm(0xDD), quad[1], quad[0], t)
	op(t, r, r)
	return r
}

// blockOp returns op over the 4 vectors of the block at m, lanewise.
func blockOp(m Mem, op func(...Op)) reg.VecVirtual {
	a, b := YMM(), YMM()
	VMOVUPS(m, a)
	op(m.Offset(32), a, a)
	VMOVUPS(m.Offset(64), b)
	op(m.Offset(96), b, b)
	op(b, a, a)
	return a
}

// blockMax returns the lanewise max of |x| over the 4 vectors of the
// block at m.
func blockMax(m Mem, abs reg.VecVirtual) reg.VecVirtual {
	var a [4]reg.VecVirtual
	for k := range a {
		a[k] = YMM()
		VANDPS(m.Offset(32*k), abs, a[k])
	}
	VMAXPS(a[1], a[0], a[0])
	VMAXPS(a[3], a[2], a[2])
	VMAXPS(a[2], a[0], a[0])
	return a[0]
}

// scales returns d = amax/127 and id = 1/d where that is finite, else 0,
// lanewise. 1/d is +Inf exactly when d = 0 (ggml's id = 0) or d <
// 2^-128; in the latter case ggml's x·id is ±Inf or NaN (0·Inf), which
// its (int8_t) cast on x86 turns into 0x80000000, whose low byte 0 it
// stores: id = 0 gives the same zero codes.
func scales(amax reg.VecVirtual) (d, id reg.VecVirtual) {
	d, id = YMM(), YMM()
	VDIVPS(ggc.Offset(gc127v), amax, d) // amax/127
	one := bcast(gcOne)
	VDIVPS(d, one, id) // 1/d
	fin := YMM()
	VCMPPS(Imm(0x11), ggc.Offset(gcInfv), id, fin) // 1/d < +Inf (LT_OQ)
	VANDPS(fin, id, id)
	return d, id
}

// quantBlock writes the 32 codes of the block at src to dst:
// q = roundf(x·id) as
//
//	v = x·id
//	q = cvtt(v + v) - cvtt(v)   VCVTTPS2DQ (truncation), VPSUBD
//
// With v = t + f (t = trunc(v), |f| < 1), v + v = 2t + 2f is exact, and
// 2t, 2f have the same sign, so cvtt(2v) = 2t + trunc(2f) and q = t +
// trunc(2f): t + sign(v) exactly when |f| >= 0.5, which is roundf.
// |v| <= 127·(1+2^-21) here (id = 0 where 1/d is not finite, see
// scales): codes are in [-127, 127], packed by the saturating packs and
// restored to element order by VPERMD.
// TestSIMDQ8_0RoundfSweep checks every float32 of magnitude 0.25..127.
func quantBlock(src, blk Mem, qoff int, id, perm reg.VecVirtual, sum bool, d Mem) {
	var r [4]reg.VecVirtual
	for k := range r {
		v, w, t := YMM(), YMM(), YMM()
		VMULPS(src.Offset(32*k), id, v) // x·id
		VADDPS(v, v, w)                 // 2v, exact
		r[k] = YMM()
		VCVTTPS2DQ(w, r[k])
		VCVTTPS2DQ(v, t)
		VPSUBD(t, r[k], r[k]) // trunc(2v) - trunc(v)
	}
	if sum {
		a, t := YMM(), YMM()
		VPADDD(r[1], r[0], a)
		VPADDD(r[3], r[2], t)
		VPADDD(t, a, a)
		ax, tx := a.AsX(), XMM()
		VEXTRACTI128(Imm(1), a, tx)
		VPADDD(tx, ax, ax)
		VPSHUFD(Imm(0x4E), ax, tx)
		VPADDD(tx, ax, ax)
		VPSHUFD(Imm(0xB1), ax, tx)
		VPADDD(tx, ax, ax)
		VCVTDQ2PS(ax, ax)
		VMULSS(d, ax, ax) // float(Σq)·d
		VCVTPS2PH(Imm(0), ax, tx)
		VPEXTRW(Imm(0), tx, blk.Offset(2))
	}
	VPACKSSDW(r[1], r[0], r[0])
	VPACKSSDW(r[3], r[2], r[2])
	VPACKSSWB(r[2], r[0], r[0])
	VPERMD(r[0], perm, r[0])
	VMOVDQU(r[0], blk.Offset(qoff))
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
// qoff (Q8_0: 34, 2; Q8_1: 36, 4, S unused) and, with k, Q8_K's blocks
// (292 bytes: a float32 d, 256 codes at 4, bsums unused).
func q8Dequant(name string, size, qoff int, k bool) {
	TEXT(name, NOSPLIT, "func(dst *float32, src *byte, nb int)")
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	n := Load(Param("nb"), GP64())
	elems := ggmlQK
	if k {
		elems = 256
	}
	TESTQ(n, n)
	JZ(LabelRef("done"))
	Label("loop")
	var d reg.VecVirtual
	if k {
		d = YMM()
		VBROADCASTSS(Mem{Base: src}, d)
	} else {
		d = halfScale(Mem{Base: src})
	}
	for v := range elems / 8 {
		i := YMM()
		VPMOVSXBD(Mem{Base: src, Disp: qoff + 8*v}, i)
		VCVTDQ2PS(i, i)
		VMULPS(d, i, i) // float(q)·d (q is never NaN: d's NaN, or x86's default NaN for Inf·0)
		VMOVUPS(i, Mem{Base: dst, Disp: 32 * v})
	}
	ADDQ(U32(size), src)
	ADDQ(U32(uint64(4*elems)), dst)
	DECQ(n)
	JNZ(LabelRef("loop"))
	Label("done")
	VZEROUPPER()
	RET()
}

// ggmlQK is the element count of the 32-element blocks.
const ggmlQK = 32

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

// legacyQuant describes one of Q4_0, Q4_1, Q5_0, Q5_1 for legacyQuantK.
type legacyQuant struct {
	name   string
	size   int    // block bytes
	hasMin bool   // Q4_1, Q5_1: d = (max-min)/div, codes of (x-min)·id
	fifth  bool   // Q5_0, Q5_1: a qh word before the nibbles
	div    uint32 // float32 bits of the divisor: -8, -16, 15, 31
	bias   uint32 // float32 bits of the added constant: 8.5, 16.5, 0.5
	clamp  uint8  // MIN(clamp, code) on bytes; 0: none (Q5_1)
}

// legacyQuantK: groups of 8 blocks, then single blocks (legacyBody), as
// ggml's reference:
//
//	Q4_0, Q5_0: max = the first element of largest |x| (the first index
//	            whose |x| equals the MAXPS maximum; +0 when that maximum
//	            is 0, ggml's initial value), d = max/div
//	Q4_1, Q5_1: min, max = the first elements equal to the MINPS and
//	            MAXPS results (the first of ±0 keeps its sign, as ggml's
//	            strict < and > scans do), d = (max-min)/div
//	id = d != 0 ? 1/d : 0 (VDIVPS, the 8 blocks of a group at once)
//	q  = cvtt(x·id + bias)  or  cvtt((x-min)·id + bias)
//	q  = MIN(clamp, q), as bytes after the packs
//
// The sums are at least 0.5 when finite, so every code is in [0, 255]
// (in fact [0, 17] for Q4, [0, 33] for Q5) except where the sum is ±Inf
// or NaN (1/d = +Inf for d < 2^-128; x-min overflowing to +Inf times
// id = 0): VCVTTPS2DQ gives 0x80000000 there, as ggml's cast on x86,
// which stores its low byte 0; the unsigned-saturating packs VPACKUSDW and
// VPACKUSWB turn that negative dword into the same 0 and keep the others.
// The nibbles are code j | code j+16 << 4; qh (Q5) bit j is bit 4 of code
// j (VPSLLW $3, VPMOVMSKB).
func legacyQuantK(lq legacyQuant) {
	TEXT(lq.name, NOSPLIT, "func(dst *byte, src *float32, nb int)")
	// Locals: the group's max (or the first max-|x| element), min, id.
	loc := AllocLocal(96)
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	n := Load(Param("nb"), GP64())
	abs := bcast(gcAbs)
	perm := YMM()
	VMOVDQU(ggc.Offset(gcPerm), perm)
	groups := GP64()
	MOVQ(n, groups)
	SHRQ(U8(3), groups)
	ANDQ(U32(7), n)
	TESTQ(groups, groups)
	JZ(LabelRef("single"))
	Label("group")
	legacyBody(lq, 8, src, dst, loc, abs, perm)
	ADDQ(U32(8*128), src)
	ADDQ(U32(uint64(8*lq.size)), dst)
	DECQ(groups)
	JNZ(LabelRef("group"))
	Label("single")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	Label("loop")
	legacyBody(lq, 1, src, dst, loc, abs, perm)
	ADDQ(U32(128), src)
	ADDQ(U32(uint64(lq.size)), dst)
	DECQ(n)
	JNZ(LabelRef("loop"))
	Label("done")
	VZEROUPPER()
	RET()
}

// legacyBody quantizes g (8 or 1) consecutive blocks: per block the max
// (or min and max) element into the locals; then d, id and the fp16
// scales for all g at once (8 lanes; with g = 1 only lane 0 is used, the
// others compute on whatever the locals hold and are never stored); then
// the codes of each block with its id broadcast from the locals.
func legacyBody(lq legacyQuant, g int, src, dst reg.Register, loc Mem, abs, perm reg.VecVirtual) {
	if g == 8 {
		legacyGroupSearch(lq, src, loc, abs, perm)
	}
	for b := range g {
		if g == 8 {
			break
		}
		x := loadBlock(Mem{Base: src, Disp: 128 * b})
		if !lq.hasMin {
			var a [4]reg.VecVirtual
			for k := range a {
				a[k] = YMM()
				VANDPS(abs, x[k], a[k])
			}
			m := hreduce(a, VMAXPS)
			mx := firstOf(a, m, Mem{Base: src, Disp: 128 * b})
			nz := XMM()
			VXORPS(nz, nz, nz)
			VCMPSS(Imm(4), nz, m.AsX(), nz) // amax != 0
			VANDPS(nz, mx, mx)              // else +0, ggml's start
			VMOVSS(mx, loc.Offset(4*b))
		} else {
			lo := hreduce(x, VMINPS)
			hi := hreduce(x, VMAXPS)
			VMOVSS(firstOf(x, hi, Mem{Base: src, Disp: 128 * b}), loc.Offset(4*b))
			VMOVSS(firstOf(x, lo, Mem{Base: src, Disp: 128 * b}), loc.Offset(32+4*b))
		}
	}
	d, div := YMM(), YMM()
	VBROADCASTSS(ggc.Offset(gcDiv(lq)), div)
	VMOVUPS(loc, d)
	if lq.hasMin {
		VSUBPS(loc.Offset(32), d, d) // max - min
		mn, h := YMM(), XMM()
		VMOVUPS(loc.Offset(32), mn)
		VCVTPS2PH(Imm(0), mn, h)
		for b := range g {
			VPEXTRW(Imm(uint64(b)), h, Mem{Base: dst, Disp: lq.size*b + 2})
		}
	}
	VDIVPS(div, d, d) // max/div or (max-min)/div
	h := XMM()
	VCVTPS2PH(Imm(0), d, h)
	for b := range g {
		VPEXTRW(Imm(uint64(b)), h, Mem{Base: dst, Disp: lq.size * b})
	}
	id, nz := YMM(), YMM()
	VBROADCASTSS(ggc.Offset(gcOne), id)
	VDIVPS(d, id, id) // 1/d
	VXORPS(nz, nz, nz)
	VCMPPS(Imm(4), nz, d, nz) // d != 0
	VANDPS(nz, id, id)
	VMOVUPS(id, loc.Offset(64))
	bias := YMM()
	VBROADCASTSS(ggc.Offset(gcBias(lq)), bias)
	for b := range g {
		idb := YMM()
		VBROADCASTSS(loc.Offset(64+4*b), idb)
		var mn reg.VecVirtual
		if lq.hasMin {
			mn = YMM()
			VBROADCASTSS(loc.Offset(32+4*b), mn)
		}
		legacyCodes(lq, Mem{Base: src, Disp: 128 * b}, Mem{Base: dst, Disp: lq.size * b}, idb, mn, bias, perm)
	}
}

// legacyGroupSearch writes the max (or min and max) elements of the 8
// blocks at src into the locals, as legacyBody's per-block search does,
// with the 8 blocks in the lanes of one vector (groupReduce, then VPERMPS
// by perm, whose dwords 0,4,1,5,2,6,3,7 are grpPos, to put block b in lane
// b):
//
//	Q4_0, Q5_0: with hi = max x and lo = min x, the first element of
//	            largest |x| is lo where -lo > hi, else hi, unless hi =
//	            -lo: then it is +0 if hi = 0 (ggml's start), else the
//	            first of ±hi, found in that block by firstOf (rare)
//	Q4_1, Q5_1: hi and lo are the values; only their sign is in doubt
//	            where they are ±0, and those blocks take the first zero by
//	            firstOf (rare)
func legacyGroupSearch(lq legacyQuant, src reg.Register, loc Mem, abs, perm reg.VecVirtual) {
	hi := groupReduce(src, func(m Mem) reg.VecVirtual { return blockOp(m, VMAXPS) }, VMAXPS)
	VPERMPS(hi, perm, hi)
	lo := groupReduce(src, func(m Mem) reg.VecVirtual { return blockOp(m, VMINPS) }, VMINPS)
	VPERMPS(lo, perm, lo)
	zero, odd := YMM(), YMM()
	VXORPS(zero, zero, zero)
	if !lq.hasMin {
		neg, gt, sel := YMM(), YMM(), YMM()
		VBROADCASTSS(ggc.Offset(gcSign), neg)
		VXORPS(lo, neg, neg)             // -lo
		VCMPPS(Imm(0x11), neg, hi, gt)   // hi < -lo (LT_OQ)
		VBLENDVPS(gt, lo, hi, sel)       // gt ? lo : hi
		VCMPPS(Imm(0x4), zero, sel, odd) // sel != 0 (NEQ_UQ)
		VANDPS(odd, sel, sel)            // else +0
		VMOVUPS(sel, loc)
		VCMPPS(Imm(0x0), neg, hi, neg) // hi = -lo (EQ_OQ)
		VANDPS(neg, odd, odd)          // a tie of ±hi, hi != 0
	} else {
		VMOVUPS(hi, loc)
		VMOVUPS(lo, loc.Offset(32))
		z := YMM()
		VCMPPS(Imm(0x0), zero, hi, odd) // hi = ±0
		VCMPPS(Imm(0x0), zero, lo, z)   // lo = ±0
		VORPS(z, odd, odd)
	}
	mask, b, blk := GP32(), GP64(), GP64()
	VMOVMSKPS(odd, mask)
	TESTL(mask, mask)
	JZ(LabelRef(lq.name + "_searched"))
	Label(lq.name + "_odd")
	BSFL(mask, b.As32())
	MOVQ(b, blk)
	SHLQ(U8(7), blk)
	ADDQ(src, blk) // the block of lane b
	x := loadBlock(Mem{Base: blk})
	if !lq.hasMin {
		for k := range x {
			VANDPS(abs, x[k], x[k])
		}
	}
	m := YMM()
	VBROADCASTSS(Mem{Base: loc.Base, Disp: loc.Disp, Index: b, Scale: 4}, m)
	VMOVSS(firstOf(x, m, Mem{Base: blk}), Mem{Base: loc.Base, Disp: loc.Disp, Index: b, Scale: 4})
	if lq.hasMin {
		VBROADCASTSS(Mem{Base: loc.Base, Disp: loc.Disp + 32, Index: b, Scale: 4}, m)
		VMOVSS(firstOf(x, m, Mem{Base: blk}), Mem{Base: loc.Base, Disp: loc.Disp + 32, Index: b, Scale: 4})
	}
	LEAL(Mem{Base: mask, Disp: -1}, b.As32())
	ANDL(b.As32(), mask) // clear the lowest set bit
	JNZ(LabelRef(lq.name + "_odd"))
	Label(lq.name + "_searched")
}

func loadBlock(m Mem) [4]reg.VecVirtual {
	var x [4]reg.VecVirtual
	for k := range x {
		x[k] = YMM()
		VMOVUPS(m.Offset(32*k), x[k])
	}
	return x
}

// firstOf returns (in an XMM) element i of the block at blk for the first
// i whose lane of key compares equal to m (in every lane): compare,
// VMOVMSKPS, BSF, load. m is one of the keys, so there is such an i.
func firstOf(key [4]reg.VecVirtual, m reg.VecVirtual, blk Mem) reg.VecVirtual {
	mask, t := GP32(), GP32()
	for k := range key {
		e := YMM()
		VCMPPS(Imm(0), m, key[k], e) // EQ_OQ
		if k == 0 {
			VMOVMSKPS(e, mask)
			continue
		}
		VMOVMSKPS(e, t)
		SHLL(U8(8*k), t)
		ORL(t, mask)
	}
	BSFL(mask, mask)
	v := XMM()
	blk.Index, blk.Scale = mask.As64(), 4
	VMOVSS(blk, v)
	return v
}

// legacyCodes writes the codes of the block at src into the block at blk.
func legacyCodes(lq legacyQuant, src, blk Mem, id, mn, bias, perm reg.VecVirtual) {
	var q [4]reg.VecVirtual
	for k := range q {
		v := YMM()
		if lq.hasMin {
			VMOVUPS(src.Offset(32*k), v)
			VSUBPS(mn, v, v) // x - min
			VMULPS(id, v, v)
		} else {
			VMULPS(src.Offset(32*k), id, v)
		}
		VADDPS(bias, v, v)
		q[k] = YMM()
		VCVTTPS2DQ(v, q[k])
	}
	VPACKUSDW(q[1], q[0], q[0])
	VPACKUSDW(q[3], q[2], q[2])
	VPACKUSWB(q[2], q[0], q[0])
	c := q[0]
	VPERMD(c, perm, c)
	if lq.clamp != 0 {
		VPMINUB(ggc.Offset(gcClamp(lq)), c, c)
	}
	qsOff := 2
	if lq.hasMin {
		qsOff = 4
	}
	if lq.fifth {
		t, bits := YMM(), GP32()
		VPSLLW(Imm(3), c, t)
		VPMOVMSKB(t, bits)
		MOVL(bits, blk.Offset(qsOff))
		qsOff += 4
		VPAND(ggc.Offset(gcNib32), c, c)
	}
	hiq := XMM()
	VEXTRACTI128(Imm(1), c, hiq)
	VPSLLW(Imm(4), hiq, hiq)
	VPOR(hiq, c.AsX(), hiq)
	VMOVDQU(hiq, blk.Offset(qsOff))
}

// hreduce returns op (VMAXPS or VMINPS) over the 32 lanes of v, in every
// lane (the input is finite: the order does not matter for the value).
func hreduce(v [4]reg.VecVirtual, op func(...Op)) reg.VecVirtual {
	a, b, t := YMM(), YMM(), YMM()
	op(v[1], v[0], a)
	op(v[3], v[2], b)
	op(b, a, a)
	VPERM2F128(Imm(1), a, a, t)
	op(t, a, a)
	VPERMILPS(Imm(0x4E), a, t)
	op(t, a, a)
	VPERMILPS(Imm(0xB1), a, t)
	op(t, a, a)
	return a
}

var legacyQuants = []legacyQuant{
	{name: "q4_0QuantAVX2", size: 18, div: 0xC1000000, bias: 0x41080000, clamp: 15},
	{name: "q4_1QuantAVX2", size: 20, hasMin: true, div: 0x41700000, bias: 0x3F000000, clamp: 15},
	{name: "q5_0QuantAVX2", size: 22, fifth: true, div: 0xC1800000, bias: 0x41840000, clamp: 31},
	{name: "q5_1QuantAVX2", size: 24, hasMin: true, fifth: true, div: 0x41F80000, bias: 0x3F000000},
}

// The per-type scalars sit at gcLegacy + 16·i: div, bias, then (at
// gcClampv + 32·i) 32 bytes of the clamp.
func legacyIndex(lq legacyQuant) int {
	for i, l := range legacyQuants {
		if l.name == lq.name {
			return i
		}
	}
	panic(lq.name)
}

func gcDiv(lq legacyQuant) int   { return gcLegacy + 16*legacyIndex(lq) }
func gcBias(lq legacyQuant) int  { return gcLegacy + 16*legacyIndex(lq) + 4 }
func gcClamp(lq legacyQuant) int { return gcClampv + 32*legacyIndex(lq) }

func legacyData() {
	for i, l := range legacyQuants {
		DATA(gcLegacy+16*i, U32(l.div))
		DATA(gcLegacy+16*i+4, U32(l.bias))
	}
	for i, l := range legacyQuants {
		for j := range 4 {
			DATA(gcClampv+32*i+8*j, U64(uint64(l.clamp)*0x0101010101010101))
		}
	}
	for j := range 4 {
		DATA(gcNib32+8*j, U64(0x0F0F0F0F0F0F0F0F))
	}
}

// kDequant: the Q4_K (144-byte blocks, 128 bytes of nibbles at 16) and,
// with fifth, Q5_K (176 bytes: 32 bytes qh at 16, nibbles at 48)
// super-blocks. First d·sc and dmin·m of the 8 sub-blocks, as
// subScales, into a local: with A = the dwords of scales[0..7] and B =
// those of scales[4..11] (get_scale_min_k4),
//
//	sc = A&63 (lanes 0-3), B&15 | (A>>6)<<4 of lanes 0-3 (lanes 4-7)
//	m  = B&63 (lanes 0-3), B>>4 | (A>>6)<<4 (lanes 4-7)
//
// then d·float(sc), dmin·float(m) (d first: x86 returns a NaN d, sc is
// never NaN). Sub-block 2j takes the low nibbles of bytes 32j..32j+31,
// 2j+1 their high nibbles; with fifth, bit 2j (2j+1) of qh[l] adds 16
// to element l of sub-block 2j (2j+1). y = (d·sc)·float(q) - dmin·m,
// the product first (its NaN before dmin·m's, as subx).
func kDequant(name string, fifth bool) {
	TEXT(name, NOSPLIT, "func(dst *float32, src *byte, nb int)")
	dm := AllocLocal(64)
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	n := Load(Param("nb"), GP64())
	size, qs := 144, 16
	if fifth {
		size, qs = 176, 48
	}
	nib := bcast(gcNib)
	var c10 reg.VecVirtual
	if fifth {
		c10 = bcast(gc10)
	}
	TESTQ(n, n)
	JZ(LabelRef("done"))
	Label("loop")
	{
		a, b, c63 := YMM(), YMM(), bcast(gc63)
		VPMOVZXBD(Mem{Base: src, Disp: 4}, a)
		VPMOVZXBD(Mem{Base: src, Disp: 8}, b)
		top, lo, hi, sc, m := YMM(), YMM(), YMM(), YMM(), YMM()
		VPSRLD(Imm(6), a, top)
		VPSLLD(Imm(4), top, top) // (A>>6)<<4
		VPAND(c63, a, lo)
		VPERM2I128(Imm(0x08), top, top, hi) // lanes 0-3 of top in lanes 4-7
		t := YMM()
		VPAND(nib, b, t)
		VPOR(t, hi, hi)
		VPBLENDD(Imm(0xF0), hi, lo, sc)
		VPAND(c63, b, lo)
		VPSRLD(Imm(4), b, hi)
		VPOR(top, hi, hi)
		VPBLENDD(Imm(0xF0), hi, lo, m)
		VCVTDQ2PS(sc, sc)
		VCVTDQ2PS(m, m)
		VMULPS(sc, halfScale(Mem{Base: src}), sc)        // d·float(sc)
		VMULPS(m, halfScale(Mem{Base: src, Disp: 2}), m) // dmin·float(m)
		VMOVUPS(sc, dm)
		VMOVUPS(m, dm.Offset(32))
	}
	for j := range 4 {
		var d, m [2]reg.VecVirtual
		for h := range 2 {
			d[h], m[h] = YMM(), YMM()
			VBROADCASTSS(dm.Offset(4*(2*j+h)), d[h])
			VBROADCASTSS(dm.Offset(4*(8+2*j+h)), m[h])
		}
		for k := range 4 {
			i := YMM()
			VPMOVZXBD(Mem{Base: src, Disp: qs + 32*j + 8*k}, i)
			var qh reg.VecVirtual
			if fifth {
				qh = YMM()
				VPMOVZXBD(Mem{Base: src, Disp: 16 + 8*k}, qh)
			}
			for h := range 2 {
				q := YMM()
				if h == 0 {
					VPAND(nib, i, q)
				} else {
					VPSRLD(Imm(4), i, q)
				}
				if fifth { // bit 2j+h of qh to bit 4
					b, t := 2*j+h, YMM()
					switch {
					case b < 4:
						VPSLLD(Imm(uint64(4-b)), qh, t)
					case b > 4:
						VPSRLD(Imm(uint64(b-4)), qh, t)
					default:
						VMOVDQA(qh, t)
					}
					VPAND(c10, t, t)
					VPOR(t, q, q)
				}
				VCVTDQ2PS(q, q)
				VMULPS(q, d[h], q) // (d·sc)·float(q)
				VSUBPS(m[h], q, q) // - dmin·m
				VMOVUPS(q, Mem{Base: dst, Disp: 4 * (64*j + 32*h + 8*k)})
			}
		}
	}
	ADDQ(U32(uint64(size)), src)
	ADDQ(U32(1024), dst)
	DECQ(n)
	JNZ(LabelRef("loop"))
	Label("done")
	VZEROUPPER()
	RET()
}

// q6KDequant: Q6_K super-blocks of 210 bytes (ql 128, qh 64, 16 int8
// scales at 192, fp16 d at 208): y = (d·float(sc))·float(q - 32), the
// scale product first (computed for the 16 sub-blocks of 16 elements in
// two vectors and kept in a local), as dequantize_row_q6_K. In each half
// n of 128 elements, with a = ql[64n+l], b = ql[64n+l+32], h =
// qh[32n+l] for l < 32, the codes of elements l, l+32, l+64, l+96 are
// a&15 | (h&3)<<4, b&15 | (h>>2&3)<<4, a>>4 | (h>>4&3)<<4, b>>4 |
// (h>>6&3)<<4, with the scales of sub-blocks 8n + l/16 + 0, 2, 4, 6.
func q6KDequant() {
	TEXT("q6_KDequantAVX2", NOSPLIT, "func(dst *float32, src *byte, nb int)")
	ds := AllocLocal(64)
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	n := Load(Param("nb"), GP64())
	nib, c30, c32 := bcast(gcNib), bcast(gc30), bcast(gc32)
	TESTQ(n, n)
	JZ(LabelRef("done"))
	Label("loop")
	d := halfScale(Mem{Base: src, Disp: 208})
	for h := range 2 {
		s := YMM()
		VPMOVSXBD(Mem{Base: src, Disp: 192 + 8*h}, s)
		VCVTDQ2PS(s, s)
		VMULPS(s, d, s) // d·float(sc)
		VMOVUPS(s, ds.Offset(32*h))
	}
	for half := range 2 {
		for k := range 4 {
			a, b, hb := YMM(), YMM(), YMM()
			VPMOVZXBD(Mem{Base: src, Disp: 64*half + 8*k}, a)
			VPMOVZXBD(Mem{Base: src, Disp: 64*half + 32 + 8*k}, b)
			VPMOVZXBD(Mem{Base: src, Disp: 128 + 32*half + 8*k}, hb)
			for e := range 4 {
				q, t := YMM(), YMM()
				lo := a
				if e%2 == 1 {
					lo = b
				}
				if e < 2 {
					VPAND(nib, lo, q)
				} else {
					VPSRLD(Imm(4), lo, q)
				}
				switch sh := 4 - 2*e; { // bits 2e, 2e+1 of h to bits 4, 5
				case sh > 0:
					VPSLLD(Imm(uint64(sh)), hb, t)
				case sh < 0:
					VPSRLD(Imm(uint64(-sh)), hb, t)
				default:
					VMOVDQA(hb, t)
				}
				VPAND(c30, t, t)
				VPOR(t, q, q)
				VPSUBD(c32, q, q)
				VCVTDQ2PS(q, q)
				sc := YMM()
				VBROADCASTSS(ds.Offset(4*(8*half+k/2+2*e)), sc)
				VMULPS(q, sc, q) // (d·sc)·float(q-32)
				VMOVUPS(q, Mem{Base: dst, Disp: 4 * (128*half + 32*e + 8*k)})
			}
		}
	}
	ADDQ(U32(210), src)
	ADDQ(U32(1024), dst)
	DECQ(n)
	JNZ(LabelRef("loop"))
	Label("done")
	VZEROUPPER()
	RET()
}
