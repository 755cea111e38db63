package gguf

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The committed files under ../testdata/gguf come from ggml's own writer
// (oracle.py gen), with ggml's reading of them in a .json description.

const testdata = "../testdata/gguf"

// desc is the description format of oracle.py: every scalar a string.
type desc struct {
	Version    uint32       `json:"version"`
	Alignment  uint64       `json:"alignment"`
	DataOffset int64        `json:"data_offset"`
	KV         []descKV     `json:"kv"`
	Tensors    []descTensor `json:"tensors"`
}

type descKV struct {
	Key   string `json:"key"`
	Type  string `json:"type"`
	Elem  string `json:"elem,omitempty"`
	Value any    `json:"value"`
}

type descTensor struct {
	Name   string   `json:"name"`
	Type   uint32   `json:"type"`
	NE     []string `json:"ne"`
	Offset uint64   `json:"offset"`
	Size   uint64   `json:"size"`
	SHA256 string   `json:"sha256"`
}

func scalarString(v any) string {
	switch x := v.(type) {
	case float32:
		return fmt.Sprintf("0x%08x", math.Float32bits(x))
	case float64:
		return fmt.Sprintf("0x%016x", math.Float64bits(x))
	case string:
		return hex.EncodeToString([]byte(x))
	case bool:
		return strconv.FormatBool(x)
	}
	return fmt.Sprint(v)
}

// describeKV describes metadata (not nested arrays: ggml has none).
func describeKV(t *testing.T, kv []KV) []descKV {
	out := []descKV{}
	for _, p := range kv {
		vt, ok := TypeOf(p.Value)
		require.True(t, ok)
		d := descKV{Key: p.Key, Type: vt.String()}
		if vt == TypeArray {
			et, _ := ElemType(p.Value)
			require.NotEqual(t, TypeArray, et, "ggml has no nested arrays")
			d.Elem = et.String()
			vals := []string{}
			forEach(p.Value, func(e any) { vals = append(vals, scalarString(e)) })
			d.Value = vals
		} else {
			d.Value = scalarString(p.Value)
		}
		out = append(out, d)
	}
	return out
}

// forEach calls fn on each element of an array value.
func forEach(v any, fn func(any)) {
	switch x := v.(type) {
	case []uint8:
		for _, e := range x {
			fn(e)
		}
	case []int8:
		for _, e := range x {
			fn(e)
		}
	case []uint16:
		for _, e := range x {
			fn(e)
		}
	case []int16:
		for _, e := range x {
			fn(e)
		}
	case []uint32:
		for _, e := range x {
			fn(e)
		}
	case []int32:
		for _, e := range x {
			fn(e)
		}
	case []float32:
		for _, e := range x {
			fn(e)
		}
	case []bool:
		for _, e := range x {
			fn(e)
		}
	case []string:
		for _, e := range x {
			fn(e)
		}
	case []uint64:
		for _, e := range x {
			fn(e)
		}
	case []int64:
		for _, e := range x {
			fn(e)
		}
	case []float64:
		for _, e := range x {
			fn(e)
		}
	case []any:
		for _, e := range x {
			fn(e)
		}
	}
}

func describeTensor(ti TensorInfo, data []byte) descTensor {
	ne := []string{"1", "1", "1", "1"}
	for i, d := range ti.Shape {
		ne[i] = strconv.FormatUint(d, 10)
	}
	sum := sha256.Sum256(data)
	return descTensor{Name: hex.EncodeToString([]byte(ti.Name)), Type: uint32(ti.Type), NE: ne,
		Offset: ti.Offset, Size: ti.Size, SHA256: hex.EncodeToString(sum[:])}
}

// describeFile describes a file as package gguf reads it.
func describeFile(t *testing.T, f *File) desc {
	d := desc{Version: f.Version, Alignment: f.Alignment, DataOffset: f.DataOffset, KV: describeKV(t, f.KV), Tensors: []descTensor{}}
	for i, ti := range f.Tensors {
		data, err := io.ReadAll(f.TensorReader(i))
		require.NoError(t, err)
		if m, ok := f.TensorData(i); ok {
			require.Equal(t, data, m)
		}
		d.Tensors = append(d.Tensors, describeTensor(ti, data))
	}
	return d
}

// normalize round-trips through JSON so that descriptions compare as
// oracle.py's json.load does.
func normalize(t *testing.T, v any) any {
	b, err := json.Marshal(v)
	require.NoError(t, err)
	var out any
	require.NoError(t, json.Unmarshal(b, &out))
	return out
}

func ggmlFiles(t *testing.T) []string {
	files, err := filepath.Glob(filepath.Join(testdata, "ggml_*.gguf"))
	require.NoError(t, err)
	require.Len(t, files, 4)
	return files
}

// TestReadGGMLFiles reads the files ggml wrote and compares with ggml's
// own reading of them.
func TestReadGGMLFiles(t *testing.T) {
	for _, path := range ggmlFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			raw, err := os.ReadFile(strings.TrimSuffix(path, ".gguf") + ".json")
			require.NoError(t, err)
			var want any
			require.NoError(t, json.Unmarshal(raw, &want))
			f, err := Open(path)
			require.NoError(t, err)
			defer f.Close()
			require.Equal(t, want, normalize(t, describeFile(t, f)))
		})
	}
}

// TestWriterMatchesGGML rewrites each ggml-written file with the Writer
// (its metadata, tensor infos and data) and wants the same bytes.
func TestWriterMatchesGGML(t *testing.T) {
	for _, path := range ggmlFiles(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			want, err := os.ReadFile(path)
			require.NoError(t, err)
			f, err := Open(path)
			require.NoError(t, err)
			defer f.Close()
			var b strings.Builder
			w, err := NewWriter(&b, f.KV, f.Tensors)
			require.NoError(t, err)
			require.Equal(t, f.DataOffset, w.DataOffset())
			for i := range f.Tensors {
				_, err := io.Copy(w, f.TensorReader(i))
				require.NoError(t, err)
			}
			require.NoError(t, w.Close())
			require.Equal(t, len(f.Tensors), w.Current())
			require.Equal(t, want, []byte(b.String()))
		})
	}
}

// TestTypesOracle compares the type table with libggml-base.so's.
func TestTypesOracle(t *testing.T) {
	fh, err := os.Open(filepath.Join(testdata, "types.txt"))
	require.NoError(t, err)
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	n := 0
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		var id, bs, size int
		var name string
		_, err := fmt.Sscan(sc.Text(), &id, &name, &bs, &size)
		require.NoError(t, err, sc.Text())
		typ := Type(id)
		if bs == 0 {
			require.False(t, typ.Valid(), "type %d", id)
			continue
		}
		require.True(t, typ.Valid(), "type %d", id)
		require.Equal(t, name, typ.String())
		require.Equal(t, bs, typ.BlockSize(), name)
		require.Equal(t, size, typ.BlockBytes(), name)
		p, ok := ParseType(strings.ToUpper(name))
		require.True(t, ok)
		require.Equal(t, typ, p)
		n++
	}
	require.NoError(t, sc.Err())
	require.Equal(t, 35, n)
	require.False(t, (Q2_0 + 1).Valid()) // past the last id of the table
}

// lcg fills deterministic bytes.
type lcg uint64

func (s *lcg) bytes(n uint64) []byte {
	b := make([]byte, n)
	for i := range b {
		*s = *s*6364136223846793005 + 1442695040888963407
		b[i] = byte(*s >> 56)
	}
	return b
}

// allKV has one key of every scalar type and an array of every element type.
func allKV() []KV {
	return []KV{
		{"general.architecture", "test"},
		{"t.u8", uint8(255)}, {"t.i8", int8(-128)}, {"t.u16", uint16(65535)}, {"t.i16", int16(-32768)},
		{"t.u32", uint32(math.MaxUint32)}, {"t.i32", int32(math.MinInt32)}, {"t.f32", float32(math.Copysign(0, -1))},
		{"t.bool", true}, {"t.bool0", false}, {"t.str", "h\u00e9llo, \u4e16\u754c"}, {"t.str_empty", ""},
		{"t.u64", uint64(math.MaxUint64)}, {"t.i64", int64(math.MinInt64)}, {"t.f64", 1e-310},
		{"a.u8", []uint8{0, 1, 254, 255}}, {"a.i8", []int8{-128, -1, 0, 127}}, {"a.u16", []uint16{0, 65535}},
		{"a.i16", []int16{-32768, 32767, 7}}, {"a.u32", []uint32{}}, {"a.i32", []int32{-5, 5}},
		{"a.f32", []float32{1, float32(math.Copysign(0, -1)), float32(math.Inf(1)), math.Float32frombits(0x7FC00123), math.Float32frombits(1)}},
		{"a.bool", []bool{true, false, true}}, {"a.u64", []uint64{1 << 63, 3}}, {"a.i64", []int64{-1, 1 << 40}},
		{"a.f64", []float64{1, math.Inf(-1), math.Float64frombits(0x7FF8000000000001)}},
		{"a.str", []string{"", "a", "\u00fc", "tok en"}},
	}
}

// oracleSpec is a file for oracle.py check.
type oracleSpec struct {
	name    string
	kv      []KV
	tensors []TensorInfo
}

func oracleSpecs() []oracleSpec {
	return []oracleSpec{
		{"go_kv", allKV(), []TensorInfo{
			{Name: "token_embd.weight", Shape: []uint64{5, 3}, Type: F32},
			{Name: "output_norm.weight", Shape: []uint64{16}, Type: F16},
			{Name: "blk.0.ffn_up.weight", Shape: []uint64{32, 2}, Type: Q8_0},
			{Name: "blk.0.attn_k.weight", Shape: []uint64{256}, Type: Q4_K},
			{Name: "blk.0.attn_v.weight", Shape: []uint64{3, 1, 2}, Type: BF16},
			{Name: "blk.0.ffn_gate.weight", Shape: []uint64{64, 1, 1, 2}, Type: Q5_1},
		}},
		{"go_align128", []KV{{"general.alignment", uint32(128)}, {"general.name", "x"}}, []TensorInfo{
			{Name: "a", Shape: []uint64{5}, Type: I8},
			{Name: "b", Shape: []uint64{32, 3}, Type: Q4_0},
			{Name: "c", Shape: []uint64{256, 2}, Type: Q6_K},
		}},
		{"go_notensors", []KV{{"general.name", "no tensors"}}, nil},
		{"go_empty", nil, nil},
	}
}

// writeSpec writes a spec with deterministic data and returns its
// description, computed from the spec and the data (not by reading the file).
func writeSpec(t *testing.T, dir string, s oracleSpec) desc {
	path := filepath.Join(dir, s.name+".gguf")
	fw, err := Create(path, s.kv, s.tensors)
	require.NoError(t, err)
	rng := lcg(len(s.name))
	d := desc{Version: Version, Alignment: DefaultAlignment, DataOffset: fw.DataOffset(), KV: describeKV(t, s.kv), Tensors: []descTensor{}}
	for _, p := range s.kv {
		if p.Key == KeyAlignment {
			d.Alignment = uint64(p.Value.(uint32))
		}
	}
	for _, ti := range fw.Tensors() {
		data := rng.bytes(ti.Size)
		// Write in two pieces to exercise split writes.
		_, err := fw.Write(data[:len(data)/3])
		require.NoError(t, err)
		_, err = fw.Write(data[len(data)/3:])
		require.NoError(t, err)
		d.Tensors = append(d.Tensors, describeTensor(ti, data))
	}
	require.NoError(t, fw.Close())
	return d
}

// TestOracleFiles writes files for oracle.py check: into
// $QUANT_GGUF_ORACLE_DIR when set (by .ci/oracles.sh), with their
// descriptions; it always reads them back with package gguf.
func TestOracleFiles(t *testing.T) {
	dir := os.Getenv("QUANT_GGUF_ORACLE_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	for _, s := range oracleSpecs() {
		d := writeSpec(t, dir, s)
		b, err := json.MarshalIndent(d, "", " ")
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, s.name+".json"), append(b, '\n'), 0o644))
		f, err := Open(filepath.Join(dir, s.name+".gguf"))
		require.NoError(t, err)
		require.Equal(t, normalize(t, d), normalize(t, describeFile(t, f)), s.name)
		st, err := os.Stat(filepath.Join(dir, s.name+".gguf"))
		require.NoError(t, err)
		require.Equal(t, st.Size(), f.Size)
		require.Zero(t, f.Size%int64(f.Alignment), "the file ends padded")
		require.NoError(t, f.Close())
	}
}
