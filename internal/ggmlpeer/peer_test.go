//go:build linux && amd64

package ggmlpeer

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/quantkernel/quant/ggml"
	"golang.org/x/sys/cpu"
)

var types = []ggml.Type{ggml.Q8_0, ggml.Q8_1, ggml.Q4_0, ggml.Q4_1, ggml.Q5_0, ggml.Q5_1, ggml.Q4_K, ggml.Q5_K, ggml.Q6_K, ggml.Q8_K}

func load(tb testing.TB) *Lib {
	dir := os.Getenv("GGML_LIBDIR")
	if dir == "" {
		tb.Skip("GGML_LIBDIR not set: npm install @node-llama-cpp/linux-x64 and point it at bins/linux-x64 to compare with ggml (see the package doc)")
	}
	l, err := Load(dir, cpu.X86.HasAVX2)
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

// randomRow mixes scales over 2^-140..2^40 per 32-element group, with
// zeros, ties (halves) and repeated values.
func randomRow(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for g := 0; g < n; g += 32 {
		s := float32(math.Ldexp(1, r.IntN(180)-140))
		kind := r.IntN(6)
		for i := g; i < g+32; i++ {
			switch kind {
			case 0:
				x[i] = float32(r.NormFloat64()) * s
			case 1:
				x[i] = float32(r.IntN(33)-16) * 0.5
			case 2:
				x[i] = 0
			case 3:
				x[i] = float32(r.IntN(255) - 127)
			default:
				x[i] = float32(r.NormFloat64()) * float32(1+r.IntN(3))
			}
		}
	}
	return x
}

// TestDifferential compares Quantize and Dequantize with ggml on random
// rows (about 1.5 million elements per type).
func TestDifferential(t *testing.T) {
	l := load(t)
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 6 {
		x := randomRow(r, 1<<18)
		for _, typ := range types {
			want := make([]byte, typ.RowSize(len(x)))
			got := make([]byte, len(want))
			l.Quantize(typ, want, x)
			if err := ggml.Quantize(typ, got, x); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("round %d %v: quantize differs from ggml", round, typ)
			}
			if l.HasDequantize(typ) {
				// Random bytes too: any scales, any codes.
				for i := range got {
					if r.IntN(4) == 0 {
						got[i] = byte(r.Uint32())
					}
				}
				yw := make([]float32, len(x))
				yg := make([]float32, len(x))
				l.Dequantize(typ, yw, got)
				if err := ggml.Dequantize(typ, yg, got); err != nil {
					t.Fatal(err)
				}
				for i := range yw {
					if math.Float32bits(yw[i]) != math.Float32bits(yg[i]) {
						t.Fatalf("round %d %v: dequantize element %d: got %08x, ggml %08x", round, typ, i, math.Float32bits(yg[i]), math.Float32bits(yw[i]))
					}
				}
			}
		}
		if l.HasQ8_0X86() {
			want := make([]byte, ggml.Q8_0.RowSize(len(x)))
			got := make([]byte, len(want))
			l.QuantizeQ8_0X86(want, x)
			if err := ggml.QuantizeQ8_0X86(got, x); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("round %d: QuantizeQ8_0X86 differs from ggml's AVX2 quantize_row_q8_0", round)
			}
		}
	}
}

// BenchmarkPeer runs ggml's and this package's row functions on the same
// 64 Ki elements, side by side (sub-benchmarks .../ggml and .../go); bytes
// are the float32 side's.
func BenchmarkPeer(b *testing.B) {
	l := load(b)
	x := randomRow(rand.New(rand.NewPCG(3, 4)), 1<<16)
	for _, typ := range types {
		q := make([]byte, typ.RowSize(len(x)))
		y := make([]float32, len(x))
		b.Run(fmt.Sprintf("quantize/%v/ggml", typ), func(b *testing.B) {
			b.SetBytes(int64(4 * len(x)))
			for b.Loop() {
				l.Quantize(typ, q, x)
			}
		})
		b.Run(fmt.Sprintf("quantize/%v/go", typ), func(b *testing.B) {
			b.SetBytes(int64(4 * len(x)))
			for b.Loop() {
				_ = ggml.Quantize(typ, q, x)
			}
		})
		if !l.HasDequantize(typ) {
			continue
		}
		b.Run(fmt.Sprintf("dequantize/%v/ggml", typ), func(b *testing.B) {
			b.SetBytes(int64(4 * len(x)))
			for b.Loop() {
				l.Dequantize(typ, y, q)
			}
		})
		b.Run(fmt.Sprintf("dequantize/%v/go", typ), func(b *testing.B) {
			b.SetBytes(int64(4 * len(x)))
			for b.Loop() {
				_ = ggml.Dequantize(typ, y, q)
			}
		})
	}
	if l.HasQ8_0X86() {
		q := make([]byte, ggml.Q8_0.RowSize(len(x)))
		b.Run("quantize/q8_0_x86/ggml-avx2", func(b *testing.B) {
			b.SetBytes(int64(4 * len(x)))
			for b.Loop() {
				l.QuantizeQ8_0X86(q, x)
			}
		})
		b.Run("quantize/q8_0_x86/go", func(b *testing.B) {
			b.SetBytes(int64(4 * len(x)))
			for b.Loop() {
				_ = ggml.QuantizeQ8_0X86(q, x)
			}
		})
	}
}
