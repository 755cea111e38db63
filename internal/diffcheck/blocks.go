package diffcheck

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/quantkernel/quant"
)

// Blocks is the table of raw grouped kernels of one implementation, for
// the tests of package quant, which build it from the unexported kernel
// table (export_test.go): at this level blocks of any size, the
// per-column accumulators of MinMaxColumns with arbitrary starting values,
// and the per-block Params are reached directly, not only through the
// shapes the Layout forms produce. The contracts are those of
// kernel_generic_blocked.go.
type Blocks struct {
	Name          string
	QuantizeI8    func(dst []int8, src []float32, block int, ps []quant.Params)
	QuantizeU8    func(dst []uint8, src []float32, block int, ps []quant.Params)
	DequantizeI8  func(dst []float32, src []int8, block int, ps []quant.Params)
	DequantizeU8  func(dst []float32, src []uint8, block int, ps []quant.Params)
	QuantizeI4    func(dst []uint8, src []float32, block int, ps []quant.Params, o quant.NibbleOrder)
	DequantizeI4  func(dst []float32, src []uint8, block int, ps []quant.Params, signed bool, o quant.NibbleOrder)
	MinMaxColumns func(lo, hi, row []float32) (finite bool)
}

// BlocksCase runs every raw grouped kernel of m and of ref on the same
// inputs (n elements in blocks of block, src at sOff, dst at dOff) and
// returns the first difference.
func BlocksCase(m, ref Blocks, rng *rand.Rand, n, block, sOff, dOff int) error {
	nps := (n + block - 1) / block
	vals := groupData(rng, n, true)
	salt := rng.Uint32()
	for _, kind := range []struct {
		name   string
		lo, hi int32
	}{{"I8", -128, 127}, {"U8", 0, 255}, {"I4", -8, 7}, {"U4", 0, 15}} {
		ps := groupParams(rng, nps, kind.lo, kind.hi)
		where := func(k string) string {
			return fmt.Sprintf("%s %s%s n=%d block=%d srcOff=%d dstOff=%d", m.Name, k, kind.name, n, block, sOff, dOff)
		}
		src := srcBuf(vals, sOff)
		switch kind.name {
		case "I8", "U8":
			var err error
			if kind.name == "I8" {
				err = grpDiffBlocks(where, src, n, dOff, salt, func(k Blocks, dst []int8, s []float32) { k.QuantizeI8(dst, s, block, ps) }, m, ref)
			} else {
				err = grpDiffBlocks(where, src, n, dOff, salt, func(k Blocks, dst []uint8, s []float32) { k.QuantizeU8(dst, s, block, ps) }, m, ref)
			}
			if err != nil {
				return err
			}
			// Dequantize the generic codes back.
			if kind.name == "I8" {
				codes := make([]int8, n)
				ref.QuantizeI8(codes, vals, block, ps)
				err = grpDiffBlocks(where, srcBuf(codes, sOff), n, dOff, salt, func(k Blocks, dst []float32, s []int8) { k.DequantizeI8(dst, s, block, ps) }, m, ref)
			} else {
				codes := make([]uint8, n)
				ref.QuantizeU8(codes, vals, block, ps)
				err = grpDiffBlocks(where, srcBuf(codes, sOff), n, dOff, salt, func(k Blocks, dst []float32, s []uint8) { k.DequantizeU8(dst, s, block, ps) }, m, ref)
			}
			if err != nil {
				return err
			}
		default:
			for _, h := range []quant.NibbleOrder{quant.LowFirst, quant.HighFirst} {
				if err := grpDiffBlocksN(where, src, quant.PackedLen(n), dOff, salt, func(k Blocks, dst []uint8, s []float32) { k.QuantizeI4(dst, s, block, ps, h) }, m, ref); err != nil {
					return err
				}
				packed := make([]uint8, quant.PackedLen(n))
				ref.QuantizeI4(packed, vals, block, ps, h)
				if n%2 == 1 && rng.IntN(2) == 0 {
					packed[n/2] |= 0xF0 >> (4 * int(h)) // a nonzero unused nibble must be ignored
				}
				signed := kind.name == "I4"
				if err := grpDiffBlocksN(where, srcBuf(packed, sOff), n, dOff, salt, func(k Blocks, dst []float32, s []uint8) { k.DequantizeI4(dst, s, block, ps, signed, h) }, m, ref); err != nil {
					return err
				}
			}
		}
	}
	// MinMaxColumns: accumulators with arbitrary starting values.
	lo0, hi0 := groupData(rng, n, true), groupData(rng, n, true)
	for i := range lo0 {
		if lo0[i] != lo0[i] {
			lo0[i] = float32(math.Inf(1)) // accumulators never hold NaN
		}
		if hi0[i] != hi0[i] {
			hi0[i] = float32(math.Inf(-1))
		}
	}
	wlo, whi := append([]float32(nil), lo0...), append([]float32(nil), hi0...)
	wfin := ref.MinMaxColumns(wlo, whi, vals)
	src := srcBuf(vals, sOff)
	glo, ghi := dstBuf[float32](n, dOff, salt), dstBuf[float32](n, (dOff+1)%4, salt+1)
	copy(glo.window(), lo0)
	copy(ghi.window(), hi0)
	glo.freeze()
	ghi.freeze()
	var fin bool
	where := fmt.Sprintf("%s MinMaxColumns n=%d srcOff=%d dstOff=%d", m.Name, n, sOff, dOff)
	if err := call(func() { fin = m.MinMaxColumns(glo.window(), ghi.window(), src.window()) }); err != nil {
		return fmt.Errorf("%s: %v", where, err)
	}
	if fin != wfin {
		return fmt.Errorf("%s: finite %v, generic %v", where, fin, wfin)
	}
	for i := range n {
		if !bitsEqual32(glo.window()[i], wlo[i]) || !bitsEqual32(ghi.window()[i], whi[i]) {
			return fmt.Errorf("%s: column %d: [%v, %v], generic [%v, %v]", where, i, glo.window()[i], ghi.window()[i], wlo[i], whi[i])
		}
	}
	for _, err := range []error{glo.check("lo"), ghi.check("hi"), src.check("row")} {
		if err != nil {
			return fmt.Errorf("%s: %v", where, err)
		}
	}
	return nil
}

// grpDiffBlocks compares an elementwise grouped kernel writing
// len(src) outputs.
func grpDiffBlocks[D, S elem](where func(string) string, src *buf[S], n, dOff int, salt uint32, f func(Blocks, []D, []S), m, ref Blocks) error {
	return grpDiffBlocksN(where, src, n, dOff, salt, f, m, ref)
}

// grpDiffBlocksN runs f with generic into a plain slice and with m into a
// guarded dst of nOut elements, and compares bits, guards and the source.
func grpDiffBlocksN[D, S elem](where func(string) string, src *buf[S], nOut, dOff int, salt uint32, f func(Blocks, []D, []S), m, ref Blocks) error {
	var k string
	var z D
	switch any(z).(type) {
	case float32:
		k = "DequantizeBlocks"
	default:
		k = "QuantizeBlocks"
	}
	want := make([]D, nOut)
	if err := call(func() { f(ref, want, src.window()) }); err != nil {
		return fmt.Errorf("%s: generic: %v", where(k), err)
	}
	d := dstBuf[D](nOut, dOff, salt)
	if err := call(func() { f(m, d.window(), src.window()) }); err != nil {
		return fmt.Errorf("%s: %v", where(k), err)
	}
	for i, w := range want {
		if !sameBits(d.window()[i], w) {
			return fmt.Errorf("%s: dst[%d] = %s, generic %s", where(k), i, fmtElem(d.window()[i]), fmtElem(w))
		}
	}
	if err := d.check("dst"); err != nil {
		return fmt.Errorf("%s: %v", where(k), err)
	}
	if err := src.check("src"); err != nil {
		return fmt.Errorf("%s: %v", where(k), err)
	}
	return nil
}

// BlocksSweep runs BlocksCase over lengths 0..70 and longer, blocks 1..n+1
// and offsets.
func BlocksSweep(m, ref Blocks, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 99))
	lengths := []int{}
	for n := range 71 {
		lengths = append(lengths, n)
	}
	lengths = append(lengths, 127, 128, 129, 255, 256, 257, 1000, 2049, 4100)
	for _, n := range lengths {
		blocks := []int{1, 2, 3, 8, 16, 31, 32, 64, 256, max(n, 1), n + 1}
		for _, b := range blocks {
			off := rng.IntN(4)
			if err := BlocksCase(m, ref, rng, n, b, off, (off+1+rng.IntN(3))%4); err != nil {
				return err
			}
		}
	}
	return nil
}
