package quant

import "fmt"

// Per-axis and blocked quantization of a row-major matrix (see Layout).
//
// The Quantize/Dequantize functions have the per-tensor kernels'
// contracts, element by element: the same formula and bits, no
// allocation, panics (messages naming the function) for a malformed
// layout, a src whose length is not Rows*Cols, a short dst, a Params
// slice whose length is not NumParams, or an invalid Params (the panic
// value then wraps ErrParams and names the index). Nothing is written
// before the checks pass.

// QuantizeLayoutI8 quantizes the Rows×Cols matrix src into dst[:len(src)]
// as int8, element (r, c) with ps[l.paramIndex(r, c)] (see Layout); every
// Params' bounds must fit -128..127.
func QuantizeLayoutI8(dst []int8, src []float32, l Layout, ps []Params) {
	active.QuantizeLayoutI8(dst, src, l, ps)
}

// QuantizeLayoutU8 is QuantizeLayoutI8 for uint8 (bounds within 0..255).
func QuantizeLayoutU8(dst []uint8, src []float32, l Layout, ps []Params) {
	active.QuantizeLayoutU8(dst, src, l, ps)
}

// DequantizeLayoutI8 writes float32(q - z) * s for each element q of the
// Rows×Cols matrix src, with the Params of its position, into
// dst[:len(src)].
func DequantizeLayoutI8(dst []float32, src []int8, l Layout, ps []Params) {
	active.DequantizeLayoutI8(dst, src, l, ps)
}

// DequantizeLayoutU8 is DequantizeLayoutI8 for uint8 input.
func DequantizeLayoutU8(dst []float32, src []uint8, l Layout, ps []Params) {
	active.DequantizeLayoutU8(dst, src, l, ps)
}

// CalibrateLayout sets ps[i] to the Params that Calibrate(seg, s) returns
// for the i-th row, column or block seg of the Rows×Cols matrix src (see
// Layout), bit for bit, with the reductions of the implementation (MinMax
// per row or block, an elementwise min/max over rows per column).
// Errors: an error wrapping ErrShape if l is malformed or does not match
// len(src) and len(ps); the Scheme's errors; ErrEmpty if a row or column
// is empty (Cols == 0 per row, Rows == 0 per column); otherwise the error
// Calibrate returns for the first segment (in the order of ps) it fails
// on: a *NotFiniteError for the segment's first NaN or ±Inf (Index is its
// position in src), or ErrRange wrapped with the row and block or column.
// On error the contents of ps are unspecified. Per row and per block it
// allocates nothing (except one scratch buffer of a row or block for
// MethodPercentile); per column it allocates the reduction arrays (2×Cols
// float32) and, for MethodPercentile, two columns.
func CalibrateLayout(ps []Params, src []float32, l Layout, s Scheme) error {
	return active.CalibrateLayout(ps, src, l, s)
}

// QuantizeLayoutI8 is the package-level QuantizeLayoutI8 on this implementation.
func (m *Impl) QuantizeLayoutI8(dst []int8, src []float32, l Layout, ps []Params) {
	mustLayout("QuantizeLayoutI8", l, len(src), len(dst), len(ps))
	mustValidAll("QuantizeLayoutI8", ps, -128, 127)
	quantizeLayoutRows(m, m.k.quantizeBlocksI8, m.k.quantizeColumnsI8, dst, src, l, ps)
}

// QuantizeLayoutU8 is the package-level QuantizeLayoutU8 on this implementation.
func (m *Impl) QuantizeLayoutU8(dst []uint8, src []float32, l Layout, ps []Params) {
	mustLayout("QuantizeLayoutU8", l, len(src), len(dst), len(ps))
	mustValidAll("QuantizeLayoutU8", ps, 0, 255)
	quantizeLayoutRows(m, m.k.quantizeBlocksU8, m.k.quantizeColumnsU8, dst, src, l, ps)
}

// DequantizeLayoutI8 is the package-level DequantizeLayoutI8 on this implementation.
func (m *Impl) DequantizeLayoutI8(dst []float32, src []int8, l Layout, ps []Params) {
	mustLayout("DequantizeLayoutI8", l, len(src), len(dst), len(ps))
	mustValidAll("DequantizeLayoutI8", ps, anyLo, anyHi)
	dequantizeLayoutRows(m, m.k.dequantizeBlocksI8, dst, src, l, ps)
}

// DequantizeLayoutU8 is the package-level DequantizeLayoutU8 on this implementation.
func (m *Impl) DequantizeLayoutU8(dst []float32, src []uint8, l Layout, ps []Params) {
	mustLayout("DequantizeLayoutU8", l, len(src), len(dst), len(ps))
	mustValidAll("DequantizeLayoutU8", ps, anyLo, anyHi)
	dequantizeLayoutRows(m, m.k.dequantizeBlocksU8, dst, src, l, ps)
}

// quantizeLayoutRows quantizes every row of a checked layout, on m's
// workers unless m.serialRows.
func quantizeLayoutRows[T int8 | uint8](m *Impl, blocks, columns func([]T, []float32, int, []Params), dst []T, src []float32, l Layout, ps []Params) {
	if m.serialRows(l, false) {
		quantizeLayout(blocks, columns, dst, src, l, ps, 0, l.Rows)
		return
	}
	m.rowChunks(l, false, func(r0, r1 int) { quantizeLayout(blocks, columns, dst, src, l, ps, r0, r1) })
}

// dequantizeLayoutRows is quantizeLayoutRows' inverse.
func dequantizeLayoutRows[T int8 | uint8](m *Impl, blocks func([]float32, []T, int, []Params), dst []float32, src []T, l Layout, ps []Params) {
	if m.serialRows(l, false) {
		dequantizeLayout(blocks, dst, src, l, ps, 0, l.Rows)
		return
	}
	m.rowChunks(l, false, func(r0, r1 int) { dequantizeLayout(blocks, dst, src, l, ps, r0, r1) })
}

// quantizeLayout quantizes rows r0..r1-1 of a checked layout with the
// implementation's blocked kernel, or its per-column kernel for Axis 1.
func quantizeLayout[T int8 | uint8](blocks, columns func([]T, []float32, int, []Params), dst []T, src []float32, l Layout, ps []Params, r0, r1 int) {
	c := l.Cols
	if c == 0 || r0 >= r1 {
		return
	}
	if l.Axis == 1 {
		columns(dst[r0*c:r1*c], src[r0*c:r1*c], c, ps)
		return
	}
	b, n := l.rowBlock()
	if c%b == 0 { // blocks tile the rows: one call
		blocks(dst[r0*c:r1*c], src[r0*c:r1*c], b, ps[r0*n:r1*n])
		return
	}
	for r := r0; r < r1; r++ {
		blocks(dst[r*c:(r+1)*c], src[r*c:(r+1)*c], b, ps[r*n:(r+1)*n])
	}
}

// dequantizeLayout is quantizeLayout's inverse.
func dequantizeLayout[T int8 | uint8](blocks func([]float32, []T, int, []Params), dst []float32, src []T, l Layout, ps []Params, r0, r1 int) {
	c := l.Cols
	if c == 0 || r0 >= r1 {
		return
	}
	if l.Axis == 1 {
		for r := r0; r < r1; r++ {
			blocks(dst[r*c:(r+1)*c], src[r*c:(r+1)*c], 1, ps)
		}
		return
	}
	b, n := l.rowBlock()
	if c%b == 0 {
		blocks(dst[r0*c:r1*c], src[r0*c:r1*c], b, ps[r0*n:r1*n])
		return
	}
	for r := r0; r < r1; r++ {
		blocks(dst[r*c:(r+1)*c], src[r*c:(r+1)*c], b, ps[r*n:(r+1)*n])
	}
}

// checkLayout is mustLayout's error form, for the calibrating functions.
func checkLayout(l Layout, src, nps int) error {
	if err := l.Validate(); err != nil {
		return err
	}
	if src != l.Len() {
		return fmt.Errorf("quant: layout %v has %d elements, src has %d: %w", l, l.Len(), src, ErrShape)
	}
	if nps != l.NumParams() {
		return fmt.Errorf("quant: layout %v needs %d params, ps has %d: %w", l, l.NumParams(), nps, ErrShape)
	}
	return nil
}

// CalibrateLayout is the package-level CalibrateLayout on this
// implementation; rows or blocks are calibrated on m's workers, per-column
// layouts on the calling goroutine.
func (m *Impl) CalibrateLayout(ps []Params, src []float32, l Layout, s Scheme) error {
	if err := checkLayout(l, len(src), len(ps)); err != nil {
		return err
	}
	if err := s.Validate(); err != nil {
		return err
	}
	if m.serialRows(l, false) {
		return m.dynamic(ps, src, l, s, nil)
	}
	return m.dynamicChunks(ps, src, l, s, false, nil)
}

// calibrateRows calibrates the Params of rows r0..r1-1 of a checked
// Axis-0 layout with one MinMax per row or block; s is valid, buf is
// percentile scratch (len >= block).
func (m *Impl) calibrateRows(ps []Params, src []float32, l Layout, s Scheme, buf []float32, r0, r1 int) error {
	b, n := l.rowBlock()
	c := l.Cols
	if n == 0 { // a blocked layout with no columns: nothing to calibrate
		return nil
	}
	for r := r0; r < r1; r++ {
		if c == 0 && n > 0 { // per row; a blocked layout has no blocks
			return fmt.Errorf("quant: layout %v: row %d: %w", l, r, ErrEmpty)
		}
		for j := range n {
			seg := src[r*c+j*b : r*c+min((j+1)*b, c)]
			p, err := m.calibrateSeg(s, seg, buf, r*c+j*b)
			if err != nil {
				return fmt.Errorf("quant: layout %v: row %d block %d: %w", l, r, j, err)
			}
			ps[r*n+j] = p
		}
	}
	return nil
}

// calibrateSeg is Calibrate(seg, s) for a non-empty seg starting at index
// base of the whole input, with one MinMax; s is valid.
func (m *Impl) calibrateSeg(s Scheme, seg, buf []float32, base int) (Params, error) {
	lo, hi, finite := m.k.minMax(seg)
	if !finite {
		return Params{}, firstNotFinite(seg, base)
	}
	return rangeParams(s, lo, hi, seg, buf)
}

// calibrateColumns calibrates a checked Axis-1 layout: one row-major
// pass of MinMaxColumns accumulates every column's range, then each
// column gets Calibrate's arithmetic.
func (m *Impl) calibrateColumns(ps []Params, src []float32, l Layout, s Scheme) error {
	R, C := l.Rows, l.Cols
	if C == 0 {
		return nil
	}
	if R == 0 {
		return fmt.Errorf("quant: layout %v: column 0: %w", l, ErrEmpty)
	}
	lo, hi := make([]float32, C), make([]float32, C)
	for i := range C {
		lo[i], hi[i] = posInf, negInf
	}
	finite := true
	for r := range R {
		finite = m.k.minMaxColumns(lo, hi, src[r*C:(r+1)*C]) && finite
	}
	var col, scratch []float32
	if s.Method == MethodPercentile {
		buf := make([]float32, 2*R)
		col, scratch = buf[:R], buf[R:]
	}
	for c := range C {
		if !finite { // the first failing column's error wins, as for Calibrate per column
			for r := range R {
				if x := src[r*C+c]; x-x != 0 {
					return &NotFiniteError{Index: r*C + c, Value: x}
				}
			}
		}
		if col != nil {
			for r := range R {
				col[r] = src[r*C+c]
			}
		}
		// +0 turns a -0 extreme into +0, as MinMax returns.
		p, err := rangeParams(s, lo[c]+0, hi[c]+0, col, scratch)
		if err != nil {
			return fmt.Errorf("quant: layout %v: column %d: %w", l, c, err)
		}
		ps[c] = p
	}
	return nil
}
