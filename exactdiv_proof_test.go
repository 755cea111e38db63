package quant

import (
	"math"
	"math/big"
	"math/bits"
	"os"
	"testing"
)

// exactDivBound bounds |N| for the inputs that TestExactDivProof must
// check (see exactdiv.go: every other input is at least twice the error
// of the correction away from a rounding tie). The proof needs 8.
const exactDivBound = 16

// markstein is the kernels' sequence on float32 values, emulated exactly:
// q0 = RN(x*y) (the float64 product is exact), r = RN(x - q0*s) (exact in
// float64: 49 bits), q = RN(q0 + r*y), rounded once (big.Float when the
// float64 sum lands on a float32 tie, where double rounding could err).
func markstein(x, s, y float32) float32 {
	q0 := float32(float64(x) * float64(y))
	r := float32(math.FMA(-float64(q0), float64(s), float64(x)))
	d := math.FMA(float64(r), float64(y), float64(q0))
	if bits := math.Float64bits(d); bits&(1<<29-1) == 1<<28 { // a float32 tie in float64
		var a, b, c big.Float
		a.SetPrec(200).SetFloat64(float64(r))
		b.SetPrec(200).SetFloat64(float64(y))
		c.SetPrec(200).Mul(&a, &b)
		a.SetFloat64(float64(q0))
		c.Add(&c, &a)
		f, _ := c.Float32() // rounds to nearest even
		return f
	}
	return float32(d)
}

// exactDivCandidates calls f with every significand X (x = X*2^-23 in
// [1, 2)) for which x/s, s = S*2^-23, lies within bound/(S*2^e) of a
// rounding tie, e = 25 for x < s (quotient in (1/2, 1)) and 24 for
// x >= s (quotient in [1, 2)): the solutions of X*2^e - (2K+1)*S = N,
// 0 < |N| <= bound.
func exactDivCandidates(S uint32, bound int64, f func(X uint32)) {
	v := bits.TrailingZeros32(S)
	odd := int64(S >> v)
	for _, e := range []uint{25, 24} {
		lo, hi := int64(1<<23), int64(S) // X range of the binade
		if e == 24 {
			lo, hi = int64(S), 1<<24
		}
		// inverse of 2^e modulo odd (odd is odd)
		inv := new(big.Int).ModInverse(big.NewInt(1<<e%odd), big.NewInt(odd))
		if odd == 1 {
			inv = big.NewInt(0)
		}
		for n := -bound; n <= bound; n++ {
			if n == 0 || n%(1<<v) != 0 {
				continue
			}
			x0 := ((n%odd+odd)%odd*inv.Int64()%odd + odd) % odd
			// X = x0 + t*odd in [lo, hi)
			first := lo + ((x0-lo)%odd+odd)%odd
			for X := first; X < hi; X += odd {
				num := X<<e - n
				if num%int64(S) != 0 || (num/int64(S))%2 == 0 {
					continue
				}
				f(uint32(X))
			}
		}
	}
}

// TestExactDivProof is the computational half of the proof in
// exactdiv.go: for every significand of s (all 2^23 with
// QUANT_EXHAUSTIVE=all or proof, else every 509th), every x whose
// quotient lies near a tie gets RN(x/s) from the correction. It also
// checks the candidate enumeration against a brute force search for a
// few scales.
func TestExactDivProof(t *testing.T) {
	step := uint32(509)
	if m := os.Getenv("QUANT_EXHAUSTIVE"); m == "all" || m == "proof" {
		step = 1
	}
	checked := 0
	for S := uint32(1 << 23); S < 1<<24; S += step {
		s := float32(S) * 0x1p-23
		y := float32(1 / s)
		exactDivCandidates(S, exactDivBound, func(X uint32) {
			checked++
			x := float32(X) * 0x1p-23
			if got, want := markstein(x, s, y), x/s; got != want {
				t.Errorf("s = %x, x = %x: correction gives %x, x/s = %x", s, x, got, want)
			}
		})
	}
	t.Logf("%d candidate inputs checked", checked)
	if checked == 0 {
		t.Fatal("no candidates")
	}
	// The enumeration finds exactly the inputs a brute force search finds.
	for _, S := range []uint32{0xC00001, 0x800003, 0xABCDE0, 0xFFFFFF} {
		want := map[uint32]bool{}
		for X := uint32(1 << 23); X < 1<<24; X++ {
			for _, e := range []uint{25, 24} {
				if (e == 25) != (X < S) {
					continue
				}
				num := int64(X) << e
				k := (num/int64(S) - 1) / 2 // nearest odd multiples around
				for kk := k - 1; kk <= k+1; kk++ {
					n := num - (2*kk+1)*int64(S)
					if n != 0 && n >= -exactDivBound && n <= exactDivBound {
						want[X] = true
					}
				}
			}
		}
		got := map[uint32]bool{}
		exactDivCandidates(S, exactDivBound, func(X uint32) { got[X] = true })
		if len(got) != len(want) {
			t.Errorf("S = %#x: %d candidates, brute force %d", S, len(got), len(want))
		}
		for X := range want {
			if !got[X] {
				t.Errorf("S = %#x: candidate %#x missed", S, X)
			}
		}
	}
}
