package main

// The 256-bit (AVX-512VL) forms of the AVX-512 AbsMax and VPERMB
// dequantize kernels, generated in place of the ZMM ones by -avx512-ymm,
// for measurement only (see README, "zmm or ymm"): same symbols, same
// arithmetic and masked tails, 8 lanes per vector with 8-bit opmasks,
// 32 elements per iteration; the stream flag is ignored (plain stores).
// The committed file uses the ZMM forms.

import (
	"flag"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

var ymmExperiment = flag.Bool("avx512-ymm", false, "with -avx512: AbsMax and the VPERMB dequantize on YMM (AVX-512VL; measurement only)")

const yBlock = 32 // elements per iteration of the YMM forms

// kByte returns an opmask holding bits 8j..8j+7 of the mask t.
func kByte(t reg.GPVirtual, j int) reg.OpmaskVirtual {
	u := GP64()
	MOVQ(t, u)
	if j > 0 {
		SHRQ(U8(8*j), u)
	}
	k := K()
	KMOVB(u.As32(), k)
	return k
}

// yloop emits a loop over n elements in blocks of yBlock: body(nil) for
// a full block, body(t) with the mask of the last partial one.
func yloop(n reg.Register, ptrs []reg.Register, sizes []int, body func(t reg.GPVirtual)) {
	Label("loop")
	CMPQ(n, U32(yBlock))
	JB(LabelRef("tail"))
	body(nil)
	advance(yBlock, ptrs, sizes)
	SUBQ(U32(yBlock), n)
	JMP(LabelRef("loop"))
	Label("tail")
	TESTQ(n, n)
	JZ(LabelRef("done"))
	body(tailMask(n))
	Label("done")
}

// yAbsMax emits avx512AbsMax on YMM.
func yAbsMax() {
	Implement("avx512AbsMax")
	Attributes(NOSPLIT)
	src := Load(Param("src"), GP64())
	n := Load(Param("n"), GP64())
	out := Load(Param("out"), GP64())
	mask := YMM()
	{
		t := GP32()
		MOVL(U32(0x7fffffff), t)
		VPBROADCASTD(t, mask)
	}
	var m [4]reg.VecVirtual
	for j := range m {
		m[j] = YMM()
		VPXORD(m[j], m[j], m[j])
	}
	yloop(n, []reg.Register{src}, []int{4}, func(t reg.GPVirtual) {
		for j := range m {
			a := YMM()
			x := Mem{Base: src, Disp: 32 * j}
			if t == nil {
				VPANDD(x, mask, a)
			} else {
				VPANDD_Z(x, mask, kByte(t, j), a)
			}
			VMAXPS(m[j], a, m[j])
		}
	})
	VMAXPS(m[1], m[0], m[0])
	VMAXPS(m[3], m[2], m[2])
	VMAXPS(m[2], m[0], m[0])
	x := XMM()
	VEXTRACTF32X4(U8(1), m[0], x)
	VMAXPS(x, m[0].AsX(), x)
	t := XMM()
	VPERMILPS(U8(0x4e), x, t)
	VMAXPS(t, x, x)
	VPERMILPS(U8(0xb1), x, t)
	VMAXPS(t, x, x)
	VMOVSS(x, Mem{Base: out})
	VZEROUPPER()
	RET()
}

// yDequantizeVBMI emits avx512DequantizeVBMI{U8,I8} on YMM: per 8
// elements one VPERMB of the 32 source bytes.
func yDequantizeVBMI(signed bool, magic, idxTab Mem) {
	if signed {
		Implement("avx512DequantizeVBMII8")
	} else {
		Implement("avx512DequantizeVBMIU8")
	}
	Attributes(NOSPLIT)
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	n := Load(Param("n"), GP64())
	s, m := YMM(), YMM()
	VBROADCASTSS(paramAddr("s"), s)
	VBROADCASTSS(paramAddr("m"), m)
	var idx [yBlock / 8]reg.VecVirtual // byte 4i of dword i: 8j+i
	for j := range idx {
		idx[j] = YMM()
		VMOVDQU32(idxTab.Offset(32*j), idx[j])
	}
	kb0 := K()
	t := GP64()
	MOVL(U32(0x11111111), t.As32())
	KMOVD(t.As32(), kb0)
	var x80 reg.VecVirtual
	if signed {
		x80 = YMM()
		MOVL(U32(0x80808080), t.As32())
		VPBROADCASTD(t.As32(), x80)
	}
	yloop(n, []reg.Register{dst, src}, []int{4, 1}, func(tm reg.GPVirtual) {
		blk := YMM()
		switch {
		case tm == nil && signed:
			VPXORD(Mem{Base: src}, x80, blk)
		case tm == nil:
			VMOVDQU8(Mem{Base: src}, blk)
		default:
			kt := K()
			KMOVD(tm.As32(), kt)
			VMOVDQU8_Z(Mem{Base: src}, kt, blk)
			if signed {
				VPXORD(blk, x80, blk)
			}
		}
		for j := range idx {
			v := YMM()
			VMOVDQU32(magic, v)
			VPERMB(blk, idx[j], kb0, v) // 2^23 + u
			VSUBPS(m, v, v)             // u - z', exact
			VMULPS(s, v, v)
			out := Mem{Base: dst, Disp: 32 * j}
			if tm == nil {
				VMOVUPS(v, out)
			} else {
				VMOVUPS(v, kByte(tm, j), out)
			}
		}
	})
	VZEROUPPER()
	RET()
}
