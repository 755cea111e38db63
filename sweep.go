package quant

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// BitRange is the float32 inputs whose bit patterns b satisfy
// From <= b < To (To <= 1<<32).
type BitRange struct{ From, To uint64 }

// AllFloat32 is every float32 bit pattern: the exhaustive sweep.
func AllFloat32() []BitRange { return []BitRange{{0, 1 << 32}} }

// TieRanges are the inputs whose quotient x/s (or x*float32(1/s) for
// PyTorch) lies near a rounding tie or an integer that can matter for p:
// for each k + 1/2 and each k with k + z (or k + float32(z) for Seed) in
// Lo-2..Hi+2, the radius float32 on each side of RN((k+1/2)*s) and of
// RN(k*s), of either sign, together with ±0, the smallest subnormals, the
// largest finite values, ±Inf and some NaNs. It is the reduced sweep for
// slow machines (NEON under qemu): every input where a wrong quotient
// could change the rounded result sits next to a tie.
func TieRanges(p Params, radius uint32) []BitRange {
	var rs []BitRange
	add := func(b uint32) {
		lo, hi := uint64(b)-uint64(min(b, radius)), uint64(b)+uint64(radius)+1
		rs = append(rs, BitRange{lo, min(hi, 1<<32)})
	}
	for _, b := range []uint32{0, 0x80000000, 0x7f7fffff, 0xff7fffff, 0x7f800000, 0xff800000, 0x7fc00000, 0xffffffff} {
		add(b)
	}
	for k := int64(p.Lo-p.Zero) - 2; k <= int64(p.Hi-p.Zero)+2; k++ {
		for _, t := range []float64{float64(k), float64(k) + 0.5} {
			x := float32(t * float64(p.Scale))
			if x == 0 || math.IsInf(float64(x), 0) {
				continue
			}
			add(math.Float32bits(x))
		}
	}
	return rs
}

// Mismatch is one difference the sweep found. For a quantize kernel Bits
// is the input and Got and Want the quantized values; for QuantError
// (Kernel "QuantError") Bits is the first input of the chunk and Got and
// Want are zero (the sums differ).
type Mismatch struct {
	Kernel    string // "QuantizeU8", "QuantizeI8", "QuantizeBlocks", "QuantizeColumns", "QuantizeBlocksI4", "QuantizeBlocksI4/32" or "QuantError"
	Bits      uint32
	Got, Want int32
}

func (m Mismatch) String() string {
	if m.Kernel == "QuantError" {
		return fmt.Sprintf("%s: the sum over the chunk from %#08x differs", m.Kernel, m.Bits)
	}
	return fmt.Sprintf("%s: x = %#08x (%g): got %d, want %d", m.Kernel, m.Bits, math.Float32frombits(m.Bits), m.Got, m.Want)
}

// SweepResult is what Sweep found: Checked inputs, the number of
// Mismatches, and the first of them (at most MaxMismatches).
type SweepResult struct {
	Checked    uint64
	Mismatches uint64
	First      []Mismatch
}

// MaxMismatches bounds SweepResult.First.
const MaxMismatches = 100

// sweepChunk is the number of inputs per unit of work of Sweep.
const sweepChunk = 1 << 16

// sweepBlock is the block length of the blocked kernels' check and the
// row length of the per-column kernels' (the inputs as rows of that many
// columns, p in every column): not a multiple of any vector width, so the
// blocks' tails and the columns' last groups are exercised.
const sweepBlock = 1000

// Sweep checks m against the reference (the generic kernels) on every
// float32 in ranges, for p: QuantizeI8 (signed) or QuantizeU8, the blocked
// and the per-column kernels of the same type with p in every block and
// column, the packed 4-bit kernel (blocks of sweepBlock and of 32) when
// p's bounds fit 4 bits (-8..7 signed, 0..15 unsigned), and QuantError
// over each chunk of up to 65536 inputs (bit-identical sums). It
// uses every core (GOMAXPROCS workers) and calls progress, if not nil,
// from one goroutine at a time with the number of inputs done so far and
// the total. p must be valid for the output type; otherwise Sweep returns
// an error wrapping ErrParams and checks nothing.
func (m *Impl) Sweep(p Params, signed bool, ranges []BitRange, progress func(done, total uint64)) (SweepResult, error) {
	var err error
	if signed {
		err = p.ValidateI8()
	} else {
		err = p.ValidateU8()
	}
	if err != nil {
		return SweepResult{}, err
	}
	var chunks []BitRange
	var total uint64
	for _, r := range ranges {
		if r.To > 1<<32 || r.From > r.To {
			return SweepResult{}, fmt.Errorf("quant: Sweep: bad range [%#x, %#x)", r.From, r.To)
		}
		for a := r.From; a < r.To; a += sweepChunk {
			chunks = append(chunks, BitRange{a, min(a+sweepChunk, r.To)})
		}
		total += r.To - r.From
	}
	var (
		next, done atomic.Uint64
		mu         sync.Mutex
		res        SweepResult
		wg         sync.WaitGroup
	)
	res.Checked = total
	report := func(ms []Mismatch, n uint64) {
		mu.Lock()
		defer mu.Unlock()
		res.Mismatches += uint64(len(ms))
		for _, x := range ms {
			if len(res.First) < MaxMismatches {
				res.First = append(res.First, x)
			}
		}
		d := done.Add(n)
		if progress != nil {
			progress(d, total)
		}
	}
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := newSweeper(m, p, signed)
			for {
				i := next.Add(1) - 1
				if i >= uint64(len(chunks)) {
					return
				}
				c := chunks[i]
				report(w.check(c), c.To-c.From)
			}
		}()
	}
	wg.Wait()
	return res, nil
}

// sweeper holds one worker's buffers.
type sweeper struct {
	m      *Impl
	p      Params
	signed bool
	i4     bool
	src    []float32
	want   []int32
	got8   []uint8
	goti   []int8
	ps     []Params
	cols   []Params
	packed []uint8
}

func newSweeper(m *Impl, p Params, signed bool) *sweeper {
	w := &sweeper{m: m, p: p, signed: signed,
		src: make([]float32, sweepChunk), want: make([]int32, sweepChunk), got8: make([]uint8, sweepChunk), goti: make([]int8, sweepChunk),
		ps: make([]Params, sweepChunk/32), cols: make([]Params, sweepBlock), packed: make([]uint8, PackedLen(sweepChunk))}
	for i := range w.ps {
		w.ps[i] = p
	}
	for i := range w.cols {
		w.cols[i] = p
	}
	if signed {
		w.i4 = p.ValidateI4() == nil
	} else {
		w.i4 = p.ValidateU4() == nil
	}
	return w
}

// check compares the kernels on the inputs of c (at most sweepChunk).
func (w *sweeper) check(c BitRange) []Mismatch {
	n := int(c.To - c.From)
	src, want, got := w.src[:n], w.want[:n], w.got8[:n]
	for i := range src {
		src[i] = math.Float32frombits(uint32(c.From) + uint32(i))
	}
	p := &w.p
	var ms []Mismatch
	cmp := func(kernel string, val func(i int) int32) {
		for i := range src {
			if v := val(i); v != want[i] {
				ms = append(ms, Mismatch{kernel, math.Float32bits(src[i]), v, want[i]})
			}
		}
	}
	// The reference, element by element.
	inv := pytorchInv(p.Scale)
	for i, x := range src {
		want[i] = quantizeOne(x, p.Convention, p.Scale, inv, p.Zero, p.Lo, p.Hi)
	}
	ps := w.ps[:(n+sweepBlock-1)/sweepBlock]
	if w.signed {
		g := w.goti[:n]
		val := func(i int) int32 { return int32(g[i]) }
		clear(g)
		w.m.k.quantizeI8(g, src, *p)
		cmp("QuantizeI8", val)
		clear(g)
		w.m.k.quantizeBlocksI8(g, src, sweepBlock, ps)
		cmp("QuantizeBlocks", val)
		clear(g)
		sweepColumns(w.m.k.quantizeColumnsI8, g, src, w.cols)
		cmp("QuantizeColumns", val)
	} else {
		val := func(i int) int32 { return int32(got[i]) }
		clear(got)
		w.m.k.quantizeU8(got, src, *p)
		cmp("QuantizeU8", val)
		clear(got)
		w.m.k.quantizeBlocksU8(got, src, sweepBlock, ps)
		cmp("QuantizeBlocks", val)
		clear(got)
		sweepColumns(w.m.k.quantizeColumnsU8, got, src, w.cols)
		cmp("QuantizeColumns", val)
	}
	if w.i4 && n%2 == 0 {
		pk := w.packed[:n/2]
		val := func(i int) int32 {
			v := int32(pk[i/2]>>(4*(i%2))) & 0xF
			if w.signed && v >= 8 {
				v -= 16
			}
			return v
		}
		w.m.k.quantizeBlocksI4(pk, src, sweepBlock, ps, LowFirst)
		cmp("QuantizeBlocksI4", val)
		// Blocks of 32, which have kernels of their own (groups of 16
		// blocks on AVX-512).
		clear(pk)
		w.m.k.quantizeBlocksI4(pk, src, 32, w.ps[:(n+31)/32], LowFirst)
		cmp("QuantizeBlocksI4/32", val)
	}
	gotE := canonicalNaN(w.m.k.quantError(src, *p))
	wantE := canonicalNaN(quantErrorCodes(src, want, p))
	if math.Float64bits(gotE) != math.Float64bits(wantE) {
		ms = append(ms, Mismatch{Kernel: "QuantError", Bits: uint32(c.From)})
	}
	return ms
}

// sweepColumns runs a per-column kernel on src as rows of len(cols)
// columns, and on the rest as one shorter row.
func sweepColumns[T int8 | uint8](q func([]T, []float32, int, []Params), dst []T, src []float32, cols []Params) {
	c := len(cols)
	whole := len(src) / c * c
	if whole > 0 {
		q(dst[:whole], src[:whole], c, cols)
	}
	if r := len(src) - whole; r > 0 {
		q(dst[whole:], src[whole:], r, cols[:r])
	}
}

// quantErrorCodes is quantErrorGeneric with the codes q already computed
// (want): the same terms, lanes and tree, without quantizing again.
func quantErrorCodes(src []float32, q []int32, p *Params) float64 {
	s, z := p.Scale, p.Zero
	var l [sumLanes]float64
	for i, x := range src {
		y := float32(float32(q[i]-z) * s)
		d := float64(x) - float64(y)
		l[i%sumLanes] = l[i%sumLanes] + float64(d*d)
	}
	return combineLanes(&l)
}
