package quant

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Bad input to Calibrate and Percentile, constant inputs, and
// Params.Validate. The arithmetic itself is checked against numpy, torch
// and ONNX in oracle_test.go.

var (
	allConventions = []Convention{Seed, ONNX, PyTorch}
	allMethods     = []Method{MethodMinMax, MethodAbsMax, MethodPercentile}
	negZero        = float32(math.Copysign(0, -1))
	nan32          = float32(math.NaN())
	inf32          = float32(math.Inf(1))
)

// forEachScheme calls f for every method, convention and bit width, with
// and without NarrowRange and IncludeZero.
func forEachScheme(f func(s Scheme)) {
	for _, c := range allConventions {
		for _, m := range allMethods {
			for bits := 2; bits <= 8; bits++ {
				for _, narrow := range []bool{false, true} {
					for _, iz := range []bool{false, true} {
						f(Scheme{Method: m, Bits: bits, Convention: c, NarrowRange: narrow, IncludeZero: iz})
					}
				}
			}
		}
	}
}

func TestCalibrateEmpty(t *testing.T) {
	forEachScheme(func(s Scheme) {
		for _, src := range [][]float32{nil, {}} {
			_, err := Calibrate(src, s)
			require.ErrorIs(t, err, ErrEmpty, "%+v", s)
		}
	})
	for _, src := range [][]float32{nil, {}} {
		_, err := Percentile(src, 50)
		require.ErrorIs(t, err, ErrEmpty)
	}
}

func TestCalibrateNotFinite(t *testing.T) {
	nanPayload := math.Float32frombits(0x7fc0beef)
	cases := []struct {
		src   []float32
		index int
	}{
		{[]float32{nan32}, 0},
		{[]float32{1, 2, 3, nan32, 4}, 3},
		{[]float32{1, 2, 3, inf32, nan32}, 3},
		{[]float32{1, 2, nan32, -inf32}, 2},
		{[]float32{-inf32}, 0},
		{append(make([]float32, 1000), -inf32), 1000},
		{append(make([]float32, 77), nanPayload, inf32), 77},
		{[]float32{math.MaxFloat32, -math.MaxFloat32, math.Float32frombits(0xff800001)}, 2}, // a NaN with the sign bit set
	}
	for _, c := range cases {
		want := c.src[c.index]
		check := func(err error, what string) {
			t.Helper()
			require.ErrorIs(t, err, ErrNotFinite, what)
			var nf *NotFiniteError
			require.ErrorAs(t, err, &nf, what)
			assert.Equal(t, c.index, nf.Index, what)
			assert.Equal(t, math.Float32bits(want), math.Float32bits(nf.Value), what)
			assert.Contains(t, err.Error(), fmt.Sprintf("element %d", c.index), what)
		}
		forEachScheme(func(s Scheme) {
			_, err := Calibrate(c.src, s)
			check(err, fmt.Sprintf("Calibrate %+v", s))
		})
		_, err := Percentile(c.src, 99)
		check(err, "Percentile")
	}
}

func TestCalibrateBits(t *testing.T) {
	src := []float32{-1, 2, 3}
	for _, bits := range []int{math.MinInt, -1, 0, 1, 9, 16, 32, math.MaxInt} {
		for _, c := range allConventions {
			for _, m := range allMethods {
				_, err := Calibrate(src, Scheme{Method: m, Bits: bits, Convention: c})
				require.ErrorIs(t, err, ErrBits, "bits %d", bits)
				assert.Contains(t, err.Error(), fmt.Sprint(bits))
			}
		}
	}
}

func TestCalibratePercentileRange(t *testing.T) {
	src := []float32{-1, 2, 3}
	for _, p := range []float64{-1, 1, 49.999, 50, 100.0000001, 101, math.Inf(1), math.Inf(-1), math.NaN()} {
		for _, c := range allConventions {
			_, err := Calibrate(src, Scheme{Method: MethodPercentile, Bits: 8, Percentile: p, Convention: c})
			require.ErrorIs(t, err, ErrPercentile, "p=%v", p)
		}
	}
	// Percentile is only checked for MethodPercentile.
	_, err := Calibrate(src, Scheme{Method: MethodMinMax, Bits: 8, Percentile: 7})
	require.NoError(t, err)
	// In range, including the bounds' edge cases and the default (0).
	for _, p := range []float64{0, 50.5, 75, 99.99, 100} {
		_, err := Calibrate(src, Scheme{Method: MethodPercentile, Bits: 8, Percentile: p})
		require.NoError(t, err, "p=%v", p)
	}
	// Percentile itself takes 0..100.
	for _, p := range []float64{-1e-300, 100.00000000000001, math.NaN(), math.Inf(1)} {
		_, err := Percentile(src, p)
		require.ErrorIs(t, err, ErrPercentile, "p=%v", p)
	}
	for _, p := range []float64{0, 100} {
		_, err := Percentile(src, p)
		require.NoError(t, err)
	}
}

func TestCalibrateDefaultPercentile(t *testing.T) {
	src := make([]float32, 5000)
	for i := range src {
		src[i] = float32(i%97) - 13
	}
	src[4321] = 1e4
	for _, c := range allConventions {
		a, err := Calibrate(src, Scheme{Method: MethodPercentile, Bits: 8, Convention: c})
		require.NoError(t, err)
		b, err := Calibrate(src, Scheme{Method: MethodPercentile, Bits: 8, Percentile: DefaultPercentile, Convention: c})
		require.NoError(t, err)
		require.Equal(t, b, a)
	}
}

func TestCalibrateUnknownEnums(t *testing.T) {
	src := []float32{1, 2}
	_, err := Calibrate(src, Scheme{Method: MethodPercentile + 1, Bits: 8})
	require.ErrorIs(t, err, ErrParams)
	_, err = Calibrate(src, Scheme{Method: MethodMinMax, Bits: 8, Convention: PyTorch + 1})
	require.ErrorIs(t, err, ErrParams)
}

// TestCalibrateRange: ranges whose Params cannot exist give ErrRange.
func TestCalibrateRange(t *testing.T) {
	errs := func(src []float32, s Scheme) {
		t.Helper()
		p, err := Calibrate(src, s)
		require.ErrorIs(t, err, ErrRange, "%+v gave %+v", s, p)
		require.Equal(t, Params{}, p)
	}
	// The width max-min overflows float32: the scale is +Inf, in every
	// convention (numpy, torch and ONNX all compute max-min in float32).
	for _, c := range allConventions {
		for bits := 2; bits <= 8; bits++ {
			errs([]float32{-3e38, 3e38}, Scheme{Method: MethodMinMax, Bits: bits, Convention: c})
			errs([]float32{-math.MaxFloat32, 0, math.MaxFloat32}, Scheme{Method: MethodMinMax, Bits: bits, Convention: c})
		}
	}
	// A symmetric scale is amax/(2^(bits-1)-1) or amax/((Hi-Lo)/2): it
	// never overflows (the ONNX one once computed 2*amax first).
	for _, c := range allConventions {
		for bits := 2; bits <= 8; bits++ {
			p, err := Calibrate([]float32{-math.MaxFloat32, math.MaxFloat32}, Scheme{Method: MethodAbsMax, Bits: bits, Convention: c})
			require.NoError(t, err, "%v bits %d", c, bits)
			require.NoError(t, p.ValidateI8())
		}
	}
	// Subnormal scales: ranges narrower than about 2^-126 * (Hi-Lo).
	for _, c := range []Convention{Seed, ONNX} { // PyTorch floors the scale at eps
		errs([]float32{0, 1e-40}, Scheme{Method: MethodMinMax, Bits: 8, Convention: c})
		errs([]float32{-1e-39, 1e-39}, Scheme{Method: MethodAbsMax, Bits: 8, Convention: c})
		errs([]float32{0, 1e-38}, Scheme{Method: MethodMinMax, Bits: 8, Convention: c})
	}
	errs([]float32{1e-38, 1.00001e-38}, Scheme{Method: MethodMinMax, Bits: 8, Convention: Seed})
	// A subnormal constant cannot round-trip with a normal scale.
	errs([]float32{1e-40, 1e-40}, Scheme{Method: MethodMinMax, Bits: 8, Convention: Seed})
	// The Seed zero point -rne(min/scale) beyond ±MaxZero: a narrow range
	// far from 0.
	errs([]float32{1e7, 1e7 + 1}, Scheme{Method: MethodMinMax, Bits: 8, Convention: Seed})
	errs([]float32{-1e7 - 1, -1e7}, Scheme{Method: MethodMinMax, Bits: 2, Convention: Seed})
	// ... which ONNX and PyTorch avoid by including 0 and clamping.
	for _, c := range []Convention{ONNX, PyTorch} {
		_, err := Calibrate([]float32{1e7, 1e7 + 1}, Scheme{Method: MethodMinMax, Bits: 8, Convention: c})
		require.NoError(t, err)
	}
	// The largest zero point allowed is reachable: MaxZero itself.
	p, err := Calibrate([]float32{-MaxZero, -MaxZero + 3}, Scheme{Method: MethodMinMax, Bits: 2, Convention: Seed})
	require.NoError(t, err)
	require.Equal(t, int32(MaxZero), p.Zero)
	_, err = Calibrate([]float32{-MaxZero - 2, -MaxZero + 1}, Scheme{Method: MethodMinMax, Bits: 2, Convention: Seed})
	require.ErrorIs(t, err, ErrRange)
}

// TestCalibrateConstant: a degenerate range gives valid Params that
// round-trip the constant exactly. Degenerate means: an all-zero input
// (+0 or -0) under every convention and method (it comes back as +0); and
// any constant c under Seed MinMax or Percentile without IncludeZero (the
// notebook divides by zero there; Seed uses scale |c| and zero Lo-sign(c)).
// ONNX, PyTorch and IncludeZero extend the range to [0, c] or [c, 0], and
// symmetric methods to [-|c|, |c|]: those are ordinary ranges, calibrated
// by their references' formulas (TestCalibrateConstantOrdinary).
func TestCalibrateConstant(t *testing.T) {
	for _, n := range []int{1, 2, 17, 300} {
		for _, z := range []float32{0, negZero} {
			src := make([]float32, n)
			for i := range src {
				src[i] = z
				if i%3 == 1 {
					src[i] = -z
				}
			}
			forEachScheme(func(s Scheme) { checkRoundTrip(t, src, s) })
		}
	}
	consts := []float32{1, -1, 0.1, -3.7, 255, 1000, 1e-30, -1e-30, 1e30, -3e38, math.MaxFloat32, -math.MaxFloat32,
		math.SmallestNonzeroFloat32 * (1 << 23), -math.SmallestNonzeroFloat32 * (1 << 23), 16777217, 0.333333343}
	for _, c := range consts {
		for _, n := range []int{1, 5, 64} {
			src := make([]float32, n)
			for i := range src {
				src[i] = c
			}
			forEachScheme(func(s Scheme) {
				if s.Convention == Seed && s.Method != MethodAbsMax && !s.IncludeZero {
					checkRoundTrip(t, src, s)
				}
			})
		}
	}
}

// checkRoundTrip requires Calibrate to succeed and every element of src
// (all equal to a constant c, or all ±0) to come back as c (+0 for ±0),
// through the kernels and through Params.Quantize/Dequantize, with a
// zero quantization error.
func checkRoundTrip(t *testing.T, src []float32, s Scheme) {
	t.Helper()
	p, err := Calibrate(src, s)
	require.NoError(t, err, "%+v on %v", s, src[0])
	require.NoError(t, p.Validate())
	want := src[0] + 0 // -0 comes back as +0
	lo, hi, _ := s.Bounds()
	require.Equal(t, [2]int32{lo, hi}, [2]int32{p.Lo, p.Hi})
	y := make([]float32, len(src))
	if s.Method == MethodAbsMax {
		require.NoError(t, p.ValidateI8())
		q := make([]int8, len(src))
		QuantizeI8(q, src, p)
		DequantizeI8(y, q, p)
	} else {
		require.NoError(t, p.ValidateU8())
		q := make([]uint8, len(src))
		QuantizeU8(q, src, p)
		DequantizeU8(y, q, p)
	}
	for i := range y {
		if math.Float32bits(y[i]) != math.Float32bits(want) {
			t.Fatalf("%+v: %v -> %+v -> %v", s, src[i], p, y[i])
		}
	}
	require.Equal(t, math.Float32bits(want), math.Float32bits(p.Dequantize(p.Quantize(src[0]))))
	require.Zero(t, QuantError(src, p))
}

// TestCalibrateConstantOrdinary pins what happens to a nonzero constant
// where the range is not degenerate: Params are valid and the constant
// comes back within half a step (a step being Scale; a PyTorch constant
// below eps/2 goes to 0, like any value that small), not exactly: c may
// land on a .5 tie past Hi (symmetric scales map amax to (Hi-Lo)/2), or
// q*s may round away from c.
func TestCalibrateConstantOrdinary(t *testing.T) {
	// Not beyond ±MaxFloat32/2: there a symmetric Lo*Scale overflows to
	// -Inf (see the README, Known limits).
	for _, c := range []float32{1, -1, 0.1, -3.7, 255, 1000, 1e-30, -1e-30, 1e30, -1.5e38, math.MaxFloat32 / 2} {
		forEachScheme(func(s Scheme) {
			if s.Convention == Seed && s.Method != MethodAbsMax && !s.IncludeZero {
				return // degenerate: TestCalibrateConstant
			}
			src := []float32{c, c, c}
			p, err := Calibrate(src, s)
			if err != nil {
				// Only an ONNX or PyTorch or IncludeZero range [0, c] of an
				// extreme c, or a Seed symmetric c/(2^(bits-1)-1), may
				// fail, and only with ErrRange.
				require.ErrorIs(t, err, ErrRange, "%+v on %v", s, c)
				return
			}
			require.NoError(t, p.Validate())
			y := p.Dequantize(p.Quantize(c))
			// Half a step, plus the rounding of Scale (at most 2^-24
			// relative, times |q - z| <= 256) and of the product q*s.
			d := math.Abs(float64(y) - float64(c))
			ulp := math.Abs(float64(math.Nextafter32(c, 0)) - float64(c))
			require.LessOrEqual(t, d, float64(p.Scale)*(0.5+0x1p-16)+ulp, "%+v on %v: %+v -> %v", s, c, p, y)
		})
	}
}

// TestONNXSymmetricScale: the ONNX symmetric scale amax/((Hi-Lo)/2) is
// bit for bit (amax+amax)/(Hi-Lo), the form it is documented with,
// wherever the latter does not overflow.
func TestONNXSymmetricScale(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		a := math.Float32frombits(r.Uint32N(0x7f000000)) // [0, MaxFloat32/2)
		for _, w := range []int32{3, 7, 15, 31, 63, 127, 255, 2, 6, 14, 30, 62, 126, 254} {
			x := float32(float32(a+a) / float32(w))
			y := float32(a / float32(float64(w)/2))
			if math.Float32bits(x) != math.Float32bits(y) {
				t.Fatalf("a=%v w=%d: %v != %v", a, w, x, y)
			}
		}
	}
}

func TestParamsValidate(t *testing.T) {
	ok := Params{Scale: 0.5, Zero: 3, Lo: 0, Hi: 255}
	require.NoError(t, ok.Validate())
	bad := func(p Params, field string) {
		t.Helper()
		for _, err := range []error{p.Validate(), p.ValidateU8(), p.ValidateI8()} {
			require.ErrorIs(t, err, ErrParams, "%+v", p)
			var pe *ParamsError
			require.ErrorAs(t, err, &pe)
			require.Equal(t, field, pe.Field, "%+v: %v", p, err)
		}
	}
	for _, s := range []float32{0, negZero, -1, -math.MaxFloat32, nan32, math.Float32frombits(0xffc00001), inf32, -inf32,
		math.SmallestNonzeroFloat32, 1e-40, math.Float32frombits(0x007fffff), -1e-40} {
		p := ok
		p.Scale = s
		bad(p, "Scale")
	}
	for _, s := range []float32{math.Float32frombits(0x00800000), 2e-38, 1, math.MaxFloat32} {
		p := ok
		p.Scale = s
		require.NoError(t, p.Validate(), "scale %v", s)
	}
	for _, z := range []int32{MaxZero + 1, -MaxZero - 1, math.MaxInt32, math.MinInt32} {
		p := ok
		p.Zero = z
		bad(p, "Zero")
	}
	for _, z := range []int32{MaxZero, -MaxZero, 0, 1000, -1000} {
		p := ok
		p.Zero = z
		require.NoError(t, p.Validate(), "zero %d", z)
	}
	bad(Params{Scale: 1, Lo: 5, Hi: 4}, "Lo")
	bad(Params{Scale: 1, Lo: 0, Hi: -1}, "Lo")
	bad(Params{Scale: 1, Lo: 0, Hi: 255, Convention: PyTorch + 1}, "Convention")
	// Bounds fitting neither type.
	for _, b := range [][2]int32{{-1, 255}, {-128, 128}, {-129, 0}, {0, 256}, {math.MinInt32, math.MaxInt32}} {
		p := Params{Scale: 1, Lo: b[0], Hi: b[1]}
		err := p.Validate()
		require.ErrorIs(t, err, ErrParams, "%v", b)
		var pe *ParamsError
		require.ErrorAs(t, err, &pe)
		require.Equal(t, "Lo", pe.Field)
	}
	// Bounds fitting one type only.
	u8 := Params{Scale: 1, Lo: 0, Hi: 255}
	require.NoError(t, u8.Validate())
	require.NoError(t, u8.ValidateU8())
	require.ErrorIs(t, u8.ValidateI8(), ErrParams)
	i8 := Params{Scale: 1, Lo: -128, Hi: 127}
	require.NoError(t, i8.Validate())
	require.NoError(t, i8.ValidateI8())
	require.ErrorIs(t, i8.ValidateU8(), ErrParams)
	both := Params{Scale: 1, Lo: 0, Hi: 127}
	require.NoError(t, both.ValidateU8())
	require.NoError(t, both.ValidateI8())
	one := Params{Scale: 1, Lo: 7, Hi: 7}
	require.NoError(t, one.Validate())
}

// TestCalibrateParamsValid: whatever Calibrate returns passes Validate and
// the validator of its output type, on assorted data.
func TestCalibrateParamsValid(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := range 300 {
		src := make([]float32, 1+r.IntN(200))
		sc := math.Pow(10, r.Float64()*40-20)
		off := (r.Float64() - 0.3) * sc * 10
		for i := range src {
			src[i] = float32(r.NormFloat64()*sc + off)
		}
		forEachScheme(func(s Scheme) {
			s.Percentile = []float64{0, 90, 99.9, 100}[trial%4]
			p, err := Calibrate(src, s)
			if err != nil {
				require.ErrorIs(t, err, ErrRange, "%+v", s)
				return
			}
			require.NoError(t, p.Validate())
			if s.Method == MethodAbsMax {
				require.NoError(t, p.ValidateI8())
				require.Zero(t, p.Zero)
			} else {
				require.NoError(t, p.ValidateU8())
			}
			if s.Convention != Seed {
				// ONNX and PyTorch: an integer zero point inside the bounds.
				require.True(t, p.Lo <= p.Zero && p.Zero <= p.Hi || s.Method == MethodAbsMax, "%+v -> %+v", s, p)
			}
		})
	}
}

func TestCalibrateDoesNotModifySrc(t *testing.T) {
	src := []float32{5, -1, 3, 9, 0, 2, 8, -7, 4}
	orig := append([]float32(nil), src...)
	forEachScheme(func(s Scheme) {
		s.Percentile = 90
		_, err := Calibrate(src, s)
		require.NoError(t, err)
	})
	_, err := Percentile(src, 33)
	require.NoError(t, err)
	require.Equal(t, orig, src)
}

func TestErrorsAreDistinct(t *testing.T) {
	all := []error{ErrEmpty, ErrNotFinite, ErrBits, ErrPercentile, ErrParams, ErrRange, ErrKernel}
	for i, a := range all {
		for j, b := range all {
			require.Equal(t, i == j, errors.Is(a, b))
		}
	}
}

// TestCalibrateEndpoints: every asymmetric calibration maps the range's
// ends onto the bounds, min to Lo and max to Hi, with and without
// NarrowRange (Seed's zero point is Lo - rne(min/scale): with a narrow
// Lo = 1, the notebook's -rne(min/scale) would put min on code 0).
func TestCalibrateEndpoints(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 200 {
		src := make([]float32, 50)
		a, b := float32(r.NormFloat64()*10), float32(r.NormFloat64()*10)
		for i := range src {
			src[i] = a + float32(r.Float64())*b
		}
		lo, hi, _ := MinMax(src)
		for _, c := range allConventions {
			for bits := 2; bits <= 8; bits++ {
				for _, narrow := range []bool{false, true} {
					s := Scheme{Method: MethodMinMax, Bits: bits, Convention: c, NarrowRange: narrow}
					p, err := Calibrate(src, s)
					require.NoError(t, err)
					if c == Seed || lo <= 0 {
						require.Equal(t, p.Lo, p.Quantize(lo), "%+v %+v min %v", s, p, lo)
					}
					if c == Seed || hi >= 0 {
						require.Equal(t, p.Hi, p.Quantize(hi), "%+v %+v max %v", s, p, hi)
					}
				}
			}
		}
	}
}
