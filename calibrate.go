package quant

import (
	"fmt"
	"math"
)

// Method is a calibration method: how the range to quantize is chosen.
type Method uint8

const (
	// MethodMinMax is asymmetric: the range is [min, max]; unsigned bounds
	// 0..2^bits-1.
	MethodMinMax Method = iota
	// MethodAbsMax is symmetric: the range is [-absmax, absmax]; signed
	// bounds -2^(bits-1)..2^(bits-1)-1; the zero point is 0.
	MethodAbsMax
	// MethodPercentile is asymmetric with the range clipped to the
	// (100-p)-th and p-th percentiles; unsigned bounds.
	MethodPercentile
)

var methodNames = [...]string{MethodMinMax: "minmax", MethodAbsMax: "absmax", MethodPercentile: "percentile"}

func (m Method) String() string {
	if int(m) < len(methodNames) {
		return methodNames[m]
	}
	return fmt.Sprintf("Method(%d)", uint8(m))
}

// ParseMethod maps "minmax", "absmax" or "percentile" to a Method.
func ParseMethod(s string) (Method, error) {
	for i, n := range methodNames {
		if s == n {
			return Method(i), nil
		}
	}
	return 0, fmt.Errorf("quant: unknown method %q (want minmax, absmax or percentile): %w", s, ErrParams)
}

// DefaultPercentile is the percentile MethodPercentile uses when
// Scheme.Percentile is 0 (the notebook's 99.99).
const DefaultPercentile = 99.99

// Scheme describes how Calibrate derives Params from data.
type Scheme struct {
	Method     Method
	Bits       int        // 2..8
	Percentile float64    // MethodPercentile only: p in (50, 100]; 0 means DefaultPercentile
	Convention Convention // formula of the Params, and of the calibration arithmetic
	// IncludeZero extends the range to contain 0 (so 0 quantizes exactly).
	// ONNX and PyTorch calibration always include zero, as their
	// definitions do; this flag adds it to Seed.
	IncludeZero bool
	// NarrowRange drops the lowest code: signed -2^(bits-1)+1..2^(bits-1)-1
	// (-127..127 for 8 bits), unsigned 1..2^bits-1.
	NarrowRange bool
}

// Bounds returns the clamp bounds the scheme quantizes to: -2^(Bits-1)
// (+1 with NarrowRange) .. 2^(Bits-1)-1 for MethodAbsMax, 0 (1 with
// NarrowRange) .. 2^Bits-1 otherwise. Bits outside 2..8 give an error
// wrapping ErrBits (and lo = hi = 0).
func (s Scheme) Bounds() (lo, hi int32, err error) {
	if s.Bits < 2 || s.Bits > 8 {
		return 0, 0, fmt.Errorf("quant: bits %d outside 2..8: %w", s.Bits, ErrBits)
	}
	if s.Method == MethodAbsMax {
		lo, hi = -1<<(s.Bits-1), 1<<(s.Bits-1)-1
	} else {
		lo, hi = 0, 1<<s.Bits-1
	}
	if s.NarrowRange {
		lo++
	}
	return lo, hi, nil
}

// Validate checks the scheme's fields: ErrBits, ErrPercentile or ErrParams.
func (s Scheme) Validate() error {
	if s.Bits < 2 || s.Bits > 8 {
		return fmt.Errorf("quant: bits %d outside 2..8: %w", s.Bits, ErrBits)
	}
	if s.Method > MethodPercentile {
		return fmt.Errorf("quant: unknown method %d: %w", s.Method, ErrParams)
	}
	if s.Convention > PyTorch {
		return fmt.Errorf("quant: unknown convention %d: %w", s.Convention, ErrParams)
	}
	if s.Method == MethodPercentile && s.Percentile != 0 && !(s.Percentile > 50 && s.Percentile <= 100) {
		return fmt.Errorf("quant: percentile %v outside (50, 100]: %w", s.Percentile, ErrPercentile)
	}
	return nil
}

// Calibrate derives Params for src under s. src must be non-empty and
// finite (ErrEmpty, *NotFiniteError); s must be valid. The arithmetic
// follows the convention's own reference, bit for bit:
//
//   - Seed reproduces the notebook run by numpy 1.24 on a float32 array:
//     scale = float64(float32(max-min)) / (Hi-Lo), zero = Lo - rne(min/scale)
//     in float64 (the notebook's -rne(min/scale), as Lo is 0 unless
//     NarrowRange), symmetric scale = float64(absmax) / (2^(bits-1)-1); for
//     percentiles the float64 percentiles; Scale is then rounded to float32.
//     The zero point may lie outside Lo..Hi, as in the notebook.
//   - PyTorch reproduces torch.ao.quantization.MinMaxObserver's
//     calculate_qparams in float32: the range includes 0, scale =
//     max((max-min)/(Hi-Lo), eps), zero = clamp(Lo - rne(min/scale), Lo, Hi);
//     symmetric scale = max(absmax/((Hi-Lo)/2), eps), zero 0.
//   - ONNX reproduces DynamicQuantizeLinear in float32: the range includes
//     0, scale = (max-min)/(Hi-Lo), zero = rne(clamp(Lo - min/scale, Lo, Hi));
//     symmetric scale = 2*absmax/(Hi-Lo), zero 0.
//
// Percentile ranges use Percentile's numpy arithmetic; for ONNX and
// PyTorch they are rounded to float32 and then treated as min and max.
//
// A constant input (min == max, or absmax == 0) gives Params that
// round-trip the constant exactly (Seed: scale |c| or 1; ONNX: scale 1;
// PyTorch: scale eps). A range whose scale would be infinite or subnormal,
// or whose Seed zero point exceeds MaxZero, gives ErrRange.
func Calibrate(src []float32, s Scheme) (Params, error) {
	if err := s.Validate(); err != nil {
		return Params{}, err
	}
	if err := checkFinite(src); err != nil {
		return Params{}, err
	}
	lo32, hi32, _ := active.MinMax(src)
	var buf []float32
	if s.Method == MethodPercentile {
		buf = make([]float32, len(src)) // selection reorders a copy, never src
	}
	return rangeParams(s, lo32, hi32, src, buf)
}

// calibrateSeed is the notebook's arithmetic under numpy 1.24's rules
// (a float32 scalar divided by a Python int is float64).
func calibrateSeed(s Scheme, lo, hi float64, lo32, hi32 float32, qlo, qhi int32) (scale, zero float64) {
	if s.Method == MethodAbsMax {
		amax := float64(max(-lo32, hi32))
		if amax == 0 {
			return 1, 0
		}
		return amax / float64(qhi), 0
	}
	var width float64
	if s.Method == MethodPercentile {
		width = hi - lo // np.percentile returns float64
	} else {
		width = float64(float32(hi) - float32(lo)) // float32 scalars subtract in float32
	}
	if width == 0 {
		// constant c: scale |c| (1 for 0) and zero Lo - sign(c), so that
		// c quantizes to Lo and dequantizes to exactly c.
		c := lo
		switch {
		case c > 0:
			return c, float64(qlo) - 1
		case c < 0:
			return -c, float64(qlo) + 1
		}
		return 1, float64(qlo)
	}
	scale = width / float64(qhi-qlo)
	zero = float64(qlo) - math.RoundToEven(lo/scale) // min quantizes to Lo
	return scale, zero + 0
}

// torchEps is torch.finfo(torch.float32).eps, MinMaxObserver's least scale.
const torchEps = float32(1.1920928955078125e-07)

// calibrateTorch is MinMaxObserver._calculate_qparams in float32 (lo <= 0 <= hi).
func calibrateTorch(s Scheme, lo, hi float32, qlo, qhi int32) (scale, zero float64) {
	if s.Method == MethodAbsMax {
		amax := max(-lo, hi)
		sc := float32(amax / float32(float64(qhi-qlo)/2))
		return float64(max(sc, torchEps)), 0
	}
	sc := max(float32(float32(hi-lo)/float32(qhi-qlo)), torchEps)
	z := float64(qlo) - math.RoundToEven(float64(float32(lo/sc)))
	return float64(sc), min(max(z, float64(qlo)), float64(qhi))
}

// calibrateONNX is DynamicQuantizeLinear's arithmetic in float32
// (lo <= 0 <= hi); a zero range gets scale 1.
func calibrateONNX(s Scheme, lo, hi float32, qlo, qhi int32) (scale, zero float64) {
	if s.Method == MethodAbsMax {
		// amax / ((Hi-Lo)/2) is the real number 2*amax/(Hi-Lo) (the
		// halved width is exact), rounded once: the same bits as
		// (amax+amax)/(Hi-Lo), without overflowing for amax > MaxFloat32/2.
		amax := max(-lo, hi)
		sc := float32(amax / float32(float64(qhi-qlo)/2))
		if sc == 0 {
			sc = 1
		}
		return float64(sc), 0
	}
	sc := float32(float32(hi-lo) / float32(qhi-qlo))
	if sc == 0 {
		sc = 1
	}
	iz := float32(float32(qlo) - float32(lo/sc))
	iz = min(max(iz, float32(qlo)), float32(qhi))
	return float64(sc), math.RoundToEven(float64(iz))
}

// CalibrateInPlace is Calibrate, except that MethodPercentile selects in
// src itself instead of in a copy: src is reordered (it keeps the same
// values) and no memory proportional to len(src) is allocated. The Params
// and errors are bitwise those of Calibrate on the original src. Other
// methods do not modify src.
func CalibrateInPlace(src []float32, s Scheme) (Params, error) {
	if err := s.Validate(); err != nil {
		return Params{}, err
	}
	if err := checkFinite(src); err != nil {
		return Params{}, err
	}
	lo32, hi32, _ := active.MinMax(src)
	return rangeParams(s, lo32, hi32, src, src)
}
