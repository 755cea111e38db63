package quant

// The division conventions (Seed, ONNX) need the correctly rounded
// quotient RN(x/s). The SIMD kernels compute it without the divider by
// Markstein's correction, with y = RN(1/s) computed once per call (or per
// block):
//
//	x' = clamp(x, -c, c)       c = s * 2^25 (exact: a power-of-two multiple)
//	q0 = RN(x' * y)
//	r  = fma(-q0, s, x')       exact
//	q  = fma(r, y, q0)         = RN(x'/s)
//
// Domain: exactDivScale(s), i.e. 2^-100 <= s <= 2^100; outside it a kernel
// falls back to true division for the whole call. NaN lanes are zeroed
// before this sequence, as everywhere.
//
// Why it is exact there. y = RN(1/s) is a normal float32 (|1/s| <= 2^100)
// and q0 = RN(x'*y) lies within one ulp of x'/s, so by Markstein's theorem
// (Muller et al., Handbook of Floating-Point Arithmetic, "Markstein's
// iteration") the remainder r = x' - q0*s is exactly representable and
// RN(q0 + r*y) = RN(x'/s), as long as no step overflows or loses bits to
// underflow:
//   - Overflow: |x'| <= s*2^25, so |q0| <= 2^25(1+2^-23) and nothing
//     overflows. The pre-clamp does not change the quantized value: a
//     quotient of magnitude >= 2^25 saturates to Lo or Hi in every
//     convention, because |z| <= MaxZero = 2^23 and the bounds are 8-bit.
//   - Underflow: r is an integer multiple of ulp(q0)*ulp(s) (and of
//     ulp(x')). Whenever |x'| >= s/4, ulp(q0) >= 2^-25 and ulp(s) >= 2^-123
//     (s >= 2^-100), so r is a multiple of 2^-148 with at most 24
//     significant bits: exactly representable. Whenever |x'| < s/4 the
//     true quotient is below 1/4 and the computed one below 1/2, so both
//     round to the same integer (0 before the zero point is applied; for
//     Seed, x/s + z then rounds to z either way).
//
// The reference (kernel_generic.go) is the plain division; the exhaustive
// sweep (TestExhaustive, quant verify -exhaustive) checks the kernels
// against it over every float32 input for scales across this domain and
// at its edges.
const (
	exactDivMinScale = 0x1p-100
	exactDivMaxScale = 0x1p100
	// exactDivClamp is c/s: inputs are pre-clamped to ±s*exactDivClamp.
	exactDivClamp = 0x1p25
)

// exactDivScale reports whether the kernels may compute RN(x/s) by the
// reciprocal and one fused correction (see above) for every x.
func exactDivScale(s float32) bool {
	return s >= exactDivMinScale && s <= exactDivMaxScale
}
