package main

import "github.com/quantkernel/quant/internal/bound"

// divBound measures the VDIVPS throughput bound: float32 divisions per
// second, ok false where internal/bound has no measuring loop.
func divBound(m func(f func()) float64) (perSec float64, ok bool) {
	if !bound.Available() {
		return 0, false
	}
	const iters = 4096
	sec := m(func() { bound.DivPS(iters) })
	return float64(iters*bound.LanesPerDiv) / sec, true
}
