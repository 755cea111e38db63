//go:build gc && !purego

package ggml

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
)

// TestNEONStops: each kernel does the blocks before the first one that
// needs the reference, returns their number and writes nothing of that
// block or after it (quantize: 1/d overflows; dequantize: a ±Inf or NaN
// scale); the wrappers' results are checked against the reference by
// simd_test.go.
func TestNEONStops(t *testing.T) {
	if !hasNEON {
		t.Skip("no ASIMD")
	}
	quant := map[Type]func(*byte, *float32, int) int{
		Q8_0: q8_0QuantNEON, Q8_1: q8_1QuantNEON, Q4_0: q4_0QuantNEON,
		Q4_1: q4_1QuantNEON, Q5_0: q5_0QuantNEON, Q5_1: q5_1QuantNEON,
	}
	for typ, k := range quant {
		x := make([]float32, 3*QK)
		for i := range x {
			x[i] = float32(i%7) - 3
		}
		// block 1: 64 to 128 ulps of the smallest subnormal, so that
		// d rounds to a subnormal whose reciprocal overflows.
		for i := QK; i < 2*QK; i++ {
			x[i] = math.Float32frombits(uint32(64 + i%65))
			if typ == Q4_1 || typ == Q5_1 {
				x[i] = math.Float32frombits(uint32(i%2) * 30)
			}
		}
		ts := typ.TypeSize()
		dst := bytes.Repeat([]byte{0xA5}, 3*ts)
		if n := k(&dst[0], &x[0], 3); n != 1 {
			t.Errorf("%v: kernel did %d blocks, want 1 (block 1's 1/d overflows)", typ, n)
		}
		if !bytes.Equal(dst[ts:], bytes.Repeat([]byte{0xA5}, 2*ts)) {
			t.Errorf("%v: kernel wrote past the block it stopped at: % x", typ, dst)
		}
		if n := k(&dst[2*ts], &x[2*QK], 1); n != 1 {
			t.Errorf("%v: kernel did %d of 1 ordinary blocks", typ, n)
		}
	}
	dequant := map[Type]func(*float32, *byte, int) int{
		Q8_0: q8_0DequantNEON, Q8_1: q8_1DequantNEON, Q4_0: q4_0DequantNEON,
		Q4_1: q4_1DequantNEON, Q5_0: q5_0DequantNEON, Q5_1: q5_1DequantNEON,
		Q4_K: q4_KDequantNEON, Q5_K: q5_KDequantNEON,
		Q6_K: q6_KDequantNEON, Q8_K: q8_KDequantNEON,
	}
	// the offsets of each type's fp16 scales (Q8_K: the high half of its
	// float32 d)
	scales := map[Type][]int{Q4_1: {0, 2}, Q5_1: {0, 2}, Q4_K: {0, 2}, Q5_K: {0, 2}, Q6_K: {208}, Q8_K: {2}}
	for typ, k := range dequant {
		ts, bs := typ.TypeSize(), typ.BlockSize()
		offs, ok := scales[typ]
		if !ok {
			offs = []int{0}
		}
		for _, off := range offs {
			for _, h := range []uint16{0x7C00, 0xFC00, 0x7E00, 0xFC01, 0x7F80, 0xFFC0} {
				if typ != Q8_K && h&0x7F80 == 0x7F80 || typ == Q8_K && h&0x7F80 != 0x7F80 {
					continue // ±Inf, NaN as binary16 or as the top of a float32
				}
				src := make([]byte, 3*ts)
				binary.LittleEndian.PutUint16(src[ts+off:], h)
				dst := make([]float32, 3*bs)
				for i := range dst {
					dst[i] = 7
				}
				if n := k(&dst[0], &src[0], 3); n != 1 {
					t.Errorf("%v: scale %#04x at %d: kernel did %d blocks, want 1", typ, h, off, n)
				}
				for i := bs; i < 3*bs; i++ {
					if dst[i] != 7 {
						t.Fatalf("%v: scale %#04x at %d: kernel wrote element %d past the block it stopped at", typ, h, off, i)
					}
				}
			}
		}
	}
}

// TestNEONKScales: the k-quant dequantizers (through the wrappers) equal
// the reference on blocks whose scales are every special binary16 (at
// each scale's offset; Q8_K: the top half of its float32 d), with the
// scale bytes random or zero (m = 0: Inf·0).
func TestNEONKScales(t *testing.T) {
	if !hasNEON {
		t.Skip("no ASIMD")
	}
	r := rand.New(rand.NewPCG(9, 10))
	halves := []uint16{0, 0x8000, 1, 0x03FF, 0x3C00, 0xBC00, 0x7BFF, 0x7C00, 0xFC00, 0x7C01, 0x7E00, 0xFE00, 0x7F80, 0xFF80, 0xFFC0, 0xFFFF}
	offs := map[Type][]int{Q4_K: {0, 2}, Q5_K: {0, 2}, Q6_K: {208}, Q8_K: {2}}
	for _, typ := range []Type{Q4_K, Q5_K, Q6_K, Q8_K} {
		if simdDequant[typ] == nil {
			t.Fatalf("%v: no NEON dequantizer registered", typ)
		}
		ts := typ.TypeSize()
		var sp []byte
		for _, zero := range []bool{false, true} {
			for _, a := range halves {
				for _, b := range halves {
					blk := make([]byte, ts)
					for i := range blk {
						blk[i] = byte(r.Uint32())
					}
					if zero && (typ == Q4_K || typ == Q5_K) {
						clear(blk[4:16]) // every scale and min 0
					}
					if zero && typ == Q6_K {
						clear(blk[192:208])
					}
					binary.LittleEndian.PutUint16(blk[offs[typ][0]:], a)
					if len(offs[typ]) > 1 {
						binary.LittleEndian.PutUint16(blk[offs[typ][1]:], b)
					} else if b != 0 {
						continue
					}
					sp = append(sp, blk...)
				}
			}
		}
		checkDequantSIMD(t, typ, sp, "special k-quant scales")
	}
}

// TestNEONFP16: the kernels' fp16 stores (FCVT) are FP32ToFP16, ggml's
// conversion, on every float32 that matters to rounding: each finite
// binary16 value, both signs, the midpoints to the next one (ties, to
// even) and the floats either side of them, the overflow threshold
// 65520 and its neighbours. Through Q4_1, whose block of 32 equal values
// v stores fp16(v) as its min.
func TestNEONFP16(t *testing.T) {
	if !hasNEON {
		t.Skip("no ASIMD")
	}
	var vs []float32
	for h := uint16(0); h < 0x7C00; h++ {
		f := FP16ToFP32(h)
		next := FP16ToFP32(h + 1) // 0x7C00: +Inf; the midpoint is then 65520
		mid := float32((float64(f) + float64(next)) / 2)
		if h == 0x7BFF {
			mid = 65520
		}
		for _, v := range []float32{f, math.Nextafter32(mid, 0), mid, math.Nextafter32(mid, float32(math.Inf(1)))} {
			vs = append(vs, v, -v)
		}
	}
	vs = append(vs, math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32)
	const chunk = 4096
	x := make([]float32, chunk*QK)
	b := make([]byte, chunk*20)
	for len(vs) > 0 {
		n := min(chunk, len(vs))
		for i, v := range vs[:n] {
			for j := range QK {
				x[i*QK+j] = v
			}
		}
		if got := q4_1QuantNEON(&b[0], &x[0], n); got != n {
			t.Fatalf("kernel did %d of %d blocks", got, n)
		}
		for i, v := range vs[:n] {
			if got, want := binary.LittleEndian.Uint16(b[20*i+2:]), FP32ToFP16(v); got != want {
				t.Fatalf("fp16 of %v (%#08x): kernel %#04x, FP32ToFP16 %#04x", v, math.Float32bits(v), got, want)
			}
		}
		vs = vs[n:]
	}
}
