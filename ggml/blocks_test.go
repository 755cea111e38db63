package ggml

import (
	"encoding/binary"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
)

// The structs have ggml-common.h's sizes and field offsets, and their sizes
// are the TypeSize of ggml's traits.
func TestBlockLayout(t *testing.T) {
	var q80 BlockQ8_0
	var q81 BlockQ8_1
	var q40 BlockQ4_0
	var q41 BlockQ4_1
	var q50 BlockQ5_0
	var q51 BlockQ5_1
	var q4k BlockQ4_K
	var q5k BlockQ5_K
	var q6k BlockQ6_K
	var q8k BlockQ8_K
	for _, c := range []struct {
		typ   Type
		size  uintptr
		want  uintptr
		offs  []uintptr
		want2 []uintptr
	}{
		{Q8_0, unsafe.Sizeof(q80), 34, []uintptr{unsafe.Offsetof(q80.Qs)}, []uintptr{2}},
		{Q8_1, unsafe.Sizeof(q81), 36, []uintptr{unsafe.Offsetof(q81.S), unsafe.Offsetof(q81.Qs)}, []uintptr{2, 4}},
		{Q4_0, unsafe.Sizeof(q40), 18, []uintptr{unsafe.Offsetof(q40.Qs)}, []uintptr{2}},
		{Q4_1, unsafe.Sizeof(q41), 20, []uintptr{unsafe.Offsetof(q41.M), unsafe.Offsetof(q41.Qs)}, []uintptr{2, 4}},
		{Q5_0, unsafe.Sizeof(q50), 22, []uintptr{unsafe.Offsetof(q50.Qh), unsafe.Offsetof(q50.Qs)}, []uintptr{2, 6}},
		{Q5_1, unsafe.Sizeof(q51), 24, []uintptr{unsafe.Offsetof(q51.M), unsafe.Offsetof(q51.Qh), unsafe.Offsetof(q51.Qs)}, []uintptr{2, 4, 8}},
		{Q4_K, unsafe.Sizeof(q4k), 144, []uintptr{unsafe.Offsetof(q4k.Dmin), unsafe.Offsetof(q4k.Scales), unsafe.Offsetof(q4k.Qs)}, []uintptr{2, 4, 16}},
		{Q5_K, unsafe.Sizeof(q5k), 176, []uintptr{unsafe.Offsetof(q5k.Dmin), unsafe.Offsetof(q5k.Scales), unsafe.Offsetof(q5k.Qh), unsafe.Offsetof(q5k.Qs)}, []uintptr{2, 4, 16, 48}},
		{Q6_K, unsafe.Sizeof(q6k), 210, []uintptr{unsafe.Offsetof(q6k.Qh), unsafe.Offsetof(q6k.Scales), unsafe.Offsetof(q6k.D)}, []uintptr{128, 192, 208}},
		{Q8_K, unsafe.Sizeof(q8k), 292, []uintptr{unsafe.Offsetof(q8k.Qs), unsafe.Offsetof(q8k.Bsums)}, []uintptr{4, 260}},
	} {
		require.Equal(t, c.want, c.size, "%v", c.typ)
		require.Equal(t, int(c.want), c.typ.TypeSize(), "%v", c.typ)
		require.Equal(t, c.want2, c.offs, "%v field offsets", c.typ)
	}
}

// The bytes of Quantize are the structs' memory: a *BlockQ4_K view of
// them reads the fields Dequantize uses (on a little-endian machine, with
// the same values).
func TestBlockView(t *testing.T) {
	x := oracleInput(t)[:QKK]
	b := make([]byte, Q4_K.TypeSize())
	require.NoError(t, Quantize(Q4_K, b, x))
	blk := (*BlockQ4_K)(unsafe.Pointer(&b[0]))
	// On a big-endian host the view holds the scales byte-swapped.
	require.Equal(t, binary.NativeEndian.Uint16(b), blk.D)
	require.Equal(t, binary.NativeEndian.Uint16(b[2:]), blk.Dmin)
	require.Equal(t, b[4:16], blk.Scales[:])
	require.Equal(t, b[16:], blk.Qs[:])
}
