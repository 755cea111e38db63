package main

import "github.com/quantkernel/quant"

// The grouped forms (issue 6), added to the kernels table: per-row
// dynamic int8 (the per-token activation path; compare with QuantizeI8),
// blocked int4 with B = 32 (ONNX, absmax 4-bit) quantize and dequantize,
// and per-tensor QuantizeI8 on all cores (compare with QuantizeI8).
//
// The n elements are viewed as a matrix of groupedCols columns (n itself
// below that); the last n mod groupedCols elements are not touched. The
// Params and packed buffers of each size are made on the first (warm-up)
// call, outside the timed loops.

const (
	groupedCols  = 4096
	groupedBlock = 32
)

// grouped is the per-size state of the grouped kernels.
type grouped struct {
	rows, cols int
	rowPs      []quant.Params // one per row
	blockPs    []quant.Params // one per block of groupedBlock
	packed     []uint8
}

var groupedState = map[int]*grouped{}

func groupedFor(b *buffers) *grouped {
	n := len(b.f32)
	if g := groupedState[n]; g != nil {
		return g
	}
	cols := min(n, groupedCols)
	g := &grouped{rows: n / cols, cols: cols}
	g.rowPs = make([]quant.Params, g.rows)
	l := quant.Blocked(g.rows, g.cols, groupedBlock)
	g.blockPs = make([]quant.Params, l.NumParams())
	if err := quant.CalibrateLayout(g.blockPs, b.f32[:l.Len()], l, quant.Scheme{Method: quant.MethodAbsMax, Bits: 4, Convention: quant.ONNX}); err != nil {
		panic(err)
	}
	g.packed = make([]uint8, quant.PackedLen(l.Len()))
	quant.QuantizeLayoutI4(g.packed, b.f32[:l.Len()], l, g.blockPs, quant.LowFirst)
	groupedState[n] = g
	return g
}

func init() {
	kernels = append(kernels,
		kernel{"DynamicRowI8", 4 + 1, func(m *quant.Impl, b *buffers) {
			g := groupedFor(b)
			l := quant.PerRow(g.rows, g.cols)
			s := quant.Scheme{Method: quant.MethodAbsMax, Bits: 8, Convention: quant.PyTorch}
			if err := m.QuantizeDynamicI8(b.i8, g.rowPs, b.f32[:l.Len()], l, s); err != nil {
				panic(err)
			}
		}},
		kernel{"QuantizeBlockedI4", 4, func(m *quant.Impl, b *buffers) { // + 1/2 byte written
			g := groupedFor(b)
			l := quant.Blocked(g.rows, g.cols, groupedBlock)
			m.QuantizeLayoutI4(g.packed, b.f32[:l.Len()], l, g.blockPs, quant.LowFirst)
		}},
		kernel{"DequantizeBlockedI4", 4, func(m *quant.Impl, b *buffers) { // + 1/2 byte read
			g := groupedFor(b)
			l := quant.Blocked(g.rows, g.cols, groupedBlock)
			m.DequantizeLayoutI4(b.out, g.packed, l, g.blockPs, quant.LowFirst)
		}},
		kernel{"QuantizeI8Parallel", 4 + 1, func(m *quant.Impl, b *buffers) {
			m.Parallel(0).QuantizeI8(b.i8, b.f32, b.pi)
		}},
	)
}
