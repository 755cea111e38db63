package quant

import (
	"fmt"
	"math"
)

// Layout says which Params quantize which element of a row-major
// Rows × Cols float32 matrix (element (r, c) at index r*Cols + c).
//
//   - PerRow (Axis 0, Block 0): Rows Params, ps[r] for row r; the
//     per-output-channel form of weights stored [out][in], and the
//     per-token form of activations.
//   - PerColumn (Axis 1): Cols Params, ps[c] for column c.
//   - Blocked (Axis 0, Block B >= 2): ONNX opset-21 blocked quantization
//     along the last axis. Each row is cut into ceil(Cols/B) blocks of B
//     consecutive elements, the last one short if B does not divide Cols;
//     Rows × ceil(Cols/B) Params in row-major order: element (r, c) uses
//     ps[r*ceil(Cols/B) + c/B]. Blocks never span rows.
//
// Every element is quantized with its Params exactly as the per-tensor
// kernels would (same formula, same bits).
type Layout struct {
	Rows, Cols int
	Axis       int // 0: Params per row (or per block of a row), 1: per column
	Block      int // 0: whole rows; >= 2: blocks of Block elements (Axis 0 only)
}

// PerRow is the layout with one Params per row.
func PerRow(rows, cols int) Layout { return Layout{Rows: rows, Cols: cols} }

// PerColumn is the layout with one Params per column.
func PerColumn(rows, cols int) Layout { return Layout{Rows: rows, Cols: cols, Axis: 1} }

// Blocked is the layout with one Params per block of block consecutive
// elements of a row (ONNX QuantizeLinear with axis = 1, block_size =
// block, on a 2-D input).
func Blocked(rows, cols, block int) Layout { return Layout{Rows: rows, Cols: cols, Block: block} }

// Len is the number of elements, Rows*Cols. It is meaningful for a layout
// that passes Validate (which rejects a product that overflows int).
func (l Layout) Len() int { return l.Rows * l.Cols }

// NumParams is the number of Params the layout needs: Rows, Cols, or
// Rows*ceil(Cols/Block). For a layout that passes Validate it never
// overflows (it is at most Len, or Rows, or Cols).
func (l Layout) NumParams() int {
	switch {
	case l.Axis == 1:
		return l.Cols
	case l.Block > 0:
		return l.Rows * l.blocksPerRow()
	}
	return l.Rows
}

// Validate reports a malformed layout with an error wrapping ErrShape:
// negative Rows or Cols, an Axis other than 0 and 1, a Block of 1 or
// below 0, a Block with Axis 1, or Rows*Cols overflowing int.
func (l Layout) Validate() error {
	switch {
	case l.Rows < 0 || l.Cols < 0:
		return fmt.Errorf("quant: layout %d×%d has a negative dimension: %w", l.Rows, l.Cols, ErrShape)
	case l.Axis != 0 && l.Axis != 1:
		return fmt.Errorf("quant: layout axis %d is neither 0 nor 1: %w", l.Axis, ErrShape)
	case l.Block < 0 || l.Block == 1:
		return fmt.Errorf("quant: block size %d is below 2: %w", l.Block, ErrShape)
	case l.Block != 0 && l.Axis != 0:
		return fmt.Errorf("quant: blocks run along rows, not with axis %d: %w", l.Axis, ErrShape)
	case l.Cols != 0 && l.Rows > maxInt/l.Cols:
		return fmt.Errorf("quant: layout %d×%d overflows int: %w", l.Rows, l.Cols, ErrShape)
	}
	return nil
}

const maxInt = int(^uint(0) >> 1)

func (l Layout) String() string {
	switch {
	case l.Axis == 1:
		return fmt.Sprintf("%d×%d per column", l.Rows, l.Cols)
	case l.Block > 0:
		return fmt.Sprintf("%d×%d blocks of %d", l.Rows, l.Cols, l.Block)
	}
	return fmt.Sprintf("%d×%d per row", l.Rows, l.Cols)
}

// blocksPerRow is ceil(Cols/Block) for a blocked layout, without the
// overflow of (Cols+Block-1)/Block for a Block near MaxInt.
func (l Layout) blocksPerRow() int {
	n := l.Cols / l.Block
	if l.Cols%l.Block != 0 {
		n++
	}
	return n
}

// rowBlock is the block size inside one row for Axis 0: Block, or Cols
// for PerRow (at least 1, so divisions are defined); and the number of
// Params per row.
func (l Layout) rowBlock() (block, perRow int) {
	if l.Block > 0 {
		return l.Block, l.blocksPerRow()
	}
	return max(l.Cols, 1), 1
}

// paramIndex is the index into ps of element (r, c).
func (l Layout) paramIndex(r, c int) int {
	if l.Axis == 1 {
		return c
	}
	b, n := l.rowBlock()
	return r*n + c/b
}

// mustLayout panics (programmer error, like a short dst) if l is
// malformed or does not match the slice lengths: elements is the number
// of elements the source holds (for packed int4, 2*bytes or the given
// count), nps the length of the Params slice.
func mustLayout(fn string, l Layout, src, dst, nps int) {
	if err := l.Validate(); err != nil {
		panic(fmt.Sprintf("quant.%s: %v", fn, err))
	}
	if src != l.Len() {
		panic(fmt.Sprintf("quant.%s: layout %v has %d elements, src has %d", fn, l, l.Len(), src))
	}
	if dst < src {
		panic(fmt.Sprintf("quant.%s: dst has %d elements, src has %d", fn, dst, src))
	}
	if nps != l.NumParams() {
		panic(fmt.Sprintf("quant.%s: layout %v needs %d params, ps has %d", fn, l, l.NumParams(), nps))
	}
}

// mustValidAll panics unless every ps[i] is valid with bounds inside
// lo..hi (Params.validateBounds); the common case is checked inline, and
// only a failing Params goes through validateBounds for its message.
func mustValidAll(fn string, ps []Params, lo, hi int32) {
	for i := range ps {
		p := &ps[i]
		if p.Scale >= minNormal32 && p.Scale <= math.MaxFloat32 &&
			p.Zero >= -MaxZero && p.Zero <= MaxZero &&
			lo <= p.Lo && p.Lo <= p.Hi && p.Hi <= hi && p.Convention <= PyTorch {
			continue
		}
		if err := p.validateBounds(lo, hi); err != nil {
			panic(fmt.Errorf("quant.%s: ps[%d]: %w", fn, i, err))
		}
	}
}

// minNormal32 is the smallest positive normal float32, 2^-126.
const minNormal32 = 0x1p-126

// anyLo, anyHi are the mustValidAll bounds of dequantization (any Lo <= Hi).
const (
	anyLo, anyHi = math.MinInt32, math.MaxInt32
)
