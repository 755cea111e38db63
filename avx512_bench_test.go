//go:build amd64 && gc && !purego

package quant

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkAVX512Paired runs each kernel on avx2 and avx512 alternately
// on the same data inside one benchmark, timing every call, and reports
// the fastest call of each (min-avx2-ns, min-avx512-ns) and their ratio
// (speedup): on a shared machine, whose other jobs only ever add time,
// the minimum over thousands of alternating calls estimates each
// kernel's uncontended cost, and alternation exposes both to the same
// conditions. It complements the benchstat comparison of the ordinary
// benchmarks (-col /impl), which is what the README's table quotes first.
func BenchmarkAVX512Paired(b *testing.B) {
	if !avx512Impl.Supported() || !avx2Impl.Supported() {
		b.Skip("needs avx2 and avx512")
	}
	type kcase struct {
		name string
		run  func(m *Impl)
	}
	for _, n := range []int{4096, 65536} {
		src, src2 := benchData(n), benchData(n + 1)[1:]
		q8, f32 := make([]uint8, n), make([]float32, n)
		i4 := make([]uint8, n/2)
		var cases []kcase
		for _, c := range benchConvs {
			pu, pi := benchParams(c, false), benchParams(c, true)
			cases = append(cases,
				kcase{"QuantizeU8/conv=" + c.String(), func(m *Impl) { m.QuantizeU8(q8, src, pu) }},
				kcase{"QuantizeI8/conv=" + c.String(), func(m *Impl) { m.QuantizeI8(bytesAsInt8(q8), src, pi) }},
				kcase{"QuantError/conv=" + c.String(), func(m *Impl) { m.QuantError(src, pu) }})
			ps := make([]Params, n/32)
			for i := range ps {
				ps[i] = Params{Scale: 0.5 + float32(i%7)*0.125, Zero: int32(i % 3), Lo: -8, Hi: 7, Convention: c}
			}
			cases = append(cases, kcase{"QuantizeBlocksI4/B=32/conv=" + c.String(), func(m *Impl) { m.k.quantizeBlocksI4(i4, src, 32, ps, LowFirst) }})
			if c == ONNX {
				cases = append(cases, kcase{"DequantizeBlocksI4/B=32", func(m *Impl) { m.k.dequantizeBlocksI4(f32, i4, 32, ps, signExtend, LowFirst) }})
			}
		}
		p := benchParams(ONNX, false)
		cases = append(cases,
			kcase{"DequantizeU8", func(m *Impl) { m.DequantizeU8(f32, q8, p) }},
			kcase{"DequantizeI8", func(m *Impl) { m.DequantizeI8(f32, bytesAsInt8(q8), p) }},
			kcase{"MinMax", func(m *Impl) { m.MinMax(src) }},
			kcase{"AbsMax", func(m *Impl) { m.AbsMax(src) }},
			kcase{"SquaredError", func(m *Impl) { m.SquaredError(src, src2) }})
		for _, kc := range cases {
			b.Run(fmt.Sprintf("%s/n=%d", kc.name, n), func(b *testing.B) {
				// Each timing covers reps calls (65536 elements), so that
				// the clock's own cost does not flatten the ratio at small n.
				reps := max(1, 65536/n)
				best := [2]time.Duration{1 << 62, 1 << 62}
				impls := [2]*Impl{avx2Impl, avx512Impl}
				for b.Loop() {
					for i, m := range impls {
						t0 := time.Now()
						for range reps {
							kc.run(m)
						}
						if d := time.Since(t0); d < best[i] {
							best[i] = d
						}
					}
				}
				b.ReportMetric(float64(best[0])/float64(reps), "min-avx2-ns")
				b.ReportMetric(float64(best[1])/float64(reps), "min-avx512-ns")
				b.ReportMetric(float64(best[0])/float64(best[1]), "speedup")
			})
		}
	}
}
