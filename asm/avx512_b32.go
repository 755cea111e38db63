package main

// The AVX-512 int4 quantize kernels for blocks of exactly 32 elements
// (kernel_avx512_amd64.s): the work is done in groups of 16 blocks, so
// that the per-block constants cost a few vector instructions per group
// instead of several per block.
//
// Per group (16 Params, 320 bytes at ps): five loads, four VPERMI2D and
// eight VSHUFI32X4 transpose Scale, Zero, Lo and Hi into vectors; one
// VDIVPS gives the 16 reciprocals y = RN(1/s); four masked VPERMI2D and
// one VPTESTNMD test that every block has the kernel's Convention, one
// VPCMPUD every scale for exactDivScale (Seed, ONNX) and one every zero
// point for |z| <= 32512 (ONNX, PyTorch). If a block fails, the kernel
// returns the number of groups done and the Go wrapper runs that group
// through the per-block kernels. The rest goes to a table on the stack: y, c = s*2^25,
// float32(z) (Seed) or z in both 16-bit halves (ONNX, PyTorch), and per
// pair of blocks 16 bytes of Lo (8 of the first block, 8 of the second),
// the same of Hi. The blocks read their constants with broadcast loads,
// which use no vector ALU port. The table of group g+1 is made while
// group g is quantized (two tables, used in turn), so that its latency
// overlaps a whole group's work.
//
// Per pair of blocks (64 elements, 4 ZMM), the quotient is that of
// zQuantizeBlocks (Markstein's for Seed and ONNX, x*y for PyTorch) on
// every lane; NaN lanes (VCMPPS ordered into k) are replaced at the end,
// off the critical path: Seed adds float32(z) under k, merging into a
// copy of float32(z) (NaN gives RNE(0/s + z) = z), ONNX and PyTorch
// convert with zero-masking (NaN gives 0, then + z). The int32 value v
// (|v| < 2^26) is then narrowed with saturation before it is clamped:
//
//	w = VPACKSSDW: sat16(v)        per block: 32 words
//	ONNX, PyTorch: w = VPADDSW(w, z): sat16(sat16(v) + z)
//	b = VPACKSSWB: sat8(w)         per pair: 64 bytes
//	b = max(b, Lo), min(b, Hi)     (VPMAXSB, VPMINSB; per-block bounds by lane half)
//
// which equals clamp(v [+ z], Lo, Hi): saturation is monotone and Lo..Hi
// lies inside -8..15, so clamp(sat8(t)) = clamp(t) for any int16 t, and
// for |z| <= 32512 a saturated sat16(v) + z lies beyond -8..15 on the
// same side as v + z. Two codes per byte: VPANDD keeps the low nibbles,
// VPMADDUBSW with the weights (1, 16) (low nibble first) or (16, 1) forms
// each adjacent pair's byte in a word (at most 255: no saturation), and
// one VPERMT2B puts the 64 bytes of two pairs in order.

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

const (
	b32Group = 16 // blocks per group
	// Offsets in the stack table of a group.
	b32TabY  = 0
	b32TabC  = 64
	b32TabZ  = 128
	b32TabLo = 192
	b32TabHi = 320
	b32Tab   = 448
)

// zB32Data emits the constant tables of the B=32 kernels: the VPERMI2D
// indices that gather the fields of 4 blocks each from the 16 Params of a
// group, the VPERMB index making the bound patterns of pairs 0-3 (pairs
// 4-7: +32), and the VPERMB index putting the packed bytes of a pair in
// order.
func zB32Data() (fields, convIdx, pairIdx, outIdx Mem) {
	// fields+64j: lane 4f+b takes field f (Scale, Zero, Lo, Hi) of block
	// 4j+b, dword 5(4j+b)+f of the group, from the 32 dwords starting at
	// 16*floor(20j/16) = 16j: index 4j + 5b + f.
	fields = GLOBL("avx512B32Fields", RODATA|NOPTR)
	for j := range 4 {
		for f := range 4 {
			for b := range 4 {
				DATA(64*j+4*(4*f+b), U32(uint32(4*j+5*b+f)))
			}
		}
	}
	// convIdx: lane 4j+b takes the Convention dword of block 4j+b from the
	// same windows: 4j + 5b + 4.
	convIdx = GLOBL("avx512B32ConvIdx", RODATA|NOPTR)
	for j := range 4 {
		for b := range 4 {
			DATA(4*(4*j+b), U32(uint32(4*j+5*b+4)))
		}
	}
	// Byte j of a pattern (pair p = j/16): the low byte of dword
	// 2p + (j%16 >= 8) of the bound vector.
	pairIdx = GLOBL("avx512B32PairIdx", RODATA|NOPTR)
	for j := range 64 {
		blk := 2*(j/16) + (j%16)/8
		DATA(j, U8(4*blk))
	}
	// After VPACKSSDW and VPACKSSWB, 128-bit lane L holds, by word:
	// A's pairs 2L, 2L+1, 8+2L, 9+2L, then B's. Output byte 16X + p is
	// pair p of block X.
	// Bytes 32-63: the same from the second pair's vector (+64).
	outIdx = GLOBL("avx512B32OutIdx", RODATA|NOPTR)
	for j := range 64 {
		x, p := (j%32)/16, j%16
		l, k := p/2, p%2
		if p >= 8 {
			l, k = (p-8)/2, 2+p%2
		}
		DATA(j, U8(64*(j/32)+2*(8*l+4*x+k)))
	}
	return fields, convIdx, pairIdx, outIdx
}

// zQuantizeB32I4 emits avx512QuantizeB32I4{Seed,ONNX,PyTorch}.
func zQuantizeB32I4(c conv, fields, convIdx, pairIdx, outIdx Mem) {
	Implement(fmt.Sprintf("avx512QuantizeB32I4%s", c))
	// Not NOSPLIT: the two tables exceed the nosplit stack limit.
	tabs := AllocLocal(2 * b32Tab)
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	ngroups := Load(Param("ngroups"), GP64())
	ps := Load(Param("ps"), GP64())
	weights := ZMM()
	VBROADCASTSS(paramAddr("w"), weights)
	cur, nxt := GP64(), GP64()
	LEAQ(tabs, cur)
	LEAQ(tabs.Offset(b32Tab), nxt)

	pidx, oidx := ZMM(), ZMM()
	VMOVDQU8(pairIdx, pidx)
	VMOVDQU8(outIdx, oidx)
	pidx2 := ZMM()
	VPADDB(zConst32(0x20202020), pidx, pidx2) // pairs 4-7
	nib := zConst32(0x0f0f0f0f)
	two25 := zConst32(0x4c000000) // 2^25
	one := zConst32(0x3f800000)
	var sLo, sSpan, zBias, zSpan, m16 reg.VecVirtual
	if c != pytorch {
		sLo, sSpan = zConst32(0x0d800000), zConst32(0x71800000-0x0d800000) // bits(2^-100), bits(2^100) - bits(2^-100)
	}
	if c != seed {
		zBias, zSpan = zConst32(32512), zConst32(2*32512)
		m16 = zConst32(0xffff)
	}
	convB, m255 := zConst32(uint32(c)), zConst32(0xff)

	// prep writes the table of the group whose Params are at ps+disp to
	// the table at tb, and sets ok (1 if the group may take this kernel).
	prep := func(disp int, tb reg.Register, ok reg.Register) {
		s, z, lo, hi, p := transpose(fields, Mem{Base: ps, Disp: disp})
		// The group's Conventions: VPERMI2D under the masks 0xf << 4j
		// (the other lanes keep their indices for the next).
		cv, km := ZMM(), K()
		VMOVDQU32(convIdx, cv)
		{
			t := GP32()
			MOVL(U32(0xf), t)
			KMOVW(t, km)
		}
		for j := range 4 {
			VPERMI2D(p[j+1], p[j], km, cv)
			if j < 3 {
				KSHIFTLW(U8(4), km, km)
			}
		}
		VPXORD(convB, cv, cv)
		kc := K()
		VPTESTNMD(m255, cv, kc) // the Convention byte is c
		// The domain: every scale in 2^-100..2^100, every |z| <= 32512.
		kd := kc
		t := ZMM()
		if c != pytorch {
			VPSUBD(sLo, s, t)
			VPCMPUD(U8(2), sSpan, t, kd, kd) // unsigned <=
		}
		if c != seed {
			VPADDD(zBias, z, t)
			VPCMPUD(U8(2), zSpan, t, kd, kd)
		}
		KORTESTW(kd, kd)
		SETCS(ok) // CF: all ones
		y := ZMM()
		VDIVPS(s, one, y)
		VMOVUPS(y, Mem{Base: tb, Disp: b32TabY})
		if c != pytorch {
			VMULPS(two25, s, t) // exact: s*2^25 is normal
			VMOVUPS(t, Mem{Base: tb, Disp: b32TabC})
		}
		if c == seed {
			VCVTDQ2PS(z, t) // exact: |z| <= 2^23
		} else {
			VPSLLD(U8(16), z, t)
			VPTERNLOGD(U8(0xe4), m16, t, z) // m16 ? z : z<<16: z in both 16-bit halves
			t = z
		}
		VMOVUPS(t, Mem{Base: tb, Disp: b32TabZ})
		for i, b := range []reg.VecVirtual{lo, hi} {
			base := b32TabLo + 128*i
			v := ZMM()
			VPERMB(b, pidx, v)
			VMOVDQU8(v, Mem{Base: tb, Disp: base})
			VPERMB(b, pidx2, v)
			VMOVDQU8(v, Mem{Base: tb, Disp: base + 64})
		}
	}

	// ngroups counts the groups left; dst tells how many were written.
	ok := GP8()
	TESTQ(ngroups, ngroups)
	JZ(LabelRef("ret"))
	prep(0, cur, ok)
	TESTB(ok, ok)
	JZ(LabelRef("ret"))

	Label("group")
	XORL(ok.As32(), ok.As32()) // the next group's
	CMPQ(ngroups, U8(1))
	JE(LabelRef("last"))
	prep(b32Group*paramsSize, nxt, ok)
	Label("last")

	// The 8 pairs of the group; pair counts blocks (0, 2, ..., 14), ps
	// points at the pair's Params.
	pair := GP64()
	XORQ(pair, pair)
	Label("pair")
	// Two pairs (bo = 0, 2: the block offset) per iteration.
	var pw [2]reg.VecVirtual
	for i, bo := range []int{0, 2} {
		var w [2]reg.VecVirtual
		for x := range w {
			b := bo + x
			ti := func(base int) Mem { return Mem{Base: cur, Disp: base + 4*b, Index: pair, Scale: 4} }
			var cv, sv reg.VecVirtual
			yv := ZMM()
			VBROADCASTSS(ti(b32TabY), yv)
			if c != pytorch {
				sv, cv = ZMM(), ZMM()
				VBROADCASTSS(Mem{Base: ps, Disp: paramsSize * b}, sv)
				VBROADCASTSS(ti(b32TabC), cv)
			}
			zv := ZMM()
			VPBROADCASTD(ti(b32TabZ), zv)
			var r [2]reg.VecVirtual
			for h := range r {
				xv := ZMM()
				VMOVUPS(Mem{Base: src, Disp: 128*b + 64*h}, xv)
				// NaN lanes (ko clear) are computed from NaN and
				// replaced at the end, off the critical path: by
				// float32(z) before the conversion (Seed), by 0 in it
				// (ONNX, PyTorch).
				ko := K()
				VCMPPS(U8(7), xv, xv, ko)
				var q reg.VecVirtual
				if c == pytorch {
					VMULPS(yv, xv, xv)
					VRANGEPS(U8(2), two25, xv, xv) // clamp to ±2^25
					q = xv
				} else {
					VRANGEPS(U8(2), cv, xv, xv)
					q = markstein(qconsts{k: sv, y: yv}, xv)
				}
				r[h] = q
				if c == seed {
					r[h] = ZMM()
					VMOVAPS(zv, r[h])
					VADDPS(zv, q, ko, r[h]) // NaN: zf
					VCVTPS2DQ(r[h], r[h])
				} else {
					VCVTPS2DQ_Z(q, ko, r[h]) // NaN: 0
				}
			}
			w[x] = r[0]
			VPACKSSDW(r[1], r[0], w[x])
			if c != seed {
				VPADDSW(zv, w[x], w[x])
			}
		}
		VPACKSSWB(w[1], w[0], w[0])
		bnd := ZMM()
		VBROADCASTI32X4(Mem{Base: cur, Disp: b32TabLo + 8*bo, Index: pair, Scale: 8}, bnd)
		VPMAXSB(bnd, w[0], w[0])
		VBROADCASTI32X4(Mem{Base: cur, Disp: b32TabHi + 8*bo, Index: pair, Scale: 8}, bnd)
		VPMINSB(bnd, w[0], w[0])
		VPANDD(nib, w[0], w[0])
		VPMADDUBSW(weights, w[0], w[0])
		pw[i] = w[0]
	}
	VPERMT2B(pw[1], oidx, pw[0]) // both pairs' 32 bytes in order
	VMOVDQU8(pw[0], Mem{Base: dst})
	ADDQ(U32(512), src)
	ADDQ(U32(64), dst)
	ADDQ(U32(4*paramsSize), ps)
	ADDQ(U8(4), pair)
	CMPQ(pair, U8(b32Group))
	JB(LabelRef("pair"))

	DECQ(ngroups)
	TESTB(ok, ok) // also 0 after the last group
	JZ(LabelRef("ret"))
	XCHGQ(cur, nxt)
	JMP(LabelRef("group"))
	Label("ret")
	done := GP64()
	MOVQ(dst, done)
	SUBQ(paramAddr("dst"), done)
	SHRQ(U8(8), done) // 256 bytes a group
	Store(done, ReturnIndex(0))
	VZEROUPPER()
	RET()
}

// transpose loads the 16 Params at m (80 dwords, returned in p) and
// returns their Scale, Zero, Lo and Hi fields as vectors: VPERMI2D makes Q_j (lanes 4f+b: field
// f of block 4j+b) from the two ZMM holding blocks 4j..4j+3, then two
// rounds of VSHUFI32X4 gather each field's four 128-bit lanes.
func transpose(fields, m Mem) (s, z, lo, hi reg.VecVirtual, p [5]reg.VecVirtual) {
	for k := range p {
		p[k] = ZMM()
		VMOVDQU32(m.Offset(64*k), p[k])
	}
	var q [4]reg.VecVirtual
	for j := range q {
		q[j] = ZMM()
		VMOVDQU32(fields.Offset(64*j), q[j])
		VPERMI2D(p[j+1], p[j], q[j])
	}
	shuf := func(imm uint8, a, b reg.VecVirtual) reg.VecVirtual {
		r := ZMM()
		VSHUFI32X4(U8(imm), b, a, r) // lanes 0, 1 from a, 2, 3 from b
		return r
	}
	// 0x44: lanes 0, 1 of each; 0xee: lanes 2, 3; 0x88: lanes 0, 2;
	// 0xdd: lanes 1, 3.
	a, b := shuf(0x44, q[0], q[1]), shuf(0x44, q[2], q[3]) // Scale, Zero
	c, d := shuf(0xee, q[0], q[1]), shuf(0xee, q[2], q[3]) // Lo, Hi
	return shuf(0x88, a, b), shuf(0xdd, a, b), shuf(0x88, c, d), shuf(0xdd, c, d), p
}
