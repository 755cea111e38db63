package main

// The AVX-512 kernels, generated into kernel_avx512_amd64.s by
// `go run . -avx512 -out ../kernel_avx512_amd64.s` (the go:generate line
// is in kernel_avx512_amd64.go, which also documents the arithmetic).
//
// Every kernel takes any n >= 0: full blocks run unmasked, and the final
// partial block runs the same body with opmasks built from the remaining
// count (BZHI): zero-masked loads, merge-masked stores and accumulations.
// Masked-out elements are neither read nor written, so no element is
// recomputed and nothing outside the slices is touched.
//
// Fused multiply-adds appear only in Markstein's quotient correction
// (markstein below): two per quantize or QuantError body.

import (
	"flag"
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// pmovExperiment narrows the quantize results with VPMOVDB (to memory, 8
// shuffle uops per 64 elements) instead of pack + VPERMD (4): kept to
// re-measure the choice (see README); the committed file uses the packs.
var pmovExperiment = flag.Bool("avx512-pmov", false, "with -avx512: narrow with VPMOVDB instead of pack+permute (measurement only)")

var avx512Out = flag.Bool("avx512", false, "generate the AVX-512 kernels (kernel_avx512_amd64.s) instead of the AVX2 ones")

// zBlock is the number of elements one iteration of the elementwise and
// min/max kernels handles (4 ZMM of float32); zSum that of the sum kernels
// (16 float64 lanes).
const (
	zBlock = 64
	zSum   = 16
)

// qvar is a quantize variant: the convention and, for Seed and ONNX,
// whether the quotient is Markstein's (exact) or VDIVPS's.
//
// With sat (Lo..Hi the whole output type, and for ONNX and PyTorch
// -32512 <= z <= 32512), the clamps are left to the saturating packs: the
// int32 value v (|v| < 2^31, below Hi-z for PyTorch) is packed to int16
// with saturation, z added with VPADDSW, and packed to bytes with
// saturation; sat8(sat16(sat16(v) + z)) = sat8(v + z) because a
// saturated sat16(v) + z stays beyond the byte range with |z| <= 32512.
type qvar struct {
	c          conv
	exact, sat bool
}

func (v qvar) String() string {
	s := v.c.String()
	if v.c != pytorch && !v.exact {
		s += "Div"
	}
	if v.sat {
		s += "Sat"
	}
	return s
}

var qvars = []qvar{{seed, true, false}, {seed, false, false}, {onnx, true, false}, {onnx, false, false}, {pytorch, false, false}}

// satvars are the quantize variants with saturating narrowing.
var satvars = []qvar{{seed, true, true}, {onnx, true, true}, {pytorch, false, true}}

// generateAVX512 generates the AVX-512 kernels and reports true if the
// -avx512 flag is set (flags are parsed by generateBlocked).
func generateAVX512() bool {
	if !*avx512Out {
		return false
	}
	Package("github.com/quantkernel/quant")
	ConstraintExpr("gc,!purego")

	// zPerm restores element order after the in-lane packs: dword 4j+i of
	// the result is dword 4i+j of the packed vector.
	perm := GLOBL("avx512PackPerm", RODATA|NOPTR)
	for m := range 16 {
		j, i := m/4, m%4
		DATA(4*m, U32(uint32(4*i+j)))
	}
	for _, signed := range []bool{false, true} {
		for _, v := range qvars {
			zQuantize(signed, v, perm)
		}
		for _, v := range satvars {
			zQuantize(signed, v, perm)
		}
	}
	zDequantize(false)
	zDequantize(true)
	magic := GLOBL("avx512Magic", RODATA|NOPTR)
	for i := range 16 {
		DATA(4*i, U32(0x4b000000))
	}
	idxTab := GLOBL("avx512ByteIdx", RODATA|NOPTR)
	for i := range zBlock {
		DATA(4*i, U32(uint32(i)))
	}
	zDequantizeVBMI(false, magic, idxTab, *ymmExperiment)
	zDequantizeVBMI(true, magic, idxTab, *ymmExperiment)
	zMinMax()
	if *ymmExperiment {
		yAbsMax()
	} else {
		zAbsMax()
	}
	for _, v := range qvars {
		zQuantError(v)
	}
	zSquaredError()
	gather, ctrlLo, ctrlHi := zBlockedData()
	for _, c := range []conv{seed, onnx, pytorch} {
		for _, hi := range []bool{false, true} {
			zQuantizeBlocksI4(c, hi, gather)
		}
	}
	for _, signed := range []bool{false, true} {
		for _, hi := range []bool{false, true} {
			zDequantizeBlocksI4(signed, hi, ctrlLo, ctrlHi)
		}
	}
	// blk8Perm: dword m of the result is dword 4m (m < 4) or 4(m-4)+1
	// of the packed vector.
	blk8Perm := GLOBL("avx512Blk8Perm", RODATA|NOPTR)
	for m := range 16 {
		v := 4*(m%4) + m/4
		if m >= 8 {
			v = 0
		}
		DATA(4*m, U32(uint32(v)))
	}
	for _, signed := range []bool{false, true} {
		for _, c := range []conv{seed, onnx, pytorch} {
			zQuantizeBlocks8(c, signed, blk8Perm)
		}
	}
	for _, out := range []string{"I8", "U8"} {
		for _, c := range []conv{seed, onnx, pytorch} {
			zQuantizeColumns(out, c)
		}
	}
	fields, convIdx, pairIdx, outIdx := zB32Data()
	for _, c := range []conv{seed, onnx, pytorch} {
		zQuantizeB32I4(c, fields, convIdx, pairIdx, outIdx)
	}
	Generate()
	return true
}

// zBroadcast loads a 32-bit parameter into all lanes of a new ZMM.
func zBroadcast(name string) reg.VecVirtual {
	z := ZMM()
	VBROADCASTSS(paramAddr(name), z)
	return z
}

// tailMask returns a GP register with the low n bits set (n <= 64).
func tailMask(n reg.Register) reg.GPVirtual {
	ones, t := GP64(), GP64()
	MOVQ(I32(-1), ones)
	BZHIQ(n, ones, t)
	return t
}

// kWord returns an opmask holding bits 16j..16j+15 of the mask t.
func kWord(t reg.GPVirtual, j int) reg.OpmaskVirtual {
	k := K()
	if j == 0 {
		KMOVW(t.As32(), k)
		return k
	}
	u := GP64()
	MOVQ(t, u)
	SHRQ(U8(16*j), u)
	KMOVW(u.As32(), k)
	return k
}

// zstore writes a full block's vector v to m: plain or non-temporal
// (m then 64-byte aligned).
type zstore func(v reg.VecVirtual, m Mem)

// zloop emits the loop of an elementwise kernel over n elements in blocks
// of zBlock. body(t, st) handles the block at the pointers: all of it if t
// is nil, else the elements whose bits are set in t (the low ones), with
// masked accesses. With a stream, the elements before the first 64-byte
// boundary of the destination are done as a masked block, the aligned full
// blocks are stored with st = nt, an SFENCE follows, and the tail is
// masked as usual.
func zloop(n reg.Register, ptrs []reg.Register, sizes []int, sm *stream, plain, nt zstore, body func(t reg.GPVirtual, st zstore)) {
	adv := func(by reg.Register) {
		for i, p := range ptrs {
			u := GP64()
			MOVQ(by, u)
			if sizes[i] > 1 {
				SHLQ(U8(log2(sizes[i])), u)
			}
			ADDQ(u, p)
		}
	}
	if sm != nil {
		f := GP8()
		Load(Param(sm.flag), f)
		TESTB(f, f)
		JNZ(LabelRef("stream"))
	}
	Label("loop")
	CMPQ(n, U32(zBlock))
	JB(LabelRef("tail"))
	body(nil, plain)
	advance(zBlock, ptrs, sizes)
	SUBQ(U32(zBlock), n)
	JMP(LabelRef("loop"))
	Label("tail")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	body(tailMask(n), plain)
	if sm != nil {
		JMP(LabelRef("done"))
		Label("stream")
		// h = ((-dst) & 63) / size elements reach a 64-byte boundary.
		h := GP64()
		MOVQ(ptrs[sm.dst], h)
		NEGQ(h)
		ANDQ(U8(63), h)
		if s := sizes[sm.dst]; s > 1 {
			SHRQ(U8(log2(s)), h)
		}
		CMPQ(h, n)
		JBE(LabelRef("head"))
		MOVQ(n, h)
		Label("head")
		TESTQ(h, h)
		JZ(LabelRef("ntloop"))
		body(tailMask(h), plain)
		adv(h)
		SUBQ(h, n)
		Label("ntloop")
		CMPQ(n, U32(zBlock))
		JB(LabelRef("ntdone"))
		body(nil, nt)
		advance(zBlock, ptrs, sizes)
		SUBQ(U32(zBlock), n)
		JMP(LabelRef("ntloop"))
		Label("ntdone")
		SFENCE()
		JMP(LabelRef("tail"))
	}
	Label("done")
}

// qconsts are the broadcast constants of a quantize body.
type qconsts struct {
	k, y, c, zf, hf, lo, hi, z reg.VecVirtual
}

func loadQConsts(v qvar) qconsts {
	var q qconsts
	q.k = zBroadcast("k")
	if v.exact {
		q.y, q.c = zBroadcast("y"), zBroadcast("c")
		if !v.sat {
			q.hi = zBroadcast("hi")
		}
	} else {
		q.hf = zBroadcast("hf")
	}
	if v.c == seed {
		q.zf = zBroadcast("zf")
	}
	if !v.sat {
		q.lo = zBroadcast("lo")
	}
	q.z = zBroadcast("z")
	return q
}

// markstein replaces x (already clamped to ±c, NaN lanes zeroed if they
// must be) by RN(x/s) (see exactdiv.go): q0 = x*y, r = x - q0*s (exact),
// q = q0 + r*y. It returns the register holding q.
func markstein(q qconsts, x reg.VecVirtual) reg.VecVirtual {
	q0 := ZMM()
	VMULPS(q.y, x, q0)       // q0 = RN(x' * y)
	VFNMADD231PS(q.k, q0, x) // x = x' - q0*s, exact
	VFMADD231PS(q.y, x, q0)  // q0 = RN(q0 + r*y) = RN(x'/s)
	return q0
}

// quantInt turns x (a ZMM of float32) into int32 lanes: q - z if
// minusZ, else q. ko, if not nil, marks the non-NaN lanes; the other
// lanes are then computed as +0. Without ko, a NaN lane gives some value
// in Lo..Hi (QuantError, where d is NaN anyway).
func quantInt(v qvar, q qconsts, x reg.VecVirtual, ko reg.OpmaskVirtual, minusZ bool) reg.VecVirtual {
	var r reg.VecVirtual
	switch {
	case v.exact:
		// imm 2: the operand of smaller magnitude with the sign of x:
		// clamp(x, -c, c).
		if ko != nil {
			VRANGEPS_Z(U8(2), q.c, x, ko, x)
		} else {
			VRANGEPS(U8(2), q.c, x, x)
		}
		r = markstein(q, x)
	case v.c == pytorch:
		r = x
		if ko != nil {
			VMULPS_Z(q.k, x, ko, r)
		} else {
			VMULPS(q.k, x, r)
		}
	default:
		r = x
		if ko != nil {
			VDIVPS_Z(q.k, x, ko, r)
		} else {
			VDIVPS(q.k, x, r)
		}
	}
	if v.c == seed {
		VADDPS(q.zf, r, r)
	}
	switch {
	case v.exact && v.sat:
		VCVTPS2DQ(r, r) // |r| <= 2^25(1+2^-23) + 2^23; the packs clamp
		return r
	case v.sat:
		VMINPS(q.hf, r, r)
		VCVTPS2DQ(r, r) // below -2^31: -2^31; the packs clamp
		return r
	case v.exact:
		// |r| <= 2^25(1+2^-23) + 2^23: the conversion is exact-range.
		VCVTPS2DQ(r, r)
		VPMAXSD(q.lo, r, r)
		VPMINSD(q.hi, r, r)
	default:
		VMINPS(q.hf, r, r)
		VCVTPS2DQ(r, r) // below -2^31: -2^31, then clamped
		VPMAXSD(q.lo, r, r)
	}
	switch {
	case v.c == seed && minusZ:
		VPSUBD(q.z, r, r)
	case v.c != seed && !minusZ:
		VPADDD(q.z, r, r)
	}
	return r
}

// zQuantize emits avx512Quantize{U8,I8}{Seed,SeedDiv,ONNX,ONNXDiv,PyTorch}.
func zQuantize(signed bool, v qvar, perm Mem) {
	typ := "U8"
	if signed {
		typ = "I8"
	}
	Implement(fmt.Sprintf("avx512Quantize%s%s", typ, v))
	Attributes(NOSPLIT)
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	n := Load(Param("n"), GP64())
	q := loadQConsts(v)
	idx := ZMM()
	VMOVDQU32(perm, idx)
	body := func(t reg.GPVirtual, st zstore) {
		var r [4]reg.VecVirtual
		for j := range r {
			x := ZMM()
			m := Mem{Base: src, Disp: 64 * j}
			if t == nil {
				VMOVUPS(m, x)
			} else {
				VMOVUPS_Z(m, kWord(t, j), x)
			}
			ko := K()
			VCMPPS(U8(7), x, x, ko) // ordered: set unless x is NaN
			r[j] = quantInt(v, q, x, ko, false)
		}
		if *pmovExperiment && !v.sat {
			for j := range r {
				m := Mem{Base: dst, Disp: 16 * j}
				if t == nil {
					VPMOVDB(r[j], m)
				} else {
					VPMOVDB(r[j], kWord(t, j), m)
				}
			}
			return
		}
		// The values fit the output type: the saturating packs are
		// exact; they work within 128-bit lanes, VPERMD restores order.
		VPACKSSDW(r[1], r[0], r[0])
		VPACKSSDW(r[3], r[2], r[2])
		if v.sat && v.c != seed {
			VPADDSW(q.z, r[0], r[0]) // z in both 16-bit halves of each dword
			VPADDSW(q.z, r[2], r[2])
		}
		if signed {
			VPACKSSWB(r[2], r[0], r[0])
		} else {
			VPACKUSWB(r[2], r[0], r[0])
		}
		VPERMD(r[0], idx, r[0])
		m := Mem{Base: dst}
		if t == nil {
			st(r[0], m)
			return
		}
		kb := K()
		KMOVQ(t, kb)
		VMOVDQU8(r[0], kb, m)
	}
	zloop(n, []reg.Register{src, dst}, []int{4, 1}, &stream{"stream", 1},
		func(v reg.VecVirtual, m Mem) { VMOVDQU32(v, m) },
		func(v reg.VecVirtual, m Mem) { VMOVNTDQ(v, m) }, body)
	VZEROUPPER()
	RET()
}

// zDequantize emits avx512Dequantize{U8,I8}.
func zDequantize(signed bool) {
	if signed {
		Implement("avx512DequantizeI8")
	} else {
		Implement("avx512DequantizeU8")
	}
	Attributes(NOSPLIT)
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	n := Load(Param("n"), GP64())
	s := zBroadcast("s")
	z := zBroadcast("z")
	ext := VPMOVZXBD
	if signed {
		ext = VPMOVSXBD
	}
	body := func(t reg.GPVirtual, st zstore) {
		for j := range zBlock / 16 {
			v := ZMM()
			in := Mem{Base: src, Disp: 16 * j}
			out := Mem{Base: dst, Disp: 64 * j}
			var k reg.OpmaskVirtual
			if t == nil {
				ext(in, v)
			} else {
				k = kWord(t, j)
				b := XMM()
				VMOVDQU8_Z(in, k, b)
				ext(b, v)
			}
			VPSUBD(z, v, v)
			VCVTDQ2PS(v, v)
			VMULPS(s, v, v)
			if t == nil {
				st(v, out)
			} else {
				VMOVUPS(v, k, out)
			}
		}
	}
	zloop(n, []reg.Register{dst, src}, []int{4, 1}, &stream{"stream", 0},
		func(v reg.VecVirtual, m Mem) { VMOVUPS(v, m) },
		func(v reg.VecVirtual, m Mem) { VMOVNTPS(v, m) }, body)
	VZEROUPPER()
	RET()
}

// zDequantizeVBMI emits avx512DequantizeVBMI{U8,I8}: per 16 elements one
// VPERMB merges the bytes (made unsigned, u = q or q^0x80 = q+128) into
// the low bytes of 0x4b000000, the float 2^23, giving 2^23 + u; then
// (2^23 + u) - m, m = 2^23 + z' (z' = z, or z+128 for int8) is u - z' =
// q - z exactly, and one multiply by s. Three vector instructions instead
// of four (VPMOVZXBD, VPSUBD, VCVTDQ2PS, VMULPS).
func zDequantizeVBMI(signed bool, magic, idxTab Mem, ymm bool) {
	dst, src, n := dequantizeVBMIHead(signed)
	// The vector width: ZMM, or with ymm the AVX-512VL form (-avx512-ymm,
	// measurement only: YMM, 8-bit masks per vector, no stream path).
	vec, vb, part := ZMM, 64, kWord
	if ymm {
		vec, vb, part = YMM, 32, kByte
	}
	kmov := func(g reg.GPVirtual, k reg.OpmaskVirtual) { // all vb mask bits
		if ymm {
			KMOVD(g.As32(), k)
		} else {
			KMOVQ(g, k)
		}
	}
	s, m := vec(), vec()
	VBROADCASTSS(paramAddr("s"), s)
	VBROADCASTSS(paramAddr("m"), m)
	// idx[j]: byte 4i of dword i is (vb/4)j+i (the other bytes are masked).
	idx := make([]reg.VecVirtual, 4)
	for j := range idx {
		idx[j] = vec()
		VMOVDQU32(idxTab.Offset(vb*j), idx[j])
	}
	kb0 := K()
	t := GP64()
	MOVQ(U64(0x1111111111111111), t)
	kmov(t, kb0)
	var x80 reg.VecVirtual
	if signed {
		x80 = vec()
		MOVL(U32(0x80808080), t.As32())
		VPBROADCASTD(t.As32(), x80)
	}
	body := func(tm reg.GPVirtual, st zstore) {
		blk := vec()
		switch {
		case tm == nil && signed:
			VPXORD(Mem{Base: src}, x80, blk)
		case tm == nil:
			VMOVDQU8(Mem{Base: src}, blk)
		default:
			kt := K()
			kmov(tm, kt)
			VMOVDQU8_Z(Mem{Base: src}, kt, blk)
			if signed {
				VPXORD(blk, x80, blk)
			}
		}
		for j := range idx {
			v := vec()
			VMOVDQU32(magic, v)
			VPERMB(blk, idx[j], kb0, v) // 2^23 + u
			VSUBPS(m, v, v)             // u - z', exact
			VMULPS(s, v, v)
			out := Mem{Base: dst, Disp: vb * j}
			if tm == nil {
				st(v, out)
			} else {
				VMOVUPS(v, part(tm, j), out)
			}
		}
	}
	plain := func(v reg.VecVirtual, m Mem) { VMOVUPS(v, m) }
	if ymm {
		yloop(n, []reg.Register{dst, src}, []int{4, 1}, func(t reg.GPVirtual) { body(t, plain) })
	} else {
		zloop(n, []reg.Register{dst, src}, []int{4, 1}, &stream{"stream", 0},
			plain, func(v reg.VecVirtual, m Mem) { VMOVNTPS(v, m) }, body)
	}
	VZEROUPPER()
	RET()
}

// dequantizeVBMIHead starts avx512DequantizeVBMI{U8,I8} (either width)
// and loads its pointers and length.
func dequantizeVBMIHead(signed bool) (dst, src, n reg.Register) {
	if signed {
		Implement("avx512DequantizeVBMII8")
	} else {
		Implement("avx512DequantizeVBMIU8")
	}
	Attributes(NOSPLIT)
	return Load(Param("dst"), GP64()), Load(Param("src"), GP64()), Load(Param("n"), GP64())
}

// zConst32 broadcasts a 32-bit constant into a new ZMM.
func zConst32(c uint32) reg.VecVirtual {
	t := GP32()
	MOVL(U32(c), t)
	z := ZMM()
	VPBROADCASTD(t, z)
	return z
}

// zMinMax emits avx512MinMax: 4 min and 4 max accumulators and 4 sticky
// "no NaN" opmasks.
func zMinMax() {
	Implement("avx512MinMax")
	Attributes(NOSPLIT)
	src := Load(Param("src"), GP64())
	n := Load(Param("n"), GP64())
	out := Load(Param("out"), GP64())
	inf, ninf := zConst32(0x7f800000), zConst32(0xff800000)
	var lo, hi [4]reg.VecVirtual
	var ok [4]reg.OpmaskVirtual
	t := GP32()
	MOVL(U32(0xffff), t)
	for j := range lo {
		lo[j], hi[j] = ZMM(), ZMM()
		VMOVAPS(inf, lo[j])
		VMOVAPS(ninf, hi[j])
		ok[j] = K()
		KMOVW(t, ok[j])
	}
	zloop(n, []reg.Register{src}, []int{4}, nil, nil, nil, func(t reg.GPVirtual, _ zstore) {
		for j := range lo {
			x := ZMM()
			m := Mem{Base: src, Disp: 64 * j}
			if t == nil {
				VMOVUPS(m, x)
				// Intel VMINPS lo, x, lo: x < lo ? x : lo, so lo when x is NaN.
				VMINPS(lo[j], x, lo[j])
				VMAXPS(hi[j], x, hi[j])
			} else {
				k := kWord(t, j)
				VMOVUPS_Z(m, k, x)
				VMINPS(lo[j], x, k, lo[j])
				VMAXPS(hi[j], x, k, hi[j])
			}
			// ok &= ordered(x, x); masked-out lanes were loaded as +0.
			VCMPPS(U8(7), x, x, ok[j], ok[j])
		}
	})
	VMINPS(lo[1], lo[0], lo[0])
	VMINPS(lo[3], lo[2], lo[2])
	VMINPS(lo[2], lo[0], lo[0])
	VMAXPS(hi[1], hi[0], hi[0])
	VMAXPS(hi[3], hi[2], hi[2])
	VMAXPS(hi[2], hi[0], hi[0])
	VMOVSS(reduceLanes(lo[0], VMINPS), Mem{Base: out})
	VMOVSS(reduceLanes(hi[0], VMAXPS), Mem{Base: out, Disp: 4})
	KANDW(ok[1], ok[0], ok[0])
	KANDW(ok[3], ok[2], ok[2])
	KANDW(ok[2], ok[0], ok[0])
	r := GP32()
	KMOVW(ok[0], r)
	Store(r, ReturnIndex(0))
	VZEROUPPER()
	RET()
}

// reduceLanes folds the 16 lanes of z (no NaN among them, so the order
// does not matter up to the sign of zero) with op into lane 0 of the
// returned XMM.
func reduceLanes(z reg.VecVirtual, op func(...Op)) reg.VecVirtual {
	h := YMM()
	VEXTRACTF64X4(U8(1), z, h)
	op(h, z.AsY(), h)
	x := XMM()
	VEXTRACTF32X4(U8(1), h, x)
	op(x, h.AsX(), x)
	t := XMM()
	VPERMILPS(U8(0x4e), x, t) // swap the 64-bit halves
	op(t, x, x)
	VPERMILPS(U8(0xb1), x, t) // swap neighbours
	op(t, x, x)
	return x
}

// zAbsMax emits avx512AbsMax.
func zAbsMax() {
	Implement("avx512AbsMax")
	Attributes(NOSPLIT)
	src := Load(Param("src"), GP64())
	n := Load(Param("n"), GP64())
	out := Load(Param("out"), GP64())
	mask := zConst32(0x7fffffff)
	var m [4]reg.VecVirtual
	for j := range m {
		m[j] = ZMM()
		VPXORD(m[j], m[j], m[j])
	}
	zloop(n, []reg.Register{src}, []int{4}, nil, nil, nil, func(t reg.GPVirtual, _ zstore) {
		for j := range m {
			a := ZMM()
			x := Mem{Base: src, Disp: 64 * j}
			if t == nil {
				VPANDD(x, mask, a)
			} else {
				VPANDD_Z(x, mask, kWord(t, j), a) // masked-out lanes +0
			}
			// Intel VMAXPS m, a, m: a > m ? a : m, so m when a is NaN.
			VMAXPS(m[j], a, m[j])
		}
	})
	VMAXPS(m[1], m[0], m[0])
	VMAXPS(m[3], m[2], m[2])
	VMAXPS(m[2], m[0], m[0])
	VMOVSS(reduceLanes(m[0], VMAXPS), Mem{Base: out})
	VZEROUPPER()
	RET()
}

// sumLoopZ emits a loop over n elements (any n >= 0) in blocks of 16 that
// adds 16 float64 terms per block into two ZMM accumulators (lanes 0-7,
// 8-15) loaded from and stored back to lanes. terms(t) must return the
// two ZMM of float64 terms of the block at the pointers (t as in zloop:
// nil, or the mask of the elements present); they are added in lane
// order, under the mask in the tail.
func sumLoopZ(n, lanes reg.Register, ptrs []reg.Register, terms func(t reg.GPVirtual) [2]reg.VecVirtual) {
	var acc [2]reg.VecVirtual
	for j := range acc {
		acc[j] = ZMM()
		VMOVUPD(Mem{Base: lanes, Disp: 64 * j}, acc[j])
	}
	Label("loop")
	CMPQ(n, U32(zSum))
	JB(LabelRef("tail"))
	d := terms(nil)
	VADDPD(d[0], acc[0], acc[0])
	VADDPD(d[1], acc[1], acc[1])
	for _, p := range ptrs {
		ADDQ(U32(4*zSum), p)
	}
	SUBQ(U32(zSum), n)
	JMP(LabelRef("loop"))
	Label("tail")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	t := tailMask(n)
	d = terms(t)
	k0, k1 := K(), K()
	KMOVW(t.As32(), k0)
	KSHIFTRW(U8(8), k0, k1)
	VADDPD(d[0], acc[0], k0, acc[0])
	VADDPD(d[1], acc[1], k1, acc[1])
	Label("done")
	for j := range acc {
		VMOVUPD(acc[j], Mem{Base: lanes, Disp: 64 * j})
	}
	VZEROUPPER()
	RET()
}

// halves converts the float32 lanes of x to float64 in d[0] (0-7) and
// d[1] (8-15).
func halves(x reg.VecVirtual, d *[2]reg.VecVirtual) {
	h := YMM()
	VCVTPS2PD(x.AsY(), d[0])
	VEXTRACTF64X4(U8(1), x, h)
	VCVTPS2PD(h, d[1])
}

// zQuantError emits avx512QuantError{Seed,SeedDiv,ONNX,ONNXDiv,PyTorch}.
// NaN lanes are not zeroed: a NaN x makes d NaN whatever y is.
func zQuantError(v qvar) {
	Implement("avx512QuantError" + v.String())
	Attributes(NOSPLIT)
	src := Load(Param("src"), GP64())
	n := Load(Param("n"), GP64())
	lanes := Load(Param("lanes"), GP64())
	q := loadQConsts(v)
	s := zBroadcast("s")
	sumLoopZ(n, lanes, []reg.Register{src}, func(t reg.GPVirtual) [2]reg.VecVirtual {
		m := Mem{Base: src}
		x := ZMM()
		if t == nil {
			VMOVUPS(m, x)
		} else {
			VMOVUPS_Z(m, kWord(t, 0), x)
		}
		var xd [2]reg.VecVirtual
		xd[0], xd[1] = ZMM(), ZMM()
		if t == nil {
			VCVTPS2PD(m, xd[0])
			VCVTPS2PD(m.Offset(32), xd[1])
		} else {
			halves(x, &xd)
		}
		r := quantInt(v, q, x, nil, true) // q - z
		VCVTDQ2PS(r, r)                   // exact: |q - z| < 2^24
		VMULPS(s, r, r)                   // y = float32(q - z) * s
		var yd [2]reg.VecVirtual
		yd[0], yd[1] = ZMM(), ZMM()
		halves(r, &yd)
		for h := range xd {
			VSUBPD(yd[h], xd[h], xd[h])
			VMULPD(xd[h], xd[h], xd[h])
		}
		return xd
	})
}

// zSquaredError emits avx512SquaredError.
func zSquaredError() {
	Implement("avx512SquaredError")
	Attributes(NOSPLIT)
	a := Load(Param("a"), GP64())
	b := Load(Param("b"), GP64())
	n := Load(Param("n"), GP64())
	lanes := Load(Param("lanes"), GP64())
	sumLoopZ(n, lanes, []reg.Register{a, b}, func(t reg.GPVirtual) [2]reg.VecVirtual {
		var ad, bd [2]reg.VecVirtual
		for i := range ad {
			ad[i], bd[i] = ZMM(), ZMM()
		}
		if t == nil {
			for h := range ad {
				VCVTPS2PD(Mem{Base: a, Disp: 32 * h}, ad[h])
				VCVTPS2PD(Mem{Base: b, Disp: 32 * h}, bd[h])
			}
		} else {
			xa, xb := ZMM(), ZMM()
			k := kWord(t, 0)
			VMOVUPS_Z(Mem{Base: a}, k, xa)
			VMOVUPS_Z(Mem{Base: b}, k, xb)
			halves(xa, &ad)
			halves(xb, &bd)
		}
		for h := range ad {
			VSUBPD(bd[h], ad[h], ad[h])
			VMULPD(ad[h], ad[h], ad[h])
		}
		return ad
	})
}
