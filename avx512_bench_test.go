//go:build amd64 && gc && !purego

package quant

import (
	"bytes"
	"fmt"
	"testing"
	"unsafe"
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
				ns := pairedMin(b, reps, func() { kc.run(avx2Impl) }, func() { kc.run(avx512Impl) })
				b.ReportMetric(ns[0], "min-avx2-ns")
				b.ReportMetric(ns[1], "min-avx512-ns")
				b.ReportMetric(ns[0]/ns[1], "speedup")
			})
		}
	}
}

// BenchmarkAVX512Bound compares, at n = 4096 (in L1) and 65536 (256 KiB of
// float32, in L2), the dequantize (uint8, and int4 in blocks of 32) and
// AbsMax kernels of avx2 and avx512
// with what the memory system allows at the same footprint: clear of the
// float32 output (the stores alone), bytes.Equal of two halves of the
// float32 input, made equal (the loads alone, AVX2), and the avx512
// dequantize with non-temporal stores (which write around the caches). Every function
// runs alternately and the fastest call of each is reported, as in
// BenchmarkAVX512Paired.
func BenchmarkAVX512Bound(b *testing.B) {
	if !avx512Impl.Supported() || !avx2Impl.Supported() {
		b.Skip("needs avx2 and avx512")
	}
	for _, n := range []int{4096, 65536} {
		src := benchData(n)
		q8, f32 := make([]uint8, n), make([]float32, n)
		raw := unsafe.Slice((*byte)(unsafe.Pointer(&src[0])), 4*n)
		half := append([]byte(nil), raw[:2*n]...)
		copy(raw[2*n:], half) // the second half equal to the first
		p := benchParams(ONNX, false)
		i4, ps := make([]uint8, n/2), make([]Params, n/32)
		for i := range ps {
			ps[i] = Params{Scale: 0.5 + float32(i%7)*0.125, Zero: int32(i % 3), Lo: -8, Hi: 7, Convention: ONNX}
		}
		fs := []struct {
			name  string
			f     func()
			after func() // untimed
		}{
			{"deq-avx2", func() { avx2Impl.DequantizeU8(f32, q8, p) }, nil},
			{"deq-avx512", func() { avx512Impl.DequantizeU8(f32, q8, p) }, nil},
			{"deqI4-avx2", func() { avx2Impl.k.dequantizeBlocksI4(f32, i4, 32, ps, signExtend, LowFirst) }, nil},
			{"deqI4-avx512", func() { avx512Impl.k.dequantizeBlocksI4(f32, i4, 32, ps, signExtend, LowFirst) }, nil},
			{"clear", func() { clear(f32) }, nil},
			{"absmax-avx2", func() { avx2Impl.AbsMax(src) }, nil},
			{"absmax-avx512", func() { avx512Impl.AbsMax(src) }, nil},
			{"equal", func() { boundSink = bytes.Equal(raw[:2*n], raw[2*n:]) }, nil},
			// The non-temporal stores evict f32 from the caches: clear
			// brings it back before the next timing.
			{"deq-avx512-nt", func() { avx512DequantizeU8Call(&f32[0], &q8[0], n, &p, true, avx512VBMI) }, func() { clear(f32); clear(f32) }},
		}
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			reps := max(1, 65536/n)
			calls, after := make([]func(), len(fs)), make([]func(), len(fs))
			for i, f := range fs {
				calls[i], after[i] = f.f, f.after
			}
			ns := pairedMinAfter(b, reps, calls, after)
			for i, f := range fs {
				b.ReportMetric(ns[i], f.name+"-ns")
			}
		})
	}
}

var boundSink bool
