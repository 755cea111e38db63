//go:build linux && arm64 && gc && !purego

package quant

import (
	"fmt"
	"runtime/debug"
	"testing"
	"unsafe"
)

// neonGuarded is one accessible page between two PROT_NONE pages. Any
// access outside it faults.
func neonGuarded(t *testing.T) []byte { return guarded(t, 1) }

// TestNEONGuardPages runs every NEON kernel on slices that start right
// after or end right before an inaccessible page: a read or write past
// either end faults, which SetPanicOnFault turns into a test failure.
func TestNEONGuardPages(t *testing.T) {
	neon := neonOrSkip(t)
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	fpage, bpage, f2page := neonGuarded(t), neonGuarded(t), neonGuarded(t)
	p := Params{Scale: 0.05, Zero: 3, Lo: -100, Hi: 100}
	for n := 0; n <= 100; n++ {
		for _, atEnd := range []bool{false, true} {
			fl := func(page []byte) []float32 {
				all := unsafe.Slice((*float32)(unsafe.Pointer(&page[0])), len(page)/4)
				if atEnd {
					return all[len(all)-n:]
				}
				return all[:n:n]
			}
			by := func(page []byte) []byte {
				if atEnd {
					return page[len(page)-n:]
				}
				return page[:n:n]
			}
			src, src2, dst := fl(fpage), fl(f2page), fl(f2page)
			q := by(bpage)
			for i := range src {
				src[i] = float32(i) - 50
				q[i] = byte(i)
			}
			name := fmt.Sprintf("n=%d atEnd=%v", n, atEnd)
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Fatalf("%s: fault: %v", name, r)
					}
				}()
				for c := Seed; c <= PyTorch; c++ {
					p.Convention = c
					neon.QuantizeI8(unsafeInt8(q), src, p)
					neon.QuantizeU8(q, src, Params{Scale: 0.05, Zero: 100, Lo: 0, Hi: 255, Convention: c})
					neon.QuantError(src, p)
				}
				neon.DequantizeU8(dst, q, p)
				neon.DequantizeI8(dst, unsafeInt8(q), p)
				neon.MinMax(src)
				neon.AbsMax(src)
				for i := range src2 {
					src2[i] = 1
				}
				neon.SquaredError(src, src2)
			}()
		}
	}
}
