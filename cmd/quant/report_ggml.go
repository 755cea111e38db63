package main

import (
	"github.com/quantkernel/quant/ggml"
)

// reportGGMLTypes are the ggml block types report compares (those convert
// writes, but Q8_1, whose values are Q8_0's).
var reportGGMLTypes = []ggml.Type{ggml.Q8_0, ggml.Q4_0, ggml.Q4_1, ggml.Q5_0, ggml.Q5_1, ggml.Q4_K, ggml.Q5_K, ggml.Q6_K}

// rowLen is the length of t's rows (the innermost dimension; N for a
// tensor of no dimension).
func (t *tensor) rowLen() int {
	if len(t.Shape) == 0 {
		return t.N
	}
	return t.Shape[len(t.Shape)-1]
}

// ggmlTypesFor are the types of reportGGMLTypes whose block divides t's
// rows (only those can hold t in ggml).
func ggmlTypesFor(t *tensor) []ggml.Type {
	var ts []ggml.Type
	row := t.rowLen()
	for _, gt := range reportGGMLTypes {
		if gt.Supported() && row > 0 && row%gt.BlockSize() == 0 {
			ts = append(ts, gt)
		}
	}
	return ts
}

// ggmlErrors streams t once and returns, for each type, the sum over the
// tensor of (x - y)², in float64 and in file order, where y is x quantized
// to the type by package ggml and dequantized (ggml's own
// quantize_row_<type>_ref then dequantize_row_<type>, bit for bit). The
// data must be finite (scanRange checked it). Memory: one chunk of floats
// and its blocks.
func ggmlErrors(t *tensor, types []ggml.Type) ([]float64, error) {
	sums := make([]float64, len(types))
	if len(types) == 0 {
		return sums, nil
	}
	y := make([]float32, min(t.N, chunkElems))
	q := make([]byte, ggml.Q8_0.RowSize(len(y))) // the largest of the types per element
	for _, gt := range types {
		if n := gt.RowSize(len(y)); n > len(q) {
			q = make([]byte, n)
		}
	}
	err := t.eachFloat(func(_ int, x []float32) error {
		// Chunks start at multiples of chunkElems (of 256) and the last
		// ends at N, a multiple of the row: each is whole blocks.
		for k, gt := range types {
			b := q[:gt.RowSize(len(x))]
			if err := ggml.QuantizeRows(gt, b, x, gt.BlockSize(), 0); err != nil {
				return fileErr(t.path, "tensor %q, ggml %v: %s", t.Name, gt, trimQuant(err.Error()))
			}
			if err := ggml.Dequantize(gt, y[:len(x)], b); err != nil {
				return fileErr(t.path, "tensor %q, ggml %v: %s", t.Name, gt, trimQuant(err.Error()))
			}
			s := sums[k]
			for i, v := range x {
				d := float64(v) - float64(y[i])
				s += d * d
			}
			sums[k] = s
		}
		return nil
	})
	return sums, err
}
