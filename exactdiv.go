package quant

// The division conventions (Seed, ONNX) need the correctly rounded
// quotient RN(x/s). The SIMD kernels compute it without the divider by
// Markstein's correction, with y = RN(1/s) computed once per call (or per
// block, or per column: kernel_columns_amd64.go keeps one y, s and c per
// lane):
//
//	x' = clamp(x, -c, c)       c = s * 2^25 (exact: a power-of-two multiple)
//	q0 = RN(x' * y)
//	r  = fma(-q0, s, x')       exact
//	q  = fma(r, y, q0)         = RN(x'/s)
//
// Domain: exactDivScale(s), i.e. 2^-100 <= s <= 2^100; outside it a kernel
// falls back to true division for the whole call (or block, or chunk of
// columns). Everything below is per scale and per element, so it holds
// lane by lane when each lane has its own s, y and c. NaN lanes are
// zeroed before this sequence, or carried through it and zeroed after the
// conversion to integers, as each kernel documents.
//
// Why it is exact there. Scale x' and s to significands X, S in
// [2^23, 2^24) (x' = X*2^(ex-23), s = S*2^(es-23)); while nothing
// overflows or underflows, every step scales with them. y = RN(1/s) has
// relative error |d| <= 2^-24. In units of ulp(Q), Q = x'/s:
//   - |x'y - Q| = |Q d| < 1 and q0 = RN(x'y) is within 2 of Q. (Not
//     within 1: q0 need not be a faithful rounding, so Markstein's
//     theorem, which assumes one, does not apply as such.)
//   - r = RN(x' - q0 s) has relative error <= 2^-24 (it is exact whenever
//     q0 is faithful), and q0 + r y = Q + (Q - q0) d + e, |e| <= 2^-24 |Q - q0|,
//     so before the last rounding the error is at most 2^-22 ulp(Q).
//   - A tie of RN is a multiple M of ulp(Q)/2 with an odd multiplier, and
//     |Q - M| = |N| / (S 2^e) with the integer N = X 2^e - (2K+1) S, e = 25
//     (Q in (1/2, 1)) or 24 (Q in [1, 2)), N != 0 (x'/s is never a tie).
//     So RN(q0 + r y) = RN(Q) unless |N| <= 8.
//   - TestExactDivProof enumerates, for every S, every X with
//     0 < |N| <= 16 (a few per S: the solutions of X 2^e = N mod S) and
//     emulates the sequence exactly: no exception (QUANT_EXHAUSTIVE=proof
//     runs all 2^23 significands; by default every 509th).
//
// The exponents are then harmless:
//   - Overflow: |x'| <= s*2^25, so |q0| <= 2^25(1+2^-23) and nothing
//     overflows (s*2^25 <= 2^125). The pre-clamp does not change the
//     quantized value: a quotient of magnitude >= 2^25 saturates to Lo or Hi
//     in every convention, because |z| <= MaxZero = 2^23 and the bounds are
//     8-bit. Kernels may also skip the pre-clamp where they can tell
//     the lanes that overflow (x*y = ±Inf or x = ±Inf makes q NaN,
//     VCVTPS2DQ then gives -2^31) from the rest and redo or repair them:
//     below the overflow, a quotient of magnitude >= 2^25 comes out within
//     2^-22 of itself, so it still saturates to the same bound (see
//     quantizeFast in asm/main.go and quantizeBlocks in asm/blocked.go).
//   - Underflow: when |x'| >= s/4, Q >= 1/4, x', y, q0 and Q are normal,
//     and r is a multiple of ulp(q0)*ulp(s) >= 2^-26 * 2^-123: a subnormal
//     r is exact, a normal one rounds as in the scaled picture.
//   - When |x'| < s/4 (this includes every subnormal x', as s/4 >= 2^-102),
//     the true quotient is below 1/4 and the computed one below 1/2 (any
//     error of r is at most 2^-150 * y <= 2^-50), so both round to 0 (ONNX,
//     and the same integer after + z). For Seed, float32(q + float32(z))
//     then rounds to z either way when |z| < 2^21 (ulp(z) <= 1/8); for
//     larger |z| both results lie within z ± 1, beyond every 8-bit bound,
//     and saturate alike.
//
// The reference (kernel_generic.go) is the plain division; the exhaustive
// sweep (Impl.Sweep: TestExhaustive, quant verify -exhaustive) checks the
// kernels against it over every float32 input for scales across this
// domain and at its edges.
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
