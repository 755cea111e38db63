package quant

import (
	"fmt"
	"math"
)

// Convention selects the quantization formula. See the package doc.
type Convention uint8

const (
	// Seed is the notebook's formula: q = clamp(rne(x/s + float32(z)), Lo, Hi).
	Seed Convention = iota
	// ONNX is QuantizeLinear: q = clamp(rne(x/s) + z, Lo, Hi).
	ONNX
	// PyTorch is FBGEMM's: q = clamp(rne(x*inv) + z, Lo, Hi), inv = float32(1/s).
	PyTorch
)

var conventionNames = [...]string{Seed: "seed", ONNX: "onnx", PyTorch: "pytorch"}

func (c Convention) String() string {
	if int(c) < len(conventionNames) {
		return conventionNames[c]
	}
	return fmt.Sprintf("Convention(%d)", uint8(c))
}

// ParseConvention maps "seed", "onnx" or "pytorch" to a Convention.
func ParseConvention(s string) (Convention, error) {
	for i, n := range conventionNames {
		if s == n {
			return Convention(i), nil
		}
	}
	return 0, fmt.Errorf("quant: unknown convention %q (want seed, onnx or pytorch): %w", s, ErrParams)
}

// MaxZero bounds |Params.Zero|. It keeps float32(Zero) and Lo-Zero, Hi-Zero
// exact in float32, which the Seed formula and the SIMD kernels rely on.
const MaxZero = 1 << 23

// Params are the quantization parameters of one tensor (or one row or block).
type Params struct {
	Scale      float32    // s: a positive, finite, normal float32
	Zero       int32      // z: the zero point, |z| <= MaxZero; it may lie outside Lo..Hi
	Lo, Hi     int32      // the clamp bounds of the quantized value
	Convention Convention // which formula quantizes
}

// Validate reports whether p can be used by the kernels: Scale positive,
// finite and normal; |Zero| <= MaxZero; Lo <= Hi; both bounds inside
// uint8 (0..255) or both inside int8 (-128..127); a known Convention.
// The returned error is a *ParamsError wrapping ErrParams.
func (p Params) Validate() error {
	if err := p.validateCommon(); err != nil {
		return err
	}
	if !(p.Lo >= 0 && p.Hi <= math.MaxUint8) && !(p.Lo >= math.MinInt8 && p.Hi <= math.MaxInt8) {
		return &ParamsError{"Lo", fmt.Sprintf("and Hi (%d..%d) fit neither uint8 nor int8", p.Lo, p.Hi)}
	}
	return nil
}

// ValidateU8 is Validate with bounds that must fit uint8 (0..255).
func (p Params) ValidateU8() error { return p.validateBounds(0, math.MaxUint8) }

// ValidateI8 is Validate with bounds that must fit int8 (-128..127).
func (p Params) ValidateI8() error { return p.validateBounds(math.MinInt8, math.MaxInt8) }

func (p Params) validateBounds(lo, hi int32) error {
	if err := p.validateCommon(); err != nil {
		return err
	}
	if p.Lo < lo || p.Hi > hi {
		return &ParamsError{"Lo", fmt.Sprintf("and Hi (%d..%d) do not fit %d..%d", p.Lo, p.Hi, lo, hi)}
	}
	return nil
}

func (p Params) validateCommon() error {
	s := p.Scale
	switch {
	case s != s:
		return &ParamsError{"Scale", "is NaN"}
	case s <= 0:
		return &ParamsError{"Scale", fmt.Sprintf("%v is not positive", s)}
	case math.IsInf(float64(s), 1):
		return &ParamsError{"Scale", "is +Inf"}
	case s < math.SmallestNonzeroFloat32*(1<<23):
		return &ParamsError{"Scale", fmt.Sprintf("%v is subnormal", s)}
	}
	if p.Zero > MaxZero || p.Zero < -MaxZero {
		return &ParamsError{"Zero", fmt.Sprintf("%d exceeds ±%d", p.Zero, MaxZero)}
	}
	if p.Lo > p.Hi {
		return &ParamsError{"Lo", fmt.Sprintf("%d is above Hi %d", p.Lo, p.Hi)}
	}
	if p.Convention > PyTorch {
		return &ParamsError{"Convention", fmt.Sprintf("%d is unknown", p.Convention)}
	}
	return nil
}

// Dequantize returns float32(q - Zero) * Scale for one value, the same
// arithmetic as the Dequantize kernels. q - Zero is computed in int64, so
// it never wraps for any int32 q; it is then rounded once to float32. On
// the kernels' domain (q of 8 or 4 bits, |Zero| <= MaxZero) the difference
// is exact in float32 and the result is bitwise the kernels'.
func (p Params) Dequantize(q int32) float32 {
	return float32(int64(q)-int64(p.Zero)) * p.Scale
}

// Quantize returns the quantized value of one x under p, the same
// arithmetic as the Quantize kernels. p must be valid.
func (p Params) Quantize(x float32) int32 {
	return quantizeOne(x, p.Convention, p.Scale, pytorchInv(p.Scale), p.Zero, p.Lo, p.Hi)
}
