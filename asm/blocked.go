package main

// The blocked (per-block Params) kernels, generated into
// kernel_blocked_amd64.s by `go run . -blocked -out ../kernel_blocked_amd64.s`
// (the go:generate line is in kernel_blocked_amd64.go). Their Go
// declarations and wrappers are in kernel_blocked_amd64.go.
//
// Every kernel walks nblocks consecutive blocks of block elements (block
// even, at least 8), loading the block's Params (20 bytes: Scale, Zero,
// Lo, Hi int32, Convention uint8) from ps, ps+20, ... inside the loop, so
// the whole row or matrix is one call. A block is cut into groups of 32
// elements, then groups of 8, and a final partial group is done as the
// group of 8 ending at the end of the block: its first elements are
// recomputed with the same Params and rewritten with the same bits, and
// nothing outside the block is read or written. An even block starts on a
// byte boundary of the packed data, so groups of 8 elements are 4 whole
// bytes.

import (
	"flag"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

var blockedOut = flag.Bool("blocked", false, "generate the blocked kernels (kernel_blocked_amd64.s) instead of the per-tensor ones")

// generateBlocked generates the blocked kernels and reports true if the
// -blocked flag is set; main then returns.
func generateBlocked() bool {
	flag.Parse()
	if !*blockedOut {
		return false
	}
	Package("github.com/quantkernel/quant")
	ConstraintExpr("gc,!purego")

	perm := GLOBL("blkPerm", RODATA|NOPTR)
	for i, v := range []uint32{0, 4, 1, 5, 2, 6, 3, 7} {
		DATA(4*i, U32(v))
	}
	blkConst = GLOBL("blkConst", RODATA|NOPTR)
	DATA(0, U32(0x3f800000)) // 1.0
	for i := range 8 {
		DATA(32+4*i, U32(0x80008000)) // -32768 in every word
	}
	// nibShuf[m]: dword i gets byte 4m+i/2 of its 128-bit lane in its top
	// byte, zeros below (0x80 clears a byte in VPSHUFB).
	shuf := GLOBL("blkNibShuf", RODATA|NOPTR)
	for m := range 4 {
		for i := range 8 {
			b := uint32(4*m + i%4/2)
			if i >= 4 {
				b += 2
			}
			DATA(32*m+4*i, U32(0x808080|b<<24))
		}
	}
	for _, c := range []conv{seed, onnx, pytorch} {
		quantizeBlocksI4(c, perm)
	}
	dequantizeBlocksI4(false, shuf)
	dequantizeBlocksI4(true, shuf)
	for _, out := range []string{"I8", "U8"} {
		for _, c := range []conv{seed, onnx, pytorch} {
			quantizeBlocks(out, c, perm)
		}
		dequantizeBlocks8(out == "I8")
	}
	minMaxColumns()
	colIdx := GLOBL("blkColIdx", RODATA|NOPTR)
	for i := range 8 {
		DATA(4*i, U32(uint32(i*pSize)))
	}
	for _, out := range []string{"I8", "U8"} {
		for _, c := range []conv{seed, onnx, pytorch} {
			quantizeCols(out, c, colIdx)
		}
		dequantizeCols(out == "I8", colIdx)
		for _, c := range []conv{seed, onnx, pytorch} {
			quantizeColumns(out, c, perm)
		}
	}
	Generate()
	return true
}

// blkConst holds 1.0 at offset 0 and -32768 in all 16 words at offset 32.
var blkConst Mem

// Offsets of the Params fields (checked in kernel_blocked_amd64.go).
const (
	pScale = 0
	pZero  = 4
	pLo    = 8
	pHi    = 12
	pSize  = 20
)

// broadcastConst returns a YMM with the 32-bit value v in every lane.
func broadcastConst(v uint32) reg.VecVirtual {
	t := GP32()
	MOVL(U32(v), t)
	y := YMM()
	VMOVD(t, y.AsX())
	VPBROADCASTD(y.AsX(), y)
	return y
}

// blockGroups emits the walk over one block of e elements (e >= 8) at
// the pointers f (float32 elements) and b (bytes, or packed nibbles two
// per byte if nib, when e must be even): groups of 32 (g32), groups of 8
// (g8), and the group of 8 ending at the block's end for a remainder. The
// pointers end at the block's end; e is clobbered.
func blockGroups(e, f, b reg.Register, nib bool, g32, g8 func()) {
	blockGroupsP("", e, f, b, nib, g32, g8)
}

// blockGroupsP is blockGroups with its labels prefixed by prefix, so that
// one function can hold two walks.
func blockGroupsP(prefix string, e, f, b reg.Register, nib bool, g32, g8 func()) {
	L := func(s string) string { return prefix + s }
	adv := func(elems int) {
		ADDQ(U32(4*elems), f)
		if nib {
			ADDQ(U32(elems/2), b)
		} else {
			ADDQ(U32(elems), b)
		}
	}
	Label(L("g32"))
	CMPQ(e, U32(32))
	JB(LabelRef(L("g8")))
	g32()
	adv(32)
	SUBQ(U32(32), e)
	JMP(LabelRef(L("g32")))
	Label(L("g8"))
	CMPQ(e, U32(8))
	JB(LabelRef(L("rest")))
	g8()
	adv(8)
	SUBQ(U32(8), e)
	JMP(LabelRef(L("g8")))
	Label(L("rest"))
	TESTQ(e, e)
	JZ(LabelRef(L("next")))
	// Step back 8-e elements (even with nib: whole bytes).
	NEGQ(e)
	ADDQ(U32(8), e)
	t := GP64()
	MOVQ(e, t)
	SHLQ(U8(2), t)
	SUBQ(t, f)
	if nib {
		SHRQ(U8(1), e)
	}
	SUBQ(e, b)
	g8()
	adv(8)
	Label(L("next"))
}

// quantizeBlocksI4 emits avx2QuantizeBlocksI4{Seed,ONNX,PyTorch}: the
// arithmetic of quantize (main.go) with per-block constants, then the
// codes packed two per byte: VPACKSSDW, VPACKSSWB (exact: codes are in
// -8..15), VPERMD to element order, AND 0x0F, and VPMADDUBSW with the
// weights w (bytes 1, 16 for the low nibble first, 16, 1 for the high
// nibble first), which forms code[2k] * w0 + code[2k+1] * w1 <= 255 in
// word k; VPACKUSWB then gives the packed bytes.
//
// With out "I8" or "U8" it emits avx2QuantizeBlocks{I8,U8}{Seed,ONNX,PyTorch}
// instead: the same codes, stored as bytes (VPACKSSWB or VPACKUSWB).
func quantizeBlocksI4(c conv, perm Mem) { quantizeBlocks("I4", c, perm) }

func quantizeBlocks(out string, c conv, perm Mem) {
	Implement("avx2QuantizeBlocks" + out + c.String())
	Attributes(NOSPLIT)
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	block := Load(Param("block"), GP64())
	nb := Load(Param("nblocks"), GP64())
	ps := Load(Param("ps"), GP64())
	nib := out == "I4"
	var w, mask reg.VecVirtual
	if nib {
		w = broadcastI("w")
		mask = broadcastConst(0x0F0F0F0F)
	}
	packB := VPACKSSWB
	if out == "U8" {
		packB = VPACKUSWB
	}
	idx := YMM()
	VMOVDQU(perm, idx)
	var one reg.VecVirtual
	if c == pytorch {
		one = broadcastConst(0x3f800000) // 1.0
	}
	e := GP64()

	// divConsts are the block's constants of the division path (see
	// quantizeArgs in kernel_amd64.go); zz is zf (Seed) or z.
	type divConsts struct{ k, zz, lo, hi reg.VecVirtual }
	// k, if not nil, already holds s (Seed, ONNX).
	loadDiv := func(k reg.VecVirtual) divConsts {
		d := divConsts{k, YMM(), YMM(), YMM()}
		if k == nil {
			d.k = YMM()
			VBROADCASTSS(Mem{Base: ps, Disp: pScale}, d.k)
		}
		if c == pytorch {
			VDIVPS(d.k, one, d.k) // float32(1/s), correctly rounded as in Go
		}
		VPBROADCASTD(Mem{Base: ps, Disp: pZero}, d.zz)
		VPBROADCASTD(Mem{Base: ps, Disp: pLo}, d.lo)
		VPBROADCASTD(Mem{Base: ps, Disp: pHi}, d.hi)
		if c == seed {
			VCVTDQ2PS(d.zz, d.zz) // float32(z), exact
		} else {
			VPSUBD(d.zz, d.lo, d.lo) // Lo - z
			VPSUBD(d.zz, d.hi, d.hi) // Hi - z
		}
		VCVTDQ2PS(d.hi, d.hi) // exact: |Hi - z| < 2^24
		return d
	}
	// quant8 quantizes the 8 elements at src+off into q (int32 codes).
	quant8 := func(d divConsts, off int, q reg.VecVirtual) {
		m := YMM()
		VMOVUPS(Mem{Base: src, Disp: off}, q)
		VCMPPS(U8(7), q, q, m) // ordered: all ones unless x is NaN
		VANDPS(q, m, q)        // NaN -> +0
		if c == pytorch {
			VMULPS(d.k, q, q)
		} else {
			VDIVPS(d.k, q, q)
		}
		if c == seed {
			VADDPS(d.zz, q, q)
		}
		VMINPS(d.hi, q, q)
		VCVTPS2DQ(q, q)
		VPMAXSD(d.lo, q, q)
		if c != seed {
			VPADDD(d.zz, q, q)
		}
	}
	// store32 stores the 32 codes of q (bytes in element order).
	store32 := func(q reg.VecVirtual) {
		if !nib {
			VMOVDQU(q, Mem{Base: dst})
			return
		}
		VPAND(mask, q, q)
		VPMADDUBSW(w, q, q) // words: packed bytes 0-7 | 8-15
		h := XMM()
		VEXTRACTI128(U8(1), q, h)
		VPACKUSWB(h, q.AsX(), q.AsX())
		VMOVDQU(q.AsX(), Mem{Base: dst})
	}
	// div32 quantizes the 32 elements at src into q[0] (bytes, before VPERMD).
	div32 := func(d divConsts, q [4]reg.VecVirtual) {
		for j := range q {
			quant8(d, 32*j, q[j])
		}
		VPACKSSDW(q[1], q[0], q[0])
		VPACKSSDW(q[3], q[2], q[2])
		packB(q[2], q[0], q[0])
	}
	g8 := func(d divConsts) {
		q := YMM()
		quant8(d, 0, q)
		h := XMM()
		VEXTRACTI128(U8(1), q, h)
		x := q.AsX()
		VPACKSSDW(h, x, x) // words 0-7 in order
		packB(x, x, x)
		if !nib {
			VMOVQ(x, Mem{Base: dst})
			return
		}
		VPAND(mask.AsX(), x, x)
		VPMADDUBSW(w.AsX(), x, x)
		VPACKUSWB(x, x, x)
		VMOVD(x, Mem{Base: dst})
	}

	var slow func()
	Label("block")
	if c != pytorch {
		// Blocks whose scale lies in exactDivScale (2^-100 <= s <= 2^100,
		// bits 0x0D800000..0x71800000) and, for ONNX, whose z, Lo-z and
		// Hi-z fit int16 take the divider-free path (quantizeFast in main.go):
		// groups of 32 with y = RN(1/s) computed once per block, every
		// group of 8 and any group of 32 holding a NaN, ±Inf or a quotient
		// that packs to -32768 by the division path.
		t := GP32()
		MOVL(Mem{Base: ps, Disp: pScale}, t)
		SUBL(U32(0x0D800000), t)
		CMPL(t, U32(0x64000000))
		JA(LabelRef("divblock"))
		if c == onnx {
			a := GP32()
			MOVL(Mem{Base: ps, Disp: pLo}, a)
			SUBL(Mem{Base: ps, Disp: pZero}, a)
			CMPL(a, I32(-32768))
			JL(LabelRef("divblock"))
			MOVL(Mem{Base: ps, Disp: pHi}, a)
			SUBL(Mem{Base: ps, Disp: pZero}, a)
			CMPL(a, I32(32767))
			JG(LabelRef("divblock"))
			MOVL(Mem{Base: ps, Disp: pZero}, a) // z itself (VPADDSW)
			CMPL(a, I32(-32768))
			JL(LabelRef("divblock"))
			CMPL(a, I32(32767))
			JG(LabelRef("divblock"))
		}
		sc, y, zz, lo8, hi8 := YMM(), YMM(), YMM(), YMM(), YMM()
		VBROADCASTSS(Mem{Base: ps, Disp: pScale}, sc)
		VBROADCASTSS(blkConst, y)
		VDIVPS(sc, y, y) // y = RN(1/s)
		if c == seed {
			VPBROADCASTD(Mem{Base: ps, Disp: pZero}, zz)
			VCVTDQ2PS(zz, zz) // float32(z), exact
		} else {
			VPBROADCASTW(Mem{Base: ps, Disp: pZero}, zz) // z in 16-bit lanes
		}
		VPBROADCASTB(Mem{Base: ps, Disp: pLo}, lo8)
		VPBROADCASTB(Mem{Base: ps, Disp: pHi}, hi8)
		var q [4]reg.VecVirtual
		for j := range q {
			q[j] = YMM()
		}
		fast32 := func() {
			for j := range q {
				VMOVUPS(Mem{Base: src, Disp: 32 * j}, q[j])
				exactQuotient(q[j], YMM(), y, sc)
				if c == seed {
					VADDPS(zz, q[j], q[j])
				}
				VCVTPS2DQ(q[j], q[j])
			}
			VPACKSSDW(q[1], q[0], q[0])
			VPACKSSDW(q[3], q[2], q[2])
			m, m2 := YMM(), YMM()
			VPCMPEQW(blkConst.Offset(32), q[0], m)
			VPCMPEQW(blkConst.Offset(32), q[2], m2)
			VPOR(m2, m, m)
			VPTEST(m, m)
			JNZ(LabelRef("slow32"))
			if c == onnx {
				VPADDSW(zz, q[0], q[0])
				VPADDSW(zz, q[2], q[2])
			}
			packB(q[2], q[0], q[0])
			if out == "U8" {
				VPMAXUB(lo8, q[0], q[0])
				VPMINUB(hi8, q[0], q[0])
			} else {
				VPMAXSB(lo8, q[0], q[0])
				VPMINSB(hi8, q[0], q[0])
			}
			Label("perm32")
			VPERMD(q[0], idx, q[0])
			store32(q[0])
		}
		slow = func() {
			Label("slow32")
			div32(loadDiv(sc), q)
			JMP(LabelRef("perm32"))
		}
		MOVQ(block, e)
		blockGroupsP("f", e, src, dst, nib, fast32, func() { g8(loadDiv(sc)) })
		JMP(LabelRef("nextblock"))
		Label("divblock")
	}
	d := loadDiv(nil)
	MOVQ(block, e)
	blockGroups(e, src, dst, nib, func() {
		var q [4]reg.VecVirtual
		for j := range q {
			q[j] = YMM()
		}
		div32(d, q)
		VPERMD(q[0], idx, q[0])
		store32(q[0])
	}, func() { g8(d) })
	Label("nextblock")
	ADDQ(U32(pSize), ps)
	DECQ(nb)
	JNZ(LabelRef("block"))
	VZEROUPPER()
	RET()
	if slow != nil {
		slow()
	}
}

// dequantizeBlocksI4 emits avx2DequantizeBlocksI4{U,S}: per group of 8
// values (4 bytes), VPSHUFB puts byte i/2 at the top of dword i, VPSLLVD
// by sh[i] (4 for the nibble in the low half of its byte, 0 for the high
// half) brings nibble i to bits 28-31, and VPSRAD (signed) or VPSRLD 28
// extends it; then float32(q - z) * s as in dequantize (main.go).
func dequantizeBlocksI4(signed bool, shuf Mem) {
	name := "avx2DequantizeBlocksI4U"
	if signed {
		name = "avx2DequantizeBlocksI4S"
	}
	Implement(name)
	Attributes(NOSPLIT)
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	block := Load(Param("block"), GP64())
	nb := Load(Param("nblocks"), GP64())
	ps := Load(Param("ps"), GP64())
	shp := Load(Param("sh"), GP64())
	sh := YMM()
	VMOVDQU(Mem{Base: shp}, sh)
	s, z := YMM(), YMM()
	e := GP64()

	// dq converts the dword-spread bytes in v to 8 floats at dst+off.
	dq := func(v reg.VecVirtual, off int) {
		VPSLLVD(sh, v, v)
		if signed {
			VPSRAD(U8(28), v, v)
		} else {
			VPSRLD(U8(28), v, v)
		}
		VPSUBD(z, v, v)
		VCVTDQ2PS(v, v)
		VMULPS(s, v, v)
		VMOVUPS(v, Mem{Base: dst, Disp: off})
	}
	g32 := func() {
		b := YMM()
		VBROADCASTI128(Mem{Base: src}, b) // 16 bytes in both lanes
		for m := range 4 {
			v := YMM()
			VPSHUFB(shuf.Offset(32*m), b, v)
			dq(v, 32*m)
		}
	}
	g8 := func() {
		v := YMM()
		VPBROADCASTD(Mem{Base: src}, v) // 4 bytes in every dword
		VPSHUFB(shuf, v, v)
		dq(v, 0)
	}
	Label("block")
	VBROADCASTSS(Mem{Base: ps, Disp: pScale}, s)
	VPBROADCASTD(Mem{Base: ps, Disp: pZero}, z)
	MOVQ(block, e)
	blockGroups(e, dst, src, true, g32, g8)
	ADDQ(U32(pSize), ps)
	DECQ(nb)
	JNZ(LabelRef("block"))
	VZEROUPPER()
	RET()
}

// dequantizeBlocks8 emits avx2DequantizeBlocks{I8,U8}: dequantize
// (main.go) with per-block s and z.
func dequantizeBlocks8(signed bool) {
	name := "avx2DequantizeBlocksU8"
	if signed {
		name = "avx2DequantizeBlocksI8"
	}
	Implement(name)
	Attributes(NOSPLIT)
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	block := Load(Param("block"), GP64())
	nb := Load(Param("nblocks"), GP64())
	ps := Load(Param("ps"), GP64())
	s, z := YMM(), YMM()
	e := GP64()
	dq := func(j int) {
		v := YMM()
		if signed {
			VPMOVSXBD(Mem{Base: src, Disp: 8 * j}, v)
		} else {
			VPMOVZXBD(Mem{Base: src, Disp: 8 * j}, v)
		}
		VPSUBD(z, v, v)
		VCVTDQ2PS(v, v)
		VMULPS(s, v, v)
		VMOVUPS(v, Mem{Base: dst, Disp: 32 * j})
	}
	g32 := func() {
		for j := range 4 {
			dq(j)
		}
	}
	g8 := func() { dq(0) }
	Label("block")
	VBROADCASTSS(Mem{Base: ps, Disp: pScale}, s)
	VPBROADCASTD(Mem{Base: ps, Disp: pZero}, z)
	MOVQ(block, e)
	blockGroups(e, dst, src, false, g32, g8)
	ADDQ(U32(pSize), ps)
	DECQ(nb)
	JNZ(LabelRef("block"))
	VZEROUPPER()
	RET()
}

// minMaxColumns emits avx2MinMaxColumns: lo = VMINPS with the accumulator
// as the Intel second source (x < lo ? x : lo, so lo when x is NaN or
// both are zeros), hi likewise with VMAXPS, and the OR of x-x (+0 iff x is
// finite). A final partial group is redone as the group of 8 ending at n:
// min and max with the same x again change nothing.
func minMaxColumns() {
	Implement("avx2MinMaxColumns")
	Attributes(NOSPLIT)
	lo := Load(Param("lo"), GP64())
	hi := Load(Param("hi"), GP64())
	row := Load(Param("row"), GP64())
	n := Load(Param("n"), GP64())
	bad := YMM()
	VXORPS(bad, bad, bad)
	group := func(off int) {
		x, a, d := YMM(), YMM(), YMM()
		VMOVUPS(Mem{Base: row, Disp: off}, x)
		VMOVUPS(Mem{Base: lo, Disp: off}, a)
		VMINPS(a, x, a)
		VMOVUPS(a, Mem{Base: lo, Disp: off})
		VMOVUPS(Mem{Base: hi, Disp: off}, a)
		VMAXPS(a, x, a)
		VMOVUPS(a, Mem{Base: hi, Disp: off})
		VSUBPS(x, x, d)
		VORPS(d, bad, bad)
	}
	adv := func(b int) {
		for _, p := range []reg.Register{lo, hi, row} {
			ADDQ(U32(b), p)
		}
	}
	Label("g32")
	CMPQ(n, U32(32))
	JB(LabelRef("g8"))
	for j := range 4 {
		group(32 * j)
	}
	adv(128)
	SUBQ(U32(32), n)
	JMP(LabelRef("g32"))
	Label("g8")
	CMPQ(n, U32(8))
	JB(LabelRef("rest"))
	group(0)
	adv(32)
	SUBQ(U32(8), n)
	JMP(LabelRef("g8"))
	Label("rest")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	NEGQ(n)
	ADDQ(U32(8), n)
	SHLQ(U8(2), n)
	for _, p := range []reg.Register{lo, hi, row} {
		SUBQ(n, p)
	}
	group(0)
	Label("done")
	f := GP8()
	VPTEST(bad, bad)
	SETEQ(f)
	Store(f, ReturnIndex(0))
	VZEROUPPER()
	RET()
}

// colsLoop emits the loop of the per-column kernels (block 1: element i
// uses ps[i]): groups of 8 elements at the pointers f (float32), b (bytes)
// and ps (Params, pSize bytes each), with the group of 8 ending at n for
// a remainder (recomputed elements get the same Params again). n >= 8.
func colsLoop(n, f, b, ps reg.Register, g8 func()) {
	Label("loop")
	g8()
	ADDQ(U32(32), f)
	ADDQ(U32(8), b)
	ADDQ(U32(8*pSize), ps)
	SUBQ(U32(8), n)
	CMPQ(n, U32(8))
	JAE(LabelRef("loop"))
	TESTQ(n, n)
	JZ(LabelRef("done"))
	// Step back 8-n elements.
	NEGQ(n)
	ADDQ(U32(8), n)
	SUBQ(n, b)
	t := GP64()
	MOVQ(n, t)
	SHLQ(U8(2), t) // 4(8-n): float32 bytes
	SUBQ(t, f)
	t2 := GP64()
	LEAQ(Mem{Base: t, Index: t, Scale: 4}, t2) // 20(8-n): Params bytes
	SUBQ(t2, ps)
	MOVQ(U32(8), n)
	JMP(LabelRef("loop"))
	Label("done")
}

// gatherParam gathers the 32-bit Params field at off of the 8 Params at
// ps (byte offsets idx) into a new YMM. The mask, the index and the
// destination of VPGATHERDD must be distinct registers: idx stays live
// across the loop, and the mask is an output of the instruction.
func gatherParam(ps reg.Register, idx reg.VecVirtual, off int) reg.VecVirtual {
	m, d := YMM(), YMM()
	VPCMPEQD(m, m, m)
	VPXOR(d, d, d)
	VPGATHERDD(m, Mem{Base: ps, Index: idx, Scale: 1, Disp: off}, d)
	return d
}

// quantizeCols emits avx2QuantizeCols{I8,U8}{Seed,ONNX,PyTorch}: the
// arithmetic of quantizeBlocks with each element's own Params, gathered
// with VPGATHERDD.
func quantizeCols(out string, c conv, colIdx Mem) {
	Implement("avx2QuantizeCols" + out + c.String())
	Attributes(NOSPLIT)
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	n := Load(Param("n"), GP64())
	ps := Load(Param("ps"), GP64())
	idx := YMM()
	VMOVDQU(colIdx, idx)
	var one reg.VecVirtual
	if c == pytorch {
		one = broadcastConst(0x3f800000)
	}
	colsLoop(n, src, dst, ps, func() {
		k := gatherParam(ps, idx, pScale)
		zz := gatherParam(ps, idx, pZero)
		lo := gatherParam(ps, idx, pLo)
		hi := gatherParam(ps, idx, pHi)
		if c == pytorch {
			VDIVPS(k, one, k)
		}
		if c == seed {
			VCVTDQ2PS(zz, zz)
		} else {
			VPSUBD(zz, lo, lo)
			VPSUBD(zz, hi, hi)
		}
		VCVTDQ2PS(hi, hi)
		q, m := YMM(), YMM()
		VMOVUPS(Mem{Base: src}, q)
		VCMPPS(U8(7), q, q, m)
		VANDPS(q, m, q)
		if c == pytorch {
			VMULPS(k, q, q)
		} else {
			VDIVPS(k, q, q)
		}
		if c == seed {
			VADDPS(zz, q, q)
		}
		VMINPS(hi, q, q)
		VCVTPS2DQ(q, q)
		VPMAXSD(lo, q, q)
		if c != seed {
			VPADDD(zz, q, q)
		}
		h := XMM()
		VEXTRACTI128(U8(1), q, h)
		x := q.AsX()
		VPACKSSDW(h, x, x)
		if out == "U8" {
			VPACKUSWB(x, x, x)
		} else {
			VPACKSSWB(x, x, x)
		}
		VMOVQ(x, Mem{Base: dst})
	})
	VZEROUPPER()
	RET()
}

// dequantizeCols emits avx2DequantizeCols{I8,U8}: float32(q - z) * s with
// each element's s and z gathered.
func dequantizeCols(signed bool, colIdx Mem) {
	name := "avx2DequantizeColsU8"
	if signed {
		name = "avx2DequantizeColsI8"
	}
	Implement(name)
	Attributes(NOSPLIT)
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	n := Load(Param("n"), GP64())
	ps := Load(Param("ps"), GP64())
	idx := YMM()
	VMOVDQU(colIdx, idx)
	colsLoop(n, dst, src, ps, func() {
		s := gatherParam(ps, idx, pScale)
		z := gatherParam(ps, idx, pZero)
		v := YMM()
		if signed {
			VPMOVSXBD(Mem{Base: src}, v)
		} else {
			VPMOVZXBD(Mem{Base: src}, v)
		}
		VPSUBD(z, v, v)
		VCVTDQ2PS(v, v)
		VMULPS(s, v, v)
		VMOVUPS(v, Mem{Base: dst})
	})
	VZEROUPPER()
	RET()
}
