package ggml

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"

	"github.com/quantkernel/quant"
)

// fuzzFloats turns fuzz bytes into float32s (any bit pattern, NaN and Inf
// included), padded with zeros to a whole number of 256-element blocks.
func fuzzFloats(data []byte) []float32 {
	n := len(data) / 4
	n = (n + QKK - 1) / QKK * QKK
	if n > 4*QKK {
		n = 4 * QKK
	}
	x := make([]float32, n)
	for i := range x {
		if 4*i+4 <= len(data) {
			x[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
		}
	}
	return x
}

// FuzzQuantize checks, for every type and any input: a non-finite element
// gives the *quant.NotFiniteError of the first one and leaves dst as it
// was; otherwise QuantizeRows with 1-3 workers writes Quantize's bytes,
// the blocks dequantize without error, and when the input's magnitudes are
// within fp16's normal range the dequantized values stay within the
// block's range widened by its width (no garbage blocks).
func FuzzQuantize(f *testing.F) {
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0, 0, 0x80, 0x3F}, 300))
	f.Add(bytes.Repeat([]byte{1, 0, 0, 0, 0xFF, 0xFF, 0x7F, 0x7F}, 140))
	f.Add(bytes.Repeat([]byte{0, 0, 0xC0, 0x7F}, 3))
	f.Fuzz(func(t *testing.T, data []byte) {
		x := fuzzFloats(data)
		firstBad := -1
		var amax float32
		for i, v := range x {
			if v != v || math.IsInf(float64(v), 0) {
				if firstBad < 0 {
					firstBad = i
				}
			} else {
				amax = max(amax, abs32(v))
			}
		}
		for _, typ := range allTypes {
			dst := make([]byte, typ.RowSize(len(x)))
			for i := range dst {
				dst[i] = 0x5A
			}
			err := Quantize(typ, dst, x)
			if firstBad >= 0 {
				var nf *quant.NotFiniteError
				if !errors.As(err, &nf) || nf.Index != firstBad || !bytes.Equal(dst, bytes.Repeat([]byte{0x5A}, len(dst))) {
					t.Fatalf("%v: non-finite x[%d]: err %v, dst changed: %v", typ, firstBad, err, !bytes.Equal(dst, bytes.Repeat([]byte{0x5A}, len(dst))))
				}
				continue
			}
			if err != nil {
				t.Fatalf("%v: %v", typ, err)
			}
			for w := 1; w <= 3; w++ {
				got := make([]byte, len(dst))
				if err := QuantizeRows(typ, got, x, QKK, w); err != nil || !bytes.Equal(got, dst) {
					t.Fatalf("%v: QuantizeRows(workers %d) differs from Quantize (err %v)", typ, w, err)
				}
			}
			y := make([]float32, len(x))
			if err := Dequantize(typ, y, dst); err != nil {
				t.Fatalf("%v: %v", typ, err)
			}
			if amax > 1e4 || amax < 1e-3 || typ == F32 || typ == F16 || typ == BF16 {
				continue
			}
			bs := typ.BlockSize()
			for b := 0; b < len(x); b += bs {
				lo, hi := minMax(x[b : b+bs])
				w := hi - lo + amax*0x1p-8
				for i := b; i < b+bs; i++ {
					if !(y[i] >= lo-w && y[i] <= hi+w) {
						t.Fatalf("%v: x[%d] = %g dequantizes to %g, block range [%g, %g]", typ, i, x[i], y[i], lo, hi)
					}
				}
			}
		}
	})
}

// FuzzDequantize: any bytes dequantize for every type without panicking,
// and the same bytes give the same bits twice.
func FuzzDequantize(f *testing.F) {
	f.Add(bytes.Repeat([]byte{0x00, 0x7C, 0x11}, 200))
	f.Add(bytes.Repeat([]byte{0xFF}, 700))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, typ := range allTypes {
			n := len(data) / typ.TypeSize() * typ.TypeSize()
			y := make([]float32, n/typ.TypeSize()*typ.BlockSize())
			if err := Dequantize(typ, y, data[:n]); err != nil {
				t.Fatalf("%v: %v", typ, err)
			}
			z := make([]float32, len(y))
			_ = Dequantize(typ, z, data[:n])
			for i := range y {
				if math.Float32bits(y[i]) != math.Float32bits(z[i]) {
					t.Fatalf("%v: element %d not deterministic", typ, i)
				}
			}
		}
	})
}
