//go:build linux

package diffcheck

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime/debug"
	"slices"

	"unsafe"

	"github.com/quantkernel/quant"
	"github.com/quantkernel/quant/internal/guardpage"
)

// Guard-page tests: inputs that end exactly at a PROT_NONE page (an
// over-read faults), outputs that end exactly at one (an over-write
// faults), and both starting exactly after one (an under-read or
// under-write faults). runtime/debug.SetPanicOnFault turns the fault into
// a panic that call() reports as an error, so a failing kernel is named
// instead of crashing the test binary.

// guardCase places the input(s) and output of one kernel at the guards of
// regions a and b (src in a, dst or second input in b) and compares m with
// generic. atTail selects the end of the regions, else the start.
type guardCase struct {
	name string
	run  func(m *quant.Impl, a, b *guardpage.Region, n int, atTail bool) error
}

func place[T elem](g *guardpage.Region, n int, atTail bool) []T {
	return guardpage.Place[T](g, n, atTail)
}

func guardCases(in []float32, bytesIn []uint8) []guardCase {
	var cases []guardCase
	for _, p := range representativeParams() {
		if fitsU8(p) {
			cases = append(cases, guardCase{"QuantizeU8/" + p.Convention.String(), func(m *quant.Impl, a, b *guardpage.Region, n int, tail bool) error {
				return guardQuantize(m, (*quant.Impl).QuantizeU8, a, b, in[:n], p, tail)
			}})
		}
		if fitsI8(p) {
			cases = append(cases, guardCase{"QuantizeI8/" + p.Convention.String(), func(m *quant.Impl, a, b *guardpage.Region, n int, tail bool) error {
				return guardQuantize(m, (*quant.Impl).QuantizeI8, a, b, in[:n], p, tail)
			}})
		}
		if p.Lo == 0 && p.Hi == 255 { // one QuantError per convention
			cases = append(cases, guardCase{"QuantError/" + p.Convention.String(), func(m *quant.Impl, a, _ *guardpage.Region, n int, tail bool) error {
				src := place[float32](a, n, tail)
				copy(src, in[:n])
				want := ref.QuantError(in[:n], p)
				var got float64
				if err := call(func() { got = m.QuantError(src, p) }); err != nil {
					return err
				}
				if !bitsEqual64(got, want) {
					return fmt.Errorf("got %v, generic %v", got, want)
				}
				return nil
			}})
		}
	}
	dp := quant.Params{Scale: 0.0213, Zero: 37, Lo: 0, Hi: 255}
	cases = append(cases,
		guardCase{"DequantizeU8", func(m *quant.Impl, a, b *guardpage.Region, n int, tail bool) error {
			return guardDequantize(m, (*quant.Impl).DequantizeU8, a, b, bytesIn[:n], dp, tail)
		}},
		guardCase{"DequantizeI8", func(m *quant.Impl, a, b *guardpage.Region, n int, tail bool) error {
			s := unsafe.Slice((*int8)(unsafe.Pointer(unsafe.SliceData(bytesIn))), len(bytesIn))
			return guardDequantize(m, (*quant.Impl).DequantizeI8, a, b, s[:n], dp, tail)
		}},
		guardCase{"MinMax", func(m *quant.Impl, a, _ *guardpage.Region, n int, tail bool) error {
			src := place[float32](a, n, tail)
			copy(src, in[:n])
			wlo, whi, wfin := ref.MinMax(in[:n])
			var lo, hi float32
			var fin bool
			if err := call(func() { lo, hi, fin = m.MinMax(src) }); err != nil {
				return err
			}
			if !bitsEqual32(lo, wlo) || !bitsEqual32(hi, whi) || fin != wfin {
				return fmt.Errorf("got (%v, %v, %v), generic (%v, %v, %v)", lo, hi, fin, wlo, whi, wfin)
			}
			return nil
		}},
		guardCase{"AbsMax", func(m *quant.Impl, a, _ *guardpage.Region, n int, tail bool) error {
			src := place[float32](a, n, tail)
			copy(src, in[:n])
			want := ref.AbsMax(in[:n])
			var got float32
			if err := call(func() { got = m.AbsMax(src) }); err != nil {
				return err
			}
			if !bitsEqual32(got, want) {
				return fmt.Errorf("got %v, generic %v", got, want)
			}
			return nil
		}},
		guardCase{"SquaredError", func(m *quant.Impl, a, b *guardpage.Region, n int, tail bool) error {
			x, y := place[float32](a, n, tail), place[float32](b, n, tail)
			copy(x, in[:n])
			copy(y, in[len(in)-n:])
			want := ref.SquaredError(in[:n], in[len(in)-n:])
			var got float64
			if err := call(func() { got = m.SquaredError(x, y) }); err != nil {
				return err
			}
			if !bitsEqual64(got, want) {
				return fmt.Errorf("got %v, generic %v", got, want)
			}
			return nil
		}},
	)
	return append(cases, layoutGuardCases(in)...)
}

// layoutGuardCases run the Layout forms (the blocked kernels, per-column
// ones with block 1) with src and dst at the guards: one row of n
// elements in blocks of several sizes (whole, short last block, one
// block longer than the row), and per column with 2 rows.
func layoutGuardCases(in []float32) []guardCase {
	var cases []guardCase
	rng := rand.New(rand.NewPCG(31, 32))
	for _, blk := range []int{1, 8, 9, 16, 32, 33, 64, 100} {
		for _, kind := range codeKinds {
			cases = append(cases, guardCase{fmt.Sprintf("Layout%s/block=%d", kind.name, blk), func(m *quant.Impl, a, b *guardpage.Region, n int, tail bool) error {
				l := quant.Blocked(1, n, blk)
				if blk == 1 { // per column: the blocked kernels with block 1
					l = quant.PerColumn(1, n)
					if n%2 == 0 {
						l = quant.PerColumn(2, n/2)
					}
				}
				ps := groupParams(rng, l.NumParams(), kind.lo, kind.hi)
				src := place[float32](a, n, tail)
				copy(src, in[:n])
				switch kind.name {
				case "I8":
					return guardLayout(m, n, n, b, tail, func(m *quant.Impl, dst []int8, s []float32) { m.QuantizeLayoutI8(dst, s, l, ps) },
						func(m *quant.Impl, dst []float32, s []int8) { m.DequantizeLayoutI8(dst, s, l, ps) }, src, in[:n])
				case "U8":
					return guardLayout(m, n, n, b, tail, func(m *quant.Impl, dst []uint8, s []float32) { m.QuantizeLayoutU8(dst, s, l, ps) },
						func(m *quant.Impl, dst []float32, s []uint8) { m.DequantizeLayoutU8(dst, s, l, ps) }, src, in[:n])
				}
				q, dq := (*quant.Impl).QuantizeLayoutU4, (*quant.Impl).DequantizeLayoutU4
				if kind.name == "I4" {
					q, dq = (*quant.Impl).QuantizeLayoutI4, (*quant.Impl).DequantizeLayoutI4
				}
				o := quant.NibbleOrder(n % 2)
				return guardLayout(m, n, quant.PackedLen(n), b, tail, func(m *quant.Impl, dst []uint8, s []float32) { q(m, dst, s, l, ps, o) },
					func(m *quant.Impl, dst []float32, s []uint8) { dq(m, dst, s, l, ps, o) }, src, in[:n])
			}})
		}
	}
	cases = append(cases, guardCase{"CalibrateLayout/PerColumn", func(m *quant.Impl, a, _ *guardpage.Region, n int, tail bool) error {
		src := place[float32](a, n, tail)
		copy(src, in[:n])
		for _, r := range []int{1, 2, 3} {
			if n%r != 0 {
				continue
			}
			l := quant.PerColumn(r, n/r)
			s := quant.Scheme{Method: quant.MethodMinMax, Bits: 8}
			want, got := make([]quant.Params, l.NumParams()), make([]quant.Params, l.NumParams())
			werr := ref.CalibrateLayout(want, in[:n], l, s)
			var gerr error
			if err := call(func() { gerr = m.CalibrateLayout(got, src, l, s) }); err != nil {
				return err
			}
			if !sameError(gerr, werr) {
				return fmt.Errorf("%v: error %v, generic %v", l, gerr, werr)
			}
			if i, ok := paramsBits(got, want); werr == nil && !ok {
				return fmt.Errorf("%v: ps[%d] = %+v, generic %+v", l, i, got[i], want[i])
			}
		}
		return nil
	}})
	return cases
}

// guardLayout runs q with src at its guard (already placed by the caller)
// and the nq codes at the same end of region b, compares with generic,
// then dequantizes those codes (read at the guard) into floats at the
// other end of b (when both fit), so code reads and float writes are
// bounded by a PROT_NONE page too.
func guardLayout[T uint8 | int8](m *quant.Impl, n, nq int, b *guardpage.Region, tail bool, q func(*quant.Impl, []T, []float32), dq func(*quant.Impl, []float32, []T), src, in []float32) error {
	want := make([]T, nq)
	q(ref, want, in)
	dst := place[T](b, nq, tail)
	if err := call(func() { q(m, dst, src) }); err != nil {
		return err
	}
	for i := range want {
		if dst[i] != want[i] {
			return fmt.Errorf("quantize: dst[%d] = %d, generic %d", i, dst[i], want[i])
		}
	}
	wantF := make([]float32, n)
	dq(ref, wantF, want)
	// The codes stay at b's guard; the floats go to the end of b opposite
	// to them when they fit, else to an ordinary slice.
	out := make([]float32, n)
	if 4*n+nq <= len(b.Data) {
		out = place[float32](b, n, !tail)
	}
	if err := call(func() { dq(m, out, dst) }); err != nil {
		return err
	}
	for i := range wantF {
		if !bitsEqual32(out[i], wantF[i]) {
			return fmt.Errorf("dequantize: dst[%d] = %v, generic %v", i, out[i], wantF[i])
		}
	}
	return nil
}

// guardOps are the operations the guard-page suite covers.
var guardOps = slices.Concat(floatOps, dequantOps, layoutOps, []string{"CalibrateLayout"})

// guardPagesAvailable: this platform has the guard-page suite.
const guardPagesAvailable = true

func guardQuantize[T uint8 | int8](m *quant.Impl, q func(*quant.Impl, []T, []float32, quant.Params), a, b *guardpage.Region, in []float32, p quant.Params, tail bool) error {
	n := len(in)
	src, dst := place[float32](a, n, tail), place[T](b, n, tail)
	copy(src, in)
	want := make([]T, n)
	q(ref, want, in, p)
	if err := call(func() { q(m, dst, src, p) }); err != nil {
		return err
	}
	for i := range want {
		if dst[i] != want[i] {
			return fmt.Errorf("dst[%d] = %d, generic %d (x bits %#08x)", i, dst[i], want[i], math.Float32bits(in[i]))
		}
	}
	return nil
}

func guardDequantize[T uint8 | int8](m *quant.Impl, dq func(*quant.Impl, []float32, []T, quant.Params), a, b *guardpage.Region, in []T, p quant.Params, tail bool) error {
	n := len(in)
	src, dst := place[T](a, n, tail), place[float32](b, n, tail)
	copy(src, in)
	want := make([]float32, n)
	dq(ref, want, in, p)
	if err := call(func() { dq(m, dst, src, p) }); err != nil {
		return err
	}
	for i := range want {
		if !bitsEqual32(dst[i], want[i]) {
			return fmt.Errorf("dst[%d] = %v, generic %v (q = %d)", i, dst[i], want[i], in[i])
		}
	}
	return nil
}

// GuardLengths are the lengths the guard-page suite runs.
func GuardLengths(short bool) []int {
	if short {
		return append(seq(0, 80), 127, 128, 129, 255, 256, 257, 300, 1000)
	}
	return append(seq(0, 300), 1000, 4099)
}

// SuiteGuardPages runs every guard case at every length, at the tail and
// the head of the regions.
func SuiteGuardPages(m *quant.Impl, lengths []int) error {
	maxN := slices.Max(lengths)
	a, err := guardpage.New(5 * maxN)
	if err != nil {
		return err
	}
	defer a.Free()
	b, err := guardpage.New(5 * maxN)
	if err != nil {
		return err
	}
	defer b.Free()
	in, _ := masterInputs(representativeParams()[0], maxN, 11)
	rng := rand.New(rand.NewPCG(7, 8))
	bytesIn := make([]uint8, maxN)
	for i := range bytesIn {
		bytesIn[i] = uint8(rng.Uint32())
	}
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	var e errs
	for _, c := range guardCases(in, bytesIn) {
		for _, n := range lengths {
			for _, tail := range []bool{true, false} {
				if err := c.run(m, a, b, n, tail); err != nil {
					e.add(fmt.Errorf("%s %s n=%d at %s of guarded region: %w", m.Name(), c.name, n,
						map[bool]string{true: "end", false: "start"}[tail], err))
				}
			}
		}
	}
	return e.err()
}
