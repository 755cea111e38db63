package quant

import (
	"math"
	"testing"
)

// The domain's edges are what the doc says, and its pre-clamp bound is
// exact (a power-of-two multiple of any scale in the domain).
func TestExactDivDomain(t *testing.T) {
	for _, c := range []struct {
		s  float32
		ok bool
	}{
		{0x1p-100, true}, {0x1p100, true}, {1, true}, {0.00214854861, true},
		{math.Nextafter32(0x1p-100, 0), false}, {math.Nextafter32(0x1p100, math.MaxFloat32), false},
		{0x1p-126, false}, {math.MaxFloat32, false},
	} {
		if got := exactDivScale(c.s); got != c.ok {
			t.Errorf("exactDivScale(%g) = %v, want %v", c.s, got, c.ok)
		}
		if c.ok {
			if cl := c.s * exactDivClamp; float64(cl) != float64(c.s)*exactDivClamp || math.IsInf(float64(cl), 0) {
				t.Errorf("s*2^25 for s=%g is not exact: %g", c.s, cl)
			}
		}
	}
}
