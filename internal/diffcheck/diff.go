package diffcheck

import (
	"fmt"
	"math"

	"github.com/quantkernel/quant"
)

func describe(kernel string, m *quant.Impl, p *quant.Params, n int, offs string) string {
	s := fmt.Sprintf("%s %s n=%d %s", m.Name(), kernel, n, offs)
	if p != nil {
		s += fmt.Sprintf(" params{Scale:%v(%#08x) Zero:%d Lo:%d Hi:%d %v}", p.Scale, math.Float32bits(p.Scale), p.Zero, p.Lo, p.Hi, p.Convention)
	}
	return s
}

// diffQuantize runs generic and m's quantizer on src into a guarded dst
// at offset dOff and compares.
func diffQuantize[T uint8 | int8](kernel string, m *quant.Impl, q func(*quant.Impl, []T, []float32, quant.Params), src *buf[float32], p quant.Params, dOff int, salt uint32) error {
	in := src.window()
	want := make([]T, len(in))
	if err := call(func() { q(ref, want, in, p) }); err != nil {
		return fmt.Errorf("%s: generic: %v", describe(kernel, m, &p, len(in), ""), err)
	}
	d := dstBuf[T](len(in), dOff, salt)
	where := func() string {
		return describe(kernel, m, &p, len(in), fmt.Sprintf("srcOff=%d dstOff=%d", src.start%64, dOff))
	}
	if err := call(func() { q(m, d.window(), in, p) }); err != nil {
		return fmt.Errorf("%s: %v", where(), err)
	}
	got := d.window()
	for i := range want {
		if got[i] != want[i] {
			return fmt.Errorf("%s: dst[%d] = %d, generic %d (x = %v, bits %#08x)", where(), i, got[i], want[i], in[i], math.Float32bits(in[i]))
		}
	}
	if err := d.check("dst"); err != nil {
		return fmt.Errorf("%s: %v", where(), err)
	}
	if err := src.check("src"); err != nil {
		return fmt.Errorf("%s: %v", where(), err)
	}
	return nil
}

func diffQuantizeU8(m *quant.Impl, src *buf[float32], p quant.Params, dOff int, salt uint32) error {
	return diffQuantize("QuantizeU8", m, (*quant.Impl).QuantizeU8, src, p, dOff, salt)
}

func diffQuantizeI8(m *quant.Impl, src *buf[float32], p quant.Params, dOff int, salt uint32) error {
	return diffQuantize("QuantizeI8", m, (*quant.Impl).QuantizeI8, src, p, dOff, salt)
}

// diffDequantize runs generic and m's dequantizer on src into a guarded
// float32 dst at offset dOff and compares bits.
func diffDequantize[T uint8 | int8](kernel string, m *quant.Impl, dq func(*quant.Impl, []float32, []T, quant.Params), src *buf[T], p quant.Params, dOff int, salt uint32) error {
	in := src.window()
	want := make([]float32, len(in))
	if err := call(func() { dq(ref, want, in, p) }); err != nil {
		return fmt.Errorf("%s: generic: %v", describe(kernel, m, &p, len(in), ""), err)
	}
	d := dstBuf[float32](len(in), dOff, salt)
	where := func() string {
		return describe(kernel, m, &p, len(in), fmt.Sprintf("srcOff=%d dstOff=%d", src.start%64, dOff))
	}
	if err := call(func() { dq(m, d.window(), in, p) }); err != nil {
		return fmt.Errorf("%s: %v", where(), err)
	}
	got := d.window()
	for i := range want {
		if !bitsEqual32(got[i], want[i]) {
			return fmt.Errorf("%s: dst[%d] = %s, generic %s (q = %d)", where(), i, fmtElem(got[i]), fmtElem(want[i]), in[i])
		}
	}
	if err := d.check("dst"); err != nil {
		return fmt.Errorf("%s: %v", where(), err)
	}
	if err := src.check("src"); err != nil {
		return fmt.Errorf("%s: %v", where(), err)
	}
	return nil
}

func diffDequantizeU8(m *quant.Impl, src *buf[uint8], p quant.Params, dOff int, salt uint32) error {
	return diffDequantize("DequantizeU8", m, (*quant.Impl).DequantizeU8, src, p, dOff, salt)
}

func diffDequantizeI8(m *quant.Impl, src *buf[int8], p quant.Params, dOff int, salt uint32) error {
	return diffDequantize("DequantizeI8", m, (*quant.Impl).DequantizeI8, src, p, dOff, salt)
}

func srcWhere(kernel string, m *quant.Impl, p *quant.Params, src *buf[float32]) string {
	return describe(kernel, m, p, src.n, fmt.Sprintf("srcOff=%d", src.start%64))
}

func diffMinMax(m *quant.Impl, src *buf[float32]) error {
	in := src.window()
	wlo, whi, wfin := ref.MinMax(in)
	var lo, hi float32
	var fin bool
	if err := call(func() { lo, hi, fin = m.MinMax(in) }); err != nil {
		return fmt.Errorf("%s: %v", srcWhere("MinMax", m, nil, src), err)
	}
	if !bitsEqual32(lo, wlo) || !bitsEqual32(hi, whi) || fin != wfin {
		return fmt.Errorf("%s: got (%s, %s, %v), generic (%s, %s, %v)", srcWhere("MinMax", m, nil, src),
			fmtElem(lo), fmtElem(hi), fin, fmtElem(wlo), fmtElem(whi), wfin)
	}
	if err := src.check("src"); err != nil {
		return fmt.Errorf("%s: %v", srcWhere("MinMax", m, nil, src), err)
	}
	return nil
}

func diffAbsMax(m *quant.Impl, src *buf[float32]) error {
	in := src.window()
	want := ref.AbsMax(in)
	var got float32
	if err := call(func() { got = m.AbsMax(in) }); err != nil {
		return fmt.Errorf("%s: %v", srcWhere("AbsMax", m, nil, src), err)
	}
	if !bitsEqual32(got, want) {
		return fmt.Errorf("%s: got %s, generic %s", srcWhere("AbsMax", m, nil, src), fmtElem(got), fmtElem(want))
	}
	if err := src.check("src"); err != nil {
		return fmt.Errorf("%s: %v", srcWhere("AbsMax", m, nil, src), err)
	}
	return nil
}

func diffQuantError(m *quant.Impl, src *buf[float32], p quant.Params) error {
	in := src.window()
	want := ref.QuantError(in, p)
	var got float64
	if err := call(func() { got = m.QuantError(in, p) }); err != nil {
		return fmt.Errorf("%s: %v", srcWhere("QuantError", m, &p, src), err)
	}
	if !bitsEqual64(got, want) {
		return fmt.Errorf("%s: got %v(%#016x), generic %v(%#016x)", srcWhere("QuantError", m, &p, src),
			got, math.Float64bits(got), want, math.Float64bits(want))
	}
	if err := src.check("src"); err != nil {
		return fmt.Errorf("%s: %v", srcWhere("QuantError", m, &p, src), err)
	}
	return nil
}

func diffSquaredError(m *quant.Impl, a, b *buf[float32]) error {
	x, y := a.window(), b.window()
	where := func() string {
		return describe("SquaredError", m, nil, a.n, fmt.Sprintf("aOff=%d bOff=%d", a.start%64, b.start%64))
	}
	want := ref.SquaredError(x, y)
	var got float64
	if err := call(func() { got = m.SquaredError(x, y) }); err != nil {
		return fmt.Errorf("%s: %v", where(), err)
	}
	if !bitsEqual64(got, want) {
		return fmt.Errorf("%s: got %v(%#016x), generic %v(%#016x)", where(), got, math.Float64bits(got), want, math.Float64bits(want))
	}
	if err := a.check("a"); err != nil {
		return fmt.Errorf("%s: %v", where(), err)
	}
	if err := b.check("b"); err != nil {
		return fmt.Errorf("%s: %v", where(), err)
	}
	return nil
}

// floatKernel is one float-input kernel as the sweeps see it.
type floatKernel struct {
	name   string
	params bool                    // the result depends on quant.Params
	fits   func(quant.Params) bool // which quant.Params the kernel accepts
	// check compares m with generic on vals placed at srcOff. off2 is the
	// dst offset (quantizers) or b's offset (SquaredError, whose b is aux,
	// len(aux) == len(vals)); salt varies the dst sentinel.
	check func(m *quant.Impl, vals, aux []float32, srcOff, off2 int, p quant.Params, salt uint32) error
}

var floatKernels = []floatKernel{
	{"QuantizeU8", true, fitsU8, func(m *quant.Impl, vals, _ []float32, so, do int, p quant.Params, salt uint32) error {
		return diffQuantizeU8(m, srcBuf(vals, so), p, do, salt)
	}},
	{"QuantizeI8", true, fitsI8, func(m *quant.Impl, vals, _ []float32, so, do int, p quant.Params, salt uint32) error {
		return diffQuantizeI8(m, srcBuf(vals, so), p, do, salt)
	}},
	{"QuantError", true, func(p quant.Params) bool { return p.Validate() == nil }, func(m *quant.Impl, vals, _ []float32, so, _ int, p quant.Params, _ uint32) error {
		return diffQuantError(m, srcBuf(vals, so), p)
	}},
	{"MinMax", false, nil, func(m *quant.Impl, vals, _ []float32, so, _ int, _ quant.Params, _ uint32) error {
		return diffMinMax(m, srcBuf(vals, so))
	}},
	{"AbsMax", false, nil, func(m *quant.Impl, vals, _ []float32, so, _ int, _ quant.Params, _ uint32) error {
		return diffAbsMax(m, srcBuf(vals, so))
	}},
	{"SquaredError", false, nil, func(m *quant.Impl, vals, aux []float32, so, bo int, _ quant.Params, _ uint32) error {
		return diffSquaredError(m, srcBuf(vals, so), srcBuf(aux, bo))
	}},
}

// errs collects up to a few errors; further ones are only counted.
