package ggml

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/quantkernel/quant"
)

// TestQuantizeRowsChunks: with several chunks (rowsChunkElems) on several
// workers, the first non-finite element in index order is reported
// whichever chunk holds it, dst is left unchanged, and finite input gives
// Quantize's bytes.
func TestQuantizeRowsChunks(t *testing.T) {
	const rowLen = 256
	x := make([]float32, 5*rowsChunkElems+3*rowLen) // 6 chunks, the last short
	for i := range x {
		x[i] = float32(i%53)*0.25 - 6
	}
	for _, typ := range []Type{Q4_K, Q6_K, Q8_0} {
		want := make([]byte, typ.RowSize(len(x)))
		if err := Quantize(typ, want, x); err != nil {
			t.Fatal(err)
		}
		for _, w := range []int{2, 3, 8} {
			got := make([]byte, len(want))
			if err := QuantizeRows(typ, got, x, rowLen, w); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%v, %d workers: differs from Quantize", typ, w)
			}
			for _, pos := range [][]int{{len(x) - 1}, {rowsChunkElems + 5, 3 * rowsChunkElems}, {7, len(x) - 2}} {
				y := append([]float32(nil), x...)
				for _, p := range pos {
					y[p] = float32(math.Inf(-1))
				}
				dst := bytes.Repeat([]byte{0xA5}, len(want))
				err := QuantizeRows(typ, dst, y, rowLen, w)
				var nf *quant.NotFiniteError
				if !errors.As(err, &nf) || nf.Index != pos[0] {
					t.Fatalf("%v, %d workers, non-finite at %v: got %v", typ, w, pos, err)
				}
				if !bytes.Equal(dst, bytes.Repeat([]byte{0xA5}, len(want))) {
					t.Fatalf("%v, %d workers: dst written on error", typ, w)
				}
			}
		}
	}
}
