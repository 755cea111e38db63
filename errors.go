package quant

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error the package returns wraps one of them, so
// callers can test the kind with errors.Is and read details with errors.As.
var (
	// ErrEmpty: a calibration or percentile input has no elements.
	ErrEmpty = errors.New("quant: empty input")
	// ErrNotFinite: the input holds a NaN or ±Inf. See *NotFiniteError.
	ErrNotFinite = errors.New("quant: input is not finite")
	// ErrBits: Scheme.Bits is outside 2..8.
	ErrBits = errors.New("quant: bits out of range")
	// ErrPercentile: a percentile is outside its allowed interval.
	ErrPercentile = errors.New("quant: percentile out of range")
	// ErrParams: a Params value is unusable (scale, bounds or zero point).
	// See *ParamsError.
	ErrParams = errors.New("quant: invalid params")
	// ErrRange: the data's range cannot be represented by valid Params
	// (scale overflows, underflows to a subnormal, or the zero point exceeds
	// MaxZero).
	ErrRange = errors.New("quant: data range not representable")
	// ErrKernel: an implementation name is unknown or not supported by
	// this CPU.
	ErrKernel = errors.New("quant: kernel implementation unavailable")
	// ErrShape: a Layout is malformed (negative dimensions, block size < 2)
	// or does not match the lengths of the slices it describes.
	ErrShape = errors.New("quant: shape mismatch")
)

// NotFiniteError reports the first NaN or ±Inf in an input.
type NotFiniteError struct {
	Index int     // position of the first non-finite element
	Value float32 // the element itself
}

func (e *NotFiniteError) Error() string {
	return fmt.Sprintf("quant: element %d is %v (input must be finite)", e.Index, e.Value)
}

// Unwrap lets errors.Is(err, ErrNotFinite) match.
func (e *NotFiniteError) Unwrap() error { return ErrNotFinite }

// ParamsError reports which field of a Params is invalid and why.
type ParamsError struct {
	Field  string // "Scale", "Zero", "Lo", "Hi" or "Convention"
	Reason string
}

func (e *ParamsError) Error() string {
	return "quant: invalid params: " + e.Field + " " + e.Reason
}

// Unwrap lets errors.Is(err, ErrParams) match.
func (e *ParamsError) Unwrap() error { return ErrParams }
