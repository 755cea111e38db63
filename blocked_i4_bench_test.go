package quant

import (
	"fmt"
	"testing"
)

// BenchmarkBlockedI4Cache measures the blocked int4 kernels in cache
// (n = 4096 and 65536 elements, B = 32, one Params per block, every
// convention for quantize) on every supported implementation, named
// kernel/conv/impl/n so that benchstat -col /impl compares them. Bytes
// are those moved: 4n + n/2.
func BenchmarkBlockedI4Cache(b *testing.B) {
	const block = 32
	for _, n := range []int{4096, 65536} {
		src := benchData(n)
		packed := make([]uint8, n/2)
		back := make([]float32, n)
		for _, c := range benchConvs {
			ps := make([]Params, n/block)
			for i := range ps {
				ps[i] = Params{Scale: 0.5 + float32(i%7)*0.125, Zero: int32(i % 3), Lo: -8, Hi: 7, Convention: c}
			}
			for _, m := range Supported() {
				b.Run(fmt.Sprintf("quantize/conv=%s/impl=%s/n=%d", c, m.Name(), n), func(b *testing.B) {
					b.SetBytes(int64(4*n + n/2))
					for b.Loop() {
						m.k.quantizeBlocksI4(packed, src, block, ps, LowFirst)
					}
				})
				if c != ONNX {
					continue
				}
				b.Run(fmt.Sprintf("dequantize/impl=%s/n=%d", m.Name(), n), func(b *testing.B) {
					b.SetBytes(int64(4*n + n/2))
					for b.Loop() {
						m.k.dequantizeBlocksI4(back, packed, block, ps, signExtend, LowFirst)
					}
				})
			}
		}
	}
}
