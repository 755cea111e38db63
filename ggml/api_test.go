package ggml

import (
	"bytes"
	"errors"
	"math"
	"testing"

	"github.com/quantkernel/quant"
	"github.com/stretchr/testify/require"
)

var allTypes = append([]Type{F32, F16, BF16}, quantTypes...)

func TestTypeNames(t *testing.T) {
	for _, typ := range allTypes {
		require.True(t, typ.Supported(), "%v", typ)
		p, err := ParseType(typ.String())
		require.NoError(t, err)
		require.Equal(t, typ, p)
	}
	for name, want := range map[string]Type{"q4_k": Q4_K, "Q8_0": Q8_0, "BF16": BF16, "q6_K": Q6_K, "f32": F32} {
		got, err := ParseType(name)
		require.NoError(t, err)
		require.Equal(t, want, got, name)
	}
	_, err := ParseType("q4_2")
	require.ErrorIs(t, err, ErrType)
	require.Equal(t, "ggml.Type(4)", Type(4).String())
	require.False(t, Type(4).Known())
	require.True(t, Type(10).Known()) // q2_K: traits, no quantizer
	require.False(t, Type(10).Supported())
	require.Equal(t, 144*3, Q4_K.RowSize(768))
	require.Equal(t, 0, Q8_0.RowSize(0))
	require.Panics(t, func() { Q8_0.RowSize(33) })
	require.Panics(t, func() { Type(4).RowSize(0) })
	require.Panics(t, func() { Q8_0.RowSize(math.MaxInt / 32 * 32) }, "overflow")
	require.Equal(t, math.MaxInt/2*2, F16.RowSize(math.MaxInt/2))
}

func TestErrors(t *testing.T) {
	x := make([]float32, 512)
	for i := range x {
		x[i] = float32(i%37) - 18
	}
	for _, typ := range allTypes {
		dst := make([]byte, typ.RowSize(len(x)))
		// Non-finite input: the first one is named and dst is untouched.
		for _, bad := range []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1))} {
			y := append([]float32(nil), x...)
			y[300], y[400] = bad, float32(math.NaN())
			for i := range dst {
				dst[i] = 0xA5
			}
			err := Quantize(typ, dst, y)
			require.ErrorIs(t, err, quant.ErrNotFinite, "%v", typ)
			var nf *quant.NotFiniteError
			require.True(t, errors.As(err, &nf))
			require.Equal(t, 300, nf.Index)
			require.Equal(t, math.Float32bits(bad), math.Float32bits(nf.Value))
			require.Equal(t, bytes.Repeat([]byte{0xA5}, len(dst)), dst, "%v: dst written on error", typ)
			if typ.BlockSize() <= 256 {
				for _, w := range []int{1, 2} {
					err = QuantizeRows(typ, dst, y, 256, w)
					require.True(t, errors.As(err, &nf))
					require.Equal(t, 300, nf.Index)
					require.Equal(t, bytes.Repeat([]byte{0xA5}, len(dst)), dst, "%v: dst written on error", typ)
				}
			}
		}
		if typ.BlockSize() > 1 {
			require.ErrorIs(t, Quantize(typ, dst, x[:typ.BlockSize()+1]), ErrLength, "%v", typ)
			require.ErrorIs(t, Dequantize(typ, make([]float32, 1024), dst[:typ.TypeSize()+1]), ErrLength, "%v", typ)
			require.ErrorIs(t, QuantizeRows(typ, dst, x, typ.BlockSize()+1, 2), ErrLength, "%v", typ)
		}
		require.ErrorIs(t, QuantizeRows(typ, dst, x, 0, 2), ErrLength, "%v", typ)
		require.ErrorIs(t, QuantizeRows(typ, dst, x[:256], 512, 2), ErrLength, "%v", typ)
		require.Panics(t, func() { _ = Quantize(typ, dst[:len(dst)-1], x) }, "%v", typ)
		require.Panics(t, func() { _ = QuantizeRows(typ, dst[:len(dst)-1], x, 256, 2) }, "%v", typ)
		require.NoError(t, Quantize(typ, dst, x))
		require.Panics(t, func() { _ = Dequantize(typ, make([]float32, len(x)-1), dst) }, "%v", typ)
		require.NoError(t, Quantize(typ, nil, nil), "%v: empty input", typ)
		require.NoError(t, Dequantize(typ, nil, nil), "%v: empty input", typ)
	}
	require.ErrorIs(t, Quantize(Type(10), nil, nil), ErrType)
	require.ErrorIs(t, Dequantize(Type(99), nil, nil), ErrType)
	require.ErrorIs(t, QuantizeRows(Type(11), nil, nil, 256, 1), ErrType)
	require.ErrorIs(t, QuantizeQ8_0X86(nil, x[:31]), ErrLength)
	require.Panics(t, func() { _ = QuantizeQ8_0X86(make([]byte, 33), x[:32]) })
	y := append([]float32(nil), x[:64]...)
	y[40] = float32(math.Inf(-1))
	require.ErrorIs(t, QuantizeQ8_0X86(make([]byte, 68), y), quant.ErrNotFinite)
}

// QuantizeRows gives Quantize's bytes for every worker count and row
// length, and the element types round trip.
func TestQuantizeRows(t *testing.T) {
	x := oracleInput(t)
	for _, typ := range allTypes {
		want := make([]byte, typ.RowSize(len(x)))
		require.NoError(t, Quantize(typ, want, x))
		for _, rowLen := range []int{256, 512, 256 * 23} {
			for _, w := range []int{0, 1, 2, 3, 7, 1000} {
				got := make([]byte, len(want))
				require.NoError(t, QuantizeRows(typ, got, x, rowLen, w))
				require.Equal(t, want, got, "%v rowLen %d workers %d", typ, rowLen, w)
			}
		}
	}
	// F32 is a copy; F16 and BF16 are FP32ToFP16 and FP32ToBF16.
	for _, typ := range []Type{F32, F16, BF16} {
		b := make([]byte, typ.RowSize(len(x)))
		require.NoError(t, Quantize(typ, b, x))
		y := make([]float32, len(x))
		require.NoError(t, Dequantize(typ, y, b))
		for i, v := range x {
			var w float32
			switch typ {
			case F32:
				w = v
			case F16:
				w = FP16ToFP32(FP32ToFP16(v))
			case BF16:
				w = BF16ToFP32(FP32ToBF16(v))
			}
			require.Equal(t, math.Float32bits(w), math.Float32bits(y[i]), "%v element %d", typ, i)
		}
	}
}

// The two Q8_0 quantizers differ exactly where the text says: on ties of
// x·id (roundf vs half to even) and through 127/amax vs 1/(amax/127).
func TestQ8_0Variants(t *testing.T) {
	x := make([]float32, 32)
	x[0] = 127
	x[1] = 2.5
	x[2] = -3.5
	x[3] = 0.5
	ref := make([]byte, 34)
	simd := make([]byte, 34)
	require.NoError(t, Quantize(Q8_0, ref, x))
	require.NoError(t, QuantizeQ8_0X86(simd, x))
	require.Equal(t, ref[:2], simd[:2])
	require.Equal(t, []int8{127, 3, -4, 1}, []int8{int8(ref[2]), int8(ref[3]), int8(ref[4]), int8(ref[5])})
	require.Equal(t, []int8{127, 2, -4, 0}, []int8{int8(simd[2]), int8(simd[3]), int8(simd[4]), int8(simd[5])})
}
