package quant_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/quantkernel/quant"
	"github.com/quantkernel/quant/internal/diffcheck"
)

// Fuzz targets, one per kernel. Each decodes its []byte (see decodeFuzz)
// into Params, offsets and input elements, and compares every supported
// implementation with generic bit for bit (generic included, so the
// decoding, validation and guard checks run even where generic is the only
// implementation). Params that fail validation must be rejected by the
// validator the kernel uses (an error wrapping ErrParams) and make every
// implementation panic with such an error; they are never skipped.
//
// Run one target at a time (go test accepts one -fuzz target per run):
//
//	go test -run='^$' -fuzz='^FuzzQuantizeU8$' -fuzztime=10s .
//
// The seed corpus is testdata/fuzz/<Target>/ (written by
// TestFuzzCorpus with -update-corpus) plus the f.Add seeds below; both run
// as ordinary tests under plain go test.

// Layout of a fuzz input (missing bytes read as 0):
//
//	[0]      flags: bit 0 keep the scale's sign bit (else cleared);
//	         bit 2 convention byte used raw (else mod 3); bit 3 bounds are
//	         signed (QuantError, Dequantize; QuantizeU8 is always unsigned,
//	         QuantizeI8 always signed); bits 4-5 zero-point mode: 0 int8,
//	         1 int16, 2 folded into ±MaxZero, 3 raw int32
//	[1:5]    scale, float32 bits, little endian
//	[5:9]    zero point bits, little endian
//	[9] [10] Lo, Hi
//	[11]     convention
//	[12]     src offset (mod 64)
//	[13]     dst offset, or b's offset for SquaredError (mod 64)
//	[14:]    payload: float32 bit patterns, little endian (any NaN
//	         payload), or the bytes to dequantize; SquaredError splits the
//	         floats into a (first half) and b (second half)
const fuzzHeaderLen = 14

type fuzzCase struct {
	p              quant.Params
	srcOff, dstOff int
	payload        []byte
}

func decodeFuzz(data []byte, kernel string) fuzzCase {
	var h [fuzzHeaderLen]byte
	copy(h[:], data)
	var c fuzzCase
	if len(data) > fuzzHeaderLen {
		c.payload = data[fuzzHeaderLen:]
	}
	flags := h[0]
	sb := binary.LittleEndian.Uint32(h[1:5])
	if flags&1 == 0 {
		sb &^= 1 << 31
	}
	c.p.Scale = math.Float32frombits(sb)
	zb := binary.LittleEndian.Uint32(h[5:9])
	switch flags >> 4 & 3 {
	case 0:
		c.p.Zero = int32(int8(zb))
	case 1:
		c.p.Zero = int32(int16(zb))
	case 2:
		c.p.Zero = int32(zb%(2*quant.MaxZero+1)) - quant.MaxZero
	default:
		c.p.Zero = int32(zb)
	}
	signed := flags&8 != 0
	switch kernel {
	case "QuantizeU8":
		signed = false
	case "QuantizeI8":
		signed = true
	}
	if signed {
		c.p.Lo, c.p.Hi = int32(int8(h[9])), int32(int8(h[10]))
	} else {
		c.p.Lo, c.p.Hi = int32(h[9]), int32(h[10])
	}
	c.p.Convention = quant.Convention(h[11])
	if flags&4 == 0 {
		c.p.Convention %= 3
	}
	c.srcOff, c.dstOff = int(h[12]%64), int(h[13]%64)
	return c
}

func (c fuzzCase) floats() []float32 {
	f := make([]float32, len(c.payload)/4)
	for i := range f {
		f[i] = math.Float32frombits(binary.LittleEndian.Uint32(c.payload[4*i:]))
	}
	return f
}

// encodeFuzz is decodeFuzz's inverse for seeds: flags, Params fields,
// offsets and payload.
func encodeFuzz(flags uint8, p quant.Params, srcOff, dstOff int, payload []byte) []byte {
	b := make([]byte, fuzzHeaderLen, fuzzHeaderLen+len(payload))
	b[0] = flags
	binary.LittleEndian.PutUint32(b[1:5], math.Float32bits(p.Scale))
	binary.LittleEndian.PutUint32(b[5:9], uint32(p.Zero))
	b[9], b[10] = byte(p.Lo), byte(p.Hi)
	b[11] = byte(p.Convention)
	b[12], b[13] = byte(srcOff), byte(dstOff)
	return append(b, payload...)
}

func floatBytes(v []float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

// validatorOf is the Params check the *Impl method of kernel applies.
func validatorOf(kernel string) func(quant.Params) error {
	switch kernel {
	case "QuantizeU8":
		return quant.Params.ValidateU8
	case "QuantizeI8":
		return quant.Params.ValidateI8
	case "DequantizeU8", "DequantizeI8":
		return quant.ValidateCommon
	case "QuantError":
		return quant.Params.Validate
	}
	return nil
}

// panicValue runs f and returns what it panicked with (nil if it did not).
func panicValue(f func()) (r any) {
	defer func() { r = recover() }()
	f()
	return nil
}

// requireParamsPanic checks that calling kernel on m with p panics with an
// error wrapping ErrParams.
func paramsPanic(m *quant.Impl, kernel string, p quant.Params, n int) error {
	src := make([]float32, n)
	var r any
	switch kernel {
	case "QuantizeU8":
		r = panicValue(func() { m.QuantizeU8(make([]uint8, n), src, p) })
	case "QuantizeI8":
		r = panicValue(func() { m.QuantizeI8(make([]int8, n), src, p) })
	case "DequantizeU8":
		r = panicValue(func() { m.DequantizeU8(src, make([]uint8, n), p) })
	case "DequantizeI8":
		r = panicValue(func() { m.DequantizeI8(src, make([]int8, n), p) })
	case "QuantError":
		r = panicValue(func() { m.QuantError(src, p) })
	}
	err, ok := r.(error)
	if !ok || !errors.Is(err, quant.ErrParams) {
		return fmt.Errorf("%s %s with invalid params %+v: panic value %v, want an error wrapping ErrParams", m.Name(), kernel, p, r)
	}
	return nil
}

// fuzzKernel is the body of every fuzz target.
func fuzzKernel(t *testing.T, kernel string, data []byte) {
	if err := fuzzCheck(quant.Supported(), kernel, data); err != nil {
		t.Fatal(err)
	}
}

// fuzzCheck decodes data for kernel and compares each of impls with
// generic.
func fuzzCheck(impls []*quant.Impl, kernel string, data []byte) error {
	c := decodeFuzz(data, kernel)
	if v := validatorOf(kernel); v != nil {
		if err := v(c.p); err != nil {
			if !errors.Is(err, quant.ErrParams) {
				return fmt.Errorf("validator error %v does not wrap ErrParams", err)
			}
			for _, m := range impls {
				if err := paramsPanic(m, kernel, c.p, len(c.payload)%5); err != nil {
					return err
				}
			}
			return nil
		}
	}
	salt := uint32(len(data))
	for _, m := range impls {
		var err error
		switch kernel {
		case "DequantizeU8":
			err = diffcheck.CheckDequantizeU8(m, c.payload, c.srcOff, c.dstOff, c.p, salt)
		case "DequantizeI8":
			s := make([]int8, len(c.payload))
			for i, b := range c.payload {
				s[i] = int8(b)
			}
			err = diffcheck.CheckDequantizeI8(m, s, c.srcOff, c.dstOff, c.p, salt)
		case "SquaredError":
			f := c.floats()
			n := len(f) / 2
			err = diffcheck.CheckFloat(m, "SquaredError", f[:n], f[n:2*n], c.srcOff, c.dstOff, c.p, salt)
		default:
			err = diffcheck.CheckFloat(m, kernel, c.floats(), nil, c.srcOff, c.dstOff, c.p, salt)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// addSeeds adds a few seeds for kernel with f.Add: a valid Params with
// specials, a tie input, and an invalid Params.
func addSeeds(f *testing.F, kernel string) {
	p := quant.Params{Scale: 0.0213, Zero: 37, Lo: 0, Hi: 255, Convention: quant.PyTorch}
	flags := uint8(1 << 4) // int16 zero point
	if kernel == "QuantizeI8" {
		p = quant.Params{Scale: 0.7, Zero: -3, Lo: -128, Hi: 127, Convention: quant.Seed}
	}
	payload := floatBytes(diffcheck.Specials())
	if kernel == "DequantizeU8" || kernel == "DequantizeI8" {
		payload = payload[:256]
	}
	f.Add(encodeFuzz(flags, p, 0, 0, payload))
	f.Add(encodeFuzz(flags, p, 5, 3, floatBytes(diffcheck.ParamSpecials(p))))
	f.Add(encodeFuzz(flags, quant.Params{Scale: -1, Lo: 9, Hi: 3}, 0, 0, payload[:8]))
	f.Add([]byte{})
}

func FuzzQuantizeU8(f *testing.F) {
	addSeeds(f, "QuantizeU8")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzKernel(t, "QuantizeU8", data) })
}

func FuzzQuantizeI8(f *testing.F) {
	addSeeds(f, "QuantizeI8")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzKernel(t, "QuantizeI8", data) })
}

func FuzzDequantizeU8(f *testing.F) {
	addSeeds(f, "DequantizeU8")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzKernel(t, "DequantizeU8", data) })
}

func FuzzDequantizeI8(f *testing.F) {
	addSeeds(f, "DequantizeI8")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzKernel(t, "DequantizeI8", data) })
}

func FuzzMinMax(f *testing.F) {
	addSeeds(f, "MinMax")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzKernel(t, "MinMax", data) })
}

func FuzzAbsMax(f *testing.F) {
	addSeeds(f, "AbsMax")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzKernel(t, "AbsMax", data) })
}

func FuzzQuantError(f *testing.F) {
	addSeeds(f, "QuantError")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzKernel(t, "QuantError", data) })
}

func FuzzSquaredError(f *testing.F) {
	addSeeds(f, "SquaredError")
	f.Fuzz(func(t *testing.T, data []byte) { fuzzKernel(t, "SquaredError", data) })
}
