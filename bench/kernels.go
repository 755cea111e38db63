package main

import "github.com/quantkernel/quant"

// buffers are the inputs and outputs of one size, shared by all kernels.
type buffers struct {
	f32, f32b, out []float32
	u8             []uint8
	i8             []int8
	pu, pi         quant.Params // asymmetric uint8 and symmetric int8 Params of f32
}

// kernel is one benchmarked operation. Adding a kernel to the bench is one
// entry in the kernels table: its name, the bytes it moves per element
// (reads + writes, for GB/s) and the call.
type kernel struct {
	name  string
	bytes int // bytes read and written per element
	run   func(m *quant.Impl, b *buffers)
}

var kernels = []kernel{
	{"QuantizeU8", 4 + 1, func(m *quant.Impl, b *buffers) { m.QuantizeU8(b.u8, b.f32, b.pu) }},
	{"QuantizeI8", 4 + 1, func(m *quant.Impl, b *buffers) { m.QuantizeI8(b.i8, b.f32, b.pi) }},
	{"DequantizeU8", 1 + 4, func(m *quant.Impl, b *buffers) { m.DequantizeU8(b.out, b.u8, b.pu) }},
	{"DequantizeI8", 1 + 4, func(m *quant.Impl, b *buffers) { m.DequantizeI8(b.out, b.i8, b.pi) }},
	{"MinMax", 4, func(m *quant.Impl, b *buffers) { m.MinMax(b.f32) }},
	{"AbsMax", 4, func(m *quant.Impl, b *buffers) { m.AbsMax(b.f32) }},
	{"QuantError", 4, func(m *quant.Impl, b *buffers) { m.QuantError(b.f32, b.pu) }},
	{"SquaredError", 8, func(m *quant.Impl, b *buffers) { m.SquaredError(b.f32, b.f32b) }},
	// The notebook's asymmetric experiment: min/max calibration, quantize,
	// dequantize (what the numpy column times).
	{roundTrip, 4 + 4 + 1 + 1 + 4, func(m *quant.Impl, b *buffers) {
		lo, hi, _ := m.MinMax(b.f32)
		p := seedParams(lo, hi)
		m.QuantizeU8(b.u8, b.f32, p)
		m.DequantizeU8(b.out, b.u8, p)
	}},
}

// roundTrip is the kernel the numpy timing is compared with.
const roundTrip = "RoundTripU8"

// seedParams is the notebook's asymmetric 8-bit calibration from a range
// (the same formulas as quant.Calibrate with the Seed convention, without
// its finiteness scan, so that the round trip calls only the kernels of
// the implementation measured).
func seedParams(lo, hi float32) quant.Params {
	scale := float64(float32(hi-lo)) / 255
	if scale == 0 {
		scale = 1
	}
	zero := -roundEven(float64(lo) / scale)
	return quant.Params{Scale: float32(scale), Zero: int32(zero), Lo: 0, Hi: 255, Convention: quant.Seed}
}
