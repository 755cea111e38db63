package quant

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
)

// Percentile returns the p-th percentile of src (0 <= p <= 100) with
// numpy's default 'linear' method, bit for bit as numpy 1.24 computes
// np.percentile on a float32 array: i = (n-1)*(p/100) in float64,
// a = x[floor(i)], b = x[floor(i)+1] of the sorted data, t = i - floor(i),
// d = float32(b - a); result float64(a) + float64(d)*t, or
// float64(b) - float64(d)*(1-t) when t >= 0.5.
//
// A zero result is +0. It copies src and selects in O(n) expected time; src is not modified.
// Errors: ErrEmpty, ErrPercentile, *NotFiniteError.
func Percentile(src []float32, p float64) (float64, error) {
	if !(p >= 0 && p <= 100) {
		return 0, fmt.Errorf("quant: percentile %v outside [0, 100]: %w", p, ErrPercentile)
	}
	if err := checkFinite(src); err != nil {
		return 0, err
	}
	buf := append([]float32(nil), src...)
	return percentileSelect(buf, p), nil
}

// checkFinite returns ErrEmpty for an empty src and a *NotFiniteError for
// the first NaN or ±Inf; it uses the dispatched MinMax for the common case.
func checkFinite(src []float32) error {
	if len(src) == 0 {
		return ErrEmpty
	}
	if _, _, finite := active.MinMax(src); finite {
		return nil
	}
	for i, x := range src {
		if x-x != 0 {
			return &NotFiniteError{Index: i, Value: x}
		}
	}
	return nil
}

// percentileSelect computes numpy's linear percentile of buf (finite,
// non-empty), reordering buf.
func percentileSelect(buf []float32, p float64) float64 {
	n := len(buf)
	vi := float64(float64(n-1) * (p / 100)) // rounded before use: no FMA with the subtraction below
	if vi >= float64(n-1) {
		selectK(buf, n-1)
		return float64(buf[n-1]) + 0
	}
	k := int(math.Floor(vi))
	t := vi - float64(k)
	selectK(buf, k)
	a := buf[k]
	b := buf[k+1]
	for _, x := range buf[k+2:] {
		if x < b {
			b = x
		}
	}
	d := float32(b - a)
	r := float64(a) + float64(float64(d)*t)
	if t >= 0.5 {
		r = float64(b) - float64(float64(d)*(1-t))
	}
	return r + 0 // a zero result is +0

}

// selectK reorders a so that a[k] is the element a sorted copy would have
// at k, a[:k] <= a[k] <= a[k+1:]: quickselect with a median-of-three
// pivot, insertion sort on short ranges, and a full sort of the range if
// the pivots keep failing (so the worst case is O(n log n)).
func selectK(a []float32, k int) {
	lo, hi := 0, len(a)-1
	for budget := 2 * bits.Len(uint(len(a))); hi-lo > 16; budget-- {
		if budget == 0 {
			slices.Sort(a[lo : hi+1])
			return
		}
		mid := lo + (hi-lo)/2
		// median of three into a[mid]
		if a[mid] < a[lo] {
			a[mid], a[lo] = a[lo], a[mid]
		}
		if a[hi] < a[lo] {
			a[hi], a[lo] = a[lo], a[hi]
		}
		if a[hi] < a[mid] {
			a[hi], a[mid] = a[mid], a[hi]
		}
		pivot := a[mid]
		i, j := lo, hi
		for i <= j {
			for a[i] < pivot {
				i++
			}
			for pivot < a[j] {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return // j < k < i: a[k] == pivot, in place
		}
	}
	for i := lo + 1; i <= hi; i++ {
		for j := i; j > lo && a[j] < a[j-1]; j-- {
			a[j], a[j-1] = a[j-1], a[j]
		}
	}
}
