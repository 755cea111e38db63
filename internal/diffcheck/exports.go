package diffcheck

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/quantkernel/quant"
)

// The checks and generators below are the pieces of the suites that other
// tests reuse: the fuzz targets decode their input and call CheckFloat /
// CheckDequantize*, the seed corpus is built from the generators.

// FloatKernels lists the operations with float32 input that CheckFloat
// accepts.
func FloatKernels() []string { return slices.Clone(floatOps) }

// CheckFloat compares kernel (one of FloatKernels) of m with generic on
// vals placed at srcOff; off2 is the dst offset (quantizers) or b's offset
// (SquaredError, whose b is aux, len(aux) >= len(vals)); salt varies the
// dst sentinel.
func CheckFloat(m *quant.Impl, kernel string, vals, aux []float32, srcOff, off2 int, p quant.Params, salt uint32) error {
	for _, k := range floatKernels {
		if k.name == kernel {
			return k.check(m, vals, aux, srcOff, off2, p, salt)
		}
	}
	return fmt.Errorf("diffcheck: no float kernel %q", kernel)
}

// CheckDequantizeU8 compares DequantizeU8 of m with generic on codes at
// srcOff into a dst at dstOff.
func CheckDequantizeU8(m *quant.Impl, codes []uint8, srcOff, dstOff int, p quant.Params, salt uint32) error {
	return diffDequantizeU8(m, srcBuf(codes, srcOff), p, dstOff, salt)
}

// CheckDequantizeI8 is CheckDequantizeU8 for int8 codes.
func CheckDequantizeI8(m *quant.Impl, codes []int8, srcOff, dstOff int, p quant.Params, salt uint32) error {
	return diffDequantizeI8(m, srcBuf(codes, srcOff), p, dstOff, salt)
}

// Specials are the special input values (see specialValues).
func Specials() []float32 { return specialValues() }

// NaNBits are the NaN bit patterns among Specials.
func NaNBits() []uint32 { return slices.Clone(nanBits32) }

// ParamSpecials are the inputs that matter for p: its ties, clamp
// boundaries and ±2^31·s neighbours.
func ParamSpecials(p quant.Params) []float32 { return paramSpecials(p) }

// RepresentativeParams are four Params per convention, each fitting uint8
// or int8.
func RepresentativeParams() []quant.Params { return representativeParams() }

// MasterInputs returns a mixed (specials sprinkled) and a finite input of
// length n for p.
func MasterInputs(p quant.Params, n int, seed uint64) (mixed, finite []float32) {
	return masterInputs(p, n, seed)
}

// RandomData returns n values for the grouped forms (normal data, ties,
// and with salt one special in eight) and GroupParams n Params with bounds
// inside lo..hi.
func RandomData(rng *rand.Rand, n int, salt bool) []float32 { return groupData(rng, n, salt) }

// GroupParams returns n valid Params with bounds inside lo..hi.
func GroupParams(rng *rand.Rand, n int, lo, hi int32) []quant.Params {
	return groupParams(rng, n, lo, hi)
}
