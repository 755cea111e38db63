package quant

import "fmt"

// Dynamic quantization: calibrate and quantize in one call, the
// activation path of an inference engine (per token = per row).
//
// QuantizeDynamic* computes the Params of every row, block or column of
// the Rows×Cols matrix src under s (exactly as CalibrateLayout, i.e.
// Calibrate on each segment, bit for bit) into ps, and quantizes src with
// them into dst (exactly as QuantizeLayout*). For Axis 0 it works row by
// row — the reductions (MinMax per row or block), then the quantization of
// that row — so a row that fits in cache is read from memory once. For
// Axis 1 the column ranges need every row first: CalibrateLayout, then
// QuantizeLayout (two passes).
//
// Errors (nothing panics): ErrShape (malformed layout, len(src) !=
// Rows*Cols, len(ps) != NumParams, dst too short), the Scheme's errors, an
// error wrapping ErrBits if the scheme's bounds do not fit the output type
// (e.g. MethodMinMax 8-bit is 0..255: use U8, or AbsMax for I8), and
// CalibrateLayout's ErrEmpty, *NotFiniteError and ErrRange. On error, rows
// before the offending one may have been written; nothing is written
// outside dst[:len(src)] (PackedLen(len(src)) bytes for 4 bits) and ps.
//
// No allocation, except one scratch buffer for MethodPercentile (and the
// per-column reductions of Axis 1, as CalibrateLayout).

// QuantizeDynamicI8 calibrates and quantizes src to int8; see above.
func QuantizeDynamicI8(dst []int8, ps []Params, src []float32, l Layout, s Scheme) error {
	return active.QuantizeDynamicI8(dst, ps, src, l, s)
}

// QuantizeDynamicU8 calibrates and quantizes src to uint8; see above.
func QuantizeDynamicU8(dst []uint8, ps []Params, src []float32, l Layout, s Scheme) error {
	return active.QuantizeDynamicU8(dst, ps, src, l, s)
}

// QuantizeDynamicI4 calibrates and quantizes src to packed int4 (scheme
// bounds within -8..7); see above.
func QuantizeDynamicI4(dst []uint8, ps []Params, src []float32, l Layout, s Scheme, o NibbleOrder) error {
	return active.QuantizeDynamicI4(dst, ps, src, l, s, o)
}

// QuantizeDynamicU4 calibrates and quantizes src to packed uint4 (scheme
// bounds within 0..15); see above.
func QuantizeDynamicU4(dst []uint8, ps []Params, src []float32, l Layout, s Scheme, o NibbleOrder) error {
	return active.QuantizeDynamicU4(dst, ps, src, l, s, o)
}

// QuantizeDynamicI8 is the package-level QuantizeDynamicI8 on this implementation.
func (m *Impl) QuantizeDynamicI8(dst []int8, ps []Params, src []float32, l Layout, s Scheme) error {
	if err := m.dynamicCheck("QuantizeDynamicI8", len(dst), ps, src, l, s, -128, 127); err != nil {
		return err
	}
	return dynamic8(m, m.k.quantizeBlocksI8, m.k.quantizeColumnsI8, dst, ps, src, l, s)
}

// QuantizeDynamicU8 is the package-level QuantizeDynamicU8 on this implementation.
func (m *Impl) QuantizeDynamicU8(dst []uint8, ps []Params, src []float32, l Layout, s Scheme) error {
	if err := m.dynamicCheck("QuantizeDynamicU8", len(dst), ps, src, l, s, 0, 255); err != nil {
		return err
	}
	return dynamic8(m, m.k.quantizeBlocksU8, m.k.quantizeColumnsU8, dst, ps, src, l, s)
}

// dynamic8 runs the dynamic quantization of checked arguments with an
// 8-bit blocked kernel. (Each branch has its own closure: the one handed
// to other goroutines escapes, the serial one stays on the stack.)
func dynamic8[T int8 | uint8](m *Impl, blocks, columns func([]T, []float32, int, []Params), dst []T, ps []Params, src []float32, l Layout, s Scheme) error {
	if m.serialRows(l, false) {
		return m.dynamic(ps, src, l, s, func(r0, r1 int) { quantizeLayout(blocks, columns, dst, src, l, ps, r0, r1) })
	}
	return m.dynamicChunks(ps, src, l, s, false, func(r0, r1 int) { quantizeLayout(blocks, columns, dst, src, l, ps, r0, r1) })
}

// QuantizeDynamicI4 is the package-level QuantizeDynamicI4 on this implementation.
func (m *Impl) QuantizeDynamicI4(dst []uint8, ps []Params, src []float32, l Layout, s Scheme, o NibbleOrder) error {
	return m.dynamic4("QuantizeDynamicI4", dst, ps, src, l, s, o, -8, 7)
}

// QuantizeDynamicU4 is the package-level QuantizeDynamicU4 on this implementation.
func (m *Impl) QuantizeDynamicU4(dst []uint8, ps []Params, src []float32, l Layout, s Scheme, o NibbleOrder) error {
	return m.dynamic4("QuantizeDynamicU4", dst, ps, src, l, s, o, 0, 15)
}

func (m *Impl) dynamic4(fn string, dst []uint8, ps []Params, src []float32, l Layout, s Scheme, o NibbleOrder, lo, hi int32) error {
	if err := m.dynamic4Check(fn, dst, ps, src, l, s, o, lo, hi); err != nil {
		return err
	}
	if m.serialRows(l, true) {
		return m.dynamic(ps, src, l, s, func(r0, r1 int) { m.quantizeLayout4(dst, src, l, ps, r0, r1, o) })
	}
	return m.dynamicChunks(ps, src, l, s, true, func(r0, r1 int) { m.quantizeLayout4(dst, src, l, ps, r0, r1, o) })
}

// dynamic4Check is dynamicCheck for a packed dst.
func (m *Impl) dynamic4Check(fn string, dst []uint8, ps []Params, src []float32, l Layout, s Scheme, o NibbleOrder, lo, hi int32) error {
	if o > HighFirst {
		return fmt.Errorf("quant.%s: unknown nibble order %d: %w", fn, uint8(o), ErrParams)
	}
	if len(dst) < PackedLen(len(src)) {
		return fmt.Errorf("quant.%s: dst has %d bytes, %d values need %d: %w", fn, len(dst), len(src), PackedLen(len(src)), ErrShape)
	}
	return m.dynamicCheck(fn, len(src), ps, src, l, s, lo, hi)
}

// dynamicCheck validates the arguments of a dynamic quantization whose
// dst holds dst values of the output type lo..hi.
func (m *Impl) dynamicCheck(fn string, dst int, ps []Params, src []float32, l Layout, s Scheme, lo, hi int32) error {
	if err := checkLayout(l, len(src), len(ps)); err != nil {
		return err
	}
	if dst < len(src) {
		return fmt.Errorf("quant.%s: dst holds %d values, src has %d: %w", fn, dst, len(src), ErrShape)
	}
	return schemeFits(fn, s, lo, hi)
}

// dynamic calibrates and, unless quant is nil, quantizes (quant(r0, r1)
// quantizes rows r0..r1-1 with ps) checked arguments on the calling
// goroutine: per column, one calibration pass and then the rows; per row
// or block, row by row.
func (m *Impl) dynamic(ps []Params, src []float32, l Layout, s Scheme, quant func(r0, r1 int)) error {
	if l.Axis == 1 {
		if err := m.calibrateColumns(ps, src, l, s); err != nil {
			return err
		}
		if quant != nil {
			quant(0, l.Rows)
		}
		return nil
	}
	return m.dynamicRows(ps, src, l, s, 0, l.Rows, quant)
}

// dynamicRows calibrates, then quantizes (unless quant is nil), rows
// r0..r1-1 of a checked Axis-0 layout one after the other.
func (m *Impl) dynamicRows(ps []Params, src []float32, l Layout, s Scheme, r0, r1 int, quant func(r0, r1 int)) error {
	if l.NumParams() == 0 { // zero-size work (e.g. blocked with no columns): return at once
		return nil
	}
	var buf []float32
	if s.Method == MethodPercentile {
		b, _ := l.rowBlock()
		buf = make([]float32, min(b, l.Cols))
	}
	for r := r0; r < r1; r++ {
		if err := m.calibrateRows(ps, src, l, s, buf, r, r+1); err != nil {
			return err
		}
		if quant != nil {
			quant(r, r+1)
		}
	}
	return nil
}
