//go:build amd64 && gc && !purego && linux

package quant

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// i4GuardParams returns per-block int4 Params: bounds inside -8..7 or
// 0..15, scales of randParams (tiny to huge, powers of two), zero points
// small or ±MaxZero (Lo-z, Hi-z far from the bounds), and the convention
// c, or a random one per block if c < 0.
func i4GuardParams(r *rand.Rand, nps int, c int) []Params {
	ps := make([]Params, nps)
	signed := r.IntN(2) == 0
	for j := range ps {
		conv := Convention(c)
		if c < 0 {
			conv = Convention(r.IntN(3))
		}
		p := randParams(r, signed, conv)
		lo, hi := int32(0), int32(15)
		if signed {
			lo, hi = -8, 7
		}
		a, b := lo+r.Int32N(hi-lo+1), lo+r.Int32N(hi-lo+1)
		if r.IntN(2) == 0 {
			a, b = lo, hi
		}
		p.Lo, p.Hi = min(a, b), max(a, b)
		switch r.IntN(4) {
		case 0:
			p.Zero = MaxZero
		case 1:
			p.Zero = -MaxZero
		default:
			p.Zero = lo + r.Int32N(hi-lo+1)
		}
		if err := p.Validate(); err != nil {
			panic(err)
		}
		ps[j] = p
	}
	return ps
}

// TestAVX2BlockedI4GuardPages runs the AVX2 blocked int4 kernels (the
// kernels fields, i.e. the wrappers and the assembly they call) on
// slices that start right after or end right before an inaccessible page,
// for every length 0..300 and even and odd blocks, and compares them with
// generic: any read or write outside the slices crashes the test.
func TestAVX2BlockedI4GuardPages(t *testing.T) {
	g, a := avx2ForTest(t)
	in, pk, out := guarded(t, 2), guarded(t, 2), guarded(t, 2)
	r := rand.New(rand.NewPCG(21, 22))
	for n := 0; n <= 300; n++ {
		for _, blk := range []int{8, 9, 10, 12, 14, 16, 18, 24, 30, 32, 34, 40, 48, 64, 66, 100, 128, max(n, 1), n + 1, n + 2} {
			for _, atEnd := range []bool{false, true} {
				at := func(b []byte, size, cnt int) int {
					if atEnd {
						return len(b) - cnt*size
					}
					return 0
				}
				src := f32s(in, at(in, 4, n), n)
				fillFloats(r, src, 0.1)
				nps := (n + blk - 1) / blk
				ps := i4GuardParams(r, nps, r.IntN(4)-1)
				np := PackedLen(n)
				packed := pk[at(pk, 1, np) : at(pk, 1, np)+np]
				where := fmt.Sprintf("n=%d block=%d atEnd=%v", n, blk, atEnd)
				for _, h := range []NibbleOrder{LowFirst, HighFirst} {
					want := make([]uint8, np)
					g.k.quantizeBlocksI4(want, src, blk, ps, h)
					a.k.quantizeBlocksI4(packed, src, blk, ps, h)
					if string(want) != string(packed) {
						t.Fatalf("QuantizeBlocksI4 %s hiFirst=%v: %x, generic %x", where, h, packed, want)
					}
					if n%2 == 1 {
						packed[np-1] |= 0xF0 >> (4 * int(h)) // the unused nibble is ignored
					}
					for _, signed := range []nibbleExt{zeroExtend, signExtend} {
						wf := make([]float32, n)
						g.k.dequantizeBlocksI4(wf, packed, blk, ps, signed, h)
						df := f32s(out, at(out, 4, n), n)
						a.k.dequantizeBlocksI4(df, packed, blk, ps, signed, h)
						for i := range wf {
							if math.Float32bits(wf[i]) != math.Float32bits(df[i]) {
								t.Fatalf("DequantizeBlocksI4 %s signed=%v hiFirst=%v: dst[%d] = %v, generic %v", where, signed, h, i, df[i], wf[i])
							}
						}
					}
				}
			}
		}
	}
}

// TestAVX2Blocked8GuardPages is TestAVX2BlockedI4GuardPages for the
// blocked int8 and uint8 kernels (any block >= 8 is assembly).
func TestAVX2Blocked8GuardPages(t *testing.T) {
	g, a := avx2ForTest(t)
	in, qb, out := guarded(t, 2), guarded(t, 2), guarded(t, 2)
	r := rand.New(rand.NewPCG(23, 24))
	for n := 0; n <= 300; n++ {
		for _, blk := range []int{1, 2, 7, 8, 9, 13, 16, 31, 32, 33, 40, 63, 64, 100, max(n, 1), n + 1} {
			for _, atEnd := range []bool{false, true} {
				at := func(b []byte, size int) int {
					if atEnd {
						return len(b) - n*size
					}
					return 0
				}
				src := f32s(in, at(in, 4), n)
				fillFloats(r, src, 0.1)
				q := qb[at(qb, 1) : at(qb, 1)+n]
				nps := (n + blk - 1) / blk
				where := fmt.Sprintf("n=%d block=%d atEnd=%v", n, blk, atEnd)
				for _, signed := range []bool{false, true} {
					ps := make([]Params, nps)
					c := r.IntN(5) - 2
					for j := range ps {
						conv := Convention(c)
						switch c {
						case -1: // a random convention per block
							conv = Convention(r.IntN(3))
						case -2: // runs of 11 (block 1: runs the assembly takes, and a short one)
							conv = Convention(j / 11 % 3)
						}
						ps[j] = randParams(r, signed, conv)
					}
					want := make([]uint8, n)
					wf := make([]float32, n)
					df := f32s(out, at(out, 4), n)
					if signed {
						g.k.quantizeBlocksI8(bytesAsInt8(want), src, blk, ps)
						a.k.quantizeBlocksI8(bytesAsInt8(q), src, blk, ps)
					} else {
						g.k.quantizeBlocksU8(want, src, blk, ps)
						a.k.quantizeBlocksU8(q, src, blk, ps)
					}
					if string(want) != string(q) {
						t.Fatalf("QuantizeBlocks signed=%v %s: %x, generic %x", signed, where, q, want)
					}
					for i := range q {
						q[i] = uint8(r.Uint32()) // any byte dequantizes
					}
					if signed {
						g.k.dequantizeBlocksI8(wf, bytesAsInt8(q), blk, ps)
						a.k.dequantizeBlocksI8(df, bytesAsInt8(q), blk, ps)
					} else {
						g.k.dequantizeBlocksU8(wf, q, blk, ps)
						a.k.dequantizeBlocksU8(df, q, blk, ps)
					}
					for i := range wf {
						if math.Float32bits(wf[i]) != math.Float32bits(df[i]) {
							t.Fatalf("DequantizeBlocks signed=%v %s: dst[%d] = %v, generic %v", signed, where, i, df[i], wf[i])
						}
					}
				}
			}
		}
	}
}

// TestAVX2MinMaxColumnsGuardPages: MinMaxColumns at page edges, every
// length 0..300, accumulators with ±0, ±Inf and ordinary values.
func TestAVX2MinMaxColumnsGuardPages(t *testing.T) {
	g, a := avx2ForTest(t)
	in, lb, hb := guarded(t, 2), guarded(t, 2), guarded(t, 2)
	r := rand.New(rand.NewPCG(25, 26))
	for n := 0; n <= 300; n++ {
		for _, atEnd := range []bool{false, true} {
			off := func(b []byte) int {
				if atEnd {
					return len(b) - 4*n
				}
				return 0
			}
			row, lo, hi := f32s(in, off(in), n), f32s(lb, off(lb), n), f32s(hb, off(hb), n)
			fillFloats(r, row, 1)
			fillFloats(r, lo, 1)
			fillFloats(r, hi, 1)
			for i := range lo {
				if lo[i] != lo[i] {
					lo[i] = posInf
				}
				if hi[i] != hi[i] {
					hi[i] = negInf
				}
			}
			wlo, whi := append([]float32(nil), lo...), append([]float32(nil), hi...)
			wf := g.k.minMaxColumns(wlo, whi, row)
			if f := a.k.minMaxColumns(lo, hi, row); f != wf {
				t.Fatalf("n=%d atEnd=%v: finite %v, generic %v", n, atEnd, f, wf)
			}
			for i := range n {
				if math.Float32bits(lo[i]) != math.Float32bits(wlo[i]) || math.Float32bits(hi[i]) != math.Float32bits(whi[i]) {
					t.Fatalf("n=%d atEnd=%v: column %d: [%v, %v], generic [%v, %v]", n, atEnd, i, lo[i], hi[i], wlo[i], whi[i])
				}
			}
		}
	}
}
