//go:build amd64 && gc && !purego && linux

package quant

import (
	"math/rand/v2"
	"runtime/debug"
	"testing"
	"unsafe"
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

// TestAVX512B32GuardPages runs blocked int4 quantize with blocks of 32 in
// runs of one convention long enough for the group kernels (16 blocks a
// group), with the source, the destination and the Params each right
// after or right before an inaccessible page, a refused group (a zero
// point beyond ±32512 or, for Seed and ONNX, a scale outside the exact
// domain) first, in the middle or nowhere, and compares with generic.
func TestAVX512B32GuardPages(t *testing.T) {
	_, a := avx512ForTest(t)
	if !avx512VBMI {
		t.Skip("no AVX512VBMI: the int4 kernels are the AVX2 ones")
	}
	const maxBlocks = 50
	size := int(unsafe.Sizeof(Params{}))
	in, out, pr := guarded(t, 2*maxBlocks*32*4/4096+1), guarded(t, 2), guarded(t, 2)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	r := rand.New(rand.NewPCG(16, 17))
	for _, nb := range []int{16, 17, 31, 32, 33, 48, maxBlocks} {
		for _, extra := range []int{0, 5} { // a short last block
			n := 32*nb + extra
			nps := nb + min(extra, 1)
			for _, atEnd := range []bool{false, true} {
				at := func(b []byte, bytes int) int {
					if atEnd {
						return len(b) - bytes
					}
					return 0
				}
				src := f32s(in, at(in, 4*n), n)
				fillFloats(r, src, 0.1)
				ps := unsafe.Slice((*Params)(unsafe.Pointer(&pr[at(pr, size*nps)])), nps)
				for _, c := range conventions {
					for _, refuse := range []int{-1, 3, 16 + 7} {
						for i := range ps {
							ps[i] = Params{Scale: 0.05 + 0.01*float32(r.IntN(20)), Zero: int32(r.IntN(5) - 2), Lo: -8, Hi: 7, Convention: c}
						}
						if refuse >= 0 && refuse < nb {
							ps[refuse].Zero = 40000
							if c != PyTorch && r.IntN(2) == 0 {
								ps[refuse].Zero, ps[refuse].Scale = 0, 1e35
							}
						}
						for _, o := range []NibbleOrder{LowFirst, HighFirst} {
							np := (n + 1) / 2
							want := make([]uint8, np)
							quantizeBlocksI4Generic(want, src, 32, ps, o)
							got := out[at(out, np) : at(out, np)+np]
							if err := call(func() { a.k.quantizeBlocksI4(got, src, 32, ps, o) }); err != nil {
								t.Fatalf("n=%d atEnd=%v %v refuse=%d %v: %v", n, atEnd, c, refuse, o, err)
							}
							if string(got) != string(want) {
								t.Fatalf("n=%d atEnd=%v %v refuse=%d %v: differs", n, atEnd, c, refuse, o)
							}
						}
					}
				}
			}
		}
	}
}
