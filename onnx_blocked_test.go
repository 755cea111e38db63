package quant

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"codeberg.org/sbinet/npyio"
	"github.com/stretchr/testify/require"
)

func grpReadNpy[T any](t *testing.T, name string) []T {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "blocked", name))
	require.NoError(t, err)
	defer f.Close()
	var v []T
	require.NoError(t, npyio.Read(f, &v), name)
	return v
}

// TestBlockedInt4MatchesONNX checks the blocked int4/uint4 quantize,
// pack, unpack and dequantize against vectors numpy computed from ONNX's
// opset-21 QuantizeLinear/DequantizeLinear definitions
// (testdata/blocked/gen.py).
func TestBlockedInt4MatchesONNX(t *testing.T) {
	cases := []struct {
		name            string
		rows, cols, blk int
		signed          bool
	}{
		{"i4_3x64_b32", 3, 64, 32, true},
		{"i4_4x37_b16", 4, 37, 16, true},
		{"u4_5x7_b2", 5, 7, 2, false},
		{"u4_2x130_b64", 2, 130, 64, false},
		{"i4_1x9_b4", 1, 9, 4, true},
		{"u4_6x1_b3", 6, 1, 3, false},
	}
	for _, c := range cases {
		x := grpReadNpy[float32](t, c.name+"_x.npy")
		scale := grpReadNpy[float32](t, c.name+"_scale.npy")
		packed := grpReadNpy[uint8](t, c.name+"_packed.npy")
		deq := grpReadNpy[float32](t, c.name+"_deq.npy")
		var zp, codes []int32
		if c.signed {
			for _, v := range grpReadNpy[int8](t, c.name+"_zp.npy") {
				zp = append(zp, int32(v))
			}
			for _, v := range grpReadNpy[int8](t, c.name+"_y.npy") {
				codes = append(codes, int32(v))
			}
		} else {
			for _, v := range grpReadNpy[uint8](t, c.name+"_zp.npy") {
				zp = append(zp, int32(v))
			}
			for _, v := range grpReadNpy[uint8](t, c.name+"_y.npy") {
				codes = append(codes, int32(v))
			}
		}
		l := Blocked(c.rows, c.cols, c.blk)
		require.Len(t, x, l.Len(), c.name)
		require.Len(t, scale, l.NumParams(), c.name)
		ps := make([]Params, len(scale))
		for i := range ps {
			ps[i] = Params{Scale: scale[i], Zero: zp[i], Lo: -8, Hi: 7, Convention: ONNX}
			if !c.signed {
				ps[i].Lo, ps[i].Hi = 0, 15
			}
		}
		require.Equal(t, codes, grpRefCodes(x, l, ps), c.name+": the literal reference")
		for _, m := range grpTestImpls() {
			name := fmt.Sprintf("%s/%s", m.Name(), c.name)
			got := make([]uint8, PackedLen(l.Len()))
			back := make([]float32, l.Len())
			if c.signed {
				m.QuantizeLayoutI4(got, x, l, ps, LowFirst)
				m.DequantizeLayoutI4(back, packed, l, ps, LowFirst)
				un := make([]int8, l.Len())
				UnpackI4(un, packed, l.Len(), LowFirst)
				for i := range un {
					require.Equal(t, codes[i], int32(un[i]), name)
				}
			} else {
				m.QuantizeLayoutU4(got, x, l, ps, LowFirst)
				m.DequantizeLayoutU4(back, packed, l, ps, LowFirst)
			}
			require.Equal(t, packed, got, name)
			grpRequireBits(t, deq, back, name)
		}
	}
}
