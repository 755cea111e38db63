package main

// The 256-bit (AVX-512VL) forms of the AVX-512 AbsMax and VPERMB
// dequantize kernels (the latter by zDequantizeVBMI with ymm), generated
// in place of the ZMM ones by -avx512-ymm, for measurement only (see
// README, "zmm or ymm"): same symbols, same arithmetic and masked tails,
// 8 lanes per vector with 8-bit opmasks, 32 elements per iteration; the
// stream flag is ignored (plain stores). The committed file uses the ZMM
// forms.

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
