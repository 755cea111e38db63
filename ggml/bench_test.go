package ggml

import (
	"fmt"
	"strings"
	"testing"
)

// benchInput is 64 Ki elements of the oracle input (tiled), about what one
// row of a large weight matrix holds.
func benchInput(b *testing.B) []float32 {
	src := oracleInput(b)
	x := make([]float32, 1<<16)
	for i := range x {
		x[i] = src[i%len(src)]
	}
	return x
}

// BenchmarkQuantize: bytes are the float32 input's (4 per element).
func BenchmarkQuantize(b *testing.B) {
	x := benchInput(b)
	for _, typ := range allTypes {
		b.Run(typ.String(), func(b *testing.B) {
			dst := make([]byte, typ.RowSize(len(x)))
			b.SetBytes(int64(4 * len(x)))
			for b.Loop() {
				if err := Quantize(typ, dst, x); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("q8_0_x86", func(b *testing.B) {
		dst := make([]byte, Q8_0.RowSize(len(x)))
		b.SetBytes(int64(4 * len(x)))
		for b.Loop() {
			if err := QuantizeQ8_0X86(dst, x); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDequantize: bytes are the float32 output's (4 per element).
func BenchmarkDequantize(b *testing.B) {
	x := benchInput(b)
	for _, typ := range allTypes {
		b.Run(typ.String(), func(b *testing.B) {
			q := make([]byte, typ.RowSize(len(x)))
			if err := Quantize(typ, q, x); err != nil {
				b.Fatal(err)
			}
			y := make([]float32, len(x))
			b.SetBytes(int64(4 * len(x)))
			for b.Loop() {
				if err := Dequantize(typ, y, q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkQuantizeRows: the k-quants over 16 rows of 4096, on 1, 2 and 4
// goroutines (compare with the same run's workers=1).
func BenchmarkQuantizeRows(b *testing.B) {
	x := benchInput(b)
	for _, typ := range []Type{Q4_K, Q5_K, Q6_K} {
		for _, w := range []int{1, 2, 4} {
			b.Run(fmt.Sprintf("%v/workers=%d", typ, w), func(b *testing.B) {
				dst := make([]byte, typ.RowSize(len(x)))
				b.SetBytes(int64(4 * len(x)))
				for b.Loop() {
					if err := QuantizeRows(typ, dst, x, 4096, w); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkSIMD runs each type that has a SIMD kernel with it (.../simd)
// and with the pure-Go reference (.../go) on the same 64 Ki elements;
// bytes are the float32 side's (4 per element).
func BenchmarkSIMD(b *testing.B) {
	x := benchInput(b)
	path := func(b *testing.B, name string, f func()) {
		b.Run(name, func(b *testing.B) {
			noSIMD = strings.HasSuffix(name, "/go")
			defer func() { noSIMD = false }()
			b.SetBytes(int64(4 * len(x)))
			for b.Loop() {
				f()
			}
		})
	}
	for _, typ := range simdTypes(simdQuant) {
		dst := make([]byte, typ.RowSize(len(x)))
		for _, p := range []string{"simd", "go"} {
			path(b, fmt.Sprintf("quantize/%v/%s", typ, p), func() { _ = Quantize(typ, dst, x) })
		}
	}
	for _, typ := range simdDequantTypes() {
		q := make([]byte, typ.RowSize(len(x)))
		if err := Quantize(typ, q, x); err != nil {
			b.Fatal(err)
		}
		y := make([]float32, len(x))
		for _, p := range []string{"simd", "go"} {
			path(b, fmt.Sprintf("dequantize/%v/%s", typ, p), func() { _ = Dequantize(typ, y, q) })
		}
	}
}
