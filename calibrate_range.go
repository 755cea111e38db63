package quant

import (
	"fmt"
	"math"
)

// rangeParams is Calibrate's arithmetic after its MinMax, shared by
// Calibrate and the per-row, per-column and per-block calibrations: given
// lo32, hi32 = MinMax(seg) of a non-empty, finite seg and a valid s, it
// returns the Params (or ErrRange). buf (len(buf) >= len(seg)) is scratch
// for MethodPercentile only; otherwise seg and buf are not read.
func rangeParams(s Scheme, lo32, hi32 float32, seg, buf []float32) (Params, error) {
	var lo, hi float64
	if s.Method == MethodPercentile {
		p := s.Percentile
		if p == 0 {
			p = DefaultPercentile
		}
		buf = buf[:len(seg)]
		copy(buf, seg)
		hi = percentileSelect(buf, p)
		lo = percentileSelect(buf, 100-p)
		if s.Convention != Seed {
			lo, hi = float64(float32(lo)), float64(float32(hi))
		}
	} else {
		lo, hi = float64(lo32), float64(hi32)
	}
	if s.IncludeZero || s.Convention != Seed {
		lo, hi = min(lo, 0), max(hi, 0)
	}
	qlo, qhi, _ := s.Bounds() // s is valid
	p := Params{Lo: qlo, Hi: qhi, Convention: s.Convention}
	var scale, zero float64
	switch s.Convention {
	case Seed:
		scale, zero = calibrateSeed(s, lo, hi, lo32, hi32, qlo, qhi)
	case PyTorch:
		scale, zero = calibrateTorch(s, float32(lo), float32(hi), qlo, qhi)
	default:
		scale, zero = calibrateONNX(s, float32(lo), float32(hi), qlo, qhi)
	}
	p.Scale = float32(scale)
	if math.Abs(zero) > MaxZero {
		return Params{}, fmt.Errorf("quant: range [%v, %v] needs zero point %v beyond ±%d: %w", lo, hi, zero, MaxZero, ErrRange)
	}
	p.Zero = int32(zero)
	if err := p.validateCommon(); err != nil {
		return Params{}, fmt.Errorf("quant: range [%v, %v] gives scale %v: %w", lo, hi, p.Scale, ErrRange)
	}
	return p, nil
}

// firstNotFinite returns the *NotFiniteError for the first NaN or ±Inf of
// seg, whose first element has index base in the whole input.
func firstNotFinite(seg []float32, base int) error {
	for i, x := range seg {
		if x-x != 0 {
			return &NotFiniteError{Index: base + i, Value: x}
		}
	}
	return nil
}

// schemeFits checks that s is valid and that its bounds fit lo..hi (the
// output type of a dynamic quantization).
func schemeFits(fn string, s Scheme, lo, hi int32) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if qlo, qhi, _ := s.Bounds(); qlo < lo || qhi > hi {
		return fmt.Errorf("quant.%s: scheme %v %d-bit bounds %d..%d do not fit %d..%d: %w", fn, s.Method, s.Bits, qlo, qhi, lo, hi, ErrBits)
	}
	return nil
}
