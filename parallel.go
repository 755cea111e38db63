package quant

import (
	"sync"
	"sync/atomic"

	"github.com/quantkernel/quant/internal/cpuinfo"
)

// The machinery behind Impl.Parallel: chunking and the worker loop. Every
// method takes the single-threaded path when m.serial says so, and that
// path never allocates; the multi-goroutine branches live in separate
// functions so that their closures do not move the serial path's
// arguments to the heap.

// parallelChunk is the chunk size in elements: a quarter of the L2 cache
// in float32 values (256 KiB of input on a 1 MiB L2), at least 4096. Tests
// lower it to exercise many chunks on small inputs.
var parallelChunk = max(cpuinfo.L2Size()/16, 1<<12)

// serial reports whether a call over n elements runs on the calling
// goroutine.
func (m *Impl) serial(n int) bool { return m.workers <= 1 || n <= parallelChunk }

// run calls f(i) for i in 0..n-1, on up to m.workers goroutines.
func (m *Impl) run(n int, f func(i int)) {
	w := min(m.workers, n)
	if w <= 1 {
		for i := range n {
			f(i)
		}
		return
	}
	var next atomic.Int64
	work := func() {
		for {
			i := int(next.Add(1) - 1)
			if i >= n {
				return
			}
			f(i)
		}
	}
	var wg sync.WaitGroup
	for range w - 1 {
		wg.Go(work)
	}
	work()
	wg.Wait()
}

// span returns chunk i's elements [a, b) of n.
func span(i, n int) (a, b int) { return i * parallelChunk, min((i+1)*parallelChunk, n) }

func chunks(n int) int { return (n + parallelChunk - 1) / parallelChunk }

// elementwise runs the kernel k over checked arguments (len(dst) ==
// len(src)), in chunks on m's workers unless m.serial.
func elementwise[D, S any](m *Impl, dst []D, src []S, p Params, k func([]D, []S, Params)) {
	if m.serial(len(src)) {
		k(dst, src, p)
		return
	}
	elementwiseChunks(m, dst, src, p, k)
}

func elementwiseChunks[D, S any](m *Impl, dst []D, src []S, p Params, k func([]D, []S, Params)) {
	m.run(chunks(len(src)), func(i int) {
		a, b := span(i, len(src))
		k(dst[a:b], src[a:b], p)
	})
}

// packedChunks runs f over chunks of n packed 4-bit values whose
// boundaries are even, so that no byte is shared; f(a, b) handles values
// [a, b).
func (m *Impl) packedChunks(n int, f func(a, b int)) {
	c := max(parallelChunk&^1, 2)
	m.run((n+c-1)/c, func(i int) { f(i*c, min((i+1)*c, n)) })
}

func (m *Impl) minMaxChunks(src []float32) (lo, hi float32, finite bool) {
	type r struct {
		lo, hi float32
		fin    bool
	}
	res := make([]r, chunks(len(src)))
	m.run(len(res), func(i int) {
		a, b := span(i, len(src))
		res[i].lo, res[i].hi, res[i].fin = m.k.minMax(src[a:b])
	})
	lo, hi, finite = posInf, negInf, true
	for _, x := range res {
		if x.lo < lo {
			lo = x.lo
		}
		if x.hi > hi {
			hi = x.hi
		}
		finite = finite && x.fin
	}
	return lo, hi, finite
}

func (m *Impl) absMaxChunks(src []float32) float32 {
	res := make([]float32, chunks(len(src)))
	m.run(len(res), func(i int) {
		a, b := span(i, len(src))
		res[i] = m.k.absMax(src[a:b])
	})
	var a float32
	for _, x := range res {
		if x > a {
			a = x
		}
	}
	return a
}

// rowChunk is the number of rows per chunk of l (even if packed with odd
// Cols) and the number of chunks.
func rowChunk(l Layout, packed bool) (rows, n int) {
	if l.Cols == 0 { // no elements: one chunk (which returns at once) for any Rows
		return max(l.Rows, 1), min(l.Rows, 1)
	}
	rows = max(1, parallelChunk/max(l.Cols, 1))
	if packed && l.Cols%2 == 1 && rows%2 == 1 {
		rows++
	}
	return rows, (l.Rows + rows - 1) / rows
}

// serialRows reports whether a call over the checked layout l runs on
// the calling goroutine; otherwise rowChunks spreads it over m's workers.
func (m *Impl) serialRows(l Layout, packed bool) bool {
	if m.workers <= 1 {
		return true
	}
	_, n := rowChunk(l, packed)
	return n <= 1
}

// rowChunks runs f(r0, r1) over the row chunks of l on m's workers.
func (m *Impl) rowChunks(l Layout, packed bool, f func(r0, r1 int)) {
	rows, n := rowChunk(l, packed)
	m.run(n, func(i int) { f(i*rows, min((i+1)*rows, l.Rows)) })
}

// dynamicChunks is Impl.dynamic on m's workers: per column, the
// calibration pass on the calling goroutine and then chunks of rows; per
// row or block, chunks of rows, each calibrated (and, if quant is not
// nil, quantized) row by row as dynamicRows does. The error is that of
// the first failing chunk.
func (m *Impl) dynamicChunks(ps []Params, src []float32, l Layout, s Scheme, packed bool, quant func(r0, r1 int)) error {
	if l.Axis == 1 {
		if err := m.calibrateColumns(ps, src, l, s); err != nil {
			return err
		}
		if quant != nil {
			m.rowChunks(l, packed, quant)
		}
		return nil
	}
	rows, n := rowChunk(l, packed)
	errs := make([]error, n)
	m.run(n, func(i int) {
		errs[i] = m.dynamicRows(ps, src, l, s, i*rows, min((i+1)*rows, l.Rows), quant)
	})
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
