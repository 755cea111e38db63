package quant

import (
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Regression tests of the library defects a hostile caller found (issue
// 14, classes 11 to 14).

// within fails the test if f does not return within d (zero-size work that
// loops once per row of a huge row count would hang instead).
func within(t *testing.T, d time.Duration, name string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s: did not return within %v (zero-size work must return at once)", name, d)
	}
}

// Class 11: an empty matrix with a huge row count returns at once.
func TestReliabilityZeroSizeWork(t *testing.T) {
	s := Scheme{Bits: 8}
	sym := Scheme{Bits: 8, Method: MethodAbsMax}
	var e12 int64 = 1e12 // the row count, or MaxInt where int has 32 bits
	huge := int(min(e12, math.MaxInt))
	for _, l := range []Layout{Blocked(huge, 0, 32), Blocked(math.MaxInt, 0, 2), PerColumn(huge, 0)} {
		ps := make([]Params, l.NumParams())
		for _, m := range append(Supported(), nil) {
			name := "package"
			cal := CalibrateLayout
			dynU8 := QuantizeDynamicU8
			dynI8 := QuantizeDynamicI8
			dynU4 := func(dst []uint8, ps []Params, src []float32, l Layout, s Scheme) error {
				return QuantizeDynamicU4(dst, ps, src, l, s, LowFirst)
			}
			qU8 := QuantizeLayoutU8
			if m != nil {
				name = m.Name()
				cal, dynU8, dynI8, qU8 = m.CalibrateLayout, m.QuantizeDynamicU8, m.QuantizeDynamicI8, m.QuantizeLayoutU8
				dynU4 = func(dst []uint8, ps []Params, src []float32, l Layout, s Scheme) error {
					return m.QuantizeDynamicU4(dst, ps, src, l, s, LowFirst)
				}
			}
			within(t, 5*time.Second, name+" "+l.String(), func() {
				require.NoError(t, cal(ps, nil, l, s))
				require.NoError(t, dynU8(nil, ps, nil, l, s))
				require.NoError(t, dynI8(nil, ps, nil, l, sym))
				require.NoError(t, dynU4(nil, ps, nil, l, Scheme{Bits: 4}))
				qU8(nil, nil, l, ps)
			})
			if m == nil {
				continue
			}
			p := m.Parallel(4)
			within(t, 5*time.Second, name+" parallel "+l.String(), func() {
				require.NoError(t, p.CalibrateLayout(ps, nil, l, s))
				require.NoError(t, p.QuantizeDynamicU8(nil, ps, nil, l, s))
				require.NoError(t, p.QuantizeDynamicI8(nil, ps, nil, l, sym))
				p.QuantizeLayoutU8(nil, nil, l, ps)
			})
		}
	}
	// Rows with no elements that still need Params are empty, at once.
	within(t, 5*time.Second, "per row 3×0", func() {
		err := CalibrateLayout(make([]Params, 3), nil, PerRow(3, 0), s)
		require.ErrorIs(t, err, ErrEmpty)
	})
}

// Class 12: size arithmetic cannot overflow for a layout that validates.
func TestReliabilityLayoutOverflow(t *testing.T) {
	for _, l := range []Layout{
		Blocked(2, 3, math.MaxInt-1), Blocked(2, 3, math.MaxInt), Blocked(math.MaxInt, 1, math.MaxInt),
		Blocked(1, math.MaxInt, math.MaxInt), Blocked(1, math.MaxInt, 2), Blocked(1, math.MaxInt, math.MaxInt-1),
		PerRow(math.MaxInt, 1), PerColumn(1, math.MaxInt),
	} {
		require.NoError(t, l.Validate(), "%v", l)
		n := l.NumParams()
		require.Positive(t, n, "%v", l)
		require.LessOrEqual(t, n, max(l.Len(), l.Rows, l.Cols), "%v", l)
	}
	require.Equal(t, 2, Blocked(2, 3, math.MaxInt-1).NumParams())
	require.Equal(t, math.MaxInt/2+1, Blocked(1, math.MaxInt, 2).NumParams())
	require.Equal(t, 2, Blocked(1, math.MaxInt, math.MaxInt-1).NumParams())
	for _, l := range []Layout{PerRow(math.MaxInt, 2), Blocked(math.MaxInt/2+1, 2, 2), PerColumn(3, math.MaxInt/2)} {
		require.ErrorIs(t, l.Validate(), ErrShape, "%v", l)
	}
	// An overflowing layout is rejected by the functions, not looped over.
	require.ErrorIs(t, CalibrateLayout(make([]Params, 2), nil, Blocked(2, 3, math.MaxInt-1), Scheme{Bits: 8}), ErrShape)
}

// Class 13: Params.Dequantize does not wrap in int32, and equals the
// kernels on their domain.
func TestReliabilityDequantizeNoWrap(t *testing.T) {
	p := Params{Scale: 1, Zero: -MaxZero, Lo: 0, Hi: 255}
	for _, q := range []int32{math.MaxInt32, math.MaxInt32 - MaxZero + 1, math.MaxInt32 - MaxZero} {
		got := p.Dequantize(q)
		want := float32(float64(q) + MaxZero) // exact in float64, one rounding
		require.Equal(t, math.Float32bits(want), math.Float32bits(got), "q=%d", q)
		require.Positive(t, got)
	}
	p.Zero = MaxZero
	require.Equal(t, float32(float64(math.MinInt32)-MaxZero), p.Dequantize(math.MinInt32))
	require.Negative(t, p.Dequantize(math.MinInt32))
	// The kernels' domain: every code and extreme zero points, bitwise.
	for _, z := range []int32{-MaxZero, -MaxZero + 1, -129, 0, 128, MaxZero - 1, MaxZero} {
		for _, sc := range []float32{1, 0.1, 3.4e38, 1e-30} {
			p := Params{Scale: sc, Zero: z, Lo: 0, Hi: 255}
			u8 := make([]uint8, 256)
			for i := range u8 {
				u8[i] = uint8(i)
			}
			x := make([]float32, 256)
			for _, m := range Supported() {
				m.DequantizeU8(x, u8, p)
				for i, v := range x {
					require.Equal(t, math.Float32bits(v), math.Float32bits(p.Dequantize(int32(i))), "%s q=%d z=%d s=%v", m.Name(), i, z, sc)
				}
			}
		}
	}
}

// Class 14: Scheme.Bounds with invalid bits returns ErrBits.
func TestReliabilitySchemeBounds(t *testing.T) {
	for _, bits := range []int{-1, 0, 1, 9, 31, 32, 40, 64, math.MaxInt, math.MinInt} {
		for _, m := range []Method{MethodMinMax, MethodAbsMax, MethodPercentile} {
			lo, hi, err := Scheme{Bits: bits, Method: m}.Bounds()
			require.True(t, errors.Is(err, ErrBits), "bits %d: %v", bits, err)
			require.Zero(t, lo)
			require.Zero(t, hi)
		}
	}
	for bits := 2; bits <= 8; bits++ {
		lo, hi, err := Scheme{Bits: bits, Method: MethodAbsMax, NarrowRange: true}.Bounds()
		require.NoError(t, err)
		require.Equal(t, [2]int32{-(1 << (bits - 1)) + 1, 1<<(bits-1) - 1}, [2]int32{lo, hi})
		lo, hi, err = Scheme{Bits: bits}.Bounds()
		require.NoError(t, err)
		require.Equal(t, [2]int32{0, 1<<bits - 1}, [2]int32{lo, hi})
	}
}
