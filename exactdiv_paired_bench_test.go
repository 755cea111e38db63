//go:build amd64 && gc && !purego

package quant

import (
	"fmt"
	"testing"

	"github.com/quantkernel/quant/internal/bound"
)

// BenchmarkExactDivPaired runs the VDIVPS loop of BenchmarkDivBound and
// the PyTorch, Seed and ONNX quantize kernels of one implementation
// alternately on the same data (n = 4096 and 65536, uint8 and int8) and
// reports each one's fastest call (min-*-ns) and the ratios of issue 11's
// targets: Seed and ONNX against DivBound (seed-x-div: DivBound's time over
// Seed's, ≥ 1.5 wanted) and against PyTorch (seed-x-pt, ≥ 0.9 wanted):
//
//	go test -run '^$' -bench 'ExactDivPaired' -benchtime 2000x -count 5 .
func BenchmarkExactDivPaired(b *testing.B) {
	if !bound.Available() {
		b.Skip("no VDIVPS loop on this build or CPU")
	}
	for _, m := range []*Impl{avx2Impl, avx512Impl} {
		if !m.Supported() {
			continue
		}
		for _, n := range []int{4096, 65536} {
			src := benchData(n)
			q8 := make([]uint8, n)
			for _, typ := range []string{"U8", "I8"} {
				run := func(c Convention) func() {
					p := benchParams(c, typ == "I8")
					if typ == "I8" {
						return func() { m.QuantizeI8(bytesAsInt8(q8), src, p) }
					}
					return func() { m.QuantizeU8(q8, src, p) }
				}
				b.Run(fmt.Sprintf("impl=%s/typ=%s/n=%d", m.Name(), typ, n), func(b *testing.B) {
					reps := max(1, 65536/n)
					ns := pairedMin(b, reps, func() { bound.DivPS(n / bound.LanesPerDiv) },
						run(PyTorch), run(Seed), run(ONNX))
					b.ReportMetric(ns[0], "min-div-ns")
					b.ReportMetric(ns[1], "min-pytorch-ns")
					b.ReportMetric(ns[2], "min-seed-ns")
					b.ReportMetric(ns[3], "min-onnx-ns")
					b.ReportMetric(ns[0]/ns[2], "seed-x-div")
					b.ReportMetric(ns[0]/ns[3], "onnx-x-div")
					b.ReportMetric(ns[1]/ns[2], "seed-x-pt")
					b.ReportMetric(ns[1]/ns[3], "onnx-x-pt")
				})
			}
		}
	}
}

// BenchmarkColumnsPaired runs the per-column quantize of a 256×1024
// matrix (Params per column, one Convention) with the table kernels
// (kernel_columns_amd64.go) and with the blocked kernel of block 1 per row
// (the gather kernels, the kernel table's default before them)
// alternately, and reports the fastest call of each and the speedup:
//
//	go test -run '^$' -bench 'ColumnsPaired' -benchtime 200x -count 5 .
func BenchmarkColumnsPaired(b *testing.B) {
	const rows, cols = 256, 1024
	src := benchData(rows * cols)
	q8 := make([]int8, rows*cols)
	for _, m := range []*Impl{avx2Impl, avx512Impl} {
		if !m.Supported() {
			continue
		}
		old := composeColumns(m.k.quantizeBlocksI8)
		for _, c := range benchConvs {
			ps := make([]Params, cols)
			for j := range ps {
				ps[j] = Params{Scale: 0.01 + float32(j%17)*0.003, Zero: int32(j%5) - 2, Lo: -128, Hi: 127, Convention: c}
			}
			b.Run(fmt.Sprintf("impl=%s/conv=%s", m.Name(), c), func(b *testing.B) {
				ns := pairedMin(b, 1, func() { old(q8, src, cols, ps) }, func() { m.k.quantizeColumnsI8(q8, src, cols, ps) })
				b.ReportMetric(ns[0], "min-gather-ns")
				b.ReportMetric(ns[1], "min-table-ns")
				b.ReportMetric(ns[0]/ns[1], "speedup")
			})
		}
	}
}
