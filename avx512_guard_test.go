//go:build amd64 && gc && !purego && linux

package quant

import (
	"math/rand/v2"
	"testing"
)

// TestAVX512GuardPages runs the AVX-512 kernels, including the
// non-temporal paths that the Impl methods take only above the last-level
// cache, on slices that start right after or end right before an
// inaccessible page, for every length 0..300: a masked tail that reads or
// writes one element too many crashes the test. (suiteGuardPages covers
// the Impl methods of every supported implementation, avx512 included.)
func TestAVX512GuardPages(t *testing.T) {
	g, a := avx512ForTest(t)
	in, in2, out := guarded(t, 2), guarded(t, 2), guarded(t, 2)
	r := rand.New(rand.NewPCG(14, 15))
	for n := 0; n <= 300; n++ {
		for _, atEnd := range []bool{false, true} {
			at := func(b []byte, size int) int { // byte offset of the slice
				if atEnd {
					return len(b) - n*size
				}
				return 0
			}
			src := f32s(in, at(in, 4), n)
			other := f32s(in2, at(in2, 4), n)
			fillFloats(r, src, 0.1)
			fillReduce(r, other)
			for _, c := range conventions {
				for _, stream := range []bool{false, true} {
					p := randParams(r, false, c)
					q := out[at(out, 1) : at(out, 1)+n]
					want := make([]uint8, n)
					g.QuantizeU8(want, src, p)
					if n > 0 {
						avx512Quantize8(&q[0], &src[0], n, &p, stream)
					}
					if string(want) != string(q) {
						t.Fatalf("QuantizeU8 n=%d atEnd=%v stream=%v: differs", n, atEnd, stream)
					}
					p = randParams(r, true, c)
					if n > 0 {
						avx512Quantize8(&bytesAsInt8(q)[0], &src[0], n, &p, stream)
					}
				}
				a.QuantError(src, randParams(r, true, c))
			}
			p := randParams(r, false, ONNX)
			qin := in[at(in, 1) : at(in, 1)+n]
			if n > 0 {
				for _, stream := range []bool{false, true} {
					for _, vbmi := range []bool{false, avx512VBMI} {
						avx512DequantizeU8Call(&f32s(out, at(out, 4), n)[0], &qin[0], n, &p, stream, vbmi)
						avx512DequantizeI8Call(&f32s(out, at(out, 4), n)[0], &bytesAsInt8(qin)[0], n, &p, stream, vbmi)
					}
				}
			}
			a.MinMax(src)
			a.AbsMax(src)
			a.SquaredError(src, other)
		}
	}
}
