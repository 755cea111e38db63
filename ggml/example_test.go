package ggml_test

import (
	"errors"
	"fmt"
	"math"

	"github.com/quantkernel/quant"
	"github.com/quantkernel/quant/ggml"
)

func Example() {
	row := make([]float32, 512)
	for i := range row {
		row[i] = float32(math.Sin(float64(i) / 10))
	}
	t, _ := ggml.ParseType("q4_k")
	blocks := make([]byte, t.RowSize(len(row))) // 2 super-blocks of 144 bytes
	if err := ggml.Quantize(t, blocks, row); err != nil {
		panic(err)
	}
	back := make([]float32, len(row))
	if err := ggml.Dequantize(t, back, blocks); err != nil {
		panic(err)
	}
	fmt.Println(t, uint32(t), len(blocks))

	row[7] = float32(math.NaN())
	err := ggml.Quantize(t, blocks, row)
	var nf *quant.NotFiniteError
	fmt.Println(errors.Is(err, quant.ErrNotFinite), errors.As(err, &nf) && nf.Index == 7)
	// Output:
	// q4_K 12 288
	// true true
}
