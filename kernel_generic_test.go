package quant

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// These tests pin the reference itself to hand-computed values; the
// differential tests then hold every other implementation to it.

func TestQuantizeOneConventions(t *testing.T) {
	nan := float32(math.NaN())
	inf := float32(math.Inf(1))
	cases := []struct {
		name string
		x    float32
		p    Params
		want int32
	}{
		// Seed adds the zero point before rounding: 0.5 + 3 = 3.5 -> 4 (even).
		{"seed tie after zero", 0.5, Params{Scale: 1, Zero: 3, Lo: 0, Hi: 255, Convention: Seed}, 4},
		// ONNX rounds first: rne(0.5) = 0, + 3 = 3.
		{"onnx tie before zero", 0.5, Params{Scale: 1, Zero: 3, Lo: 0, Hi: 255, Convention: ONNX}, 3},
		{"pytorch tie before zero", 0.5, Params{Scale: 1, Zero: 3, Lo: 0, Hi: 255, Convention: PyTorch}, 3},
		{"tie 2.5 to even", 2.5, Params{Scale: 1, Lo: -128, Hi: 127, Convention: ONNX}, 2},
		{"tie -2.5 to even", -2.5, Params{Scale: 1, Lo: -128, Hi: 127, Convention: ONNX}, -2},
		{"tie 3.5 to even", 3.5, Params{Scale: 1, Lo: -128, Hi: 127, Convention: ONNX}, 4},
		{"nan to zero point", nan, Params{Scale: 0.1, Zero: 7, Lo: 0, Hi: 255, Convention: Seed}, 7},
		{"nan to clamped zero", nan, Params{Scale: 0.1, Zero: -20, Lo: 0, Hi: 255, Convention: Seed}, 0},
		{"nan pytorch", nan, Params{Scale: 0.1, Zero: 9, Lo: 0, Hi: 255, Convention: PyTorch}, 9},
		{"+inf saturates", inf, Params{Scale: 0.1, Lo: -128, Hi: 127, Convention: ONNX}, 127},
		{"-inf saturates", -inf, Params{Scale: 0.1, Lo: -128, Hi: 127, Convention: Seed}, -128},
		{"huge saturates", math.MaxFloat32, Params{Scale: 1e-30, Lo: 0, Hi: 255, Convention: PyTorch}, 255},
		{"huge negative saturates", -math.MaxFloat32, Params{Scale: 1e-30, Lo: 0, Hi: 255, Convention: ONNX}, 0},
		{"narrow bounds", 100, Params{Scale: 1, Lo: 3, Hi: 9, Convention: Seed}, 9},
		{"-0", float32(math.Copysign(0, -1)), Params{Scale: 1, Zero: 5, Lo: 0, Hi: 255, Convention: ONNX}, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.NoError(t, c.p.Validate())
			assert.Equal(t, c.want, c.p.Quantize(c.x))
		})
	}
}

func TestPyTorchMultipliesByInverse(t *testing.T) {
	// FBGEMM's own example: x*inv lands on 127.5 where x/s gives 127.49999.
	p := Params{Scale: 0.00214854861, Lo: 0, Hi: 255}
	x := float32(0.273939937)
	p.Convention = PyTorch
	assert.Equal(t, float32(127.5), float32(x*pytorchInv(p.Scale)))
	assert.Equal(t, int32(128), p.Quantize(x))
	p.Convention = ONNX
	assert.Less(t, float32(x/p.Scale), float32(127.5))
	assert.Equal(t, int32(127), p.Quantize(x))
}

func TestDequantizeFormula(t *testing.T) {
	p := Params{Scale: 0.25, Zero: 10, Lo: 0, Hi: 255}
	dst := make([]float32, 3)
	dequantize8Generic[uint8](dst, []uint8{0, 10, 255}, p)
	assert.Equal(t, []float32{-2.5, 0, 61.25}, dst)
}

func TestMinMaxRules(t *testing.T) {
	negz := float32(math.Copysign(0, -1))
	nan := float32(math.NaN())
	lo, hi, fin := minMaxGeneric([]float32{negz, negz})
	assert.Equal(t, uint32(0), math.Float32bits(lo), "lo must be +0")
	assert.Equal(t, uint32(0), math.Float32bits(hi), "hi must be +0")
	assert.True(t, fin)
	lo, hi, fin = minMaxGeneric([]float32{nan, 3, -2, nan})
	assert.Equal(t, float32(-2), lo)
	assert.Equal(t, float32(3), hi)
	assert.False(t, fin)
	lo, hi, fin = minMaxGeneric(nil)
	assert.True(t, math.IsInf(float64(lo), 1) && math.IsInf(float64(hi), -1) && fin)
	_, hi, fin = minMaxGeneric([]float32{1, float32(math.Inf(1))})
	assert.True(t, math.IsInf(float64(hi), 1))
	assert.False(t, fin)
	assert.Equal(t, uint32(0), math.Float32bits(absMaxGeneric([]float32{negz, nan})))
	assert.Equal(t, float32(5), absMaxGeneric([]float32{-5, nan, 4}))
}

func TestSumOrder(t *testing.T) {
	// 1e16 + 1 + ... : the fixed lane order decides what is lost; check
	// the tree by hand for 17 elements.
	src := make([]float32, 17)
	for i := range src {
		src[i] = float32(i)
	}
	zeros := make([]float32, 17)
	var l [16]float64
	for i, x := range src {
		l[i%16] += float64(x) * float64(x)
	}
	want := (((l[0] + l[8]) + (l[4] + l[12])) + ((l[2] + l[10]) + (l[6] + l[14]))) +
		(((l[1] + l[9]) + (l[5] + l[13])) + ((l[3] + l[11]) + (l[7] + l[15])))
	assert.Equal(t, want, squaredErrorGeneric(src, zeros))
	g, _ := Lookup("generic")
	nan := float32(math.NaN())
	assert.Equal(t, uint64(CanonicalNaNBits), math.Float64bits(g.SquaredError([]float32{nan}, []float32{1})))
}

func TestKernelPanics(t *testing.T) {
	p := Params{Scale: 1, Lo: 0, Hi: 255}
	assert.PanicsWithValue(t, "quant.QuantizeU8: dst has 1 elements, src has 2", func() {
		QuantizeU8(make([]uint8, 1), make([]float32, 2), p)
	})
	assert.Panics(t, func() { QuantizeI8(make([]int8, 1), make([]float32, 1), p) }, "bounds 0..255 do not fit int8")
	assert.Panics(t, func() { SquaredError(make([]float32, 1), nil) })
}
