//go:build linux

package ggml

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime/debug"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Guard pages: every SIMD kernel with its source and destination ending
// exactly at a PROT_NONE page (an over-read or over-write faults) and
// starting exactly after one (an under-read or under-write faults).
// debug.SetPanicOnFault turns the fault into a panic that guarded
// reports as an error.

// guardMem is one mapping: a PROT_NONE page, data (whole pages of
// read-write memory), a PROT_NONE page.
type guardMem struct{ mem, data []byte }

func newGuardMem(t *testing.T, size int) *guardMem {
	page := unix.Getpagesize()
	size = max(page, (size+page-1)/page*page)
	mem, err := unix.Mmap(-1, 0, size+2*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	t.Cleanup(func() { _ = unix.Munmap(mem) })
	if err := unix.Mprotect(mem[:page], unix.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	if err := unix.Mprotect(mem[page+size:], unix.PROT_NONE); err != nil {
		t.Fatalf("mprotect: %v", err)
	}
	return &guardMem{mem, mem[page : page+size]}
}

// bytesAt returns n bytes at the end (atTail) or the start of the data.
func (g *guardMem) bytesAt(n int, atTail bool) []byte {
	if atTail {
		return g.data[len(g.data)-n:]
	}
	return g.data[:n]
}

func (g *guardMem) floatsAt(n int, atTail bool) []float32 {
	b := g.bytesAt(4*n, atTail)
	return unsafe.Slice((*float32)(unsafe.Pointer(unsafe.SliceData(b))), n)
}

func guarded(f func()) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("fault: %v", r)
		}
	}()
	f()
	return nil
}

func TestSIMDGuardPages(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	const maxBlocks = 9
	a := newGuardMem(t, 4*QKK*maxBlocks) // room for the k-quants
	b := newGuardMem(t, 4*QKK*maxBlocks)
	for _, atTail := range []bool{true, false} {
		for nb := 1; nb <= maxBlocks; nb++ {
			x := randomRow(r, nb*QK)
			for _, typ := range simdTypes(simdQuant) {
				src := a.floatsAt(len(x), atTail)
				copy(src, x)
				dst := b.bytesAt(typ.RowSize(len(x)), atTail)
				if err := guarded(func() { simdQuant[typ](dst, src) }); err != nil {
					t.Fatalf("%v quantize, %d blocks, tail %v: %v", typ, nb, atTail, err)
				}
				want := make([]byte, len(dst))
				reference(func() { _ = Quantize(typ, want, x) })
				if !bytes.Equal(dst, want) {
					t.Fatalf("%v quantize, %d blocks, tail %v: differs from the reference", typ, nb, atTail)
				}
			}
			for _, typ := range simdDequantTypes() {
				src := a.bytesAt(nb*typ.TypeSize(), atTail)
				for i := range src {
					src[i] = byte(r.Uint32())
				}
				dst := b.floatsAt(nb*typ.BlockSize(), atTail)
				if err := guarded(func() { simdDequant[typ](dst, src) }); err != nil {
					t.Fatalf("%v dequantize, %d blocks, tail %v: %v", typ, nb, atTail, err)
				}
				want := make([]float32, len(dst))
				reference(func() { _ = Dequantize(typ, want, src) })
				for i := range want {
					if math.Float32bits(dst[i]) != math.Float32bits(want[i]) {
						t.Fatalf("%v dequantize, %d blocks, tail %v: element %d differs", typ, nb, atTail, i)
					}
				}
			}
		}
	}
}
