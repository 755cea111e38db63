package main

// The per-column quantize kernels (element (r, c) of a row-major matrix
// with the Params of column c), AVX2 in kernel_blocked_amd64.s and
// AVX-512 in kernel_avx512_amd64.s. The Go wrapper (kernel_columns_amd64.go)
// transposes the Params of a chunk of at most colChunk columns into a
// colTable (one array per constant, in column order) once; the kernels
// then walk rows x chunk with plain vector loads of the table: no gather
// and, for Seed and ONNX, no division (Markstein's correction,
// exactdiv.go; the wrapper only builds exact tables for chunks whose
// scales all lie in exactDivScale).
//
// Per lane, with the table's constants of the lane's column:
//
//	Seed, ONNX: x' = clamp(x AND cmpord(x, x), -c, c)   (NaN -> +0)
//	            q  = RN(x'/s) by exactQuotient with y = k
//	            v  = cvtps2dq(RN(q + zf))                 (zf = 0 for ONNX)
//	            code = min(max(v + z, lo), hi)            (z = 0 for Seed)
//	PyTorch:    v  = cvtps2dq(min(RN((x AND cmpord) * k), hf))
//	            code = max(v, lo) + z                     (lo = Lo-z, hf = Hi-z)
//
// |v| <= 2^25(1+2^-23) + 2^23 after the pre-clamp, so v + z cannot wrap
// and every int32 step is exact; the codes lie in Lo..Hi, inside the
// output type, so the packs (or VPMOVDB) only narrow.

import (
	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// colChunk is the number of columns of a colTable (kernel_columns_amd64.go
// has the same constant and checks the layout).
const colChunk = 128

// The colTable fields in order: k (y = RN(1/s) or float32(1/s)), s, c
// (s*2^25), nc (-c), zf, hf (float32), lo, hi, z (int32).
const (
	tK = iota * 4 * colChunk
	tS
	tC
	tNC
	tZF
	tHF
	tLo
	tHi
	tZ
)

// colField returns the table field at off for the column index i,
// disp bytes further.
func colField(t, i reg.Register, off, disp int) Mem {
	return Mem{Base: t, Index: i, Scale: 4, Disp: off + disp}
}

// colArgs loads the arguments of the per-column kernels.
func colArgs() (dst, src, rows, stride, w, t reg.Register) {
	return Load(Param("dst"), GP64()), Load(Param("src"), GP64()), Load(Param("rows"), GP64()),
		Load(Param("stride"), GP64()), Load(Param("w"), GP64()), Load(Param("t"), GP64())
}

// colNextRow ends a row of a per-column kernel (label "next"): the
// pointers move one row on, and the loop returns to "row" until rows is 0.
func colNextRow(dst, src, rows, stride reg.Register) {
	Label("next")
	LEAQ(Mem{Base: src, Index: stride, Scale: 4}, src)
	ADDQ(stride, dst)
	DECQ(rows)
	JNZ(LabelRef("row"))
	VZEROUPPER()
	RET()
}

// quantizeColumns emits avx2QuantizeColumns{I8,U8}{Seed,ONNX,PyTorch}:
// rows rows of w (8 <= w <= colChunk) elements at src, stride elements
// apart, into dst (stride bytes apart), column j with the constants of
// table column j. Per row: groups of 32 columns, groups of 8, and the
// group of 8 ending at w for a remainder (its first columns recomputed
// with the same constants and rewritten with the same bits).
func quantizeColumns(out string, c conv, perm Mem) {
	Implement("avx2QuantizeColumns" + out + c.String())
	Attributes(NOSPLIT)
	dst, src, rows, stride, w, t := colArgs()
	idx := YMM()
	VMOVDQU(perm, idx)
	i, e := GP64(), GP64()
	// code8 leaves the int32 codes of the 8 columns i+8j.. in q.
	code8 := func(j int, q reg.VecVirtual) {
		m, x := YMM(), YMM()
		VMOVUPS(Mem{Base: src, Index: i, Scale: 4, Disp: 32 * j}, x)
		VCMPPS(U8(7), x, x, m) // ordered: all ones unless x is NaN
		VANDPS(x, m, x)        // NaN -> +0
		f := func(off int) Mem { return colField(t, i, off, 32*j) }
		if c == pytorch {
			VMULPS(f(tK), x, q)
		} else {
			VMINPS(f(tC), x, x)
			VMAXPS(f(tNC), x, x)
		}
		colCodes(c, f, x, q)
	}
	packB := VPACKSSWB
	if out == "U8" {
		packB = VPACKUSWB
	}
	Label("row")
	XORQ(i, i)
	Label("g32")
	MOVQ(w, e)
	SUBQ(i, e)
	CMPQ(e, U32(32))
	JB(LabelRef("g8"))
	var q [4]reg.VecVirtual
	for j := range q {
		q[j] = YMM()
		code8(j, q[j])
	}
	VPACKSSDW(q[1], q[0], q[0])
	VPACKSSDW(q[3], q[2], q[2])
	packB(q[2], q[0], q[0])
	VPERMD(q[0], idx, q[0])
	VMOVDQU(q[0], Mem{Base: dst, Index: i, Scale: 1})
	ADDQ(U32(32), i)
	JMP(LabelRef("g32"))
	Label("g8")
	CMPQ(e, U32(8))
	JAE(LabelRef("one8"))
	TESTQ(e, e)
	JZ(LabelRef("next"))
	// The group of 8 ending at w; afterwards e = w - i = 8 - 8 = 0.
	MOVQ(w, i)
	SUBQ(U32(8), i)
	Label("one8")
	v := YMM()
	code8(0, v)
	h := XMM()
	VEXTRACTI128(U8(1), v, h)
	VPACKSSDW(h, v.AsX(), v.AsX())
	packB(v.AsX(), v.AsX(), v.AsX())
	VMOVQ(v.AsX(), Mem{Base: dst, Index: i, Scale: 1})
	ADDQ(U32(8), i)
	MOVQ(w, e)
	SUBQ(i, e)
	JMP(LabelRef("g8"))
	colNextRow(dst, src, rows, stride)
}

// colCodes finishes the int32 codes in q (YMM or ZMM) from the table
// fields f: for PyTorch q holds RN(x*k) with NaN lanes zeroed; for Seed
// and ONNX x holds x' (NaN zeroed, clamped to ±c) and the quotient is
// Markstein's (exactdiv.go), its two fused instructions.
func colCodes(c conv, f func(off int) Mem, x, q reg.VecVirtual) {
	if c == pytorch {
		VMINPS(f(tHF), q, q)
		VCVTPS2DQ(q, q)
		VPMAXSD(f(tLo), q, q)
		VPADDD(f(tZ), q, q)
		return
	}
	VMULPS(f(tK), x, q)       // q0 = RN(x*y)
	VFNMADD231PS(f(tS), q, x) // x = RN(x - q0*s) = r, exact
	VFMADD231PS(f(tK), x, q)  // q = RN(r*y + q0) = RN(x/s)
	if c == seed {
		VADDPS(f(tZF), q, q)
	}
	VCVTPS2DQ(q, q)
	if c == onnx {
		VPADDD(f(tZ), q, q)
	}
	VPMAXSD(f(tLo), q, q)
	VPMINSD(f(tHi), q, q)
}

// zQuantizeColumns emits avx512QuantizeColumns{I8,U8}{Seed,ONNX,PyTorch}:
// quantizeColumns on 16 lanes, w (1 <= w <= colChunk) columns per row
// in groups of 16 and a masked last group (masked loads of x and stores;
// the table is read whole: its columns past w hold values that are
// computed and never stored). The codes are narrowed by VPMOVDB.
func zQuantizeColumns(out string, c conv) {
	Implement("avx512QuantizeColumns" + out + c.String())
	Attributes(NOSPLIT)
	dst, src, rows, stride, w, t := colArgs()
	i, e := GP64(), GP64()
	body := func(km reg.OpmaskVirtual) {
		x := ZMM()
		xm := Mem{Base: src, Index: i, Scale: 4}
		if km == nil {
			VMOVUPS(xm, x)
		} else {
			VMOVUPS_Z(xm, km, x)
		}
		ko := K()
		VCMPPS(U8(7), x, x, ko) // ordered: set unless x is NaN
		f := func(off int) Mem { return colField(t, i, off, 0) }
		q := ZMM()
		if c == pytorch {
			VMULPS_Z(f(tK), x, ko, q) // NaN -> +0
		} else {
			// imm 2: the operand of smaller magnitude with the sign of
			// x: clamp(x, -c, c); NaN lanes zeroed.
			VRANGEPS_Z(U8(2), f(tC), x, ko, x)
		}
		colCodes(c, f, x, q)
		dm := Mem{Base: dst, Index: i, Scale: 1}
		if km == nil {
			VPMOVDB(q, dm)
		} else {
			VPMOVDB(q, km, dm)
		}
	}
	Label("row")
	XORQ(i, i)
	Label("loop")
	MOVQ(w, e)
	SUBQ(i, e)
	CMPQ(e, U32(16))
	JB(LabelRef("tail"))
	body(nil)
	ADDQ(U32(16), i)
	JMP(LabelRef("loop"))
	Label("tail")
	TESTQ(e, e)
	JZ(LabelRef("next"))
	km := K()
	KMOVW(tailMask(e).As32(), km)
	body(km)
	colNextRow(dst, src, rows, stride)
}
