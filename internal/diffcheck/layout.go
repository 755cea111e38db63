package diffcheck

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/quantkernel/quant"
)

// The grouped forms through the public API: packed int4 per tensor,
// QuantizeLayout*/DequantizeLayout* (per row, per column — the blocked
// kernels with block 1 —, blocked with blocks that do or do not divide
// the row), CalibrateLayout (MinMax per block, MinMaxColumns per column)
// and QuantizeDynamic*. Every result is compared with generic bit for bit
// on guarded, misaligned buffers; the sources must not change.

// diffOut runs f with generic into a plain slice of nOut elements and with
// m into a guarded dst of nOut elements at offset dOff, and compares bits
// and guards; srcs are the input buffers, which must not change.
func diffOut[D elem](where func() string, m *quant.Impl, nOut, dOff int, salt uint32, f func(m *quant.Impl, dst []D), srcs ...checker) error {
	want := make([]D, nOut)
	if err := call(func() { f(ref, want) }); err != nil {
		return fmt.Errorf("%s: generic: %v", where(), err)
	}
	d := dstBuf[D](nOut, dOff, salt)
	if err := call(func() { f(m, d.window()) }); err != nil {
		return fmt.Errorf("%s: %v", where(), err)
	}
	for i, w := range want {
		if !sameBits(d.window()[i], w) {
			return fmt.Errorf("%s: dst[%d] = %s, generic %s", where(), i, fmtElem(d.window()[i]), fmtElem(w))
		}
	}
	if err := d.check("dst"); err != nil {
		return fmt.Errorf("%s: %v", where(), err)
	}
	for _, s := range srcs {
		if err := s.check("src"); err != nil {
			return fmt.Errorf("%s: %v", where(), err)
		}
	}
	return nil
}

// checker is a buffer that verifies itself (buf[T]).
type checker interface{ check(what string) error }

// groupSpecials are the values every random grouped input is salted with.
var groupSpecials = []float32{
	float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, negZero32,
	math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, 1e-40, 0.5, -0.5, 1.5, 2.5, -2.5,
	fbits(0x7FC01234), fbits(0xFFC00001),
}

// groupData returns n values: normal data at several magnitudes, ties of
// the common scales, and (with salt) one special in eight.
func groupData(rng *rand.Rand, n int, salt bool) []float32 {
	x := make([]float32, n)
	for i := range x {
		switch {
		case salt && rng.IntN(8) == 0:
			x[i] = groupSpecials[rng.IntN(len(groupSpecials))]
		case rng.IntN(6) == 0:
			x[i] = (float32(rng.IntN(40)-20) + 0.5) * 0.25
		default:
			x[i] = float32(rng.NormFloat64() * math.Exp2(float64(rng.IntN(8)-4)))
		}
	}
	return x
}

// groupParams returns n valid Params with bounds inside lo..hi, scales
// from 1e-35 to 4e30 (some outside the divider-free domain 2^-100..2^100,
// whose kernels fall back to division), zero points inside or next to the
// bounds, and a random convention each or (half the time) one for all, so
// that per-column kernels see long runs of a convention.
func groupParams(rng *rand.Rand, n int, lo, hi int32) []quant.Params {
	ps := make([]quant.Params, n)
	one := rng.IntN(2) == 0
	c := quant.Convention(rng.IntN(3))
	for i := range ps {
		a, b := lo+rng.Int32N(hi-lo+1), lo+rng.Int32N(hi-lo+1)
		if rng.IntN(2) == 0 {
			a, b = lo, hi
		}
		ps[i] = quant.Params{
			Scale:      []float32{0.25, 0.1, 1, 3e-3, 1e-30, 7.5, 1e-35, 4e30}[rng.IntN(8)],
			Zero:       lo + rng.Int32N(hi-lo+1) + int32(rng.IntN(3)-1),
			Lo:         min(a, b),
			Hi:         max(a, b),
			Convention: quant.Convention(rng.IntN(3)),
		}
		if one {
			ps[i].Convention = c
		}
	}
	return ps
}

// codeKind is one output type of the grouped forms.
type codeKind struct {
	name   string
	lo, hi int32
}

var codeKinds = []codeKind{{"I8", -128, 127}, {"U8", 0, 255}, {"I4", -8, 7}, {"U4", 0, 15}}

// diffPackedI4 compares QuantizeI4/U4 and DequantizeI4/U4 per tensor on
// vals at srcOff, dst at dOff, in both nibble orders.
func diffPackedI4(m *quant.Impl, vals []float32, p quant.Params, signed bool, sOff, dOff int, salt uint32, junk bool) error {
	n := len(vals)
	src := srcBuf(vals, sOff)
	for _, o := range []quant.NibbleOrder{quant.LowFirst, quant.HighFirst} {
		q, dq, name := (*quant.Impl).QuantizeU4, (*quant.Impl).DequantizeU4, "U4"
		if signed {
			q, dq, name = (*quant.Impl).QuantizeI4, (*quant.Impl).DequantizeI4, "I4"
		}
		where := func(k string) func() string {
			return func() string {
				return describe(k+name, m, &p, n, fmt.Sprintf("order=%v srcOff=%d dstOff=%d", o, sOff, dOff))
			}
		}
		if err := diffOut(where("Quantize"), m, quant.PackedLen(n), dOff, salt, func(m *quant.Impl, dst []uint8) { q(m, dst, src.window(), p, o) }, src); err != nil {
			return err
		}
		packed := make([]uint8, quant.PackedLen(n))
		q(ref, packed, vals, p, o)
		if junk && n%2 == 1 {
			packed[n/2] |= 0xF0 >> (4 * int(o)) // the unused nibble must be ignored
		}
		ps := srcBuf(packed, sOff)
		if err := diffOut(where("Dequantize"), m, n, dOff, salt, func(m *quant.Impl, dst []float32) { dq(m, dst, ps.window(), n, p, o) }, ps); err != nil {
			return err
		}
	}
	return nil
}

// diffLayout compares every Layout form (quantize to I8, U8, I4, U4 and
// dequantize the generic codes back) on a random input of l's shape with
// random Params per row, column or block.
func diffLayout(m *quant.Impl, rng *rand.Rand, l quant.Layout, sOff, dOff int) error {
	n := l.Len()
	vals := groupData(rng, n, true)
	salt := rng.Uint32()
	src := srcBuf(vals, sOff)
	for _, kind := range codeKinds {
		ps := groupParams(rng, l.NumParams(), kind.lo, kind.hi)
		pb := srcBuf(ps, 0)
		where := func(k string, extra string) func() string {
			return func() string {
				return fmt.Sprintf("%s %s%s %v srcOff=%d dstOff=%d%s", m.Name(), k, kind.name, l, sOff, dOff, extra)
			}
		}
		var err error
		switch kind.name {
		case "I8":
			err = diffOut(where("QuantizeLayout", ""), m, n, dOff, salt, func(m *quant.Impl, dst []int8) { m.QuantizeLayoutI8(dst, src.window(), l, pb.window()) }, src, pb)
			if err == nil {
				codes := make([]int8, n)
				ref.QuantizeLayoutI8(codes, vals, l, ps)
				cb := srcBuf(codes, sOff)
				err = diffOut(where("DequantizeLayout", ""), m, n, dOff, salt, func(m *quant.Impl, dst []float32) { m.DequantizeLayoutI8(dst, cb.window(), l, pb.window()) }, cb, pb)
			}
		case "U8":
			err = diffOut(where("QuantizeLayout", ""), m, n, dOff, salt, func(m *quant.Impl, dst []uint8) { m.QuantizeLayoutU8(dst, src.window(), l, pb.window()) }, src, pb)
			if err == nil {
				codes := make([]uint8, n)
				ref.QuantizeLayoutU8(codes, vals, l, ps)
				cb := srcBuf(codes, sOff)
				err = diffOut(where("DequantizeLayout", ""), m, n, dOff, salt, func(m *quant.Impl, dst []float32) { m.DequantizeLayoutU8(dst, cb.window(), l, pb.window()) }, cb, pb)
			}
		default:
			q, dq := (*quant.Impl).QuantizeLayoutU4, (*quant.Impl).DequantizeLayoutU4
			if kind.name == "I4" {
				q, dq = (*quant.Impl).QuantizeLayoutI4, (*quant.Impl).DequantizeLayoutI4
			}
			for _, o := range []quant.NibbleOrder{quant.LowFirst, quant.HighFirst} {
				extra := fmt.Sprintf(" order=%v", o)
				if err = diffOut(where("QuantizeLayout", extra), m, quant.PackedLen(n), dOff, salt, func(m *quant.Impl, dst []uint8) { q(m, dst, src.window(), l, pb.window(), o) }, src, pb); err != nil {
					break
				}
				packed := make([]uint8, quant.PackedLen(n))
				q(ref, packed, vals, l, ps, o)
				if n%2 == 1 && rng.IntN(2) == 0 {
					packed[n/2] |= 0xF0 >> (4 * int(o)) // the unused nibble must be ignored
				}
				cb := srcBuf(packed, sOff)
				if err = diffOut(where("DequantizeLayout", extra), m, n, dOff, salt, func(m *quant.Impl, dst []float32) { dq(m, dst, cb.window(), l, pb.window(), o) }, cb, pb); err != nil {
					break
				}
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// schemes are the calibration schemes of the dynamic and CalibrateLayout
// checks: every method, 8 and 4 bits, each convention, the zero included
// or not, narrow ranges.
func schemes(rng *rand.Rand) []quant.Scheme {
	c := quant.Convention(rng.IntN(3))
	return []quant.Scheme{
		{Method: quant.MethodMinMax, Bits: 8, Convention: c},
		{Method: quant.MethodAbsMax, Bits: 8, Convention: c, NarrowRange: true},
		{Method: quant.MethodMinMax, Bits: 4, Convention: c, IncludeZero: true},
		{Method: quant.MethodAbsMax, Bits: 4, Convention: c},
		{Method: quant.MethodPercentile, Bits: 8, Convention: c, Percentile: 99},
	}
}

// paramsBits compares two Params slices field by field (the scale by
// bits).
func paramsBits(got, want []quant.Params) (int, bool) {
	for i := range want {
		g, w := got[i], want[i]
		if math.Float32bits(g.Scale) != math.Float32bits(w.Scale) || g.Zero != w.Zero || g.Lo != w.Lo || g.Hi != w.Hi || g.Convention != w.Convention {
			return i, false
		}
	}
	return 0, true
}

// sameError reports whether two errors are both nil or have the same
// text.
func sameError(a, b error) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return a.Error() == b.Error()
}

// diffCalibrate compares CalibrateLayout and the QuantizeDynamic forms for
// every scheme on l: the same error (or none), the same Params bits and,
// without error, the same codes. Inputs without specials (finite, so the
// Params exist) and with them (the NotFiniteError must name the same
// element) alternate.
func diffCalibrate(m *quant.Impl, rng *rand.Rand, l quant.Layout, sOff, dOff int) error {
	n, np := l.Len(), l.NumParams()
	vals := groupData(rng, n, rng.IntN(3) == 0)
	src := srcBuf(vals, sOff)
	salt := rng.Uint32()
	for _, s := range schemes(rng) {
		where := func(k string) string {
			return fmt.Sprintf("%s %s %v scheme=%+v srcOff=%d dstOff=%d", m.Name(), k, l, s, sOff, dOff)
		}
		// CalibrateLayout.
		want := make([]quant.Params, np)
		werr := ref.CalibrateLayout(want, vals, l, s)
		got := dstBuf[quant.Params](np, 0, salt)
		var gerr error
		if err := call(func() { gerr = m.CalibrateLayout(got.window(), src.window(), l, s) }); err != nil {
			return fmt.Errorf("%s: %v", where("CalibrateLayout"), err)
		}
		if !sameError(gerr, werr) {
			return fmt.Errorf("%s: error %v, generic %v", where("CalibrateLayout"), gerr, werr)
		}
		if werr == nil {
			if i, ok := paramsBits(got.window(), want); !ok {
				return fmt.Errorf("%s: ps[%d] = %+v, generic %+v", where("CalibrateLayout"), i, got.window()[i], want[i])
			}
		}
		if err := got.check("ps"); err != nil {
			return fmt.Errorf("%s: %v", where("CalibrateLayout"), err)
		}
		if err := src.check("src"); err != nil {
			return fmt.Errorf("%s: %v", where("CalibrateLayout"), err)
		}
		// QuantizeDynamic*: the kind follows the scheme's range.
		lo, hi, _ := s.Bounds() // s is valid here
		o := quant.NibbleOrder(rng.IntN(2))
		var k string
		var nOut int
		var run func(m *quant.Impl, dst []uint8, ps []quant.Params, src []float32) error
		switch {
		case s.Bits == 8 && lo < 0:
			k, nOut = "QuantizeDynamicI8", n
			run = func(m *quant.Impl, dst []uint8, ps []quant.Params, src []float32) error {
				return m.QuantizeDynamicI8(asInt8(dst), ps, src, l, s)
			}
		case s.Bits == 8:
			k, nOut = "QuantizeDynamicU8", n
			run = func(m *quant.Impl, dst []uint8, ps []quant.Params, src []float32) error {
				return m.QuantizeDynamicU8(dst, ps, src, l, s)
			}
		case lo < 0 || hi < 0:
			k, nOut = "QuantizeDynamicI4", quant.PackedLen(n)
			run = func(m *quant.Impl, dst []uint8, ps []quant.Params, src []float32) error {
				return m.QuantizeDynamicI4(dst, ps, src, l, s, o)
			}
		default:
			k, nOut = "QuantizeDynamicU4", quant.PackedLen(n)
			run = func(m *quant.Impl, dst []uint8, ps []quant.Params, src []float32) error {
				return m.QuantizeDynamicU4(dst, ps, src, l, s, o)
			}
		}
		wdst, wps := make([]uint8, nOut), make([]quant.Params, np)
		werr = run(ref, wdst, wps, vals)
		gdst, gps := dstBuf[uint8](nOut, dOff, salt), dstBuf[quant.Params](np, 0, salt+1)
		if err := call(func() { gerr = run(m, gdst.window(), gps.window(), src.window()) }); err != nil {
			return fmt.Errorf("%s: %v", where(k), err)
		}
		if !sameError(gerr, werr) {
			return fmt.Errorf("%s: error %v, generic %v", where(k), gerr, werr)
		}
		if werr == nil {
			if i, ok := paramsBits(gps.window(), wps); !ok {
				return fmt.Errorf("%s: ps[%d] = %+v, generic %+v", where(k), i, gps.window()[i], wps[i])
			}
			for i, w := range wdst {
				if g := gdst.window()[i]; g != w {
					return fmt.Errorf("%s: dst[%d] = %#02x, generic %#02x", where(k), i, g, w)
				}
			}
		}
		for _, c := range []error{gdst.check("dst"), gps.check("ps"), src.check("src")} {
			if c != nil {
				return fmt.Errorf("%s: %v", where(k), c)
			}
		}
	}
	return nil
}

func asInt8(b []uint8) []int8 {
	if len(b) == 0 {
		return []int8{}
	}
	return unsafeInt8(b)
}

// layoutShapes are the shapes of the Layout sweeps: 1×1, 1×n, n×1, odd
// columns, blocks that do not divide the columns, and every block tail;
// with !short more lengths.
func layoutShapes(short bool) [][2]int {
	s := [][2]int{{1, 1}, {1, 7}, {1, 64}, {7, 1}, {3, 5}, {4, 32}, {5, 33}, {2, 100}, {3, 67}, {0, 4}, {4, 0}, {2, 1030}, {1, 4099}}
	if !short {
		for c := 1; c <= 70; c++ {
			s = append(s, [2]int{1, c}, [2]int{2, c})
		}
		s = append(s, [2]int{1, 127}, [2]int{1, 128}, [2]int{1, 129}, [2]int{2, 255}, [2]int{1, 257}, [2]int{3, 1000}, [2]int{2, 4100})
	}
	return s
}

// layoutsFor lists the layouts of one shape: per row, per column, and
// blocked with small, odd, vector-sized and larger-than-row blocks.
func layoutsFor(r, c int) []quant.Layout {
	ls := []quant.Layout{quant.PerRow(r, c), quant.PerColumn(r, c)}
	for _, b := range []int{2, 3, 4, 5, 8, 16, 31, 32, 33, 64, 100, 256, max(c, 2), max(c+1, 2)} {
		ls = append(ls, quant.Blocked(r, c, b))
	}
	return ls
}

// suiteLayout runs diffLayout (and, every third layout, diffCalibrate)
// over the shapes and layouts, at random offsets.
func suiteLayout(m *quant.Impl, short bool, seed uint64, calibrate bool) error {
	rng := rand.New(rand.NewPCG(seed, 99))
	var e errs
	i := 0
	for _, sh := range layoutShapes(short) {
		for _, l := range layoutsFor(sh[0], sh[1]) {
			off := rng.IntN(8)
			dOff := (off + 1 + rng.IntN(7)) % 8
			if calibrate {
				if i%3 == 0 || !short {
					e.add(diffCalibrate(m, rng, l, off, dOff))
				}
			} else {
				e.add(diffLayout(m, rng, l, off, dOff))
			}
			i++
		}
	}
	return e.err()
}

// suitePackedI4 runs the per-tensor packed forms at every length of the
// sweep, with swept offsets, the specials and the Params' ties, and
// random bit patterns.
func suitePackedI4(m *quant.Impl, c sweepConfig, seed uint64) error {
	var e errs
	rng := rand.New(rand.NewPCG(seed, 4))
	for i, p := range []quant.Params{
		{Scale: 0.25, Zero: 1, Lo: -8, Hi: 7, Convention: quant.Seed},
		{Scale: 0.1, Zero: 3, Lo: 0, Hi: 15, Convention: quant.ONNX},
		{Scale: float32(1.0 / 3), Zero: -2, Lo: -7, Hi: 7, Convention: quant.PyTorch},
		{Scale: 1, Zero: -quant.MaxZero, Lo: 2, Hi: 11, Convention: quant.PyTorch},
		{Scale: 7.5, Zero: 12, Lo: 0, Hi: 15, Convention: quant.Seed},
	} {
		signed := p.ValidateI4() == nil
		mixed, finite := masterInputs(p, slices.Max(c.lengths), seed+uint64(i))
		for _, in := range [][]float32{mixed, finite} {
			for _, n := range c.lengths {
				e.add(diffPackedI4(m, in[:n], p, signed, 0, 0, uint32(n), n%3 == 0))
			}
			for _, n := range c.offLengths {
				for _, off := range c.offsets {
					e.add(diffPackedI4(m, in[:n], p, signed, off, (off*7)%64, uint32(n+off), true))
				}
			}
		}
		sp := append(specialValues(), paramSpecials(p)...)
		for r := range len(sp) {
			in := append(append([]float32(nil), sp[r:]...), sp[:r]...)
			e.add(diffPackedI4(m, in, p, signed, r%8, r%5, uint32(r), true))
		}
		for range 20 {
			e.add(diffPackedI4(m, randBits(rng, rng.IntN(300)), p, signed, rng.IntN(64), rng.IntN(64), rng.Uint32(), true))
		}
	}
	return e.err()
}
