// Package quant quantizes float32 to int8/uint8 and back with SIMD kernels
// (AVX2 on amd64, NEON on arm64) whose results are bit-for-bit identical to
// the pure-Go reference in kernel_generic.go, on every CPU.
//
// # Arithmetic
//
// s = Params.Scale (float32), z = Params.Zero, bounds Lo..Hi, rne = round
// half to even. Every operation is in float32 and rounded on its own: there
// is no fused multiply-add anywhere.
//
//	Seed     q = clamp(rne(float32(x/s) + float32(z)), Lo, Hi)   the notebook: zero added before rounding
//	ONNX     q = clamp(rne(x/s) + z, Lo, Hi)                     QuantizeLinear
//	PyTorch  q = clamp(rne(x*inv) + z, Lo, Hi), inv = float32(1/s)  FBGEMM / ATen
//	all      dequant(q) = float32(q - z) * s
//
// Special values: NaN quantizes as 0 would, to clamp(z, Lo, Hi). ±Inf and
// finite values beyond the bounds saturate to Hi or Lo; the clamp happens in
// the float domain, so no conversion ever overflows.
//
// # Reductions
//
// MinMax skips NaN and reports finite = false if any element is NaN or
// ±Inf. AbsMax skips NaN. Both return +0, never -0, for a zero result.
// QuantError and SquaredError add float64 terms d*d, d = float64(x) -
// float64(y), into 16 lanes (element i into lane i mod 16, in index order),
// then combine the lanes by the fixed tree l[i]+l[i+8], l[i]+l[i+4],
// l[i]+l[i+2], l[0]+l[1]; the sum is therefore the same on every
// implementation, and a NaN sum is always the NaN with bits
// CanonicalNaNBits.
//
// # Grouped forms
//
// Per-row, per-column and blocked quantization (Layout), packed 4-bit codes
// (QuantizeI4, QuantizeLayoutI4, ...), dynamic calibrate-and-quantize
// (QuantizeDynamicI8, ...) and multi-core calls (Impl.Parallel) apply exactly this
// arithmetic to each element with the Params of its row, column or block.
//
// # Contracts
//
// Every operation is a package-level function, which calls Active(), and
// a method of the same name on *Impl, the value Lookup, Supported and
// Active return; Impl.Parallel(n) gives one that runs on n goroutines.
//
// Kernels never allocate. A dst shorter than its source panics with a
// message naming the function and both lengths; invalid Params panic with
// an error wrapping ErrParams (check them once with Params.Validate). dst
// must not overlap src. Empty input is valid. Every kernel is safe for
// concurrent use.
package quant

// QuantizeU8 quantizes src into dst[:len(src)] as uint8; p's bounds must
// fit 0..255.
func QuantizeU8(dst []uint8, src []float32, p Params) { active.QuantizeU8(dst, src, p) }

// QuantizeI8 quantizes src into dst[:len(src)] as int8; p's bounds must
// fit -128..127.
func QuantizeI8(dst []int8, src []float32, p Params) { active.QuantizeI8(dst, src, p) }

// DequantizeU8 writes float32(q - z) * s for each q of src into
// dst[:len(src)].
func DequantizeU8(dst []float32, src []uint8, p Params) { active.DequantizeU8(dst, src, p) }

// DequantizeI8 writes float32(q - z) * s for each q of src into
// dst[:len(src)].
func DequantizeI8(dst []float32, src []int8, p Params) { active.DequantizeI8(dst, src, p) }

// MinMax returns the smallest and largest non-NaN elements of src and
// whether every element is finite. With no non-NaN element (src empty or
// all NaN) it returns lo = +Inf, hi = -Inf, the identities of min and max,
// so results of chunks combine.
func MinMax(src []float32) (lo, hi float32, finite bool) { return active.MinMax(src) }

// AbsMax returns the largest |x| over the non-NaN elements of src, +0 if
// there is none.
func AbsMax(src []float32) float32 { return active.AbsMax(src) }

// QuantError returns the sum over src of (x - dequant(quant(x)))^2, fused
// in one pass without allocating; quant and dequant are exactly those of
// the kernels (the output type does not matter: only p's bounds do).
// Divide by len(src) for the mean squared error.
func QuantError(src []float32, p Params) float64 { return active.QuantError(src, p) }

// SquaredError returns the sum of (a[i] - b[i])^2. a and b must have the
// same length.
func SquaredError(a, b []float32) float64 { return active.SquaredError(a, b) }
