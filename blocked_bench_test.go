package quant

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// Benchmarks of the grouped forms. Ratios to quote come from one run:
//
//	go test -run '^$' -bench 'Grouped' -benchtime 20x -count 5 . | tee /tmp/g.txt
//
// Each sub-benchmark reports bytes of float32 input per op (b.SetBytes)
// and, for the single-threaded ones, cpu-ns/op: the process CPU time
// (getrusage) per op, which time slices lost to other processes on a
// shared machine do not inflate as they do ns/op.

const grpBenchRows, grpBenchCols = 4096, 4096 // 64 MiB of float32

var grpBenchSrc []float32

func grpBenchInput() []float32 {
	if grpBenchSrc == nil {
		rng := rand.New(rand.NewPCG(1, 1))
		grpBenchSrc = make([]float32, grpBenchRows*grpBenchCols)
		for i := range grpBenchSrc {
			grpBenchSrc[i] = float32(rng.NormFloat64())
		}
	}
	return grpBenchSrc
}

// BenchmarkGroupedDynamicRow compares per-row dynamic int8 (AbsMax,
// PyTorch: the per-token activation path) with per-tensor QuantizeI8 over
// the same 4096×4096 matrix, on each implementation.
func BenchmarkGroupedDynamicRow(b *testing.B) {
	src := grpBenchInput()
	dst := make([]int8, len(src))
	ps := make([]Params, grpBenchRows)
	l := PerRow(grpBenchRows, grpBenchCols)
	s := Scheme{Method: MethodAbsMax, Bits: 8, Convention: PyTorch}
	p := Params{Scale: 0.02, Lo: -128, Hi: 127, Convention: PyTorch}
	for _, m := range Supported() {
		b.Run(m.Name()+"/tensor-i8", func(b *testing.B) {
			b.SetBytes(int64(4 * len(src)))
			grpLoop(b, func() {
				m.QuantizeI8(dst, src, p)
			})
		})
		b.Run(m.Name()+"/dynamic-row-i8", func(b *testing.B) {
			b.SetBytes(int64(4 * len(src)))
			grpLoop(b, func() {
				if err := m.QuantizeDynamicI8(dst, ps, src, l, s); err != nil {
					b.Fatal(err)
				}
			})
		})
	}
}

// BenchmarkGroupedBlockedI4 measures blocked int4 quantize and dequantize
// (ONNX, B = 32, 64, 128, 256) on a 1024×4096 matrix (16 MiB of float32).
func BenchmarkGroupedBlockedI4(b *testing.B) {
	src := grpBenchInput()[:1024*grpBenchCols]
	packed := make([]uint8, PackedLen(len(src)))
	back := make([]float32, len(src))
	for _, m := range Supported() {
		for _, blk := range []int{32, 64, 128, 256} {
			l := Blocked(1024, grpBenchCols, blk)
			ps := make([]Params, l.NumParams())
			if err := m.CalibrateLayout(ps, src, l, Scheme{Method: MethodAbsMax, Bits: 4, Convention: ONNX}); err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("%s/quantize/B=%d", m.Name(), blk), func(b *testing.B) {
				b.SetBytes(int64(4 * len(src)))
				grpLoop(b, func() {
					m.QuantizeLayoutI4(packed, src, l, ps, LowFirst)
				})
			})
			b.Run(fmt.Sprintf("%s/dequantize/B=%d", m.Name(), blk), func(b *testing.B) {
				b.SetBytes(int64(4 * len(src)))
				grpLoop(b, func() {
					m.DequantizeLayoutI4(back, packed, l, ps, LowFirst)
				})
			})
			b.Run(fmt.Sprintf("%s/dynamic/B=%d", m.Name(), blk), func(b *testing.B) {
				b.SetBytes(int64(4 * len(src)))
				s := Scheme{Method: MethodAbsMax, Bits: 4, Convention: ONNX}
				grpLoop(b, func() {
					if err := m.QuantizeDynamicI4(packed, ps, src, l, s, LowFirst); err != nil {
						b.Fatal(err)
					}
				})
			})
		}
	}
}

// grpLoop runs f under b.Loop and reports cpu-ns/op.
func grpLoop(b *testing.B, f func()) {
	n, t0 := 0, grpCPU()
	for b.Loop() {
		f()
		n++
	}
	b.ReportMetric(float64(grpCPU()-t0)/float64(n), "cpu-ns/op")
}

// BenchmarkGroupedParallel runs the 64 MiB input on 1 and 2 workers.
func BenchmarkGroupedParallel(b *testing.B) {
	src := grpBenchInput()
	dst := make([]int8, len(src))
	ps := make([]Params, grpBenchRows)
	l := PerRow(grpBenchRows, grpBenchCols)
	s := Scheme{Method: MethodAbsMax, Bits: 8, Convention: PyTorch}
	p := Params{Scale: 0.02, Lo: -128, Hi: 127, Convention: PyTorch}
	for _, m := range Supported() {
		for _, w := range []int{1, 2} {
			par := m.Parallel(w)
			b.Run(fmt.Sprintf("%s/tensor-i8/workers=%d", m.Name(), w), func(b *testing.B) {
				b.SetBytes(int64(4 * len(src)))
				for b.Loop() {
					par.QuantizeI8(dst, src, p)
				}
			})
			b.Run(fmt.Sprintf("%s/dynamic-row-i8/workers=%d", m.Name(), w), func(b *testing.B) {
				b.SetBytes(int64(4 * len(src)))
				for b.Loop() {
					if err := par.QuantizeDynamicI8(dst, ps, src, l, s); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(fmt.Sprintf("%s/minmax/workers=%d", m.Name(), w), func(b *testing.B) {
				b.SetBytes(int64(4 * len(src)))
				for b.Loop() {
					par.MinMax(src)
				}
			})
		}
	}
}
