package main

// The AVX2 searches of ggml's k-quants, generated into
// ggml/kquants_amd64.s by `go run . -kquants -out ../ggml/kquants_amd64.s`
// (the go:generate line and the Go declarations with their contracts are
// in ggml/kquants_amd64.go).
//
// ggml's make_qkx2_quants and make_qx_quants fit one sub-block with
// sequential float32 sums; the sub-blocks of a super-block are
// independent. These kernels run 8 sub-blocks at once, lane j doing
// exactly sub-block j's scalar computation: the input is transposed (the
// 8-float vector i holds element i of each sub-block, gathered with
// VGATHERDPS into a local copy), every sum is a
// VADDPS into a per-lane accumulator in the reference's order, every
// product a VMULPS (no FMA), every division a VDIVPS, and each branch of
// the reference a per-lane mask. nearest_int is computed as ggml writes
// it: the bits of x + 12582912.0f, AND 0x007FFFFF, minus 0x00400000
// (VADDPS, VPAND, VPSUBD), for every input. Comparisons are the ordered,
// quiet predicates, false for NaN as C's are.

import (
	"flag"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

var kquantsOut = flag.Bool("kquants", false, "generate the k-quant searches of package ggml (ggml/kquants_amd64.s)")

// Offsets in kqConst: 8-lane vectors.
const (
	kqMagic = 0   // 12582912.0f, 1.5·2^23
	kqMant  = 32  // 0x007FFFFF
	kqHalf  = 64  // 0x00400000
	kqAbs   = 96  // 0x7FFFFFFF
	kqSign  = 128 // 0x80000000
	kqOne   = 160 // 1.0f
	kq32    = 192 // 32.0f
	kqEps   = 224 // GROUP_MAX_EPS, 1e-15f
	kqM32f  = 256 // -32.0f
	kqM32i  = 288 // int32 -32
	kq31i   = 320 // int32 31
	kqIdx32 = 352 // int32 0, 32, ..., 224: element 0 of each 32-element sub-block
	kqIdx16 = 384 // int32 0, 16, ..., 112: element 0 of each 16-element sub-block
	kqLen   = 416
)

// Predicates of VCMPPS.
const (
	cmpLT  = 0x11 // LT_OQ
	cmpNEQ = 0x04 // NEQ_UQ: true for NaN, as C's !=
)

var kqc Mem

// generateKQuants generates the k-quant kernels and reports true if the
// -kquants flag is set; main then returns.
func generateKQuants() bool {
	if !*kquantsOut {
		return false
	}
	Package("github.com/quantkernel/quant/ggml")
	ConstraintExpr("gc,!purego")
	kqc = GLOBL("kqConst", RODATA|NOPTR)
	for i, v := range []uint32{0x4B400000, 0x007FFFFF, 0x00400000, 0x7FFFFFFF, 0x80000000, 0x3F800000, 0x42000000, 0x26901D7D, 0xC2000000, 0xFFFFFFE0, 31} {
		for l := range 8 {
			DATA(32*i+4*l, U32(v))
		}
	}
	for l := range 8 {
		DATA(kqIdx32+4*l, U32(uint32(32*l)))
	}
	for l := range 8 {
		DATA(kqIdx16+4*l, U32(uint32(16*l)))
	}
	_ = kqLen
	qkx2Kernel()
	qxKernel()
	Generate()
	return true
}

// gather fills the n vectors X(i) with element i of the 8 sub-blocks at
// x (stride floats apart): VGATHERDPS with the index vector at idx.
func gather(x reg.Register, idx Mem, n int, X func(int) Mem) {
	ix := YMM()
	VMOVDQU(idx, ix)
	for i := range n {
		m, v := YMM(), YMM()
		VPCMPEQD(m, m, m)
		VXORPS(v, v, v)
		VGATHERDPS(m, Mem{Base: x, Index: ix, Scale: 4, Disp: 4 * i}, v)
		VMOVUPS(v, X(i))
	}
}

// code returns a new vector of the float lanes max(lo, min(hi,
// nearest_int(iscale·(x - mn)))), or of iscale·x when mn is nil.
func code(x Mem, mn, iscale reg.VecVirtual, lo, hi Op) reg.VecVirtual {
	v := YMM()
	if mn == nil {
		VMULPS(x, iscale, v)
	} else {
		VMOVUPS(x, v)
		VSUBPS(mn, v, v)
		VMULPS(iscale, v, v)
	}
	nearestClamp(v, lo, hi)
	VCVTDQ2PS(v, v)
	return v
}

// nearestClamp returns the int32 lanes max(lo, min(hi, nearest_int(v)))
// in v's register (v is overwritten).
func nearestClamp(v reg.VecVirtual, lo, hi Op) {
	VADDPS(kqc.Offset(kqMagic), v, v)
	VPAND(kqc.Offset(kqMant), v, v)
	VPSUBD(kqc.Offset(kqHalf), v, v)
	VPMINSD(hi, v, v)
	VPMAXSD(lo, v, v)
}

// qkx2Kernel emits qkx2AVX2: make_qkx2_quants (use_mad = false) of 8
// sub-blocks of 32, with the weights of quantize_row_q4_K_ref /
// q5_K_ref: w = sqrt(Σx²/32) + |x|.
//
// Lane j: min = max = x0, sumW = w0, sumX = w0·x0; for i >= 1 min =
// x < min ? x : min (VMINPS), max likewise, sumW += w, sumX += w·x; min =
// 0 < min ? 0 : min. Then iscale = num[0]/(max-min), scale = 1/iscale, L = clamp(nearest(iscale·
// (x-min)), 0, nmax), best = Σ w·((scale·L + min) - x)², and for each
// k >= 1: iscale = num[k]/(max-min) with the current min; Laux as L;
// sumL += w·l, sumL2 += (w·l)·l, sumXL += (w·l)·x; D = sumW·sumL2 -
// sumL·sumL; if 0 < D: scale' = (sumW·sumXL - sumX·sumL)/D, min' =
// (sumL2·sumX - sumL·sumXL)/D, and if 0 < min' then min' = 0, scale' =
// sumXL/sumL2; err = Σ w·((scale'·Laux + min') - x)²; if err < best, the
// lane takes L = Laux, best, scale and min. No branch: the lanes blend
// best, scale, min and the (iscale, min) that gave the best L, and L is
// computed from those once at the end (the same operations as Laux).
//
// ggml returns scale 0, -min and L = 0 at once when max == min; such a
// lane gets the same here with no mask: its x - min are all ±0 and
// iscale = num/(±0) is ±Inf (the numerators are positive), so every
// iscale·(x - min) is the default NaN 0xFFC00000, whose nearest_int bit
// formula gives 0: L = 0, scale = 1/Inf = +0, and in each step sumL =
// sumL2 = 0, so D = 0 (or NaN) and the lane never takes a step's values.
func qkx2Kernel() {
	TEXT("qkx2AVX2", 0, "func(x *[256]float32, lt *[256]float32, res *[16]float32, num *float32, nn int, nmax int32)")
	loc := AllocLocal(3*1024 + 96) // w[32], Laux[32], x transposed[32], max, sumW, sumX
	mxM, sumWM, sumXM := loc.Offset(3072), loc.Offset(3072+32), loc.Offset(3072+64)
	W := func(i int) Mem { return loc.Offset(32 * i) }
	A := func(i int) Mem { return loc.Offset(1024 + 32*i) }
	X := func(i int) Mem { return loc.Offset(2048 + 32*i) }
	xp := Load(Param("x"), GP64())
	lp := Load(Param("lt"), GP64())
	np := Load(Param("num"), GP64())
	nn := Load(Param("nn"), GP64())
	L := func(i int) Mem { return Mem{Base: lp, Disp: 32 * i} }
	gather(xp, kqc.Offset(kqIdx32), 32, X)
	nmax := YMM()
	VBROADCASTSS(paramAddr("nmax"), nmax) // a 32-bit broadcast (asmdecl rejects VPBROADCASTD of a 4-byte argument)
	zero := YMM()
	VXORPS(zero, zero, zero)

	// av_x = sqrt(Σx²/32), the sum from 0 in element order.
	s := YMM()
	VXORPS(s, s, s)
	for i := range 32 {
		t := YMM()
		VMOVUPS(X(i), t)
		VMULPS(t, t, t)
		VADDPS(t, s, s)
	}
	VDIVPS(kqc.Offset(kq32), s, s)
	VSQRTPS(s, s)
	avx := s

	mn, mx, sumW, sumX := YMM(), YMM(), YMM(), YMM()
	for i := range 32 {
		x, w := YMM(), YMM()
		VMOVUPS(X(i), x)
		VANDPS(kqc.Offset(kqAbs), x, w)
		VADDPS(w, avx, w) // av_x + |x|
		VMOVUPS(w, W(i))
		if i == 0 {
			VMOVAPS(x, mn)
			VMOVAPS(x, mx)
			VMOVAPS(w, sumW)
			VMULPS(x, w, sumX)
			continue
		}
		VMINPS(mn, x, mn) // x < min ? x : min
		VMAXPS(mx, x, mx) // x > max ? x : max
		VADDPS(w, sumW, sumW)
		VMULPS(x, w, w)
		VADDPS(w, sumX, sumX)
	}
	VMINPS(mn, zero, mn) // 0 < min ? 0 : min
	VMOVUPS(mx, mxM)
	VMOVUPS(sumW, sumWM)
	VMOVUPS(sumX, sumXM)

	rng, iscale, scale := YMM(), YMM(), YMM()
	VSUBPS(mn, mx, rng)
	VBROADCASTSS(Mem{Base: np}, iscale)
	VDIVPS(rng, iscale, iscale)
	VMOVUPS(kqc.Offset(kqOne), scale)
	VDIVPS(iscale, scale, scale)
	best := YMM()
	VXORPS(best, best, best)
	for i := range 32 {
		v := code(X(i), mn, iscale, zero, nmax)
		VMULPS(v, scale, v) // scale·L
		VADDPS(mn, v, v)
		VSUBPS(X(i), v, v)
		VMULPS(v, v, v)
		VMULPS(W(i), v, v) // w·diff²
		VADDPS(v, best, best)
	}

	// The L of the best fit so far is that of the inverse scale bestIs
	// and min bestMu: recomputed once at the end.
	bestIs, bestMu := YMM(), YMM()
	VMOVAPS(iscale, bestIs)
	VMOVAPS(mn, bestMu)

	k := GP64()
	MOVQ(U32(1), k)
	Label("step")
	CMPQ(k, nn)
	JGE(LabelRef("done"))
	VMOVUPS(mxM, rng)
	VSUBPS(mn, rng, rng)
	VBROADCASTSS(Mem{Base: np, Index: k, Scale: 4}, iscale)
	VDIVPS(rng, iscale, iscale)
	sumL, sumL2, sumXL := YMM(), YMM(), YMM()
	VXORPS(sumL, sumL, sumL)
	VXORPS(sumL2, sumL2, sumL2)
	VXORPS(sumXL, sumXL, sumXL)
	for i := range 32 {
		v, wl, t := code(X(i), mn, iscale, zero, nmax), YMM(), YMM()
		VMOVUPS(v, A(i))
		VMULPS(W(i), v, wl) // w·l
		VADDPS(wl, sumL, sumL)
		VMULPS(v, wl, t) // wl·l
		VADDPS(t, sumL2, sumL2)
		VMULPS(X(i), wl, t) // wl·x
		VADDPS(t, sumXL, sumXL)
	}
	D, t1, t2 := YMM(), YMM(), YMM()
	VMULPS(sumWM, sumL2, D)
	VMULPS(sumL, sumL, t1)
	VSUBPS(t1, D, D) // sumW·sumL2 - sumL·sumL
	dpos := YMM()
	VCMPPS(U8(cmpLT), D, zero, dpos) // 0 < D
	ts, tm := YMM(), YMM()
	VMULPS(sumWM, sumXL, ts)
	VMULPS(sumXM, sumL, t1)
	VSUBPS(t1, ts, ts)
	VDIVPS(D, ts, ts) // (sumW·sumXL - sumX·sumL)/D
	VMULPS(sumXM, sumL2, tm)
	VMULPS(sumXL, sumL, t1)
	VSUBPS(t1, tm, tm)
	VDIVPS(D, tm, tm) // (sumL2·sumX - sumL·sumXL)/D
	mpos := YMM()
	VCMPPS(U8(cmpLT), tm, zero, mpos) // 0 < min'
	VANDNPS(tm, mpos, tm)
	VDIVPS(sumL2, sumXL, t2) // sumXL/sumL2
	VBLENDVPS(mpos, t2, ts, ts)
	cur := YMM()
	VXORPS(cur, cur, cur)
	for i := range 32 {
		v := YMM()
		VMULPS(A(i), ts, v) // scale'·Laux
		VADDPS(tm, v, v)
		VSUBPS(X(i), v, v)
		VMULPS(v, v, v)
		VMULPS(W(i), v, v)
		VADDPS(v, cur, cur)
	}
	better := YMM()
	VCMPPS(U8(cmpLT), best, cur, better) // err < best
	VANDPS(dpos, better, better)
	VBLENDVPS(better, cur, best, best)
	VBLENDVPS(better, ts, scale, scale)
	VBLENDVPS(better, iscale, bestIs, bestIs)
	VBLENDVPS(better, mn, bestMu, bestMu) // the min of this step's l
	VBLENDVPS(better, tm, mn, mn)
	INCQ(k)
	JMP(LabelRef("step"))

	Label("done")
	for i := range 32 {
		VMOVUPS(code(X(i), bestMu, bestIs, zero, nmax), L(i))
	}
	rp := Load(Param("res"), GP64())
	VMOVUPS(scale, Mem{Base: rp})
	VXORPS(kqc.Offset(kqSign), mn, mn) // -min
	VMOVUPS(mn, Mem{Base: rp, Disp: 32})
	VZEROUPPER()
	RET()
}

// qxKernel emits qxAVX2: make_qx_quants (rmse_type 1, no weights) of 8
// sub-blocks of 16, with L as the signed l (the reference stores l + nmax).
//
// Lane j: amax = max = 0; for each x, |x| > amax takes amax = |x|, max =
// x. deg = (amax < GROUP_MAX_EPS): such lanes return scale 0 and l = -32
// (L = 0). Then w = x·x; iscale = num[0]/max; l = clamp(nearest(iscale·
// x), -32, 31); sumlx += (w·x)·l, suml2 += (w·l)·l from 0; scale = suml2
// != 0 ? sumlx/suml2 : 0; best = scale·sumlx; and for each k >= 1:
// iscale = num[k]/max, the same sums; if 0 < suml2 and best·suml2 <
// sumlx·sumlx, the lane takes these l, scale = sumlx/suml2, best =
// scale·sumlx. No branch: the lanes blend scale, best and the iscale of
// the best l, which are computed once at the end.
func qxKernel() {
	TEXT("qxAVX2", 0, "func(x *[128]float32, lt *[128]float32, res *[8]float32, num *float32, nn int)")
	loc := AllocLocal(3 * 512) // w[16], w·x[16], x transposed[16]
	W := func(i int) Mem { return loc.Offset(32 * i) }
	WX := func(i int) Mem { return loc.Offset(512 + 32*i) }
	X := func(i int) Mem { return loc.Offset(1024 + 32*i) }
	xp := Load(Param("x"), GP64())
	lp := Load(Param("lt"), GP64())
	np := Load(Param("num"), GP64())
	nn := Load(Param("nn"), GP64())
	L := func(i int) Mem { return Mem{Base: lp, Disp: 32 * i} }
	gather(xp, kqc.Offset(kqIdx16), 16, X)
	lo, hi := kqc.Offset(kqM32i), kqc.Offset(kq31i)
	zero := YMM()
	VXORPS(zero, zero, zero)

	amax, mx := YMM(), YMM()
	VXORPS(amax, amax, amax)
	VXORPS(mx, mx, mx)
	for i := range 16 {
		x, ax, gt := YMM(), YMM(), YMM()
		VMOVUPS(X(i), x)
		VANDPS(kqc.Offset(kqAbs), x, ax)
		VCMPPS(U8(cmpLT), ax, amax, gt) // amax < |x|
		VMAXPS(amax, ax, amax)
		VBLENDVPS(gt, x, mx, mx)
		VMULPS(x, x, ax) // w = x·x
		VMOVUPS(ax, W(i))
		VMULPS(x, ax, ax) // w·x
		VMOVUPS(ax, WX(i))
	}
	deg := YMM()
	VCMPPS(U8(cmpLT), kqc.Offset(kqEps), amax, deg)

	// sums computes the l of iscale·x and the two sums.
	sums := func(iscale reg.VecVirtual) (reg.VecVirtual, reg.VecVirtual) {
		sumlx, suml2 := YMM(), YMM()
		VXORPS(sumlx, sumlx, sumlx)
		VXORPS(suml2, suml2, suml2)
		for i := range 16 {
			v, t := code(X(i), nil, iscale, lo, hi), YMM()
			VMULPS(WX(i), v, t) // (w·x)·l
			VADDPS(t, sumlx, sumlx)
			VMULPS(W(i), v, t) // w·l
			VMULPS(v, t, t)    // (w·l)·l
			VADDPS(t, suml2, suml2)
		}
		return sumlx, suml2
	}
	iscale := YMM()
	VBROADCASTSS(Mem{Base: np}, iscale)
	VDIVPS(mx, iscale, iscale)
	sumlx, suml2 := sums(iscale)
	scale, nz, best := YMM(), YMM(), YMM()
	VDIVPS(suml2, sumlx, scale)
	VCMPPS(U8(cmpNEQ), zero, suml2, nz)
	VANDPS(nz, scale, scale)
	VMULPS(sumlx, scale, best)
	bestIs := YMM() // the iscale of the best l, recomputed at the end
	VMOVAPS(iscale, bestIs)

	k := GP64()
	MOVQ(U32(1), k)
	Label("step")
	CMPQ(k, nn)
	JGE(LabelRef("done"))
	VBROADCASTSS(Mem{Base: np, Index: k, Scale: 4}, iscale)
	VDIVPS(mx, iscale, iscale)
	slx, sl2 := sums(iscale)
	c1, p, q := YMM(), YMM(), YMM()
	VCMPPS(U8(cmpLT), sl2, zero, c1) // 0 < suml2
	VMULPS(slx, slx, p)
	VMULPS(sl2, best, q)
	VCMPPS(U8(cmpLT), p, q, q) // best·suml2 < sumlx·sumlx
	VANDPS(c1, q, q)
	ns := YMM()
	VDIVPS(sl2, slx, ns)
	VBLENDVPS(q, ns, scale, scale)
	VMULPS(slx, ns, ns)
	VBLENDVPS(q, ns, best, best)
	VBLENDVPS(q, iscale, bestIs, bestIs)
	INCQ(k)
	JMP(LabelRef("step"))

	Label("done")
	rp := Load(Param("res"), GP64())
	VANDNPS(scale, deg, scale)
	VMOVUPS(scale, Mem{Base: rp})
	m32 := YMM()
	VMOVUPS(kqc.Offset(kqM32f), m32)
	for i := range 16 {
		v := code(X(i), nil, bestIs, lo, hi)
		VBLENDVPS(deg, m32, v, v)
		VMOVUPS(v, L(i))
	}
	VZEROUPPER()
	RET()
}
