//go:build amd64 && gc && !purego && linux

package quant

import (
	"math/rand/v2"
	"testing"
	"unsafe"
)

func f32s(b []byte, off, n int) []float32 {
	if n == 0 {
		return []float32{}
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[off])), n)
}

// TestAVX2GuardPages runs every AVX2 kernel on slices that start right
// after or end right before an inaccessible page, for every length
// 0..300: a read or write outside the slices crashes the test.
func TestAVX2GuardPages(t *testing.T) {
	g, a := avx2ForTest(t)
	in, in2, out := guarded(t, 2), guarded(t, 2), guarded(t, 2)
	r := rand.New(rand.NewPCG(12, 13))
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
			for _, c := range []Convention{Seed, ONNX, PyTorch} {
				p := randParams(r, false, c)
				q := out[at(out, 1) : at(out, 1)+n]
				a.QuantizeU8(q, src, p)
				want := make([]uint8, n)
				g.QuantizeU8(want, src, p)
				if string(want) != string(q) {
					t.Fatalf("QuantizeU8 n=%d atEnd=%v: differs", n, atEnd)
				}
				p = randParams(r, true, c)
				qi := bytesAsInt8(q)
				a.QuantizeI8(qi, src, p)
				a.QuantError(src, p)
			}
			p := randParams(r, false, ONNX)
			qin := in[at(in, 1) : at(in, 1)+n]
			a.DequantizeU8(f32s(out, at(out, 4), n), qin, p)
			a.DequantizeI8(f32s(out, at(out, 4), n), bytesAsInt8(qin), p)
			// The non-temporal paths, which align dst first.
			if n >= avx2QBlock {
				q := out[at(out, 1) : at(out, 1)+n]
				asmQuantizeU8ONNX(&q[0], &src[0], n, 0.1, 0, 0, 255, 3, true)
				asmQuantizeU8PyTorchZ16(&q[0], &src[0], n, 10, 0, -3, 252, z16Pair(3), true)
			}
			if n >= avx2Block {
				asmDequantizeU8(&f32s(out, at(out, 4), n)[0], &qin[0], n, 0.1, 3, true)
			}
			a.MinMax(src)
			a.AbsMax(src)
			a.SquaredError(src, other)
		}
	}
}
