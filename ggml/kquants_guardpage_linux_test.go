//go:build linux

package ggml

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestKQuantSIMDGuardPages: the k-quant kernels with source and
// destination ending exactly at a PROT_NONE page and starting exactly
// after one (see TestSIMDGuardPages).
func TestKQuantSIMDGuardPages(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 18))
	const maxBlocks = 3
	a := newGuardMem(t, 4*QKK*maxBlocks)
	b := newGuardMem(t, 4*QKK*maxBlocks)
	for _, atTail := range []bool{true, false} {
		for nb := 1; nb <= maxBlocks; nb++ {
			x := randomRow(r, nb*QKK)
			for _, typ := range kquantTypes(t) {
				src := a.floatsAt(len(x), atTail)
				copy(src, x)
				dst := b.bytesAt(typ.RowSize(len(x)), atTail)
				if err := guarded(func() { simdKQuant[typ](dst, src) }); err != nil {
					t.Fatalf("%v quantize, %d super-blocks, tail %v: %v", typ, nb, atTail, err)
				}
				want := make([]byte, len(dst))
				reference(func() { _ = Quantize(typ, want, x) })
				if !bytes.Equal(dst, want) {
					t.Fatalf("%v quantize, %d super-blocks, tail %v: differs from the reference", typ, nb, atTail)
				}
			}
		}
	}
}
