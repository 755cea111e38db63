package quant

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDynamicMatchesCalibrateThenQuantize: the fused call returns exactly
// CalibrateLayout's Params and QuantizeLayout's codes, for every output
// type, layout, method, convention and bit width that fits.
func TestDynamicMatchesCalibrateThenQuantize(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, l := range grpTestLayouts() {
		if l.Len() == 0 || l.Len() > 2100 {
			continue // the long rows' chunking is covered by TestLayoutDifferential
		}
		src := grpRandData(rng, l.Len(), false)
		for _, s := range grpAllSchemes(3, 4, 8) {
			want := make([]Params, l.NumParams())
			if err := CalibrateLayout(want, src, l, s); err != nil {
				continue // ErrRange on tiny ranges: checked elsewhere
			}
			qlo, qhi, _ := s.Bounds()
			for _, m := range grpTestImpls() {
				name := fmt.Sprintf("%s/%v/%+v", m.Name(), l, s)
				ps := make([]Params, l.NumParams())
				if qlo >= -128 && qhi <= 127 {
					got, ref := make([]int8, l.Len()), make([]int8, l.Len())
					require.NoError(t, m.QuantizeDynamicI8(got, ps, src, l, s), name)
					require.Equal(t, want, ps, name)
					m.QuantizeLayoutI8(ref, src, l, want)
					require.Equal(t, ref, got, name)
				} else {
					assert.ErrorIs(t, m.QuantizeDynamicI8(make([]int8, l.Len()), ps, src, l, s), ErrBits, name)
				}
				if qlo >= 0 {
					got, ref := make([]uint8, l.Len()), make([]uint8, l.Len())
					require.NoError(t, m.QuantizeDynamicU8(got, ps, src, l, s), name)
					require.Equal(t, want, ps, name)
					m.QuantizeLayoutU8(ref, src, l, want)
					require.Equal(t, ref, got, name)
				}
				if s.Bits <= 4 {
					for _, o := range []NibbleOrder{LowFirst, HighFirst} {
						got, ref := make([]uint8, PackedLen(l.Len())), make([]uint8, PackedLen(l.Len()))
						if qlo >= -8 && qhi <= 7 {
							require.NoError(t, m.QuantizeDynamicI4(got, ps, src, l, s, o), name)
							m.QuantizeLayoutI4(ref, src, l, want, o)
						} else {
							require.NoError(t, m.QuantizeDynamicU4(got, ps, src, l, s, o), name)
							m.QuantizeLayoutU4(ref, src, l, want, o)
						}
						require.Equal(t, want, ps, name)
						require.Equal(t, ref, got, name)
					}
				}
			}
		}
	}
}

func TestDynamicErrors(t *testing.T) {
	s := Scheme{Method: MethodAbsMax, Bits: 8, Convention: ONNX}
	src := make([]float32, 12)
	ps := make([]Params, 3)
	assert.ErrorIs(t, QuantizeDynamicI8(make([]int8, 11), ps, src, PerRow(3, 4), s), ErrShape)
	assert.ErrorIs(t, QuantizeDynamicI8(make([]int8, 12), ps[:2], src, PerRow(3, 4), s), ErrShape)
	assert.ErrorIs(t, QuantizeDynamicI8(make([]int8, 12), ps, src, Blocked(3, 4, 1), s), ErrShape)
	assert.ErrorIs(t, QuantizeDynamicI8(make([]int8, 12), ps, src, PerRow(3, 4), Scheme{Method: MethodMinMax, Bits: 8}), ErrBits)
	assert.ErrorIs(t, QuantizeDynamicU8(make([]uint8, 12), ps, src, PerRow(3, 4), s), ErrBits)
	assert.ErrorIs(t, QuantizeDynamicI4(make([]uint8, 5), ps, src, PerRow(3, 4), Scheme{Method: MethodAbsMax, Bits: 4}, LowFirst), ErrShape)
	assert.ErrorIs(t, QuantizeDynamicI4(make([]uint8, 6), ps, src, PerRow(3, 4), s, LowFirst), ErrBits)
	assert.ErrorIs(t, QuantizeDynamicU4(make([]uint8, 6), ps, src, PerRow(3, 4), Scheme{Bits: 5}, LowFirst), ErrBits)
	assert.ErrorIs(t, QuantizeDynamicU4(make([]uint8, 6), ps, src, PerRow(3, 4), Scheme{Bits: 4}, 7), ErrParams)
	src[9] = float32(math.NaN())
	var nf *NotFiniteError
	dst := make([]int8, 12)
	require.ErrorAs(t, QuantizeDynamicI8(dst, ps, src, PerRow(3, 4), s), &nf)
	assert.Equal(t, 9, nf.Index)
}

// TestDynamicAllocs: the per-token path allocates nothing.
func TestDynamicAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	src := grpRandData(rng, 16*256, false)
	for _, l := range []Layout{PerRow(16, 256), Blocked(16, 256, 32), Blocked(16, 256, 5)} {
		ps := make([]Params, l.NumParams())
		d8 := make([]int8, len(src))
		d4 := make([]uint8, PackedLen(len(src)))
		for _, m := range grpTestImpls() {
			if grpRace && m.Name() != "generic" {
				continue // composed int4 scratch comes from a sync.Pool, which drops items under -race
			}
			assert.Zero(t, testing.AllocsPerRun(5, func() {
				_ = m.QuantizeDynamicI8(d8, ps, src, l, Scheme{Method: MethodAbsMax, Bits: 8, Convention: PyTorch})
				_ = m.QuantizeDynamicU4(d4, ps, src, l, Scheme{Method: MethodMinMax, Bits: 4, Convention: ONNX}, LowFirst)
				_ = m.CalibrateLayout(ps, src, l, Scheme{Method: MethodMinMax, Bits: 8, Convention: Seed})
			}), "%s %v", m.Name(), l)
		}
	}
}
