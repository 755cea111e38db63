package main

// The AVX-512 blocked int4 kernels (in kernel_avx512_amd64.s, with the
// per-tensor ones). Each call walks nblocks consecutive blocks of block
// elements, block a positive multiple of 32, loading each block's Params
// (20 bytes: Scale, Zero, Lo, Hi int32, Convention uint8) from ps, ps+20,
// ... inside the loop; a block is done 32 elements (16 packed bytes) at a
// time. They need AVX512VBMI (VPERMT2B, VPMULTISHIFTQB); the Go wrapper
// checks it.

import (
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

const (
	paramsSize = 20
	i4Chunk    = 32 // elements per inner iteration
)

// zBlockedData emits the constant tables of the blocked kernels.
func zBlockedData() (gather, ctrlLo, ctrlHi Mem) {
	// gather: bytes 0-7 take byte 8k of table 1 (the first ZMM), bytes
	// 8-15 byte 8k of table 2 (index 64+8k).
	gather = GLOBL("avx512I4Gather", RODATA|NOPTR)
	for k := range 64 {
		v := 0
		switch {
		case k < 8:
			v = 8 * k
		case k < 16:
			v = 64 + 8*(k-8)
		}
		DATA(k, U8(v))
	}
	// ctrl: for output qword m (elements 2m, 2m+1 of 16), byte 0 selects
	// the 8 bits at offset 8m (+4 if the element's nibble is the high one)
	// of the broadcast 8 source bytes, byte 4 those of element 2m+1.
	ctrl := func(name string, first int) Mem {
		g := GLOBL(name, RODATA|NOPTR)
		for m := range 8 {
			for b := range 8 {
				v := 0
				switch b {
				case 0:
					v = 8*m + first
				case 4:
					v = 8*m + 4 - first
				}
				DATA(8*m+b, U8(v))
			}
		}
		return g
	}
	return gather, ctrl("avx512I4CtrlLo", 0), ctrl("avx512I4CtrlHi", 4)
}

// blockLoopZ emits the loop over nblocks blocks: setup() at the start of
// each block (ps points at its Params), then chunk() block/32 times, the
// pointers advanced by 32 elements each time.
func blockLoopZ(block, nblocks, ps reg.Register, ptrs []reg.Register, sizes []int, setup func(), chunk func()) {
	Label("block")
	setup()
	i := GP64()
	MOVQ(block, i)
	Label("chunk")
	chunk()
	for j, p := range ptrs {
		ADDQ(U32(i4Chunk*sizes[j]/2), p) // sizes in half-bytes
	}
	SUBQ(U32(i4Chunk), i)
	JNZ(LabelRef("chunk"))
	ADDQ(U32(paramsSize), ps)
	DECQ(nblocks)
	JNZ(LabelRef("block"))
}

// zQuantizeBlocksI4 emits avx512QuantizeBlocksI4{Seed,ONNX,PyTorch}{Lo,Hi}:
// the arithmetic of zQuantize (Markstein's quotient for Seed and ONNX,
// per block: y = 1/s by VDIVSS, VDIVPS for a block whose scale is outside
// exactDivScale), the codes clamped to the block's Lo..Hi (inside
// -8..15), then two codes per byte: for the low nibble first, each qword
// (codes c0, c1) becomes (c0 & 0x0f) | ((qword >> 28) & 0xf0) in its low
// byte (VPSRLQ, VPTERNLOGD), and VPERMT2B gathers the 16 low bytes of two
// ZMM.
func zQuantizeBlocksI4(c conv, hiFirst bool, gather Mem) {
	order := "Lo"
	if hiFirst {
		order = "Hi"
	}
	zQuantizeBlocks(fmt.Sprintf("avx512QuantizeBlocksI4%s%s", c, order), c, out4(hiFirst), gather)
}

// blkOut is the output of a blocked quantize kernel.
type blkOut int

const (
	outI4Lo blkOut = iota
	outI4Hi
	outI8
	outU8
)

func out4(hiFirst bool) blkOut {
	if hiFirst {
		return outI4Hi
	}
	return outI4Lo
}

// zQuantizeBlocks8 emits avx512QuantizeBlocks{I8,U8}{Seed,ONNX,PyTorch}:
// the codes of zQuantizeBlocksI4 (bounds inside the output type) narrowed
// by VPACKSSDW, VPACKSSWB/VPACKUSWB and VPERMD, 32 bytes per 32 elements.
func zQuantizeBlocks8(c conv, signed bool, perm Mem) {
	typ, o := "U8", outU8
	if signed {
		typ, o = "I8", outI8
	}
	zQuantizeBlocks(fmt.Sprintf("avx512QuantizeBlocks%s%s", typ, c), c, o, perm)
}

// zQuantizeBlocks emits one blocked quantize kernel; table is the
// VPERMT2B gather (int4) or the VPERMD order (int8, uint8).
func zQuantizeBlocks(name string, c conv, o blkOut, table Mem) {
	hiFirst := o == outI4Hi
	dstStep := i4Chunk / 2
	if o == outI8 || o == outU8 {
		dstStep = i4Chunk
	}
	Implement(name)
	Attributes(NOSPLIT)
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	block := Load(Param("block"), GP64())
	nblocks := Load(Param("nblocks"), GP64())
	ps := Load(Param("ps"), GP64())
	gidx := ZMM()
	VMOVDQU8(table, gidx)
	var nib reg.VecVirtual
	switch o {
	case outI4Lo:
		nib = zConst32(0x0f)
	case outI4Hi:
		nib = zConst32(0xf0)
	}
	two25 := zConst32(0x4c000000) // 2^25
	oneX := XMM()
	{
		t := GP32()
		MOVL(U32(0x3f800000), t)
		VMOVD(t, oneX)
	}
	s, y, cl, zf, z, lo, hi := ZMM(), ZMM(), ZMM(), ZMM(), ZMM(), ZMM(), ZMM()
	exact := GP8()
	setup := func() {
		VBROADCASTSS(Mem{Base: ps}, s)
		VPBROADCASTD(Mem{Base: ps, Disp: 8}, lo)
		VPBROADCASTD(Mem{Base: ps, Disp: 12}, hi)
		VPBROADCASTD(Mem{Base: ps, Disp: 4}, z)
		if c == seed {
			VCVTDQ2PS(z, zf)
		}
		// y = RN(1/s): the PyTorch multiplier, or Markstein's reciprocal.
		yx := XMM()
		VDIVSS(Mem{Base: ps}, oneX, yx)
		VBROADCASTSS(yx, y)
		if c != pytorch {
			VMULPS(two25, s, cl) // c = s*2^25, exact
			// exact = 2^-100 <= s <= 2^100 (s is positive and normal):
			// bits(s) - bits(2^-100) <= bits(2^100) - bits(2^-100).
			b := GP32()
			MOVL(Mem{Base: ps}, b)
			SUBL(U32(0x0d800000), b)
			CMPL(b, U32(0x71800000-0x0d800000))
			SETLS(exact)
		}
	}
	codes := func(x reg.VecVirtual, div bool) reg.VecVirtual {
		ko := K()
		VCMPPS(U8(7), x, x, ko)
		var r reg.VecVirtual
		switch {
		case c == pytorch:
			r = x
			VMULPS_Z(y, x, ko, r)
			VRANGEPS(U8(2), two25, r, r) // clamp to ±2^25 (±Inf included)
		case div:
			r = x
			VDIVPS_Z(s, x, ko, r)
		default:
			VRANGEPS_Z(U8(2), cl, x, ko, x)
			r = markstein(qconsts{k: s, y: y}, x)
		}
		if c == seed {
			VADDPS(zf, r, r)
		}
		if div {
			VRANGEPS(U8(2), two25, r, r)
		}
		VCVTPS2DQ(r, r)
		if c != seed {
			VPADDD(z, r, r) // |r| <= 2^25 + 2^23
		}
		VPMAXSD(lo, r, r)
		VPMINSD(hi, r, r)
		return r
	}
	chunk := func(div bool) {
		var r [2]reg.VecVirtual
		for j := range r {
			x := ZMM()
			VMOVUPS(Mem{Base: src, Disp: 64 * j}, x)
			r[j] = codes(x, div)
			if o == outI8 || o == outU8 {
				continue
			}
			t := ZMM()
			if hiFirst {
				VPSLLQ(U8(4), r[j], r[j]) // c0 in bits 4-7, c1 in 36-39
				VPSRLQ(U8(36), r[j], t)
			} else {
				VPSRLQ(U8(28), r[j], t) // c1 in bits 4-7
			}
			VPTERNLOGD(U8(0xe4), nib, t, r[j]) // nib ? r : t
		}
		switch o {
		case outI8, outU8:
			// Per 128-bit lane L the packs leave r0[4L..4L+3] in dword 4L
			// and r1[4L..4L+3] in dword 4L+1; VPERMD puts them in order.
			VPACKSSDW(r[1], r[0], r[0])
			if o == outI8 {
				VPACKSSWB(r[0], r[0], r[0])
			} else {
				VPACKUSWB(r[0], r[0], r[0])
			}
			VPERMD(r[0], gidx, r[0])
			VMOVDQU32(r[0].AsY(), Mem{Base: dst})
		default:
			VPERMT2B(r[1], gidx, r[0])
			VMOVDQU32(r[0].AsX(), Mem{Base: dst})
		}
	}
	if c == pytorch {
		blockLoopZ(block, nblocks, ps, []reg.Register{src, dst}, []int{8, 2 * dstStep / i4Chunk}, setup, func() { chunk(false) })
	} else {
		// The exact and division bodies as two loops over blocks, each
		// leaving for the other when a block's scale needs it.
		Label("block")
		setup()
		TESTB(exact, exact)
		JZ(LabelRef("divblock"))
		i := GP64()
		MOVQ(block, i)
		Label("chunk")
		chunk(false)
		ADDQ(U32(4*i4Chunk), src)
		ADDQ(U32(dstStep), dst)
		SUBQ(U32(i4Chunk), i)
		JNZ(LabelRef("chunk"))
		Label("next")
		ADDQ(U32(paramsSize), ps)
		DECQ(nblocks)
		JNZ(LabelRef("block"))
		JMP(LabelRef("done"))
		Label("divblock")
		MOVQ(block, i)
		Label("divchunk")
		chunk(true)
		ADDQ(U32(4*i4Chunk), src)
		ADDQ(U32(dstStep), dst)
		SUBQ(U32(i4Chunk), i)
		JNZ(LabelRef("divchunk"))
		JMP(LabelRef("next"))
		Label("done")
	}
	VZEROUPPER()
	RET()
}

// zDequantizeBlocksI4 emits avx512DequantizeBlocksI4{U,S}{Lo,Hi}: per 16
// elements one VPMULTISHIFTQB takes each element's nibble from the 8
// source bytes (broadcast from memory) into the low bits of its dword,
// VPTERNLOGD keeps those 4 bits (and flips bit 3 for signed nibbles,
// giving q+8), then float32(u - z') * s with z' = z (+8), exact as
// float32(q - z) because |q - z| < 2^24.
func zDequantizeBlocksI4(signed, hiFirst bool, ctrlLo, ctrlHi Mem) {
	name := "avx512DequantizeBlocksI4U"
	if signed {
		name = "avx512DequantizeBlocksI4S"
	}
	ctrlMem := ctrlLo
	if hiFirst {
		name += "Hi"
		ctrlMem = ctrlHi
	} else {
		name += "Lo"
	}
	Implement(name)
	Attributes(NOSPLIT)
	dst := Load(Param("dst"), GP64())
	src := Load(Param("src"), GP64())
	block := Load(Param("block"), GP64())
	nblocks := Load(Param("nblocks"), GP64())
	ps := Load(Param("ps"), GP64())
	ctrl := ZMM()
	VMOVDQU8(ctrlMem, ctrl)
	mask := zConst32(0x0f)
	// Fast blocks (z' = z [+8] <= 2^23, so m = 2^23 + z' is exact): one
	// VPTERNLOGD makes the float 2^23 + u' (u' = u, or u^8 = q+8) from the
	// nibble, and (2^23 + u') - m = q - z exactly: no conversion.
	magicBits, limit, bias := uint32(0x4b000000), uint32(1<<23), uint32(0x4b000000) // bias: 2^23
	if signed {
		magicBits, limit, bias = 0x4b000008, 1<<23-8, 0x4b000008 // 2^23 + 8
	}
	magic := zConst32(magicBits)
	biasF := zConst32(bias)
	var eight, eightF reg.VecVirtual
	if signed {
		eight = zConst32(8)
		eightF = zConst32(0x41000000) // 8.0
	}
	s, m := ZMM(), ZMM()
	zr := GP32()
	Label("block")
	VBROADCASTSS(Mem{Base: ps}, s)
	VCVTDQ2PS_BCST(Mem{Base: ps, Disp: 4}, m) // float32(z), exact
	i := GP64()
	MOVQ(block, i)
	MOVL(Mem{Base: ps, Disp: 4}, zr)
	CMPL(zr, U32(limit))
	JG(LabelRef("slow"))
	VADDPS(biasF, m, m) // m = 2^23 + z', exact: 0 <= m <= 2^24
	Label("chunk")
	for j := range 2 {
		v := ZMM()
		VPMULTISHIFTQB_BCST(Mem{Base: src, Disp: 8 * j}, ctrl, v)
		VPTERNLOGD(U8(0x6a), magic, mask, v) // (v & 0x0f) ^ magic: 2^23 + u'
		VSUBPS(m, v, v)                      // u' - z' = q - z, exact
		VMULPS(s, v, v)
		VMOVUPS(v, Mem{Base: dst, Disp: 64 * j})
	}
	ADDQ(U32(i4Chunk/2), src)
	ADDQ(U32(4*i4Chunk), dst)
	SUBQ(U32(i4Chunk), i)
	JNZ(LabelRef("chunk"))
	Label("next")
	ADDQ(U32(paramsSize), ps)
	DECQ(nblocks)
	JNZ(LabelRef("block"))
	JMP(LabelRef("done"))

	// Slow blocks: convert u' and subtract float32(z) [+ 8].
	Label("slow")
	if signed {
		VADDPS(eightF, m, m) // z + 8, exact: |z| <= 2^23
	}
	Label("slowchunk")
	for j := range 2 {
		v := ZMM()
		VPMULTISHIFTQB_BCST(Mem{Base: src, Disp: 8 * j}, ctrl, v)
		if signed {
			VPTERNLOGD(U8(0x6a), eight, mask, v) // (v & 0x0f) ^ 8
		} else {
			VPANDD(mask, v, v)
		}
		VCVTDQ2PS(v, v)
		VSUBPS(m, v, v)
		VMULPS(s, v, v)
		VMOVUPS(v, Mem{Base: dst, Disp: 64 * j})
	}
	ADDQ(U32(i4Chunk/2), src)
	ADDQ(U32(4*i4Chunk), dst)
	SUBQ(U32(i4Chunk), i)
	JNZ(LabelRef("slowchunk"))
	JMP(LabelRef("next"))
	Label("done")
	VZEROUPPER()
	RET()
}
