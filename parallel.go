package quant

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Par runs the kernels of one implementation over several goroutines.
//
// The input is cut into chunks of about ParallelChunk() elements (whole
// rows for the matrix forms; an even number of rows for packed int4 with
// an odd number of columns, so no byte is shared), and the workers take
// chunks in turn. Every element is computed by the same kernel with the
// same Params as the single-threaded call, so the results are bit-identical
// for any number of workers:
//
//   - elementwise kernels (quantize, dequantize, per-row/block/column
//     forms, dynamic per row or block) write disjoint parts of dst and ps;
//   - MinMax and AbsMax combine the per-chunk results in chunk order with
//     the same rules (NaN skipped, lo = +Inf / hi = -Inf identities, +0 for
//     zero), which is exactly the single-threaded result since min and max
//     are associative on these values.
//
// QuantError and SquaredError have no parallel form: their sum is defined
// as a sequential accumulation into 16 lanes, and splitting it would change
// the rounding; a parallel sum would be a different function.
//
// Inputs of one chunk or less, and workers <= 1, run on the calling
// goroutine. A Par call may allocate a few small objects (closures,
// goroutines, per-chunk results); the allocation-free API is the
// single-threaded one (package functions and Impl methods). A Par
// must not be used while Use or the registry changes. Checks and panics
// are those of the single-threaded methods and happen before any work
// starts; errors of the dynamic and calibrating forms are those of the
// first failing chunk in index order (other chunks may have been written).
type Par struct {
	m       *Impl
	workers int
}

// Parallel returns the active implementation's kernels running on up to
// workers goroutines; workers <= 0 means runtime.GOMAXPROCS(0).
func Parallel(workers int) Par { return active.Parallel(workers) }

// Parallel returns m's kernels running on up to workers goroutines;
// workers <= 0 means runtime.GOMAXPROCS(0).
func (m *Impl) Parallel(workers int) Par {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return Par{m: m, workers: workers}
}

// Workers is the maximum number of goroutines p uses.
func (p Par) Workers() int { return p.workers }

// parallelChunk is the chunk size in elements: a quarter of the L2 cache
// in float32 values (256 KiB of input on a 1 MiB L2), at least 4096. Tests
// lower it to exercise many chunks on small inputs.
var parallelChunk = max(L2Size()/16, 1<<12)

// ParallelChunk is the number of elements Par hands a worker at a time.
func ParallelChunk() int { return parallelChunk }

// run calls f(i) for i in 0..n-1, on up to p.workers goroutines.
func (p Par) run(n int, f func(i int)) {
	w := min(p.workers, n)
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

func (p Par) serial(n int) bool { return p.workers <= 1 || n <= parallelChunk }

// elementwise makes the checks of the Impl method fn (valid is its Params
// validation) and runs the raw kernel k over chunks of src on p's workers.
func elementwise[D, S any](p Par, fn string, dst []D, src []S, q Params, valid error, k func([]D, []S, *Params)) {
	checkLen(fn, len(dst), len(src))
	mustValid(fn, valid)
	p.run(chunks(len(src)), func(i int) {
		a, b := span(i, len(src))
		k(dst[a:b], src[a:b], &q)
	})
}

// QuantizeI8 is Impl.QuantizeI8 on several goroutines.
func (p Par) QuantizeI8(dst []int8, src []float32, q Params) {
	if p.serial(len(src)) {
		p.m.QuantizeI8(dst, src, q)
		return
	}
	elementwise(p, "QuantizeI8", dst, src, q, q.ValidateI8(), p.m.k.QuantizeI8)
}

// QuantizeU8 is Impl.QuantizeU8 on several goroutines.
func (p Par) QuantizeU8(dst []uint8, src []float32, q Params) {
	if p.serial(len(src)) {
		p.m.QuantizeU8(dst, src, q)
		return
	}
	elementwise(p, "QuantizeU8", dst, src, q, q.ValidateU8(), p.m.k.QuantizeU8)
}

// DequantizeI8 is Impl.DequantizeI8 on several goroutines.
func (p Par) DequantizeI8(dst []float32, src []int8, q Params) {
	if p.serial(len(src)) {
		p.m.DequantizeI8(dst, src, q)
		return
	}
	elementwise(p, "DequantizeI8", dst, src, q, q.validateCommon(), p.m.k.DequantizeI8)
}

// DequantizeU8 is Impl.DequantizeU8 on several goroutines.
func (p Par) DequantizeU8(dst []float32, src []uint8, q Params) {
	if p.serial(len(src)) {
		p.m.DequantizeU8(dst, src, q)
		return
	}
	elementwise(p, "DequantizeU8", dst, src, q, q.validateCommon(), p.m.k.DequantizeU8)
}

// MinMax is Impl.MinMax on several goroutines (same result).
func (p Par) MinMax(src []float32) (lo, hi float32, finite bool) {
	if p.serial(len(src)) {
		return p.m.MinMax(src)
	}
	n := chunks(len(src))
	type r struct {
		lo, hi float32
		fin    bool
	}
	res := make([]r, n)
	p.run(n, func(i int) {
		a, b := span(i, len(src))
		res[i].lo, res[i].hi, res[i].fin = p.m.k.MinMax(src[a:b])
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

// AbsMax is Impl.AbsMax on several goroutines (same result).
func (p Par) AbsMax(src []float32) float32 {
	if p.serial(len(src)) {
		return p.m.AbsMax(src)
	}
	res := make([]float32, chunks(len(src)))
	p.run(len(res), func(i int) {
		a, b := span(i, len(src))
		res[i] = p.m.k.AbsMax(src[a:b])
	})
	var m float32
	for _, x := range res {
		if x > m {
			m = x
		}
	}
	return m
}

// QuantizeLayoutI8 is Impl.QuantizeLayoutI8 on several goroutines.
func (p Par) QuantizeLayoutI8(dst []int8, src []float32, l Layout, ps []Params) {
	mustLayout("QuantizeLayoutI8", l, len(src), len(dst), len(ps))
	mustValidAll("QuantizeLayoutI8", ps, -128, 127)
	p.rows(l, false, func(r0, r1 int) {
		quantizeLayout(p.m.k.QuantizeBlocksI8, dst, src, l, ps, r0, r1)
	})
}

// QuantizeLayoutU8 is Impl.QuantizeLayoutU8 on several goroutines.
func (p Par) QuantizeLayoutU8(dst []uint8, src []float32, l Layout, ps []Params) {
	mustLayout("QuantizeLayoutU8", l, len(src), len(dst), len(ps))
	mustValidAll("QuantizeLayoutU8", ps, 0, 255)
	p.rows(l, false, func(r0, r1 int) {
		quantizeLayout(p.m.k.QuantizeBlocksU8, dst, src, l, ps, r0, r1)
	})
}

// DequantizeLayoutI8 is Impl.DequantizeLayoutI8 on several goroutines.
func (p Par) DequantizeLayoutI8(dst []float32, src []int8, l Layout, ps []Params) {
	mustLayout("DequantizeLayoutI8", l, len(src), len(dst), len(ps))
	mustValidAll("DequantizeLayoutI8", ps, anyLo, anyHi)
	p.rows(l, false, func(r0, r1 int) {
		dequantizeLayout(p.m.k.DequantizeBlocksI8, dst, src, l, ps, r0, r1)
	})
}

// QuantizeLayoutI4 is Impl.QuantizeLayoutI4 on several goroutines.
func (p Par) QuantizeLayoutI4(dst []uint8, src []float32, l Layout, ps []Params, o NibbleOrder) {
	h := o.hiFirst("QuantizeLayoutI4")
	mustLayout4("QuantizeLayoutI4", l, len(src), len(dst), len(ps))
	mustValidAll("QuantizeLayoutI4", ps, -8, 7)
	p.rows(l, true, func(r0, r1 int) { p.m.quantizeLayout4(dst, src, l, ps, r0, r1, h) })
}

// DequantizeLayoutI4 is Impl.DequantizeLayoutI4 on several goroutines.
func (p Par) DequantizeLayoutI4(dst []float32, src []uint8, l Layout, ps []Params, o NibbleOrder) {
	h := o.hiFirst("DequantizeLayoutI4")
	if err := l.Validate(); err != nil {
		panic("quant.DequantizeLayoutI4: " + err.Error())
	}
	checkPacked("DequantizeLayoutI4", len(dst), len(src), l.Len())
	mustLayout("DequantizeLayoutI4", l, l.Len(), len(dst), len(ps))
	mustValidAll("DequantizeLayoutI4", ps, anyLo, anyHi)
	p.rows(l, true, func(r0, r1 int) { p.m.dequantizeLayout4Rows(dst, src, l, ps, r0, r1, true, h) })
}

// QuantizeDynamicI8 is Impl.QuantizeDynamicI8 on several goroutines.
func (p Par) QuantizeDynamicI8(dst []int8, ps []Params, src []float32, l Layout, s Scheme) error {
	if err := p.m.dynamicCheck("QuantizeDynamicI8", len(dst), ps, src, l, s, -128, 127); err != nil {
		return err
	}
	return p.dynamic(ps, src, l, s, false, func(r0, r1 int) {
		quantizeLayout(p.m.k.QuantizeBlocksI8, dst, src, l, ps, r0, r1)
	})
}

// QuantizeDynamicU8 is Impl.QuantizeDynamicU8 on several goroutines.
func (p Par) QuantizeDynamicU8(dst []uint8, ps []Params, src []float32, l Layout, s Scheme) error {
	if err := p.m.dynamicCheck("QuantizeDynamicU8", len(dst), ps, src, l, s, 0, 255); err != nil {
		return err
	}
	return p.dynamic(ps, src, l, s, false, func(r0, r1 int) {
		quantizeLayout(p.m.k.QuantizeBlocksU8, dst, src, l, ps, r0, r1)
	})
}

// CalibrateLayout is Impl.CalibrateLayout on several goroutines (rows or
// blocks in parallel; per-column layouts run on one goroutine).
func (p Par) CalibrateLayout(ps []Params, src []float32, l Layout, s Scheme) error {
	if err := checkLayout(l, len(src), len(ps)); err != nil {
		return err
	}
	if err := s.Validate(); err != nil {
		return err
	}
	if l.Axis == 1 {
		return p.m.calibrateColumns(ps, src, l, s)
	}
	return p.dynamic(ps, src, l, s, false, nil)
}

// rows runs f over the row chunks of l.
func (p Par) rows(l Layout, packed bool, f func(r0, r1 int)) {
	rows, n := rowChunk(l, packed)
	if p.workers <= 1 || n <= 1 {
		f(0, l.Rows)
		return
	}
	p.run(n, func(i int) { f(i*rows, min((i+1)*rows, l.Rows)) })
}

// dynamic calibrates (and, if quant is not nil, quantizes) checked
// arguments chunk by chunk of rows; each chunk works row by row as
// Impl.dynamicRows. The error is that of the first failing chunk.
func (p Par) dynamic(ps []Params, src []float32, l Layout, s Scheme, packed bool, quant func(r0, r1 int)) error {
	if l.Axis == 1 {
		if err := p.m.calibrateColumns(ps, src, l, s); err != nil {
			return err
		}
		if quant != nil {
			p.rows(l, packed, quant)
		}
		return nil
	}
	rows, n := rowChunk(l, packed)
	if p.workers <= 1 || n <= 1 {
		return p.m.dynamicRows(ps, src, l, s, 0, l.Rows, quant)
	}
	errs := make([]error, n)
	p.run(n, func(i int) {
		errs[i] = p.m.dynamicRows(ps, src, l, s, i*rows, min((i+1)*rows, l.Rows), quant)
	})
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// QuantizeDynamicI4 is Impl.QuantizeDynamicI4 on several goroutines.
func (p Par) QuantizeDynamicI4(dst []uint8, ps []Params, src []float32, l Layout, s Scheme, o NibbleOrder) error {
	if err := p.m.dynamic4Check("QuantizeDynamicI4", dst, ps, src, l, s, o, -8, 7); err != nil {
		return err
	}
	h := o == HighFirst
	return p.dynamic(ps, src, l, s, true, func(r0, r1 int) { p.m.quantizeLayout4(dst, src, l, ps, r0, r1, h) })
}

// DequantizeLayoutU8 is Impl.DequantizeLayoutU8 on several goroutines.
func (p Par) DequantizeLayoutU8(dst []float32, src []uint8, l Layout, ps []Params) {
	mustLayout("DequantizeLayoutU8", l, len(src), len(dst), len(ps))
	mustValidAll("DequantizeLayoutU8", ps, anyLo, anyHi)
	p.rows(l, false, func(r0, r1 int) {
		dequantizeLayout(p.m.k.DequantizeBlocksU8, dst, src, l, ps, r0, r1)
	})
}

// QuantizeLayoutU4 is Impl.QuantizeLayoutU4 on several goroutines.
func (p Par) QuantizeLayoutU4(dst []uint8, src []float32, l Layout, ps []Params, o NibbleOrder) {
	h := o.hiFirst("QuantizeLayoutU4")
	mustLayout4("QuantizeLayoutU4", l, len(src), len(dst), len(ps))
	mustValidAll("QuantizeLayoutU4", ps, 0, 15)
	p.rows(l, true, func(r0, r1 int) { p.m.quantizeLayout4(dst, src, l, ps, r0, r1, h) })
}

// DequantizeLayoutU4 is Impl.DequantizeLayoutU4 on several goroutines.
func (p Par) DequantizeLayoutU4(dst []float32, src []uint8, l Layout, ps []Params, o NibbleOrder) {
	h := o.hiFirst("DequantizeLayoutU4")
	if err := l.Validate(); err != nil {
		panic("quant.DequantizeLayoutU4: " + err.Error())
	}
	checkPacked("DequantizeLayoutU4", len(dst), len(src), l.Len())
	mustLayout("DequantizeLayoutU4", l, l.Len(), len(dst), len(ps))
	mustValidAll("DequantizeLayoutU4", ps, anyLo, anyHi)
	p.rows(l, true, func(r0, r1 int) { p.m.dequantizeLayout4Rows(dst, src, l, ps, r0, r1, false, h) })
}

// QuantizeDynamicU4 is Impl.QuantizeDynamicU4 on several goroutines.
func (p Par) QuantizeDynamicU4(dst []uint8, ps []Params, src []float32, l Layout, s Scheme, o NibbleOrder) error {
	if err := p.m.dynamic4Check("QuantizeDynamicU4", dst, ps, src, l, s, o, 0, 15); err != nil {
		return err
	}
	h := o == HighFirst
	return p.dynamic(ps, src, l, s, true, func(r0, r1 int) { p.m.quantizeLayout4(dst, src, l, ps, r0, r1, h) })
}
