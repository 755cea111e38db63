package quant

import (
	"fmt"
	"math"
	"runtime"
)

// Parallel returns m running its kernels on up to workers goroutines
// (workers <= 0 means runtime.GOMAXPROCS(0); 1 is the single-threaded m).
// The result has all of m's methods, with the same contracts and
// bit-identical results for any number of workers:
//
// The input is cut into chunks of about parallelChunk elements (a quarter
// of the L2 cache; whole rows for the matrix forms, and an even number of
// rows for packed int4 with an odd number of columns, so no byte is
// shared), and the workers take chunks in turn. Every element is computed
// by the same kernel with the same Params as the single-threaded call:
//
//   - elementwise kernels (quantize, dequantize, per-row/block/column
//     forms, packed int4, dynamic per row or block) write disjoint parts
//     of dst and ps;
//   - MinMax and AbsMax combine the per-chunk results in chunk order with
//     the same rules (NaN skipped, lo = +Inf / hi = -Inf identities, +0
//     for zero), which is exactly the single-threaded result since min and
//     max are associative on these values;
//   - QuantError and SquaredError stay on the calling goroutine: their sum
//     is defined as a sequential accumulation into 16 lanes, and splitting
//     it would change the rounding.
//
// Inputs of one chunk or less run on the calling goroutine. A call on
// several goroutines may allocate a few small objects (closures,
// goroutines, per-chunk results); with one worker nothing allocates.
// Checks and panics happen before any work starts; errors of the dynamic
// and calibrating forms are those of the first failing chunk in index
// order (other chunks may have been written).
func (m *Impl) Parallel(workers int) *Impl {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	c := *m
	c.workers = workers
	return &c
}

// Workers is the maximum number of goroutines m's methods use.
func (m *Impl) Workers() int { return m.workers }

// QuantizeU8 is the package-level QuantizeU8 on this implementation.
func (m *Impl) QuantizeU8(dst []uint8, src []float32, p Params) {
	checkLen("QuantizeU8", len(dst), len(src))
	mustValid("QuantizeU8", p.ValidateU8())
	elementwise(m, dst[:len(src)], src, p, m.k.quantizeU8)
}

// QuantizeI8 is the package-level QuantizeI8 on this implementation.
func (m *Impl) QuantizeI8(dst []int8, src []float32, p Params) {
	checkLen("QuantizeI8", len(dst), len(src))
	mustValid("QuantizeI8", p.ValidateI8())
	elementwise(m, dst[:len(src)], src, p, m.k.quantizeI8)
}

// DequantizeU8 is the package-level DequantizeU8 on this implementation.
func (m *Impl) DequantizeU8(dst []float32, src []uint8, p Params) {
	checkLen("DequantizeU8", len(dst), len(src))
	mustValid("DequantizeU8", p.validateCommon())
	elementwise(m, dst[:len(src)], src, p, m.k.dequantizeU8)
}

// DequantizeI8 is the package-level DequantizeI8 on this implementation.
func (m *Impl) DequantizeI8(dst []float32, src []int8, p Params) {
	checkLen("DequantizeI8", len(dst), len(src))
	mustValid("DequantizeI8", p.validateCommon())
	elementwise(m, dst[:len(src)], src, p, m.k.dequantizeI8)
}

// MinMax is the package-level MinMax on this implementation.
func (m *Impl) MinMax(src []float32) (lo, hi float32, finite bool) {
	if m.serial(len(src)) {
		return m.k.minMax(src)
	}
	return m.minMaxChunks(src)
}

// AbsMax is the package-level AbsMax on this implementation.
func (m *Impl) AbsMax(src []float32) float32 {
	if m.serial(len(src)) {
		return m.k.absMax(src)
	}
	return m.absMaxChunks(src)
}

// QuantError is the package-level QuantError on this implementation
// (always on the calling goroutine: see Parallel).
func (m *Impl) QuantError(src []float32, p Params) float64 {
	mustValid("QuantError", p.Validate())
	return canonicalNaN(m.k.quantError(src, p))
}

// SquaredError is the package-level SquaredError on this implementation
// (always on the calling goroutine: see Parallel).
func (m *Impl) SquaredError(a, b []float32) float64 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("quant.SquaredError: a has %d elements, b has %d", len(a), len(b)))
	}
	return canonicalNaN(m.k.squaredError(a, b))
}

// CanonicalNaNBits is the bit pattern of the only NaN that QuantError and
// SquaredError return (SIMD and scalar NaN payloads differ otherwise).
const CanonicalNaNBits = 0x7FF8000000000000

func canonicalNaN(x float64) float64 {
	if x != x {
		return math.Float64frombits(CanonicalNaNBits)
	}
	return x
}

func checkLen(fn string, dst, src int) {
	if dst < src {
		panic(fmt.Sprintf("quant.%s: dst has %d elements, src has %d", fn, dst, src))
	}
}

func mustValid(fn string, err error) {
	if err != nil {
		panic(fmt.Errorf("quant.%s: %w", fn, err))
	}
}
