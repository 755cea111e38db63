package quant

import (
	"fmt"
	"testing"
)

// BenchmarkBlockedInCache is the blocked int8 quantize of 8192 elements
// (in cache) with ONNX Params varying per block, for B = 32, 256 and 8192,
// on the active implementation: the per-block cost of the divider-free
// path (y = RN(1/s) and the domain check per block) next to its per-group
// gain.
//
//	go test -run '^$' -bench BlockedInCache -benchtime 2000x -count 5 .
func BenchmarkBlockedInCache(b *testing.B) {
	src := benchData(8192)
	dst := make([]int8, len(src))
	for _, blk := range []int{32, 256, 8192} {
		ps := make([]Params, (len(src)+blk-1)/blk)
		for i := range ps {
			ps[i] = Params{Scale: 0.05 + float32(i%7)*0.001, Zero: int32(i % 5), Lo: -128, Hi: 127, Convention: ONNX}
		}
		b.Run(fmt.Sprintf("B=%d", blk), func(b *testing.B) {
			b.SetBytes(int64(5 * len(src)))
			for b.Loop() {
				active.k.quantizeBlocksI8(dst, src, blk, ps)
			}
		})
	}
}
