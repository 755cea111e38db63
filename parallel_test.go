package quant

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// grpWithChunk runs f with parallelChunk set to n (many chunks on small inputs).
func grpWithChunk(n int, f func()) {
	old := parallelChunk
	parallelChunk = n
	defer func() { parallelChunk = old }()
	f()
}

// TestParallelBitIdentical: every method of a Parallel Impl returns the single-threaded
// bits for 1..5 workers and chunk sizes that do and do not divide the
// input or the rows.
func TestParallelBitIdentical(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	src := grpRandData(rng, 37*41, true)
	fin := grpRandData(rng, 37*41, false)
	p8 := Params{Scale: 0.1, Zero: 3, Lo: -128, Hi: 127, Convention: Seed}
	pu := Params{Scale: 0.1, Zero: 3, Lo: 0, Hi: 255, Convention: PyTorch}
	for _, chunk := range []int{1, 7, 64, 41, 100000} {
		grpWithChunk(chunk, func() {
			for _, m := range grpTestImpls() {
				lo, hi, f := m.MinMax(src)
				am := m.AbsMax(src)
				q8 := make([]int8, len(src))
				m.QuantizeI8(q8, src, p8)
				qu := make([]uint8, len(src))
				m.QuantizeU8(qu, src, pu)
				d8 := make([]float32, len(src))
				m.DequantizeI8(d8, q8, p8)
				du := make([]float32, len(src))
				m.DequantizeU8(du, qu, pu)
				p4 := Params{Scale: 0.5, Zero: 1, Lo: -8, Hi: 7, Convention: ONNX}
				q4 := make([]uint8, PackedLen(len(src)))
				m.QuantizeI4(q4, src, p4, HighFirst)
				d4 := make([]float32, len(src))
				m.DequantizeU4(d4, q4, len(src), p4, LowFirst)
				for w := 1; w <= 5; w++ {
					par := m.Parallel(w)
					name := fmt.Sprintf("%s chunk %d workers %d", m.Name(), chunk, w)
					l2, h2, f2 := par.MinMax(src)
					require.Equal(t, []uint32{math.Float32bits(lo), math.Float32bits(hi)}, []uint32{math.Float32bits(l2), math.Float32bits(h2)}, name)
					require.Equal(t, f, f2, name)
					require.Equal(t, math.Float32bits(am), math.Float32bits(par.AbsMax(src)), name)
					g8 := make([]int8, len(src))
					par.QuantizeI8(g8, src, p8)
					require.Equal(t, q8, g8, name)
					gu := make([]uint8, len(src))
					par.QuantizeU8(gu, src, pu)
					require.Equal(t, qu, gu, name)
					g := make([]float32, len(src))
					par.DequantizeI8(g, q8, p8)
					grpRequireBits(t, d8, g, name)
					par.DequantizeU8(g, qu, pu)
					grpRequireBits(t, du, g, name)
					g4 := make([]uint8, PackedLen(len(src)))
					par.QuantizeI4(g4, src, p4, HighFirst)
					require.Equal(t, q4, g4, name)
					par.DequantizeU4(g, q4, len(src), p4, LowFirst)
					grpRequireBits(t, d4, g, name)
				}
				for _, l := range []Layout{PerRow(37, 41), PerColumn(37, 41), Blocked(37, 41, 8), Blocked(41, 37, 32)} {
					ps := grpRandParams(rng, l.NumParams(), -8, 7)
					r8 := make([]int8, len(src))
					m.QuantizeLayoutI8(r8, src, l, ps)
					r4 := make([]uint8, PackedLen(len(src)))
					m.QuantizeLayoutI4(r4, src, l, ps, LowFirst)
					rd := make([]float32, len(src))
					m.DequantizeLayoutI4(rd, r4, l, ps, HighFirst)
					psu := grpRandParams(rng, l.NumParams(), 0, 15)
					ru8 := make([]uint8, len(src))
					m.QuantizeLayoutU8(ru8, src, l, psu)
					rdu := make([]float32, len(src))
					m.DequantizeLayoutU8(rdu, ru8, l, psu)
					ru4 := make([]uint8, PackedLen(len(src)))
					m.QuantizeLayoutU4(ru4, src, l, psu, HighFirst)
					rdu4 := make([]float32, len(src))
					m.DequantizeLayoutU4(rdu4, ru4, l, psu, LowFirst)
					su := Scheme{Method: MethodMinMax, Bits: 4, Convention: PyTorch}
					dpsu := make([]Params, l.NumParams())
					dqu := make([]uint8, PackedLen(len(src)))
					require.NoError(t, m.QuantizeDynamicU4(dqu, dpsu, fin, l, su, LowFirst))
					dq8 := make([]uint8, len(src))
					require.NoError(t, m.QuantizeDynamicU8(dq8, dpsu, fin, l, su))
					s := Scheme{Method: MethodAbsMax, Bits: 4, Convention: ONNX}
					dps := make([]Params, l.NumParams())
					dq := make([]uint8, PackedLen(len(src)))
					require.NoError(t, m.QuantizeDynamicI4(dq, dps, fin, l, s, LowFirst))
					s8 := Scheme{Method: MethodPercentile, Bits: 8, Convention: Seed}
					cps := make([]Params, l.NumParams())
					require.NoError(t, m.CalibrateLayout(cps, fin, l, s8))
					for w := 1; w <= 5; w++ {
						par := m.Parallel(w)
						name := fmt.Sprintf("%s chunk %d workers %d %v", m.Name(), chunk, w, l)
						g8 := make([]int8, len(src))
						par.QuantizeLayoutI8(g8, src, l, ps)
						require.Equal(t, r8, g8, name)
						g4 := make([]uint8, PackedLen(len(src)))
						par.QuantizeLayoutI4(g4, src, l, ps, LowFirst)
						require.Equal(t, r4, g4, name)
						gd := make([]float32, len(src))
						par.DequantizeLayoutI4(gd, r4, l, ps, HighFirst)
						grpRequireBits(t, rd, gd, name)
						gps := make([]Params, l.NumParams())
						gq := make([]uint8, PackedLen(len(src)))
						require.NoError(t, par.QuantizeDynamicI4(gq, gps, fin, l, s, LowFirst), name)
						require.Equal(t, dps, gps, name)
						require.Equal(t, dq, gq, name)
						gu8 := make([]uint8, len(src))
						par.QuantizeLayoutU8(gu8, src, l, psu)
						require.Equal(t, ru8, gu8, name)
						gdu := make([]float32, len(src))
						par.DequantizeLayoutU8(gdu, ru8, l, psu)
						grpRequireBits(t, rdu, gdu, name)
						gu4 := make([]uint8, PackedLen(len(src)))
						par.QuantizeLayoutU4(gu4, src, l, psu, HighFirst)
						require.Equal(t, ru4, gu4, name)
						par.DequantizeLayoutU4(gdu, ru4, l, psu, LowFirst)
						grpRequireBits(t, rdu4, gdu, name)
						gpsu := make([]Params, l.NumParams())
						require.NoError(t, par.QuantizeDynamicU4(gu4, gpsu, fin, l, su, LowFirst), name)
						require.Equal(t, dqu, gu4, name)
						require.Equal(t, dpsu, gpsu, name)
						require.NoError(t, par.QuantizeDynamicU8(gu8, gpsu, fin, l, su), name)
						require.Equal(t, dq8, gu8, name)
						require.NoError(t, par.CalibrateLayout(gps, fin, l, s8), name)
						require.Equal(t, cps, gps, name)
					}
				}
			}
		})
	}
}

func TestParallelDynamicError(t *testing.T) {
	src := make([]float32, 40*8)
	src[5*8+3] = float32(math.Inf(-1))
	src[30*8] = float32(math.NaN())
	grpWithChunk(16, func() {
		for w := 1; w <= 4; w++ {
			var nf *NotFiniteError
			err := Active().Parallel(w).QuantizeDynamicI8(make([]int8, len(src)), make([]Params, 40), src, PerRow(40, 8), Scheme{Method: MethodAbsMax, Bits: 8})
			require.ErrorAs(t, err, &nf)
			require.Equal(t, 5*8+3, nf.Index)
		}
	})
}
