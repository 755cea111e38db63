// Command asm generates kernel_amd64.s, the AVX2 kernels of package quant,
// with avo. Run it through go generate at the repository root.
//
// The Go declarations (with their doc comments) are in kernel_amd64.go;
// the functions here implement them with exactly the reference
// arithmetic: no FMA, float32 division or multiplication as the
// convention says, clamp in the float domain before VCVTPS2DQ.
//
// Operand order is Go's (and avo's): the Intel destination is last and the
// Intel first source is next to last. VMINPS/VMAXPS return the Intel
// second source (the first operand here) when either input is NaN.
package main

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

const (
	qblock   = 64 // elements per iteration of the quantize kernels
	block    = 32 // elements per iteration of the other elementwise and min/max kernels
	sumBlock = 16 // elements per iteration of the sum kernels (16 float64 lanes)
	fblock   = 32 // elements per iteration of the divider-free quantize kernels
)

func main() {
	if generateBlocked() || generateAVX512() || generateGGML() || generateKQuants() {
		return
	}
	Package("github.com/quantkernel/quant")
	ConstraintExpr("gc,!purego")

	perm := GLOBL("packPerm", RODATA|NOPTR)
	for i, v := range []uint32{0, 4, 1, 5, 2, 6, 3, 7} {
		DATA(4*i, U32(v))
	}
	for _, signed := range []bool{false, true} {
		for _, c := range []conv{seed, onnx, pytorch} {
			quantize(signed, c, false, perm)
			if c != seed {
				quantize(signed, c, true, perm)
			}
		}
		quantizeFast(signed, seed, false, perm)
		quantizeFast(signed, onnx, false, perm)
		quantizeFast(signed, onnx, true, perm)
	}
	dequantize(false)
	dequantize(true)
	minMax()
	absMax()
	for _, c := range []conv{seed, onnx, pytorch} {
		quantError(c)
	}
	squaredError()
	Generate()
}

type conv int

const (
	seed conv = iota
	onnx
	pytorch
)

func (c conv) String() string { return [...]string{"Seed", "ONNX", "PyTorch"}[c] }

// broadcastF loads a float32 parameter into all lanes of a new YMM.
func broadcastF(name string) reg.VecVirtual {
	y := YMM()
	VBROADCASTSS(paramAddr(name), y)
	return y
}

// paramAddr is the memory operand of a scalar parameter.
func paramAddr(name string) Mem {
	b, err := Param(name).Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}

// broadcastI loads an int32 parameter into all lanes of a new YMM.
func broadcastI(name string) reg.VecVirtual {
	y := YMM()
	VBROADCASTSS(paramAddr(name), y) // a 32-bit broadcast; asmdecl rejects VPBROADCASTD of a 4-byte argument
	return y
}

// store writes a block's vector v to m: an ordinary unaligned store, or a
// non-temporal one (m must then be 32-byte aligned).
type store func(v reg.VecVirtual, m Mem)

func plainStore(v reg.VecVirtual, m Mem)  { VMOVDQU(v, m) }
func streamStore(v reg.VecVirtual, m Mem) { VMOVNTDQ(v, m) }

// stream describes the optional non-temporal path of an elementwise
// kernel: flag is the kernel's stream parameter, dst the index in ptrs of
// the destination pointer.
type stream struct {
	flag string
	dst  int
}

// blockLoop emits the loop shared by the elementwise and min/max kernels.
// A block is handled in two stages: front (may be nil) starts the block at
// the pointers (loads and the division), back(st) finishes it, storing
// with st. The loop is software-pipelined: back of block i is followed by
// front of block i+1 in each iteration, so the quotients that back uses
// were started one iteration earlier and the long dependency chain behind
// each VDIVPS does not fill the schedulers. The pointers advance by block
// elements times their element sizes. n must be at least block; a final
// partial block is handled by moving the pointers back so that the last
// block ends at element n, re-doing some elements (harmless: blocks are
// independent and the inputs are not written).
//
// With a stream (the flag parameter true), the first block is done with
// ordinary stores, the pointers then advance by the 0..31 bytes that align
// the destination to 32 bytes, the aligned blocks are stored with
// VMOVNTDQ, an SFENCE follows, and the final partial block again uses
// ordinary stores.
func blockLoop(block int, n reg.Register, ptrs []reg.Register, sizes []int, sm *stream, step func(st store), front func(), back func(st store)) {
	if front == nil {
		front = func() {}
	}
	if sm != nil {
		f := GP8()
		Load(Param(sm.flag), f)
		TESTB(f, f)
		JNZ(LabelRef("stream"))
	}
	Label("first")
	front()
	Label("loop")
	SUBQ(U32(block), n) // n: elements after the current block
	CMPQ(n, U32(block))
	JB(LabelRef("last"))
	steady(block, ptrs, sizes, front, back, step, plainStore)
	JMP(LabelRef("loop"))
	Label("last")
	back(plainStore)
	advance(block, ptrs, sizes)
	Label("tail")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	// n in 1..block-1 elements remain: step back block-n elements.
	back2 := GP64()
	MOVQ(U32(block), back2)
	SUBQ(n, back2)
	for i, p := range ptrs {
		t := GP64()
		MOVQ(back2, t)
		if sizes[i] > 1 {
			SHLQ(U8(log2(sizes[i])), t)
		}
		SUBQ(t, p)
	}
	MOVQ(U32(block), n)
	JMP(LabelRef("first"))

	if sm != nil {
		Label("stream")
		front()
		back(plainStore)
		// e = ((-dst) & 31) / dstSize elements bring dst to a 32-byte boundary.
		dsz := sizes[sm.dst]
		e := GP64()
		MOVQ(ptrs[sm.dst], e)
		NEGQ(e)
		ANDQ(U8(31), e)
		if dsz > 1 {
			SHRQ(U8(log2(dsz)), e)
		}
		SUBQ(e, n)
		for i, p := range ptrs {
			t := GP64()
			MOVQ(e, t)
			if sizes[i] > 1 {
				SHLQ(U8(log2(sizes[i])), t)
			}
			ADDQ(t, p)
		}
		CMPQ(n, U32(block))
		JB(LabelRef("tail"))
		front()
		Label("ntloop")
		SUBQ(U32(block), n)
		CMPQ(n, U32(block))
		JB(LabelRef("ntlast"))
		steady(block, ptrs, sizes, front, back, step, streamStore)
		JMP(LabelRef("ntloop"))
		Label("ntlast")
		back(streamStore)
		advance(block, ptrs, sizes)
		SFENCE()
		JMP(LabelRef("tail"))
	}
	Label("done")
}

// steady emits the body of blockLoop's loops: back of the current block,
// the pointers advanced, front of the next; or, with step, step (which
// must do both, front reading one block past the pointers) and the
// advance.
func steady(block int, ptrs []reg.Register, sizes []int, front func(), back func(st store), step func(st store), st store) {
	if step != nil {
		step(st)
		advance(block, ptrs, sizes)
		return
	}
	back(st)
	advance(block, ptrs, sizes)
	front()
}

// advance moves the pointers past one block.
func advance(block int, ptrs []reg.Register, sizes []int) {
	for i, p := range ptrs {
		ADDQ(U32(block*sizes[i]), p)
	}
}

func log2(x int) int {
	n := 0
	for x > 1 {
		x >>= 1
		n++
	}
	return n
}

// quantize emits avx2Quantize{U8,I8}{Seed,ONNX,PyTorch}.
//
// With z16 (ONNX and PyTorch), the zero point is added after the first
// pack, to 16-bit lanes (VPADDW, half as many additions): the caller
// guarantees Lo-z and Hi-z fit int16 and passes z in both 16-bit halves
// of the z argument.
func quantize(signed bool, c conv, z16 bool, perm Mem) {
	typ := "U8"
	if signed {
		typ = "I8"
	}
	name := fmt.Sprintf("avx2Quantize%s%s", typ, c)
	if z16 {
		name += "Z16"
	}
	Implement(name)
	Attributes(NOSPLIT)
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	n := Load(Param("n"), GP64())
	k := broadcastF("k")
	var zf, z reg.VecVirtual
	if c == seed {
		zf = broadcastF("zf")
	} else {
		z = broadcastI("z")
	}
	lo := broadcastI("lo") // as int32, see back
	hi := broadcastF("hi")
	idx := YMM()
	VMOVDQU(perm, idx)

	var q [qblock / 8]reg.VecVirtual
	for j := range q {
		q[j] = YMM()
	}
	// load starts q[j] of the block off bytes past src: x / k or x * k,
	// NaN made +0 first.
	load := func(j, off int) {
		m := YMM()
		VMOVUPS(Mem{Base: src, Disp: off + 32*j}, q[j])
		VCMPPS(U8(7), q[j], q[j], m) // ordered: all ones unless x is NaN
		VANDPS(q[j], m, q[j])        // NaN -> +0
		if c == pytorch {
			VMULPS(k, q[j], q[j])
		} else {
			VDIVPS(k, q[j], q[j]) // x / k
		}
	}
	// finish turns q[g..g+3] into 32 bytes at dst+g*8.
	finish := func(g int, st store) {
		r := q[g : g+4]
		for _, v := range r {
			// The upper bound is clamped in float (+Inf and huge values
			// become hi); VCVTPS2DQ then rounds half to even, turning
			// anything below -2^31 into the integer indefinite -2^31, and the
			// lower bound is clamped in integers with VPMAXSD: the same
			// result as clamping both bounds in float, since the bounds are
			// integers above -2^31. This keeps one of the two clamps off
			// the floating-point pipes.
			if c == seed {
				VADDPS(zf, v, v)
			}
			VMINPS(hi, v, v)
			VCVTPS2DQ(v, v)
			VPMAXSD(lo, v, v)
			if c != seed && !z16 {
				VPADDD(z, v, v)
			}
		}
		// Values fit the output type, so the saturating packs are exact;
		// the packs work per 128-bit lane, VPERMD restores element order.
		VPACKSSDW(r[1], r[0], r[0])
		VPACKSSDW(r[3], r[2], r[2])
		if z16 {
			VPADDW(z, r[0], r[0])
			VPADDW(z, r[2], r[2])
		}
		if signed {
			VPACKSSWB(r[2], r[0], r[0])
		} else {
			VPACKUSWB(r[2], r[0], r[0])
		}
		VPERMD(r[0], idx, r[0])
		st(r[0], Mem{Base: dst, Disp: 8 * g})
	}
	front := func() {
		for j := range q {
			load(j, 0)
		}
	}
	back := func(st store) {
		for g := 0; g < len(q); g += 4 {
			finish(g, st)
		}
	}
	// step finishes the block at src group by group, each group's
	// registers then starting the next block: the divisions are spread
	// through the loop body, so one is always near the head of the
	// scheduler when the divider frees.
	step := func(st store) {
		for g := 0; g < len(q); g += 4 {
			finish(g, st)
			for j := g; j < g+4; j++ {
				load(j, 4*qblock)
			}
		}
	}
	blockLoop(qblock, n, []reg.Register{src, dst}, []int{4, 1}, &stream{"stream", 1}, step, front, back)
	VZEROUPPER()
	RET()
}

// dequantize emits avx2Dequantize{U8,I8}.
func dequantize(signed bool) {
	if signed {
		Implement("avx2DequantizeI8")
	} else {
		Implement("avx2DequantizeU8")
	}
	Attributes(NOSPLIT)
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	n := Load(Param("n"), GP64())
	s := broadcastF("s")
	z := broadcastI("z")
	blockLoop(block, n, []reg.Register{dst, src}, []int{4, 1}, &stream{"stream", 0}, nil, nil, func(st store) {
		for j := 0; j < block/8; j++ {
			v := YMM()
			if signed {
				VPMOVSXBD(Mem{Base: src, Disp: 8 * j}, v)
			} else {
				VPMOVZXBD(Mem{Base: src, Disp: 8 * j}, v)
			}
			VPSUBD(z, v, v)
			VCVTDQ2PS(v, v)
			VMULPS(s, v, v)
			st(v, Mem{Base: dst, Disp: 32 * j})
		}
	})
	VZEROUPPER()
	RET()
}

// minMax emits avx2MinMax: 4 independent min and max accumulators, and the
// OR of x-x (+0 iff x is finite).
func minMax() {
	Implement("avx2MinMax")
	Attributes(NOSPLIT)
	src := Load(Param("src"), GP64())
	n := Load(Param("n"), GP64())
	out := Load(Param("out"), GP64())
	var lo, hi [4]reg.VecVirtual
	t := GP32()
	MOVL(U32(0x7f800000), t) // +Inf
	inf := YMM()
	VMOVD(t, inf.AsX())
	VPBROADCASTD(inf.AsX(), inf)
	ninf := YMM()
	MOVL(U32(0xff800000), t) // -Inf
	VMOVD(t, ninf.AsX())
	VPBROADCASTD(ninf.AsX(), ninf)
	for j := range lo {
		lo[j], hi[j] = YMM(), YMM()
		VMOVAPS(inf, lo[j])
		VMOVAPS(ninf, hi[j])
	}
	bad := YMM()
	VXORPS(bad, bad, bad)
	blockLoop(block, n, []reg.Register{src}, []int{4}, nil, nil, nil, func(store) {
		var d [4]reg.VecVirtual
		for j := range lo {
			x := YMM()
			VMOVUPS(Mem{Base: src, Disp: 32 * j}, x)
			// Intel VMINPS lo, x, lo: x < lo ? x : lo, so lo when x is NaN.
			VMINPS(lo[j], x, lo[j])
			VMAXPS(hi[j], x, hi[j])
			d[j] = YMM()
			VSUBPS(x, x, d[j])
		}
		VORPS(d[1], d[0], d[0])
		VORPS(d[3], d[2], d[2])
		VORPS(d[2], d[0], d[0])
		VORPS(d[0], bad, bad)
	})
	// No accumulator holds NaN, so the order of these reductions does not
	// matter (up to the sign of zero, which the caller fixes).
	VMINPS(lo[1], lo[0], lo[0])
	VMINPS(lo[3], lo[2], lo[2])
	VMINPS(lo[2], lo[0], lo[0])
	VMAXPS(hi[1], hi[0], hi[0])
	VMAXPS(hi[3], hi[2], hi[2])
	VMAXPS(hi[2], hi[0], hi[0])
	VMOVUPS(lo[0], Mem{Base: out})
	VMOVUPS(hi[0], Mem{Base: out, Disp: 32})
	VMOVUPS(bad, Mem{Base: out, Disp: 64})
	VZEROUPPER()
	RET()
}

// absMax emits avx2AbsMax.
func absMax() {
	Implement("avx2AbsMax")
	Attributes(NOSPLIT)
	src := Load(Param("src"), GP64())
	n := Load(Param("n"), GP64())
	out := Load(Param("out"), GP64())
	t := GP32()
	MOVL(U32(0x7fffffff), t)
	mask := YMM()
	VMOVD(t, mask.AsX())
	VPBROADCASTD(mask.AsX(), mask)
	var m [4]reg.VecVirtual
	for j := range m {
		m[j] = YMM()
		VXORPS(m[j], m[j], m[j])
	}
	blockLoop(block, n, []reg.Register{src}, []int{4}, nil, nil, nil, func(store) {
		for j := range m {
			a := YMM()
			VANDPS(Mem{Base: src, Disp: 32 * j}, mask, a)
			// Intel VMAXPS m, a, m: a > m ? a : m, so m when a is NaN.
			VMAXPS(m[j], a, m[j])
		}
	})
	VMAXPS(m[1], m[0], m[0])
	VMAXPS(m[3], m[2], m[2])
	VMAXPS(m[2], m[0], m[0])
	VMOVUPS(m[0], Mem{Base: out})
	VZEROUPPER()
	RET()
}

// sumLoop emits a loop over n elements (a positive multiple of sumBlock,
// or zero) that adds 16 float64 terms per iteration into four YMM
// accumulators (lanes 0-3, 4-7, 8-11, 12-15) loaded from and stored back to
// lanes. terms(acc) must add the terms of the block at the pointers, in
// lane order, with one VADDPD per accumulator.
func sumLoop(n, lanes reg.Register, ptrs []reg.Register, terms func(acc [4]reg.VecVirtual)) {
	var acc [4]reg.VecVirtual
	for j := range acc {
		acc[j] = YMM()
		VMOVUPD(Mem{Base: lanes, Disp: 32 * j}, acc[j])
	}
	TESTQ(n, n)
	JZ(LabelRef("done"))
	Label("loop")
	terms(acc)
	for _, p := range ptrs {
		ADDQ(U32(4*sumBlock), p)
	}
	SUBQ(U32(sumBlock), n)
	JNZ(LabelRef("loop"))
	Label("done")
	for j := range acc {
		VMOVUPD(acc[j], Mem{Base: lanes, Disp: 32 * j})
	}
	VZEROUPPER()
	RET()
}

// addSquares adds (float64(x) - float64(y))^2 for the 8 float32 lanes of
// x and y to acc[0] (lanes 0-3) and acc[1] (lanes 4-7): VCVTPS2PD,
// VSUBPD, VMULPD, VADDPD, each rounded, no FMA.
func addSquares(x, y Op, acc0, acc1 reg.VecVirtual) {
	for h, acc := range []reg.VecVirtual{acc0, acc1} {
		xd, yd := YMM(), YMM()
		cvtHalf(x, h, xd)
		cvtHalf(y, h, yd)
		VSUBPD(yd, xd, xd)
		VMULPD(xd, xd, xd)
		VADDPD(xd, acc, acc)
	}
}

// cvtHalf converts float32 lanes 4h..4h+3 of v (a YMM or a 32-byte Mem)
// to float64 in d.
func cvtHalf(v Op, h int, d reg.VecVirtual) {
	switch v := v.(type) {
	case Mem:
		VCVTPS2PD(v.Offset(16*h), d)
	case reg.VecVirtual:
		if h == 0 {
			VCVTPS2PD(v.AsX(), d)
		} else {
			t := XMM()
			VEXTRACTF128(U8(1), v, t)
			VCVTPS2PD(t, d)
		}
	default:
		panic("cvtHalf: bad operand")
	}
}

// quantError emits avx2QuantErrorSeed, ONNX or PyTorch. The loop
// is software-pipelined in three stages, each on a different block: front
// (load, divide or multiply) on block i+2, mid (clamp, round, dequantize
// to y) on block i+1 and back (the float64 terms into the lane
// accumulators) on block i. Each stage uses registers its predecessor
// filled one iteration earlier, so no long dependency chain waits in the
// schedulers.
//
// NaN lanes are not zeroed: a NaN x makes d = x - y NaN whatever y is, and
// the sum is then NaN, as in the reference (the caller makes its payload
// canonical). On this CPU the float adds, compares, min/max, rounding and
// all conversions share two pipes; that is the bound of this loop, so it
// clamps the lower bound and subtracts z in integers (any pipe) and
// converts y to float64 from memory. (With -qe-exact-diff, a measurement
// only, the terms are exactDiffTerms'.)
func quantError(c conv) {
	Implement("avx2QuantError" + c.String())
	Attributes(NOSPLIT)
	src := Load(Param("src"), GP64())
	n := Load(Param("n"), GP64())
	lanes := Load(Param("lanes"), GP64())
	k := broadcastF("k")
	var zf, z reg.VecVirtual
	if c == seed {
		zf = broadcastF("zf")
		z = broadcastI("z")
	}
	lo := broadcastI("lo")
	hi := broadcastF("hi")
	s := broadcastF("s")
	var d, y [sumBlock / 8]reg.VecVirtual
	for j := range d {
		d[j], y[j] = YMM(), YMM()
	}
	yl := AllocLocal(32 * len(y)) // y of the block between mid and back
	var ed *exactDiffTerms
	if *qeExactDiff {
		ed = newExactDiffTerms(len(y))
	}
	// front: d = x / k (or x * k) for the block at src+off.
	front := func(off int) {
		for j := range d {
			x := Mem{Base: src, Disp: off + 32*j}
			if c == pytorch {
				VMULPS(x, k, d[j])
			} else {
				VMOVUPS(x, d[j])
				VDIVPS(k, d[j], d[j])
			}
		}
	}
	// mid: y = float32(q - z) * s, with q - z = max(cvtps2dq(min(d [+ zf],
	// hi)), lo) [- z] as in quantize (lo, hi = Lo-z, Hi-z for ONNX and
	// PyTorch, whose q - z needs no subtraction); x at src+off.
	mid := func(off int) {
		for j := range d {
			if c == seed {
				VADDPS(zf, d[j], y[j])
				VMINPS(hi, y[j], y[j])
			} else {
				VMINPS(hi, d[j], y[j])
			}
			VCVTPS2DQ(y[j], y[j])
			VPMAXSD(lo, y[j], y[j])
			if c == seed {
				VPSUBD(z, y[j], y[j]) // q - z, |q - z| < 2^24
			}
			VCVTDQ2PS(y[j], y[j]) // exact
			VMULPS(s, y[j], y[j]) // y = float32(q - z) * s
			// Stored, so that back converts y to float64 from memory like
			// x: VCVTPS2PD from a register needs a VEXTRACTF128 for the
			// upper half and costs more on the float-add pipes.
			VMOVUPS(y[j], yl.Offset(32*j))
			if ed != nil {
				ed.mid(j, Mem{Base: src, Disp: off + 32*j}, y[j])
			}
		}
		if ed != nil {
			ed.flag()
		}
	}
	// back: the terms (x - y)^2 of the block at src+off.
	back := func(acc [4]reg.VecVirtual, off int) {
		slow := func() {
			for j := range y {
				addSquares(Mem{Base: src, Disp: off + 32*j}, yl.Offset(32*j), acc[2*j], acc[2*j+1])
			}
		}
		if ed != nil {
			ed.back(acc, slow)
			return
		}
		slow()
	}
	const bs = 4 * sumBlock // bytes per block
	var acc [4]reg.VecVirtual
	for j := range acc {
		acc[j] = YMM()
		VMOVUPD(Mem{Base: lanes, Disp: 32 * j}, acc[j])
	}
	TESTQ(n, n)
	JZ(LabelRef("done"))
	front(0)
	mid(0)
	CMPQ(n, U32(sumBlock))
	JNE(LabelRef("two"))
	back(acc, 0)
	JMP(LabelRef("done"))
	Label("two")
	front(bs)
	// Here y holds block i (at src), d block i+1; n counts from block i.
	Label("loop")
	SUBQ(U32(sumBlock), n)
	CMPQ(n, U32(sumBlock))
	JE(LabelRef("last"))
	back(acc, 0)
	mid(bs)
	front(2 * bs)
	ADDQ(U32(bs), src)
	JMP(LabelRef("loop"))
	Label("last")
	back(acc, 0)
	mid(bs)
	back(acc, bs)
	Label("done")
	for j := range acc {
		VMOVUPD(acc[j], Mem{Base: lanes, Disp: 32 * j})
	}
	VZEROUPPER()
	RET()
	if ed != nil {
		ed.emitSlow()
	}
}

// squaredError emits avx2SquaredError.
func squaredError() {
	Implement("avx2SquaredError")
	Attributes(NOSPLIT)
	a := Load(Param("a"), GP64())
	b := Load(Param("b"), GP64())
	n := Load(Param("n"), GP64())
	lanes := Load(Param("lanes"), GP64())
	sumLoop(n, lanes, []reg.Register{a, b}, func(acc [4]reg.VecVirtual) {
		for j := 0; j < sumBlock/8; j++ {
			addSquares(Mem{Base: a, Disp: 32 * j}, Mem{Base: b, Disp: 32 * j}, acc[2*j], acc[2*j+1])
		}
	})
}

// exactQuotient replaces x (not NaN, already clamped, see quantizeFast)
// by RN(x/s) without the divider: q0 = RN(x*y), r = fma(-q0, s, x),
// q = fma(r, y, q0), y = RN(1/s) (Markstein's correction; the domain and
// the proof are in exactdiv.go). t is a scratch register. These two fused
// instructions are the only ones in the generated code (.ci/fma.txt).
func exactQuotient(x, t, y, s reg.VecVirtual) {
	VMULPS(y, x, t)       // q0 = RN(x*y)
	VFNMADD231PS(s, t, x) // x = RN(x - q0*s) = r, exact
	VFMADD231PS(y, x, t)  // t = RN(r*y + q0) = RN(x/s)
	VMOVAPS(t, x)
}

// quantizeFast emits avx2Quantize{U8,I8}{SeedFast,ONNXZ16Fast,ONNXFast}:
// the quantize kernels of the division conventions with the quotient
// computed by exactQuotient instead of VDIVPS. The caller checks
// exactDivScale(s). lo and hi carry Lo and Hi in each of their four bytes;
// c = s*2^25.
//
// SeedFast and ONNXZ16Fast (ONNX with z, Lo-z and Hi-z in int16, z in
// both 16-bit halves of the z argument) take x as it is, per 8 lanes:
//
//	Seed:  v = cvtps2dq(RN(x/s) + zf)      ONNX: v = cvtps2dq(RN(x/s))
//
// then VPACKSSDW saturates v to int16. A NaN x, a ±Inf x, a quotient that
// overflows and any v beyond int32 all give -2^31 and so -32768; every
// other lane is exact or saturated at +32767 (a value at least 32767,
// beyond Hi even after ONNX adds z). So a block of 32 whose words hold no
// -32768 (one VPCMPEQW per 16 lanes, VPTEST) is finished directly:
// ONNX adds z with VPADDSW, then VPACKSSWB or VPACKUSWB saturate to the
// output type and VPMAXSB/VPMINSB (VPMAXUB/VPMINUB) clamp the bytes to
// Lo..Hi (skipped when the full flag says Lo..Hi is the type's whole
// range). Saturation is monotone and the identity on Lo..Hi, so
// clamp(sat(v)) = clamp(v). A block with a -32768 word is done again by
// the careful path out of line (rare: NaN, Inf or a quotient at most
// -32768, far below every bound):
//
//	Seed:  x' = clamp(x AND cmpord(x, x), -c, c)     NaN -> +0, |v| <= 2^25 + 2^23
//	ONNX:  x' = clamp(x, -c, c), NaN kept (operand order); after cvtps2dq
//	       NaN lanes hold -2^31 and are zeroed (VPCMPEQD, VPANDN)
//
// then as above. ONNXFast (any z) is the careful ONNX path for every
// block, adding z in 32-bit lanes before the packs.
func quantizeFast(signed bool, c conv, z16 bool, perm Mem) {
	typ := "U8"
	if signed {
		typ = "I8"
	}
	name := fmt.Sprintf("avx2Quantize%s%s", typ, c)
	if z16 {
		name += "Z16"
	}
	name += "Fast"
	detect := c == seed || z16
	Implement(name)
	Attributes(NOSPLIT)
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	n := Load(Param("n"), GP64())
	y := broadcastF("y")
	s := broadcastF("s")
	cp := broadcastF("c")
	cn := YMM()
	VXORPS(cn, cn, cn)
	VSUBPS(cp, cn, cn) // -c
	var zf, z reg.VecVirtual
	if c == seed {
		zf = broadcastF("zf")
	} else {
		z = broadcastI("z")
	}
	lo := broadcastI("lo")
	hi := broadcastI("hi")
	full := Load(Param("full"), GP8()) // Lo..Hi is the output type's range: the packs clamp
	nclamp := 0
	nan32 := YMM() // -2^31 in every dword
	VPCMPEQD(nan32, nan32, nan32)
	VPSLLD(U8(31), nan32, nan32)
	nan16 := YMM() // -32768 in every word
	VPCMPEQD(nan16, nan16, nan16)
	VPSLLW(U8(15), nan16, nan16)
	idx := YMM()
	VMOVDQU(perm, idx)

	var q [fblock / 8]reg.VecVirtual
	for j := range q {
		q[j] = YMM()
	}
	// careful starts q[j] of the block off bytes past src on the careful
	// path, up to the integer conversion.
	careful := func(j, off int) {
		t := YMM()
		VMOVUPS(Mem{Base: src, Disp: off + 32*j}, q[j])
		if c == seed {
			VCMPPS(U8(7), q[j], q[j], t) // ordered: all ones unless x is NaN
			VANDPS(q[j], t, q[j])        // NaN -> +0
		}
		// Intel VMINPS q, c, q: c < q ? c : q, so q (NaN) when q is NaN;
		// likewise VMAXPS.
		VMINPS(q[j], cp, q[j])
		VMAXPS(q[j], cn, q[j])
		exactQuotient(q[j], t, y, s)
		if c == seed {
			VADDPS(zf, q[j], q[j])
		}
		VCVTPS2DQ(q[j], q[j])
		if c == onnx {
			VPCMPEQD(nan32, q[j], t)
			VPANDN(q[j], t, q[j]) // NaN -> 0
			if !z16 {
				VPADDD(z, q[j], q[j])
			}
		}
	}
	// load starts q[j] on the direct path: the quotient only.
	load := func(j, off int) {
		if !detect {
			careful(j, off)
			return
		}
		VMOVUPS(Mem{Base: src, Disp: off + 32*j}, q[j])
		exactQuotient(q[j], YMM(), y, s)
	}
	// pack turns the int32 lanes of q into 32 bytes in q[0] and stores
	// them at dst.
	pack := func(st store) {
		if z16 {
			VPADDSW(z, q[0], q[0])
			VPADDSW(z, q[2], q[2])
		}
		skip := fmt.Sprintf("noclamp%d", nclamp)
		nclamp++
		if signed {
			VPACKSSWB(q[2], q[0], q[0])
			TESTB(full, full)
			JNZ(LabelRef(skip))
			VPMAXSB(lo, q[0], q[0])
			VPMINSB(hi, q[0], q[0])
		} else {
			VPACKUSWB(q[2], q[0], q[0])
			TESTB(full, full)
			JNZ(LabelRef(skip))
			VPMAXUB(lo, q[0], q[0])
			VPMINUB(hi, q[0], q[0])
		}
		Label(skip)
		VPERMD(q[0], idx, q[0])
		st(q[0], Mem{Base: dst})
	}
	var slow []func()
	nslow := 0
	// finish completes the block at src (its quotients in q) and stores
	// it, then runs next (which may start the next block in q).
	finish := func(st store, next func()) {
		if !detect {
			VPACKSSDW(q[1], q[0], q[0])
			VPACKSSDW(q[3], q[2], q[2])
			pack(st)
			next()
			return
		}
		for _, v := range q {
			if c == seed {
				VADDPS(zf, v, v)
			}
			VCVTPS2DQ(v, v)
		}
		VPACKSSDW(q[1], q[0], q[0])
		VPACKSSDW(q[3], q[2], q[2])
		m, m2 := YMM(), YMM()
		VPCMPEQW(q[0], nan16, m)
		VPCMPEQW(q[2], nan16, m2)
		VPOR(m2, m, m)
		label := fmt.Sprintf("careful%d", nslow)
		back := fmt.Sprintf("resume%d", nslow)
		nslow++
		VPTEST(m, m)
		JNZ(LabelRef(label))
		pack(st)
		Label(back)
		next()
		slow = append(slow, func() {
			Label(label)
			for j := range q {
				careful(j, 0)
			}
			VPACKSSDW(q[1], q[0], q[0])
			VPACKSSDW(q[3], q[2], q[2])
			pack(st)
			JMP(LabelRef(back))
		})
	}
	front := func() {
		for j := range q {
			load(j, 0)
		}
	}
	back := func(st store) { finish(st, func() {}) }
	step := func(st store) {
		finish(st, func() {
			for j := range q {
				load(j, 4*fblock)
			}
		})
	}
	blockLoop(fblock, n, []reg.Register{src, dst}, []int{4, 1}, &stream{"stream", 1}, step, front, back)
	VZEROUPPER()
	RET()
	for _, f := range slow {
		f()
	}
}
