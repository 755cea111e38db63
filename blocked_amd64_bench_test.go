//go:build amd64 && gc && !purego

package quant

import (
	"fmt"
	"testing"
)

// BenchmarkGroupedBlockedKernels measures the raw blocked kernels (one
// call for a 1024×4096 matrix, ONNX Params per block from AbsMax
// calibration) on generic, on "avx2-composed" (the AVX2 per-tensor kernels
// composed per block by kernels.complete, as before the blocked assembly)
// and on avx2 (the blocked assembly of kernel_blocked_amd64.s):
//
//	go test -run '^$' -bench 'GroupedBlockedKernels' -count 6 . | tee /tmp/k.txt
//	go run golang.org/x/perf/cmd/benchstat@latest -col /impl /tmp/k.txt
func BenchmarkGroupedBlockedKernels(b *testing.B) {
	g, a := avx2ForTest(b)
	impls := []*Impl{g, newTestImpl("avx2-composed", withoutGrouped(*a.k)), a}
	src := grpBenchInput()[:1024*grpBenchCols]
	packed := make([]uint8, PackedLen(len(src)))
	codes := make([]int8, len(src))
	back := make([]float32, len(src))
	for _, blk := range []int{32, 128, grpBenchCols} { // B = Cols: per-row
		l := Blocked(1024, grpBenchCols, blk)
		ps4 := make([]Params, l.NumParams())
		ps8 := make([]Params, l.NumParams())
		if err := a.CalibrateLayout(ps4, src, l, Scheme{Method: MethodAbsMax, Bits: 4, Convention: ONNX}); err != nil {
			b.Fatal(err)
		}
		if err := a.CalibrateLayout(ps8, src, l, Scheme{Method: MethodAbsMax, Bits: 8, Convention: ONNX}); err != nil {
			b.Fatal(err)
		}
		for _, m := range impls {
			run := func(op string, f func()) {
				b.Run(fmt.Sprintf("op=%s/B=%d/impl=%s", op, blk, m.Name()), func(b *testing.B) {
					b.SetBytes(int64(4 * len(src)))
					grpLoop(b, f)
				})
			}
			run("quantizeI4", func() { m.k.quantizeBlocksI4(packed, src, blk, ps4, LowFirst) })
			run("dequantizeI4", func() { m.k.dequantizeBlocksI4(back, packed, blk, ps4, signExtend, LowFirst) })
			run("quantizeI8", func() { m.k.quantizeBlocksI8(codes, src, blk, ps8) })
			run("dequantizeI8", func() { m.k.dequantizeBlocksI8(back, codes, blk, ps8) })
		}
	}
}

// BenchmarkGroupedPerColumn measures per-column int8 quantize and
// dequantize (QuantizeLayoutI8 / DequantizeLayoutI8 with PerColumn: one
// kernel call per row with block 1 and Params per column) of a 1024×4096
// matrix, ONNX Params from AbsMax calibration:
//
//	go test -run '^$' -bench 'GroupedPerColumn' -count 6 . | tee /tmp/c.txt
//	go run golang.org/x/perf/cmd/benchstat@latest -col /impl /tmp/c.txt
func BenchmarkGroupedPerColumn(b *testing.B) {
	g, a := avx2ForTest(b)
	src := grpBenchInput()[:1024*grpBenchCols]
	codes := make([]int8, len(src))
	back := make([]float32, len(src))
	l := PerColumn(1024, grpBenchCols)
	ps := make([]Params, l.NumParams())
	if err := a.CalibrateLayout(ps, src, l, Scheme{Method: MethodAbsMax, Bits: 8, Convention: ONNX}); err != nil {
		b.Fatal(err)
	}
	for _, m := range []*Impl{g, a} {
		b.Run("op=quantizeI8/impl="+m.Name(), func(b *testing.B) {
			b.SetBytes(int64(4 * len(src)))
			grpLoop(b, func() { m.QuantizeLayoutI8(codes, src, l, ps) })
		})
		b.Run("op=dequantizeI8/impl="+m.Name(), func(b *testing.B) {
			b.SetBytes(int64(4 * len(src)))
			grpLoop(b, func() { m.DequantizeLayoutI8(back, codes, l, ps) })
		})
	}
}
