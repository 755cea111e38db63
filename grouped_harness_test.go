package quant

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// The grouped kernels fields under the differential harness
// (harness_test.go): every implementation other than generic, plus the
// "composed" one, against the generic kernel on guarded, misaligned
// buffers — every length 0..70 and some longer, blocks 1..n, source and
// destination offsets — checking the bits, the guards on both sides and
// that the sources are unchanged. Mutants show the checks can fail.

// grpKernelDiff runs one grouped kernel of m and of generic on the same
// inputs and returns the first difference.
func grpKernelDiff(m *Impl, rng *rand.Rand, n, block, sOff, dOff int) error {
	nps := (n + block - 1) / block
	vals := grpRandData(rng, n, true)
	salt := rng.Uint32()
	for _, kind := range []struct {
		name   string
		lo, hi int32
	}{{"I8", -128, 127}, {"U8", 0, 255}, {"I4", -8, 7}, {"U4", 0, 15}} {
		ps := grpRandParams(rng, nps, kind.lo, kind.hi)
		where := func(k string) string {
			return fmt.Sprintf("%s %s%s n=%d block=%d srcOff=%d dstOff=%d", m.Name(), k, kind.name, n, block, sOff, dOff)
		}
		src := srcBuf(vals, sOff)
		switch kind.name {
		case "I8", "U8":
			var err error
			if kind.name == "I8" {
				err = grpDiffBlocks(where, src, n, dOff, salt, func(k kernels, dst []int8, s []float32) { k.quantizeBlocksI8(dst, s, block, ps) }, m)
			} else {
				err = grpDiffBlocks(where, src, n, dOff, salt, func(k kernels, dst []uint8, s []float32) { k.quantizeBlocksU8(dst, s, block, ps) }, m)
			}
			if err != nil {
				return err
			}
			// Dequantize the generic codes back.
			if kind.name == "I8" {
				codes := make([]int8, n)
				genericKernels.quantizeBlocksI8(codes, vals, block, ps)
				err = grpDiffBlocks(where, srcBuf(codes, sOff), n, dOff, salt, func(k kernels, dst []float32, s []int8) { k.dequantizeBlocksI8(dst, s, block, ps) }, m)
			} else {
				codes := make([]uint8, n)
				genericKernels.quantizeBlocksU8(codes, vals, block, ps)
				err = grpDiffBlocks(where, srcBuf(codes, sOff), n, dOff, salt, func(k kernels, dst []float32, s []uint8) { k.dequantizeBlocksU8(dst, s, block, ps) }, m)
			}
			if err != nil {
				return err
			}
		default:
			for _, h := range []NibbleOrder{LowFirst, HighFirst} {
				if err := grpDiffBlocksN(where, src, PackedLen(n), dOff, salt, func(k kernels, dst []uint8, s []float32) { k.quantizeBlocksI4(dst, s, block, ps, h) }, m); err != nil {
					return err
				}
				packed := make([]uint8, PackedLen(n))
				genericKernels.quantizeBlocksI4(packed, vals, block, ps, h)
				if n%2 == 1 && rng.IntN(2) == 0 {
					packed[n/2] |= 0xF0 >> (4 * int(h)) // a nonzero unused nibble must be ignored
				}
				signed := zeroExtend
				if kind.name == "I4" {
					signed = signExtend
				}
				if err := grpDiffBlocksN(where, srcBuf(packed, sOff), n, dOff, salt, func(k kernels, dst []float32, s []uint8) { k.dequantizeBlocksI4(dst, s, block, ps, signed, h) }, m); err != nil {
					return err
				}
			}
		}
	}
	// MinMaxColumns: accumulators with arbitrary starting values.
	lo0, hi0 := grpRandData(rng, n, true), grpRandData(rng, n, true)
	for i := range lo0 {
		if lo0[i] != lo0[i] {
			lo0[i] = posInf // accumulators never hold NaN
		}
		if hi0[i] != hi0[i] {
			hi0[i] = negInf
		}
	}
	wlo, whi := append([]float32(nil), lo0...), append([]float32(nil), hi0...)
	wfin := genericKernels.minMaxColumns(wlo, whi, vals)
	src := srcBuf(vals, sOff)
	glo, ghi := dstBuf[float32](n, dOff, salt), dstBuf[float32](n, (dOff+1)%4, salt+1)
	copy(glo.window(), lo0)
	copy(ghi.window(), hi0)
	glo.freeze()
	ghi.freeze()
	var fin bool
	where := fmt.Sprintf("%s MinMaxColumns n=%d srcOff=%d dstOff=%d", m.Name(), n, sOff, dOff)
	if err := call(func() { fin = m.k.minMaxColumns(glo.window(), ghi.window(), src.window()) }); err != nil {
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

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// grpDiffBlocks compares an elementwise grouped kernel writing
// len(src) outputs.
func grpDiffBlocks[D, S elem](where func(string) string, src *buf[S], n, dOff int, salt uint32, f func(kernels, []D, []S), m *Impl) error {
	return grpDiffBlocksN(where, src, n, dOff, salt, f, m)
}

// grpDiffBlocksN runs f with generic into a plain slice and with m into a
// guarded dst of nOut elements, and compares bits, guards and the source.
func grpDiffBlocksN[D, S elem](where func(string) string, src *buf[S], nOut, dOff int, salt uint32, f func(kernels, []D, []S), m *Impl) error {
	var k string
	var z D
	switch any(z).(type) {
	case float32:
		k = "DequantizeBlocks"
	default:
		k = "QuantizeBlocks"
	}
	want := make([]D, nOut)
	if err := call(func() { f(genericKernels, want, src.window()) }); err != nil {
		return fmt.Errorf("%s: generic: %v", where(k), err)
	}
	d := dstBuf[D](nOut, dOff, salt)
	if err := call(func() { f(*m.k, d.window(), src.window()) }); err != nil {
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

// grpSweep runs grpKernelDiff over lengths, blocks and offsets.
func grpSweep(m *Impl, seed uint64) error {
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
			if err := grpKernelDiff(m, rng, n, b, off, (off+1+rng.IntN(3))%4); err != nil {
				return err
			}
		}
	}
	return nil
}

func TestGroupedKernelsHarness(t *testing.T) {
	for _, m := range grpTestImpls() {
		if m == refImpl() {
			continue
		}
		t.Run(m.Name(), func(t *testing.T) {
			if err := grpSweep(m, 1); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestGroupedHarnessCatchesMutants: kernels that over-write, read the wrong
// Params or swap nibbles are reported.
func TestGroupedHarnessCatchesMutants(t *testing.T) {
	mutants := map[string]func(k *kernels){
		"QuantizeBlocksI4 writes a byte past the end": func(k *kernels) {
			k.quantizeBlocksI4 = func(dst []uint8, src []float32, block int, ps []Params, h NibbleOrder) {
				quantizeBlocksI4Generic(dst, src, block, ps, h)
				if n := (len(src) + 1) / 2; n < cap(dst) {
					dst[:n+1][n] = 0
				}
			}
		},
		"DequantizeBlocksI4 uses the next block's Params": func(k *kernels) {
			k.dequantizeBlocksI4 = func(dst []float32, src []uint8, block int, ps []Params, s nibbleExt, h NibbleOrder) {
				if len(ps) > 1 {
					ps = append(append([]Params(nil), ps[1:]...), ps[0])
				}
				dequantizeBlocksI4Generic(dst, src, block, ps, s, h)
			}
		},
		"QuantizeBlocksI8 ignores the last short block": func(k *kernels) {
			k.quantizeBlocksI8 = func(dst []int8, src []float32, block int, ps []Params) {
				full := len(src) / block * block
				quantizeBlocks8Generic[int8](dst, src[:full], block, ps[:full/block])
			}
		},
		"MinMaxColumns replaces a -0 accumulator": func(k *kernels) {
			k.minMaxColumns = func(lo, hi []float32, row []float32) bool {
				f := minMaxColumnsGeneric(lo, hi, row)
				for i := range lo {
					if lo[i] == 0 {
						lo[i] = 0
					}
				}
				return f
			}
		},
	}
	for name, edit := range mutants {
		k := genericKernels
		edit(&k)
		m := newTestImpl("mutant", k)
		err := grpSweep(m, 2)
		if err == nil {
			t.Errorf("mutant %q not caught", name)
			continue
		}
		t.Logf("%s: %v", name, err)
	}
}
