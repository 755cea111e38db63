package quant_test

import (
	"fmt"

	"github.com/quantkernel/quant"
)

// The notebook's asymmetric quantization: calibrate, quantize, dequantize
// and measure the error.
func Example() {
	x := []float32{42.35, -41.27, 0, 12.25, -23.1, 13.71, 34.11, 41.35}
	p, err := quant.Calibrate(x, quant.Scheme{Method: quant.MethodMinMax, Bits: 8, Convention: quant.Seed})
	if err != nil {
		panic(err)
	}
	q := make([]uint8, len(x))
	quant.QuantizeU8(q, x, p)
	y := make([]float32, len(x))
	quant.DequantizeU8(y, q, p)
	fmt.Printf("scale %v zero %d\n", p.Scale, p.Zero)
	fmt.Println(q)
	fmt.Println(y)
	fmt.Printf("mse %.5f\n", quant.QuantError(x, p)/float64(len(x)))
	// Output:
	// scale 0.32792154 zero 126
	// [255 0 126 163 56 168 230 252]
	// [42.30188 -41.318115 0 12.133097 -22.954508 13.772705 34.10384 41.318115]
	// mse 0.00556
}

// Weights quantized to packed int4 in blocks of 4 along each row, the
// ONNX opset-21 blocked QuantizeLinear layout.
func ExampleQuantizeLayoutI4() {
	w := []float32{
		0.1, -0.2, 0.3, -0.4, 1, 2, 3, 4,
		-8, 4, 2, 1, 0.5, 0.25, 0, -0.25,
	}
	l := quant.Blocked(2, 8, 4)
	ps := make([]quant.Params, l.NumParams())
	if err := quant.CalibrateLayout(ps, w, l, quant.Scheme{Method: quant.MethodAbsMax, Bits: 4, Convention: quant.ONNX}); err != nil {
		panic(err)
	}
	packed := make([]byte, quant.PackedLen(len(w)))
	quant.QuantizeLayoutI4(packed, w, l, ps, quant.LowFirst)
	back := make([]float32, len(w))
	quant.DequantizeLayoutI4(back, packed, l, ps, quant.LowFirst)
	fmt.Printf("%d Params, %d bytes: % x\n", len(ps), len(packed), packed)
	fmt.Println(back)
	// Output:
	// 4 Params, 8 bytes: c2 86 42 76 49 12 47 c0
	// [0.10666667 -0.21333334 0.32 -0.42666668 1.0666667 2.1333334 3.2000003 3.7333336 -7.466667 4.266667 2.1333334 1.0666667 0.4666667 0.26666668 0 -0.26666668]
}
