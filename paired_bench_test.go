//go:build amd64 && gc && !purego

package quant

import (
	"testing"
	"time"
)

// pairedMin runs every f in turn (reps calls each, timed together) at
// every iteration of b's loop and returns each one's fastest time per
// call: on a shared machine, whose other jobs only ever add time, the
// minimum over many alternating calls estimates each kernel's uncontended
// cost, and alternation exposes all of them to the same conditions.
func pairedMin(b *testing.B, reps int, fs ...func()) []float64 {
	return pairedMinAfter(b, reps, fs, nil)
}

// pairedMinAfter is pairedMin with an untimed after[i] (if after is not
// nil and after[i] is not nil) run after each timing of fs[i].
func pairedMinAfter(b *testing.B, reps int, fs, after []func()) []float64 {
	best := make([]time.Duration, len(fs))
	for i := range best {
		best[i] = 1 << 62
	}
	for b.Loop() {
		for i, f := range fs {
			t0 := time.Now()
			for range reps {
				f()
			}
			if d := time.Since(t0); d < best[i] {
				best[i] = d
			}
			if after != nil && after[i] != nil {
				after[i]()
			}
		}
	}
	ns := make([]float64, len(fs))
	for i, d := range best {
		ns[i] = float64(d) / float64(reps)
	}
	return ns
}
