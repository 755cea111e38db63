//go:build (amd64 || arm64) && gc && !purego

package quant

import "unsafe"

// What the SIMD wrappers of every architecture share: the layout of Params
// the assembly reads, the typed views of int8/uint8 codes, the runs of
// blocks sharing a Convention, and the split of a blocked call into what
// the assembly takes (whole blocks, the last short block) and the tail the
// reference finishes.

// The assembly reads Params at these offsets, 20 bytes apart.
var (
	_ [unsafe.Sizeof(Params{}) - 20]struct{}
	_ [20 - unsafe.Sizeof(Params{})]struct{}
	_ [unsafe.Offsetof(Params{}.Zero) - 4]struct{}
	_ [4 - unsafe.Offsetof(Params{}.Zero)]struct{}
	_ [unsafe.Offsetof(Params{}.Lo) - 8]struct{}
	_ [8 - unsafe.Offsetof(Params{}.Lo)]struct{}
	_ [unsafe.Offsetof(Params{}.Hi) - 12]struct{}
	_ [12 - unsafe.Offsetof(Params{}.Hi)]struct{}
	_ [unsafe.Offsetof(Params{}.Convention) - 16]struct{}
	_ [16 - unsafe.Offsetof(Params{}.Convention)]struct{}
	_ [unsafe.Sizeof(Params{}.Convention) - 1]struct{}
)

// isUnsigned reports whether T is uint8.
func isUnsigned[T int8 | uint8]() bool {
	var zero T
	return ^zero > 0
}

// bytePtr is p as a *byte: int8 and uint8 codes are the same bytes.
func bytePtr[T int8 | uint8](p *T) *byte { return (*byte)(unsafe.Pointer(p)) }

// convRun returns the end j1 of the run ps[j:j1] (j1 <= n) of consecutive
// Params sharing ps[j]'s Convention: assembly that takes one Convention
// per call is called once per run.
func convRun(ps []Params, j, n int) int {
	c := ps[j].Convention
	j1 := j + 1
	for j1 < n && ps[j1].Convention == c {
		j1++
	}
	return j1
}

// blockSplit is how a blocked kernel's wrapper cuts n elements (block per
// Params, the last block possibly short) for its assembly, which takes
// blocks of at least min elements (an even number of them if even, for
// packed int4).
type blockSplit struct {
	min    int
	even   bool // the short block's part must be even (int4: byte-aligned)
	byConv bool // the assembly takes one Convention per call
}

// run calls whole(j0, j1) for the whole blocks j0..j1-1 (one call, or one
// per run of a Convention if byConv), then short(e, m) for the first m
// elements of the last, short block if m >= min (m = its length, or its
// even part), and returns e, where the reference must finish: elements
// e..n-1 with ps[e/block:].
func (s blockSplit) run(n, block int, ps []Params, whole func(j0, j1 int), short func(e, m int)) int {
	nfull := n / block
	for j, j1 := 0, 0; j < nfull; j = j1 {
		j1 = nfull
		if s.byConv {
			j1 = convRun(ps, j, nfull)
		}
		whole(j, j1)
	}
	e := nfull * block
	m := n - e
	if s.even {
		m &^= 1
	}
	if m > 0 && m >= s.min {
		short(e, m)
		e += m
	}
	return e
}
