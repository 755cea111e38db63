package quant

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/quantkernel/quant/internal/bound"
)

// Benchmarks of every kernel on every implementation this CPU supports,
// named kernel[/conv=...]/impl=.../n=... so that benchstat groups them.
//
// b.SetBytes is what one call moves: bytes read plus bytes written
// (Quantize 5n, Dequantize 5n, MinMax, AbsMax and QuantError 4n,
// SquaredError 8n for n elements). BenchmarkCopy copies the same number of
// bytes with copy() and BenchmarkDivBound does n float32 divisions with
// VDIVPS, so at equal n their ns/op compare directly with the kernels'.

// benchSizes are element counts from 1 KiB to 64 MiB of float32.
var benchSizes = []int{256, 4096, 65536, 1 << 20, 16 << 20}

var benchConvs = []Convention{Seed, ONNX, PyTorch}

// benchData returns n normally distributed float32 of typical activation
// magnitude (deterministic).
func benchData(n int) []float32 {
	r := rand.New(rand.NewPCG(11, uint64(n)))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * 2)
	}
	return x
}

func benchParams(c Convention, signed bool) Params {
	if signed {
		return Params{Scale: 0.05, Zero: 0, Lo: -128, Hi: 127, Convention: c}
	}
	return Params{Scale: 0.05, Zero: 128, Lo: 0, Hi: 255, Convention: c}
}

// benchEach runs f as a sub-benchmark for each supported implementation
// and size; prefix names the kernel variant (may be empty).
func benchEach(b *testing.B, prefix string, f func(b *testing.B, m *Impl, n int)) {
	for _, m := range Supported() {
		for _, n := range benchSizes {
			b.Run(fmt.Sprintf("%simpl=%s/n=%d", prefix, m.Name(), n), func(b *testing.B) { f(b, m, n) })
		}
	}
}

func BenchmarkQuantizeU8(b *testing.B) {
	for _, c := range benchConvs {
		benchEach(b, "conv="+c.String()+"/", func(b *testing.B, m *Impl, n int) {
			src, dst, p := benchData(n), make([]uint8, n), benchParams(c, false)
			b.SetBytes(int64(5 * n))
			m.QuantizeU8(dst, src, p) // warm up: fault in dst's pages outside the timing
			for b.Loop() {
				m.QuantizeU8(dst, src, p)
			}
		})
	}
}

func BenchmarkQuantizeI8(b *testing.B) {
	for _, c := range benchConvs {
		benchEach(b, "conv="+c.String()+"/", func(b *testing.B, m *Impl, n int) {
			src, dst, p := benchData(n), make([]int8, n), benchParams(c, true)
			b.SetBytes(int64(5 * n))
			m.QuantizeI8(dst, src, p) // warm up: fault in dst's pages outside the timing
			for b.Loop() {
				m.QuantizeI8(dst, src, p)
			}
		})
	}
}

func BenchmarkDequantizeU8(b *testing.B) {
	benchEach(b, "", func(b *testing.B, m *Impl, n int) {
		p := benchParams(Seed, false)
		src, dst := make([]uint8, n), make([]float32, n)
		m.QuantizeU8(src, benchData(n), p)
		b.SetBytes(int64(5 * n))
		m.DequantizeU8(dst, src, p) // warm up: fault in dst's pages outside the timing
		for b.Loop() {
			m.DequantizeU8(dst, src, p)
		}
	})
}

func BenchmarkDequantizeI8(b *testing.B) {
	benchEach(b, "", func(b *testing.B, m *Impl, n int) {
		p := benchParams(Seed, true)
		src, dst := make([]int8, n), make([]float32, n)
		m.QuantizeI8(src, benchData(n), p)
		b.SetBytes(int64(5 * n))
		m.DequantizeI8(dst, src, p) // warm up: fault in dst's pages outside the timing
		for b.Loop() {
			m.DequantizeI8(dst, src, p)
		}
	})
}

func BenchmarkMinMax(b *testing.B) {
	benchEach(b, "", func(b *testing.B, m *Impl, n int) {
		src := benchData(n)
		b.SetBytes(int64(4 * n))
		for b.Loop() {
			m.MinMax(src)
		}
	})
}

func BenchmarkAbsMax(b *testing.B) {
	benchEach(b, "", func(b *testing.B, m *Impl, n int) {
		src := benchData(n)
		b.SetBytes(int64(4 * n))
		for b.Loop() {
			m.AbsMax(src)
		}
	})
}

func BenchmarkQuantError(b *testing.B) {
	for _, c := range benchConvs {
		benchEach(b, "conv="+c.String()+"/", func(b *testing.B, m *Impl, n int) {
			src, p := benchData(n), benchParams(c, false)
			b.SetBytes(int64(4 * n))
			for b.Loop() {
				m.QuantError(src, p)
			}
		})
	}
}

func BenchmarkSquaredError(b *testing.B) {
	benchEach(b, "", func(b *testing.B, m *Impl, n int) {
		x, y := benchData(n), benchData(n + 1)[:n]
		b.SetBytes(int64(8 * n))
		for b.Loop() {
			m.SquaredError(x, y)
		}
	})
}

// BenchmarkCopy is Go's copy() moving as many bytes as a kernel at n
// elements reads plus writes, X: like=quantize copies X = 5n bytes (as
// Quantize and Dequantize), like=reduce 4n (MinMax, AbsMax, QuantError),
// like=squared 8n (SquaredError). SetBytes is X, so its MB/s compares with
// the kernels' directly. (copy reads X and writes X bytes.) The source is
// written first: untouched pages would all map the zero page, which stays
// in cache.
func BenchmarkCopy(b *testing.B) { benchCopy(b, 1) }

// BenchmarkCopyEqualTraffic is BenchmarkCopy copying X/2 bytes: copy()
// then reads and writes X bytes in all, the memory traffic of the kernel
// (SetBytes is still X). It is the stricter comparison for the read-only
// kernels, since copy() writes half of its traffic with non-temporal
// stores that do not compete with its reads.
func BenchmarkCopyEqualTraffic(b *testing.B) { benchCopy(b, 2) }

func benchCopy(b *testing.B, div int) {
	for _, n := range benchSizes {
		for _, k := range []struct {
			like  string
			bytes int
		}{{"quantize", 5 * n}, {"reduce", 4 * n}, {"squared", 8 * n}} {
			b.Run(fmt.Sprintf("like=%s/n=%d", k.like, n), func(b *testing.B) {
				size := k.bytes / div
				src, dst := make([]byte, size), make([]byte, size)
				for i := range src {
					src[i] = byte(i)
				}
				copy(dst, src)
				b.SetBytes(int64(k.bytes))
				for b.Loop() {
					copy(dst, src)
				}
			})
		}
	}
}

// BenchmarkDivBound is the VDIVPS throughput bound: n float32 divisions in
// independent 8-lane VDIVPS and nothing else. Its MB/s is float32 input
// bytes (4n) per second at the bound; its ns/op compares with the
// division conventions' Quantize at the same n.
func BenchmarkDivBound(b *testing.B) {
	if !bound.Available() {
		b.Skip("no VDIVPS loop on this build or CPU")
	}
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(4 * n))
			for b.Loop() {
				bound.DivPS(n / bound.LanesPerDiv)
			}
		})
	}
}

// BenchmarkFAddBound is the bound of SquaredError on CPUs whose float
// conversions and adds share the add pipes (AMD Zen 4): the VCVTPS2PD,
// VSUBPD and VADDPD of n elements, independent, nothing else. SetBytes is
// SquaredError's 8n, so ns/op and MB/s compare with it at the same n.
func BenchmarkFAddBound(b *testing.B) {
	if !bound.Available() {
		b.Skip("no VCVTPS2PD loop on this build or CPU")
	}
	for _, n := range benchSizes {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.SetBytes(int64(8 * n))
			for b.Loop() {
				bound.FAddPD(n / bound.LanesPerFAdd)
			}
		})
	}
}
