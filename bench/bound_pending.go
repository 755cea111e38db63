//go:build amd64 && !purego && !quantbound

package main

// divBound reports the VDIVPS bound unavailable: internal/bound has no
// amd64 implementation on this branch yet (it is written on branch avx2).
// When it lands, delete this file and the quantbound tag of bound.go.
func divBound(m func(f func()) float64) (perSec float64, ok bool) { return 0, false }
