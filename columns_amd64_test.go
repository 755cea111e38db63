//go:build amd64 && gc && !purego

package quant

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestQuantizeColumns compares the per-column kernels of AVX2 and
// AVX-512 (kernel_columns_amd64.go) with the reference, bit for bit, on
// widths around the chunk and group sizes: one Convention for all
// columns, runs of each, scales inside and outside exactDivScale (and at
// its edges) side by side, and inputs with NaN, ±Inf, ties and quotients
// that overflow.
func TestQuantizeColumns(t *testing.T) {
	impls := []*Impl{avx2Impl, avx512Impl}
	r := rand.New(rand.NewPCG(11, 12))
	widths := []int{1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 40, 127, 128, 129, 133, 135, 136, 137, 255, 256, 263, 300}
	edges := []float32{exactDivMinScale, exactDivMaxScale, 0x1.fffffep-101, 0x1.000002p100,
		math.SmallestNonzeroFloat32 * (1 << 23), math.MaxFloat32, 0.00214854861}
	for _, m := range impls {
		if !m.Supported() {
			continue
		}
		for trial := range 400 {
			cols := widths[trial%len(widths)]
			rows := 1 + r.IntN(4)
			signed := r.IntN(2) == 0
			ps := make([]Params, cols)
			mode := r.IntN(4)
			c := Convention(r.IntN(3))
			for j := range ps {
				if mode == 1 && j%(1+r.IntN(20)) == 0 { // runs of conventions
					c = Convention(r.IntN(3))
				}
				ps[j] = randParams(r, signed, c)
				if mode == 2 && r.IntN(8) == 0 {
					ps[j].Scale = edges[r.IntN(len(edges))]
				}
				if mode == 3 {
					ps[j].Convention = Convention(r.IntN(3))
				}
			}
			src := make([]float32, rows*cols)
			fillFloats(r, src, ps[r.IntN(cols)].Scale)
			for i := range src {
				if r.IntN(4) == 0 { // ties and overflow of the column's own scale
					s := ps[i%cols].Scale
					switch r.IntN(3) {
					case 0:
						src[i] = float32(float64(r.IntN(600)-300)+0.5) * s
					case 1:
						src[i] = float32(math.Ldexp(1, 25+r.IntN(8))) * s
					default:
						src[i] = float32(math.Ldexp(1, 25)*(1-0x1p-24)) * s
					}
				}
			}
			what := fmt.Sprintf("%s rows=%d cols=%d mode=%d signed=%v", m.Name(), rows, cols, mode, signed)
			if signed {
				checkColumns(t, what, m.k.quantizeColumnsI8, genericKernels.quantizeColumnsI8, src, cols, ps)
			} else {
				checkColumns(t, what, m.k.quantizeColumnsU8, genericKernels.quantizeColumnsU8, src, cols, ps)
			}
		}
	}
}
