package gguf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// raw builds a GGUF byte string field by field.
type raw struct{ b []byte }

func (r *raw) u32(v uint32) *raw    { r.b = binary.LittleEndian.AppendUint32(r.b, v); return r }
func (r *raw) u64(v uint64) *raw    { r.b = binary.LittleEndian.AppendUint64(r.b, v); return r }
func (r *raw) bytes(p ...byte) *raw { r.b = append(r.b, p...); return r }
func (r *raw) str(s string) *raw    { r.u64(uint64(len(s))); r.b = append(r.b, s...); return r }
func (r *raw) pad(a int) *raw {
	for len(r.b)%a != 0 {
		r.b = append(r.b, 0)
	}
	return r
}

// header starts a file with the magic, version 3 and the counts.
func header(nt, nkv uint64) *raw {
	r := &raw{}
	r.bytes('G', 'G', 'U', 'F').u32(3).u64(nt).u64(nkv)
	return r
}

// tensor appends a tensor info.
func (r *raw) tensor(name string, typ Type, off uint64, ne ...uint64) *raw {
	r.str(name).u32(uint32(len(ne)))
	for _, d := range ne {
		r.u64(d)
	}
	return r.u32(uint32(typ)).u64(off)
}

func decodeBytes(b []byte) (*File, error) { return Decode(bytes.NewReader(b), int64(len(b))) }

func TestMalformed(t *testing.T) {
	withData := func(r *raw, n int) []byte { r.pad(32); return append(r.b, make([]byte, n)...) }
	nested := header(0, 1).str("k").u32(uint32(TypeArray))
	for range maxDepth + 1 {
		nested.u32(uint32(TypeArray)).u64(1)
	}
	nested.u32(uint32(TypeUint8)).u64(0)
	cases := []struct {
		name   string
		file   []byte
		err    error
		field  string
		offset int64
	}{
		{"empty", nil, ErrTruncated, "magic", 0},
		{"short magic", []byte("GG"), ErrTruncated, "magic", 0},
		{"bad magic", []byte("GGML\x03\x00\x00\x00"), ErrMagic, "magic", 0},
		{"no version", []byte("GGUF\x03"), ErrTruncated, "version", 4},
		{"version 1", (&raw{}).bytes('G', 'G', 'U', 'F').u32(1).u64(0).u64(0).b, ErrVersion, "version", 4},
		{"big-endian", (&raw{}).bytes('G', 'G', 'U', 'F').u32(0x03000000).u64(0).u64(0).b, ErrVersion, "version", 4},
		{"no kv count", (&raw{}).bytes('G', 'G', 'U', 'F').u32(3).u64(0).b, ErrTruncated, "metadata_kv_count", 16},
		{"absurd tensor count", header(1<<62, 0).b, ErrRange, "tensor_count", 8},
		{"absurd kv count", header(0, math.MaxUint64).b, ErrRange, "metadata_kv_count", 16},
		{"key longer than file", header(0, 1).u64(1 << 40).bytes(make([]byte, 16)...).b, ErrRange, "kv[0].key.len", 24},
		{"empty key", header(0, 1).str("").u32(0).bytes(1, 0).b, ErrRange, "kv[0].key", 24},
		{"duplicate key", header(0, 2).str("k").u32(0).bytes(1).str("k").u32(0).bytes(2).b, ErrDuplicate, "kv[1].key", 38},
		{"unknown value type", header(0, 1).str("k").u32(13).bytes(0).b, ErrType, `kv["k"].type`, 33},
		{"truncated value", header(0, 1).str("k").u32(uint32(TypeUint64)).bytes(1, 2).b, ErrTruncated, `kv["k"]`, 37},
		{"bool 2", header(0, 1).str("k").u32(uint32(TypeBool)).bytes(2).b, ErrRange, `kv["k"]`, 37},
		{"bool array 7", header(0, 1).str("k").u32(uint32(TypeArray)).u32(uint32(TypeBool)).u64(2).bytes(1, 7).b, ErrRange, `kv["k"][1]`, 50},
		{"string past the end", header(0, 1).str("k").u32(uint32(TypeString)).u64(100).bytes('a').b, ErrRange, `kv["k"].len`, 37},
		{"absurd array count", header(0, 1).str("k").u32(uint32(TypeArray)).u32(uint32(TypeUint32)).u64(1 << 61).b, ErrRange, `kv["k"].len`, 41},
		{"absurd string array", header(0, 1).str("k").u32(uint32(TypeArray)).u32(uint32(TypeString)).u64(1000).u64(0).b, ErrRange, `kv["k"].len`, 41},
		{"unknown element type", header(0, 1).str("k").u32(uint32(TypeArray)).u32(99).u64(0).b, ErrType, `kv["k"].type`, 37},
		{"nested too deep", nested.b, ErrRange, ".type", -1},
		{"alignment u64", header(0, 1).str(KeyAlignment).u32(uint32(TypeUint64)).u64(64).b, ErrAlign, KeyAlignment, 49},
		{"alignment not a power of 2", header(0, 1).str(KeyAlignment).u32(uint32(TypeUint32)).u32(48).b, ErrAlign, KeyAlignment, 53},
		{"alignment 0", header(0, 1).str(KeyAlignment).u32(uint32(TypeUint32)).u32(0).b, ErrAlign, KeyAlignment, 53},
		{"name too long", header(1, 0).tensor(strings.Repeat("x", 64), F32, 0, 1).b, ErrRange, "tensor[0].name", 24},
		{"duplicate name", withData(header(2, 0).tensor("a", F32, 0, 1).tensor("a", F32, 32, 1), 64), ErrDuplicate, "tensor[1].name", 57},
		{"5 dims", header(1, 0).tensor("a", F32, 0, 1, 1, 1, 1, 1).b, ErrRange, "n_dims", 33},
		{"dims overflow", header(1, 0).tensor("a", F32, 0, 1<<40, 1<<40).b, ErrRange, ".ne", 37},
		{"negative dim", header(1, 0).tensor("a", I8, 0, 1<<63).b, ErrRange, ".ne", 37},
		{"bytes overflow", header(1, 0).tensor("a", F64, 0, 1<<61).b, ErrRange, ".ne", 37},
		{"removed type", header(1, 0).tensor("a", Type(4), 0, 32).b, ErrType, ".type", 45},
		{"unknown type", header(1, 0).tensor("a", Type(43), 0, 32).b, ErrType, ".type", 45},
		{"row not a block multiple", header(1, 0).tensor("a", Q8_0, 0, 33).b, ErrRange, ".ne[0]", 37},
		{"scalar of a block type", header(1, 0).tensor("a", Q4_K, 0).b, ErrRange, ".ne[0]", 37},
		{"misaligned offset", withData(header(2, 0).tensor("a", F32, 0, 1).tensor("b", F32, 16, 1), 64), ErrAlign, "tensor[1](\"b\").offset", 82},
		{"no padding", header(1, 0).tensor("a", F32, 0, 1).b, ErrTruncated, "padding", 57},
		{"tensor past the end", withData(header(1, 0).tensor("a", F32, 0, 9), 32), ErrBounds, "tensor[0](\"a\").offset", 49},
		{"offset past the end", withData(header(1, 0).tensor("a", F32, 1<<40, 1), 32), ErrBounds, "offset", 49},
		{"offset wraps", withData(header(1, 0).tensor("a", F32, math.MaxUint64-31, 1), 32), ErrBounds, "offset", 49},
		{"overlap", withData(header(2, 0).tensor("a", F32, 0, 9).tensor("b", F32, 32, 1), 64), ErrBounds, "tensor[1](\"b\").offset", 82},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := decodeBytes(c.file)
			require.Nil(t, f)
			require.ErrorIs(t, err, c.err)
			var fe *FormatError
			require.ErrorAs(t, err, &fe)
			require.Contains(t, fe.Field, c.field)
			if c.offset >= 0 {
				require.Equal(t, c.offset, fe.Offset, err.Error())
			}
			require.LessOrEqual(t, fe.Offset, int64(len(c.file)))
			require.Contains(t, err.Error(), "at byte")
		})
	}
}

// TestTruncatedEverywhere cuts a ggml-written file at every length: each
// prefix is an error naming a field at an offset inside the prefix.
func TestTruncatedEverywhere(t *testing.T) {
	full, err := os.ReadFile(filepath.Join(testdata, "ggml_kv.gguf"))
	require.NoError(t, err)
	f, err := decodeBytes(full)
	require.NoError(t, err)
	end := f.DataOffset // the end of the last tensor's data: the rest is padding
	for _, ti := range f.Tensors {
		end = max(end, f.DataOffset+int64(ti.Offset+ti.Size))
	}
	require.Less(t, end, int64(len(full)))
	for n := range int(end) {
		_, err := decodeBytes(full[:n])
		var fe *FormatError
		require.ErrorAs(t, err, &fe, "prefix %d", n)
		require.True(t, errors.Is(err, ErrTruncated) || errors.Is(err, ErrBounds) || errors.Is(err, ErrRange), "prefix %d: %v", n, err)
		require.LessOrEqual(t, fe.Offset, int64(n))
	}
	for n := end; n <= int64(len(full)); n++ {
		_, err := decodeBytes(full[:n])
		require.NoError(t, err, "the final padding may be missing")
	}
}

// TestNestedAndEmpty round-trips what ggml cannot write: nested arrays,
// empty arrays of every type, a tensor of no elements, a 0-D tensor.
func TestNestedAndEmpty(t *testing.T) {
	kv := []KV{
		{"nested", []any{[]uint32{1, 2}, []string{"a"}, []any{[]int8{-1}, []any{}}, []bool{}}},
		{"empty.any", []any{}},
		{"e.u8", []uint8{}}, {"e.i8", []int8{}}, {"e.u16", []uint16{}}, {"e.i16", []int16{}},
		{"e.u32", []uint32{}}, {"e.i32", []int32{}}, {"e.f32", []float32{}}, {"e.bool", []bool{}},
		{"e.str", []string{}}, {"e.u64", []uint64{}}, {"e.i64", []int64{}}, {"e.f64", []float64{}},
	}
	kv = append(kv, allKV()...)
	tensors := []TensorInfo{
		{Name: "zero", Shape: []uint64{0, 4}, Type: F32},
		{Name: "scalar", Shape: nil, Type: F32},
		{Name: "q", Shape: []uint64{32}, Type: Q4_1},
		{Name: "zero2", Shape: []uint64{256, 0}, Type: Q4_K},
	}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, kv, tensors)
	require.NoError(t, err)
	ts := w.Tensors()
	require.Equal(t, []uint64{0, 4, 20, 0}, []uint64{ts[0].Size, ts[1].Size, ts[2].Size, ts[3].Size})
	require.Equal(t, []uint64{0, 0, 32, 64}, []uint64{ts[0].Offset, ts[1].Offset, ts[2].Offset, ts[3].Offset})
	require.Equal(t, 1, w.Current(), "the empty first tensor is skipped")
	_, err = w.Write([]byte{1, 2, 3, 4})
	require.NoError(t, err)
	require.ErrorIs(t, w.Close(), ErrShort)
	_, err = w.Write(bytes.Repeat([]byte{9}, 20))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	_, err = w.Write([]byte{0})
	require.ErrorIs(t, err, ErrShort)

	f, err := decodeBytes(buf.Bytes())
	require.NoError(t, err)
	require.Len(t, f.KV, len(kv))
	for i := range kv {
		require.Equal(t, kv[i].Key, f.KV[i].Key)
		require.Equal(t, reflect.TypeOf(kv[i].Value), reflect.TypeOf(f.KV[i].Value), kv[i].Key)
		require.Equal(t, encodeOne(kv[i].Value), encodeOne(f.KV[i].Value), kv[i].Key)
	}
	v, ok := f.Lookup("nested")
	require.True(t, ok)
	require.Equal(t, kv[0].Value, v)
	require.Equal(t, ts, f.Tensors)
	data, err := io.ReadAll(f.TensorReader(2))
	require.NoError(t, err)
	require.Equal(t, bytes.Repeat([]byte{9}, 20), data)
	i, ok := f.Tensor("q")
	require.True(t, ok)
	require.Equal(t, 2, i)
	_, ok = f.TensorData(2)
	require.False(t, ok, "Decode does not map")
}

func encodeOne(v any) []byte {
	var b bytes.Buffer
	encodeValue(&b, v)
	return b.Bytes()
}

func TestWriterRejects(t *testing.T) {
	cases := []struct {
		name    string
		kv      []KV
		tensors []TensorInfo
		err     error
	}{
		{"empty key", []KV{{"", uint8(1)}}, nil, ErrRange},
		{"duplicate key", []KV{{"a", uint8(1)}, {"a", uint8(2)}}, nil, ErrDuplicate},
		{"int", []KV{{"a", 1}}, nil, ErrType},
		{"nested non-array", []KV{{"a", []any{uint8(1)}}}, nil, ErrType},
		{"alignment int", []KV{{KeyAlignment, uint64(64)}}, nil, ErrAlign},
		{"alignment 24", []KV{{KeyAlignment, uint32(24)}}, nil, ErrAlign},
		{"long name", nil, []TensorInfo{{Name: strings.Repeat("n", 64), Shape: []uint64{1}, Type: F32}}, ErrRange},
		{"duplicate name", nil, []TensorInfo{{Name: "a", Shape: []uint64{1}, Type: F32}, {Name: "a", Shape: []uint64{1}, Type: F32}}, ErrDuplicate},
		{"5-D", nil, []TensorInfo{{Name: "a", Shape: []uint64{1, 1, 1, 1, 1}, Type: F32}}, ErrRange},
		{"removed type", nil, []TensorInfo{{Name: "a", Shape: []uint64{32}, Type: 31}}, ErrType},
		{"row", nil, []TensorInfo{{Name: "a", Shape: []uint64{31}, Type: Q8_0}}, ErrRange},
		{"overflow", nil, []TensorInfo{{Name: "a", Shape: []uint64{1 << 62, 4}, Type: F32}}, ErrRange},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			_, err := NewWriter(&buf, c.kv, c.tensors)
			require.ErrorIs(t, err, c.err)
			require.Zero(t, buf.Len(), "nothing written")
			dir := t.TempDir()
			_, err = Create(filepath.Join(dir, "x.gguf"), c.kv, c.tensors)
			require.ErrorIs(t, err, c.err)
			ents, _ := os.ReadDir(dir)
			require.Empty(t, ents)
		})
	}
}

// TestCreateAtomic: an incomplete or aborted file leaves nothing behind
// and does not touch an existing target.
func TestCreateAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.gguf")
	require.NoError(t, os.WriteFile(path, []byte("old"), 0o644))
	ts := []TensorInfo{{Name: "a", Shape: []uint64{4}, Type: F32}}
	fw, err := Create(path, nil, ts)
	require.NoError(t, err)
	_, err = fw.Write(make([]byte, 8))
	require.NoError(t, err)
	require.ErrorIs(t, fw.Close(), ErrShort)
	fw, err = Create(path, nil, ts)
	require.NoError(t, err)
	fw.Abort()
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	require.Len(t, ents, 1)
	old, _ := os.ReadFile(path)
	require.Equal(t, "old", string(old))

	fw, err = Create(path, nil, ts)
	require.NoError(t, err)
	_, err = fw.Write(make([]byte, 16))
	require.NoError(t, err)
	require.NoError(t, fw.Close())
	f, err := Open(path)
	require.NoError(t, err)
	defer f.Close()
	d, ok := f.TensorData(0)
	require.True(t, ok)
	require.Equal(t, make([]byte, 16), d)
	ents, _ = os.ReadDir(dir)
	require.Len(t, ents, 1)
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := Open(filepath.Join(dir, "missing.gguf"))
	require.ErrorIs(t, err, os.ErrNotExist)
	_, err = Open(dir)
	require.Error(t, err)
	p := filepath.Join(dir, "empty.gguf")
	require.NoError(t, os.WriteFile(p, nil, 0o644))
	_, err = Open(p)
	require.ErrorIs(t, err, ErrTruncated)
}
