//go:build linux

package diffcheck

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime/debug"
	"unsafe"

	"github.com/quantkernel/quant"
	"github.com/quantkernel/quant/internal/guardpage"
)

// The raw grouped kernels at guard pages (for the tests of package quant,
// which build Blocks from the kernel table): the source, the destination,
// the Params and the MinMaxColumns accumulators each end at, or start
// right after, a PROT_NONE page.

func errorf(m Blocks, format string, args ...any) error {
	return fmt.Errorf(m.Name+" "+format, args...)
}

// blockParams returns nps Params with bounds inside lo..hi (the full
// range or a random narrower one), scales from tiny to huge including
// powers of two (exact ties), zero points inside the bounds, just outside,
// or ±MaxZero, and the convention c, or a random one per block if c < 0.
func blockParams(r *rand.Rand, nps int, lo, hi int32, c int) []quant.Params {
	ps := make([]quant.Params, nps)
	for j := range ps {
		conv := quant.Convention(c)
		if c < 0 {
			conv = quant.Convention(r.IntN(3))
		}
		p := quant.Params{Lo: lo, Hi: hi, Convention: conv}
		if r.IntN(3) == 0 {
			a, b := lo+r.Int32N(hi-lo+1), lo+r.Int32N(hi-lo+1)
			p.Lo, p.Hi = min(a, b), max(a, b)
		}
		switch r.IntN(4) {
		case 0:
			p.Scale = float32(math.Ldexp(1, r.IntN(20)-10))
		case 1:
			p.Scale = float32(math.Ldexp(1+r.Float64(), r.IntN(240)-120))
		default:
			p.Scale = float32(r.Float64()*0.1 + 1e-4)
		}
		switch r.IntN(5) {
		case 0:
			p.Zero = quant.MaxZero
		case 1:
			p.Zero = -quant.MaxZero
		case 2:
			p.Zero = lo - 1 + r.Int32N(3)
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

// guardFloats fills x with groupData's mix (specials, ties, normal
// values over many magnitudes) and, for one element in 8, any bit pattern.
func guardFloats(r *rand.Rand, x []float32) {
	copy(x, groupData(r, len(x), true))
	for i := range x {
		if r.IntN(8) == 0 {
			x[i] = math.Float32frombits(r.Uint32())
		}
	}
}

// guardParams returns n Params ending exactly at the trailing guard page
// of g (atTail) or starting right after the leading one, holding ps.
func guardParams(g *guardpage.Region, ps []quant.Params, atTail bool) []quant.Params {
	size := int(unsafe.Sizeof(quant.Params{}))
	off := 0
	if atTail {
		off = len(g.Data) - len(ps)*size
	}
	q := unsafe.Slice((*quant.Params)(unsafe.Add(unsafe.Pointer(unsafe.SliceData(g.Data)), off)), len(ps))
	copy(q, ps)
	return q
}

// GuardBlocks are the blocks BlocksGuardPages runs for n elements: below
// the SIMD kernels' minimum blocks (AVX2 8, NEON 16), odd, multiples of 8
// and 16 and not (the overlapping last group), and n, n+1, n+2 (one block,
// short or not).
func GuardBlocks(n int) []int {
	return []int{1, 2, 8, 9, 10, 12, 14, 15, 16, 17, 18, 24, 30, 31, 32, 34, 40, 48, 64, 66, 100, 128, max(n, 1), n + 1, n + 2}
}

// BlocksGuardPages runs the grouped kernels of m (the kernels
// fields, i.e. the wrappers and the assembly they call) with the source,
// the destination and the Params each right after or right before an
// inaccessible page, for every length 0..maxN and the blocks of
// GuardBlocks, with one convention for all blocks or a random one per
// block, and compares them with generic bit for bit: any read or write
// outside the slices faults, which is reported as an error.
func BlocksGuardPages(m, ref Blocks, maxN int) error {
	var regions [4]*guardpage.Region
	for i := range regions {
		g, err := guardpage.New(4*maxN + 20*(maxN+2))
		if err != nil {
			return err
		}
		defer g.Free()
		regions[i] = g
	}
	in, outB, outF, pr := regions[0], regions[1], regions[2], regions[3]
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	r := rand.New(rand.NewPCG(31, 32))
	for n := 0; n <= maxN; n++ {
		for _, blk := range GuardBlocks(n) {
			for _, atTail := range []bool{false, true} {
				where := fmt.Sprintf("n=%d block=%d atEnd=%v", n, blk, atTail)
				src := place[float32](in, n, atTail)
				guardFloats(r, src)
				nps := (n + blk - 1) / blk
				conv := r.IntN(4) - 1

				// int4, signed and unsigned bounds, both nibble orders.
				for _, signed := range []bool{false, true} {
					lo, hi := int32(0), int32(15)
					if signed {
						lo, hi = -8, 7
					}
					ps := guardParams(pr, blockParams(r, nps, lo, hi, conv), atTail)
					np := quant.PackedLen(n)
					for _, h := range []quant.NibbleOrder{quant.LowFirst, quant.HighFirst} {
						want := make([]uint8, np)
						ref.QuantizeI4(want, src, blk, ps, h)
						got := place[uint8](outB, np, atTail)
						if err := call(func() { m.QuantizeI4(got, src, blk, ps, h) }); err != nil {
							return errorf(m, "QuantizeBlocksI4 %s hiFirst=%v: %v", where, h, err)
						}
						if string(got) != string(want) {
							return errorf(m, "QuantizeBlocksI4 %s signed=%v hiFirst=%v: %x, generic %x", where, signed, h, got, want)
						}
						packed := place[uint8](in, np, atTail)
						for i := range packed {
							packed[i] = uint8(r.Uint32()) // every nibble value, the unused one too
						}
						wf := make([]float32, n)
						ref.DequantizeI4(wf, packed, blk, ps, signed, h)
						df := place[float32](outF, n, atTail)
						if err := call(func() { m.DequantizeI4(df, packed, blk, ps, signed, h) }); err != nil {
							return errorf(m, "DequantizeBlocksI4 %s signed=%v hiFirst=%v: %v", where, signed, h, err)
						}
						for i := range wf {
							if math.Float32bits(df[i]) != math.Float32bits(wf[i]) {
								return errorf(m, "DequantizeBlocksI4 %s signed=%v hiFirst=%v: dst[%d] = %v, generic %v", where, signed, h, i, df[i], wf[i])
							}
						}
						guardFloats(r, src) // packed shared the source's region
					}
				}

				// int8 and uint8.
				for _, signed := range []bool{false, true} {
					lo, hi := int32(0), int32(255)
					if signed {
						lo, hi = -128, 127
					}
					ps := guardParams(pr, blockParams(r, nps, lo, hi, conv), atTail)
					want := make([]uint8, n)
					got := place[uint8](outB, n, atTail)
					var err error
					if signed {
						ref.QuantizeI8(unsafeInt8(want), src, blk, ps)
						err = call(func() { m.QuantizeI8(unsafeInt8(got), src, blk, ps) })
					} else {
						ref.QuantizeU8(want, src, blk, ps)
						err = call(func() { m.QuantizeU8(got, src, blk, ps) })
					}
					if err != nil {
						return errorf(m, "QuantizeBlocks signed=%v %s: %v", signed, where, err)
					}
					if string(got) != string(want) {
						return errorf(m, "QuantizeBlocks signed=%v %s: %x, generic %x", signed, where, got, want)
					}
					q := place[uint8](in, n, atTail)
					for i := range q {
						q[i] = uint8(r.Uint32()) // any byte dequantizes
					}
					wf := make([]float32, n)
					df := place[float32](outF, n, atTail)
					if signed {
						ref.DequantizeI8(wf, unsafeInt8(q), blk, ps)
						err = call(func() { m.DequantizeI8(df, unsafeInt8(q), blk, ps) })
					} else {
						ref.DequantizeU8(wf, q, blk, ps)
						err = call(func() { m.DequantizeU8(df, q, blk, ps) })
					}
					if err != nil {
						return errorf(m, "DequantizeBlocks signed=%v %s: %v", signed, where, err)
					}
					for i := range wf {
						if math.Float32bits(df[i]) != math.Float32bits(wf[i]) {
							return errorf(m, "DequantizeBlocks signed=%v %s: dst[%d] = %v, generic %v", signed, where, i, df[i], wf[i])
						}
					}
					guardFloats(r, src)
				}
			}
		}
	}
	return nil
}

// MinMaxColumnsGuardPages: MinMaxColumns with the row and both
// accumulators at page edges, every length 0..maxN, accumulators holding
// ±0, ±Inf and ordinary values, rows with NaN, ±Inf and ±0.
func MinMaxColumnsGuardPages(m, ref Blocks, maxN int) error {
	var regions [3]*guardpage.Region
	for i := range regions {
		g, err := guardpage.New(4 * maxN)
		if err != nil {
			return err
		}
		defer g.Free()
		regions[i] = g
	}
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	r := rand.New(rand.NewPCG(33, 34))
	zeros := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1))}
	for n := 0; n <= maxN; n++ {
		for _, atTail := range []bool{false, true} {
			row := place[float32](regions[0], n, atTail)
			lo, hi := place[float32](regions[1], n, atTail), place[float32](regions[2], n, atTail)
			guardFloats(r, row)
			guardFloats(r, lo)
			guardFloats(r, hi)
			for i := range n {
				if r.IntN(4) == 0 {
					row[i] = zeros[r.IntN(2)]
				}
				if r.IntN(4) == 0 {
					lo[i] = zeros[r.IntN(len(zeros))]
				}
				if r.IntN(4) == 0 {
					hi[i] = zeros[r.IntN(len(zeros))]
				}
				if lo[i] != lo[i] {
					lo[i] = float32(math.Inf(1)) // accumulators never hold NaN
				}
				if hi[i] != hi[i] {
					hi[i] = float32(math.Inf(-1))
				}
			}
			if r.IntN(3) == 0 { // all finite
				for i := range row {
					if row[i]-row[i] != 0 {
						row[i] = 1
					}
				}
			}
			wlo, whi := append([]float32(nil), lo...), append([]float32(nil), hi...)
			wf := ref.MinMaxColumns(wlo, whi, row)
			var f bool
			if err := call(func() { f = m.MinMaxColumns(lo, hi, row) }); err != nil {
				return errorf(m, "n=%d atEnd=%v: %v", n, atTail, err)
			}
			if f != wf {
				return errorf(m, "n=%d atEnd=%v: finite %v, generic %v", n, atTail, f, wf)
			}
			for i := range n {
				if math.Float32bits(lo[i]) != math.Float32bits(wlo[i]) || math.Float32bits(hi[i]) != math.Float32bits(whi[i]) {
					return errorf(m, "n=%d atEnd=%v: column %d: [%v, %v], generic [%v, %v]", n, atTail, i, lo[i], hi[i], wlo[i], whi[i])
				}
			}
		}
	}
	return nil
}
