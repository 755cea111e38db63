//go:build amd64 && gc && !purego && linux

package quant

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime/debug"
	"testing"
	"unsafe"

	"github.com/quantkernel/quant/internal/guardpage"
)

// guarded maps pages of read-write memory between two PROT_NONE pages for
// the test's duration and returns the read-write part; any access outside
// it faults.
func guarded(t testing.TB, pages int) []byte {
	t.Helper()
	g := newGuardRegion(t, pages*4096)
	return g.Data[:len(g.Data):len(g.Data)]
}

func f32s(b []byte, off, n int) []float32 {
	if n == 0 {
		return []float32{}
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[off])), n)
}

// TestAVX2StreamPathGuardPages runs the non-temporal (streaming-store)
// paths of the AVX2 quantize and dequantize kernels, which the Impl
// methods take only beyond the last-level cache, directly on slices that
// start right after or end right before an inaccessible page, for every
// length from their minimum to 300, and compares them with generic. (The
// other paths are under the guard-page suite of internal/diffcheck.)
func TestAVX2StreamPathGuardPages(t *testing.T) {
	g, _ := avx2ForTest(t)
	in, out := guarded(t, 2), guarded(t, 2)
	r := rand.New(rand.NewPCG(12, 13))
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	for n := avx2Block; n <= 300; n++ {
		for _, atEnd := range []bool{false, true} {
			at := func(b []byte, size int) int { // byte offset of the slice
				if atEnd {
					return len(b) - n*size
				}
				return 0
			}
			where := fmt.Sprintf("n=%d atEnd=%v", n, atEnd)
			src := f32s(in, at(in, 4), n)
			if n >= avx2QBlock {
				for _, c := range []Convention{Seed, ONNX, PyTorch} {
					for _, signed := range []bool{false, true} {
						p := randParams(r, signed, c)
						fillFloats(r, src, p.Scale)
						q := out[at(out, 1) : at(out, 1)+n]
						want := make([]uint8, n)
						var err error
						if signed {
							g.QuantizeI8(bytesAsInt8(want), src, p)
							err = call(func() { quantize8Asm(&bytesAsInt8(q)[0], &src[0], n, &p, true) })
						} else {
							g.QuantizeU8(want, src, p)
							err = call(func() { quantize8Asm(&q[0], &src[0], n, &p, true) })
						}
						if err != nil {
							t.Fatalf("stream quantize %v signed=%v %s: %v", c, signed, where, err)
						}
						if string(want) != string(q) {
							t.Fatalf("stream quantize %v signed=%v %s: %x, generic %x", c, signed, where, q, want)
						}
					}
				}
			}
			p := randParams(r, false, ONNX)
			qin := in[at(in, 1) : at(in, 1)+n]
			for i := range qin {
				qin[i] = byte(r.Uint32())
			}
			for _, signed := range []bool{false, true} {
				dst := f32s(out, at(out, 4), n)
				want := make([]float32, n)
				var err error
				if signed {
					g.DequantizeI8(want, bytesAsInt8(qin), p)
					err = call(func() { avx2DequantizeI8(&dst[0], &bytesAsInt8(qin)[0], n, p.Scale, p.Zero, true) })
				} else {
					g.DequantizeU8(want, qin, p)
					err = call(func() { avx2DequantizeU8(&dst[0], &qin[0], n, p.Scale, p.Zero, true) })
				}
				if err != nil {
					t.Fatalf("stream dequantize signed=%v %s: %v", signed, where, err)
				}
				for i := range want {
					if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
						t.Fatalf("stream dequantize signed=%v %s: [%d] = %v, generic %v", signed, where, i, dst[i], want[i])
					}
				}
			}
		}
	}
}

// newGuardRegion maps a region of at least size bytes, freed at the end
// of the test.
func newGuardRegion(t testing.TB, size int) *guardpage.Region {
	t.Helper()
	g, err := guardpage.New(size)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Free() })
	return g
}

// call runs f and turns a panic (a fault, with debug.SetPanicOnFault)
// into an error.
func call(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if f, ok := r.(interface{ Addr() uintptr }); ok {
				err = fmt.Errorf("panic: %v (fault address %#x)", r, f.Addr())
				return
			}
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	f()
	return nil
}
