package main

import (
	"encoding/binary"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nlpodyssey/safetensors"
	"github.com/quantkernel/quant/gguf"
	"github.com/stretchr/testify/require"
	"github.com/x448/float16"
)

// stTensor is a tensor for a test .safetensors file.
type stTensor struct {
	dt    safetensors.DType
	shape []uint64
	data  []byte
}

func writeST(t *testing.T, path string, ts map[string]stTensor) {
	t.Helper()
	views := map[string]safetensors.TensorView{}
	for name, x := range ts {
		v, err := safetensors.NewTensorView(x.dt, x.shape, x.data)
		require.NoError(t, err)
		views[name] = v
	}
	b, err := safetensors.Serialize(views, nil)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o644))
}

// convertInput is float data with the cases the formats get wrong: ties,
// all-zero blocks, single-outlier blocks, subnormals, ±0, f16's and bf16's
// rounding edges; withSpecials adds ±Inf, NaNs and values that round to
// ±Inf in f16 or bf16 (the block quantizers reject those).
func convertInput(n int, withSpecials bool) []float32 {
	x := demoData(n, 11)
	for i := 64; i < 96 && i < n; i++ {
		x[i] = 0 // an all-zero block
	}
	if n >= 128 {
		x[100] = 1000 // a single outlier in its block
	}
	if n >= 256 {
		for i := 128; i < 160; i++ {
			x[i] = float32(i-144) + 0.5 // ties
		}
		for i := 160; i < 192; i++ {
			x[i] = math.Float32frombits(uint32(i)) // subnormals
		}
		x[192] = float32(math.Copysign(0, -1))
		x[194] = 65519.996                        // rounds to f16 65504, the largest
		x[195] = 5.9604645e-08                    // f16's smallest subnormal
		x[196] = 2.9802322e-08                    // a tie at f16's smallest subnormal
		x[197] = 1.0000001                        // bf16 round down
		x[198] = math.Float32frombits(0x3F808000) // bf16 tie to even (down)
		x[199] = math.Float32frombits(0x3F818000) // bf16 tie to even (up)
	}
	if withSpecials && n >= 256 {
		x[193] = 65520                            // rounds to f16 +Inf
		x[200] = math.Float32frombits(0x7F7FFFFF) // rounds to bf16 +Inf
		x[201] = float32(math.Inf(-1))
		x[202] = math.Float32frombits(0x7FC00123) // NaN with payload
		x[203] = math.Float32frombits(0xFF800001) // negative signaling NaN
	}
	return x
}

// bigInput is the data of the fixture's tensor of several chunks.
func bigInput() []float32 {
	x := demoData(1100*256, 5)
	for i := range x {
		x[i] *= float32(1 + i%7) // rows of different ranges
	}
	return x
}

func f32Bytes(x []float32) []byte {
	b := make([]byte, 4*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
	}
	return b
}

func f16Bytes(x []float32) []byte {
	b := make([]byte, 2*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint16(b[2*i:], float16.Fromfloat32(v).Bits())
	}
	return b
}

func bf16Bytes(x []float32) []byte {
	b := make([]byte, 2*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(math.Float32bits(v)>>16))
	}
	return b
}

// convertFixture writes in.safetensors: float tensors in F32, F16 and
// BF16, 1-D ones, one whose rows are not a block multiple, an integer and
// a bool tensor.
func convertFixture(t *testing.T, dir string, withSpecials bool) string {
	x := convertInput(512, withSpecials)
	path := filepath.Join(dir, "in.safetensors")
	writeST(t, path, map[string]stTensor{
		"blk.0.w.f32":  {safetensors.F32, []uint64{4, 64}, f32Bytes(x[:256])},
		"blk.0.w.f16":  {safetensors.F16, []uint64{2, 2, 64}, f16Bytes(x[:256])},
		"blk.0.w.bf16": {safetensors.BF16, []uint64{2, 256}, bf16Bytes(x)},
		"norm.weight":  {safetensors.F32, []uint64{64}, f32Bytes(x[256:320])},
		"odd.weight":   {safetensors.F32, []uint64{2, 33}, f32Bytes(x[:66])},
		"ids":          {safetensors.I64, []uint64{2}, make([]byte, 16)},
		"mask":         {safetensors.BOOL, []uint64{3}, []byte{1, 0, 1}},
		// More than one chunk of writeTensor (2^18 elements): 1100 rows of 256.
		"big.weight": {safetensors.F16, []uint64{1100, 256}, f16Bytes(bigInput())},
	})
	return path
}

// TestConvertEncodings checks the f16 and bf16 encoders on values whose
// results were read from libggml-base.so (ggml_fp32_to_fp16_row and
// ggml_fp32_to_bf16_row_ref): NaN payloads, overflow, ties, subnormals.
func TestConvertEncodings(t *testing.T) {
	in := []uint32{0x7FC00123, 0x7F800001, 0xFFC00000, 0x7F800000, 0x477FF000, 0x477FEFFF, 0x33000000, 0x33000001, 0x387FC000, 0x00000001, 0x80000000, 0x3F800000, 0x7FFFFFFF}
	f16 := []uint16{0x7e00, 0x7e00, 0xfe00, 0x7c00, 0x7c00, 0x7bff, 0x0, 0x1, 0x3ff, 0x0, 0x8000, 0x3c00, 0x7e00}
	bf16 := []uint16{0x7fc0, 0x7fc0, 0xffc0, 0x7f80, 0x4780, 0x4780, 0x3300, 0x3300, 0x3880, 0x0, 0x8000, 0x3f80, 0x7fff}
	src := make([]float32, len(in))
	for i, u := range in {
		src[i] = math.Float32frombits(u)
	}
	for _, c := range []struct {
		fn   func([]byte, []float32, int) error
		want []uint16
	}{{encodeF16, f16}, {encodeBF16, bf16}} {
		dst := make([]byte, 2*len(src))
		require.NoError(t, c.fn(dst, src, len(src)))
		for i := range src {
			require.Equal(t, c.want[i], binary.LittleEndian.Uint16(dst[2*i:]), "input %#08x", in[i])
		}
	}
}

func TestConvert(t *testing.T) {
	for _, typ := range []string{"f32", "f16", "bf16"} {
		t.Run(typ, func(t *testing.T) {
			dir := t.TempDir()
			convertFixture(t, dir, true)
			r := quantCmd(t, dir, "convert", "-type", typ, "in.safetensors")
			require.Equal(t, 0, r.code, r.stderr)
			require.Contains(t, r.stdout, "in.gguf: 7 tensors")
			require.Contains(t, r.stderr, `skipping tensor "mask"`)
			if typ != "f32" {
				require.Contains(t, r.stderr, `tensor "norm.weight" (1-D, 64) stays f32`)
			}
			f, err := gguf.Open(filepath.Join(dir, "in.gguf"))
			require.NoError(t, err)
			defer f.Close()
			want := map[string]struct {
				typ  gguf.Type
				keep bool // typ, not the requested type
				ne   []uint64
			}{
				"blk.0.w.f32":  {0, false, []uint64{64, 4}},
				"blk.0.w.f16":  {0, false, []uint64{64, 2, 2}},
				"blk.0.w.bf16": {0, false, []uint64{256, 2}},
				"norm.weight":  {gguf.F32, true, []uint64{64}},
				"odd.weight":   {0, false, []uint64{33, 2}},
				"ids":          {gguf.I64, true, []uint64{2}},
				"big.weight":   {0, false, []uint64{256, 1100}},
			}
			qt, _ := gguf.ParseType(typ)
			require.Len(t, f.Tensors, len(want))
			for _, ti := range f.Tensors {
				w, ok := want[ti.Name]
				require.True(t, ok, ti.Name)
				if !w.keep {
					w.typ = qt
				}
				require.Equal(t, w.typ, ti.Type, ti.Name)
				require.Equal(t, w.ne, ti.Shape, ti.Name)
			}
			v, _ := f.Lookup("general.name")
			require.Equal(t, "in", v)
			_, quantized := f.Lookup("general.quantization_version")
			require.False(t, quantized)

			// The f32 input converted by the encoders here equals the file.
			x := convertInput(512, true)
			i, _ := f.Tensor("blk.0.w.f32")
			got, err := io.ReadAll(f.TensorReader(i))
			require.NoError(t, err)
			exp := make([]byte, len(got))
			require.NoError(t, quantizers[typ].fn(exp, x[:256], 64))
			require.Equal(t, exp, got)
			if typ == "f32" {
				require.Equal(t, f32Bytes(x[:256]), got, "f32 is a copy")
			}
			i, _ = f.Tensor("big.weight")
			got, err = io.ReadAll(f.TensorReader(i))
			require.NoError(t, err)
			big := bigInput()
			wide := make([]float32, len(big))
			for i, v := range big {
				wide[i] = float16.Fromfloat32(v).Float32()
			}
			exp = make([]byte, len(got))
			require.NoError(t, quantizers[typ].fn(exp, wide, 256))
			require.Equal(t, exp, got)
			if typ == "bf16" {
				i, _ := f.Tensor("blk.0.w.bf16")
				got, _ := f.TensorData(i)
				require.Equal(t, bf16Bytes(x), got, "bf16 of bf16 is a copy (the NaNs here are quiet)")
			}
		})
	}
}

func TestConvertQuantize1D(t *testing.T) {
	dir := t.TempDir()
	convertFixture(t, dir, false)
	r := quantCmd(t, dir, "convert", "-type", "f16", "-quantize-1d", "-o", "out.gguf", "in.safetensors")
	require.Equal(t, 0, r.code, r.stderr)
	require.NotContains(t, r.stderr, "stays f32")
	f, err := gguf.Open(filepath.Join(dir, "out.gguf"))
	require.NoError(t, err)
	defer f.Close()
	i, _ := f.Tensor("norm.weight")
	require.Equal(t, gguf.F16, f.Tensors[i].Type)
}

func TestConvertErrors(t *testing.T) {
	dir := t.TempDir()
	convertFixture(t, dir, false)
	requireFail(t, quantCmd(t, dir, "convert", "in.safetensors"), 2, "missing -type")
	requireFail(t, quantCmd(t, dir, "convert", "-type", "q3_k", "in.safetensors"), 2, "unknown -type")
	requireFail(t, quantCmd(t, dir, "convert", "-type", "f16"), 2, "missing FILE")
	for _, typ := range convertTypes {
		if _, ok := quantizers[typ]; !ok {
			requireFail(t, quantCmd(t, dir, "convert", "-type", typ, "in.safetensors"), 1, "not available in this build")
		}
	}
	requireFail(t, quantCmd(t, dir, "convert", "-type", "f16", "missing.safetensors"), 1, "missing.safetensors: no such file")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "a.npy"), []byte("x"), 0o644))
	requireFail(t, quantCmd(t, dir, "convert", "-type", "f16", "a.npy"), 1, "want .safetensors")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.safetensors"), []byte("\xff\x00\x00\x00\x00\x00\x00\x00{}"), 0o644))
	requireFail(t, quantCmd(t, dir, "convert", "-type", "f16", "bad.safetensors"), 1, "truncated .safetensors header")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad2.safetensors"), []byte("\x02\x00\x00\x00\x00\x00\x00\x00{x"), 0o644))
	requireFail(t, quantCmd(t, dir, "convert", "-type", "f16", "bad2.safetensors"), 1, "corrupt .safetensors")
	requireFail(t, quantCmd(t, dir, "convert", "-type", "f16", "-o", "nodir/x.gguf", "in.safetensors"), 1, "cannot create output")
	// The block quantizers reject NaN and ±Inf: one line naming the tensor.
	convertFixture(t, dir, true)
	for _, typ := range availableTypes() {
		if gguf.Type(quantizers[typ].typeID).BlockSize() > 1 {
			requireFail(t, quantCmd(t, dir, "convert", "-type", typ, "in.safetensors"), 1, `tensor "blk.0.w.`)
		}
	}
	long := strings.Repeat("n", 64)
	writeST(t, filepath.Join(dir, "long.safetensors"), map[string]stTensor{long: {safetensors.F32, []uint64{1}, make([]byte, 4)}})
	requireFail(t, quantCmd(t, dir, "convert", "-type", "f16", "long.safetensors"), 1, "longer than ggml's 63 bytes")
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range ents {
		require.False(t, strings.HasSuffix(e.Name(), ".gguf") || strings.Contains(e.Name(), ".tmp"), "left behind: %s", e.Name())
	}
}

func TestGGUFInfo(t *testing.T) {
	dir := t.TempDir()
	convertFixture(t, dir, false)
	r := quantCmd(t, dir, "convert", "-type", "bf16", "in.safetensors")
	require.Equal(t, 0, r.code, r.stderr)
	r = quantCmd(t, dir, "info", "in.gguf")
	require.Equal(t, 0, r.code, r.stderr)
	for _, want := range []string{"in.gguf: GGUF v3", "alignment 32", "Metadata (1):", `general.name  string  "in"`, "Tensors (7):",
		"blk.0.w.f16   bf16  [64 2 2]", "norm.weight   f32   [64]"} {
		require.Contains(t, r.stdout, want)
	}
	wd, err := os.Getwd()
	var b []byte
	require.NoError(t, err)
	r = quantCmd(t, dir, "info", filepath.Join(wd, "../../testdata/gguf/ggml_kv.gguf"))
	require.Equal(t, 0, r.code, r.stderr)
	for _, want := range []string{"Metadata (26):", "a.str", "array[string]", `["", "a", "ü", "tok en"]`, "blk.0.attn_q.weight", "q4_K", "[256 1 2]", "t.u64", "18446744073709551615"} {
		require.Contains(t, r.stdout, want)
	}
	// Found by its magic, whatever its name.
	b, err = os.ReadFile(filepath.Join(dir, "in.gguf"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "model.bin"), b, 0o644))
	r = quantCmd(t, dir, "info", "model.bin")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "Tensors (7):")
	// Malformed: one line naming the field and the offset.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "cut.gguf"), b[:100], 0o644))
	requireFail(t, quantCmd(t, dir, "info", "cut.gguf"), 1, "cut.gguf: ", "at byte")
	requireFail(t, quantCmd(t, dir, "info", "missing.gguf"), 1, "missing.gguf: no such file")
	requireFail(t, quantCmd(t, dir, "info", "in.safetensors"), 2, "info takes no arguments")
}

// TestConvertOracleFiles writes the input and the outputs of every type
// this build has into $QUANT_GGUF_ORACLE_DIR for .ci/oracles.sh, which
// loads them with ggml and compares each tensor with ggml's conversion.
func TestConvertOracleFiles(t *testing.T) {
	dir := os.Getenv("QUANT_GGUF_ORACLE_DIR")
	if dir == "" {
		t.Skip("QUANT_GGUF_ORACLE_DIR not set (set by .ci/oracles.sh)")
	}
	// The block quantizers reject NaN and Inf: their input has none.
	in := convertFixture(t, dir, false)
	require.NoError(t, os.Rename(in, filepath.Join(dir, "convert_in.safetensors")))
	convertFixture(t, dir, true)
	require.NoError(t, os.Rename(in, filepath.Join(dir, "convert_specials.safetensors")))
	for _, typ := range availableTypes() {
		for _, src := range []string{"convert_in", "convert_specials"} {
			if src == "convert_specials" && gguf.Type(quantizers[typ].typeID).BlockSize() > 1 {
				continue
			}
			for _, extra := range [][]string{nil, {"-quantize-1d"}} {
				out := src + "_" + typ + strings.Join(extra, "") + ".gguf"
				args := append([]string{"convert", "-type", typ, "-o", out}, extra...)
				r := quantCmd(t, dir, append(args, src+".safetensors")...)
				require.Equal(t, 0, r.code, r.stderr)
			}
		}
	}
}

// TestConvertHeaderReader: convert reads .safetensors headers with the
// reader of the other commands: a dtype it has no ggml type for (known to
// the format or not) is skipped with a note, and a header whose tensors
// leave a gap gets the same one-line "corrupt" error as report.
func TestConvertHeaderReader(t *testing.T) {
	dir := t.TempDir()
	st := func(name, hdr string, data int) {
		b := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
		b = append(append(b, hdr...), make([]byte, data)...)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	st("ok.safetensors", `{"a":{"dtype":"F32","shape":[2,32],"data_offsets":[0,256]},"b":{"dtype":"F8_E4M3","shape":[3],"data_offsets":[256,259]},"c":{"dtype":"X9","shape":[1],"data_offsets":[259,260]},"__metadata__":{"x":"y"}}`, 260)
	r := quantCmd(t, dir, "convert", "-type", "q8_0", "ok.safetensors")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "ok.gguf: 1 tensors")
	require.Contains(t, r.stderr, `skipping tensor "b": dtype F8_E4M3 has no ggml type`)
	require.Contains(t, r.stderr, `skipping tensor "c": dtype X9 has no ggml type`)
	st("gap.safetensors", `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}}`, 16)
	for _, cmd := range []string{"convert", "report"} {
		args := []string{cmd, "gap.safetensors"}
		if cmd == "convert" {
			args = []string{cmd, "-type", "f16", "gap.safetensors"}
		}
		requireFail(t, quantCmd(t, dir, args...), 1, `gap.safetensors: corrupt .safetensors file: tensor "b" starts at data byte 12, the previous data ends at 8`)
	}
}
