package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"codeberg.org/sbinet/npyio/npy"
	"github.com/nlpodyssey/safetensors"
	"github.com/quantkernel/quant"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/x448/float16"
)

// hugeShapeError is what a shape of 10^12 elements reports: the data is
// missing where int is 64 bits; where it is 32 bits the shape itself
// cannot be represented and the header is rejected.
var hugeShapeError = map[bool]string{true: "truncated data", false: "corrupt .npy header"}[strconv.IntSize == 64]

// bin is the quant binary built once for all tests.
var bin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "quant-cli-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "quant")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

type result struct {
	stdout, stderr string
	code           int
}

// quantCmd runs the binary in dir.
func quantCmd(t *testing.T, dir string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "QUANT_KERNEL=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running quant: %v", err)
	}
	return result{out.String(), errb.String(), code}
}

// requireFail checks the exit code and a one-line error on stderr
// containing each want.
func requireFail(t *testing.T, r result, code int, want ...string) {
	t.Helper()
	require.Equal(t, code, r.code, "stderr: %s", r.stderr)
	var lines []string // notes ("quant: note: ...") may precede the error
	for _, l := range strings.Split(strings.TrimRight(r.stderr, "\n"), "\n") {
		if !strings.HasPrefix(l, "quant: note: ") {
			lines = append(lines, l)
		}
	}
	require.Len(t, lines, 1, "the error must be one line: %q", r.stderr)
	for _, w := range want {
		require.Contains(t, r.stderr, w)
	}
	require.NotContains(t, r.stderr, "goroutine")
}

// writeNpyFile writes a test input: through npyio for 1-D arrays (so the
// tool reads files it did not write itself), through writeNpy otherwise.
func writeNpyFile(t *testing.T, path string, data any, shape []int) {
	t.Helper()
	var buf bytes.Buffer
	if len(shape) == 1 && shape[0] > 0 {
		require.NoError(t, npy.Write(&buf, data))
	} else {
		require.NoError(t, writeNpy(&buf, data, shape))
	}
	require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
}

// testData is a small float32 tensor with a spread of values.
func testData(n int) []float32 {
	x := demoData(n, 7)
	x[n/2] = -3.25
	return x
}

func readNpyT(t *testing.T, path string) tensor {
	t.Helper()
	tt, err := readNpy(path, func(string) {})
	require.NoError(t, err)
	return tt
}

func TestDemo(t *testing.T) {
	r := quantCmd(t, t.TempDir())
	require.Equal(t, 0, r.code, r.stderr)
	for _, want := range []string{
		"Asymmetric error: 1.41", "Symmetric error: 5.11", "Asymmetric error percentile: 72.34",
		"Asymmetric error percentile w/o outlier: 0.05", "Kernels: ", "Original parameters:\n[  82.58",
		"1000.  ]",
	} {
		require.Contains(t, r.stdout, want)
	}
	// The printed scale is the library's Calibrate on the same data.
	p, err := quant.Calibrate(demoData(demoN, demoSeed), quant.Scheme{Bits: 8})
	require.NoError(t, err)
	require.Contains(t, r.stdout, fmt.Sprintf("Asymmetric scale: %v, zero: %d\n", p.Scale, p.Zero))
}

// TestWriteNpyMatchesNpyio checks the tool's .npy writer against npyio's
// data bytes for 1-D arrays (npyio pads the header to 16 bytes, numpy and
// the tool to 64), and that npyio reads back shapes of every rank.
func TestWriteNpyMatchesNpyio(t *testing.T) {
	for _, data := range []any{[]float32{1.5, -2, float32(math.NaN())}, []uint8{0, 7, 255}, []int8{-128, 0, 127}} {
		var ours, theirs bytes.Buffer
		require.NoError(t, writeNpy(&ours, data, []int{3}))
		require.NoError(t, npy.Write(&theirs, data))
		n := map[bool]int{true: 12, false: 3}[fmt.Sprintf("%T", data) == "[]float32"]
		require.Equal(t, theirs.Bytes()[theirs.Len()-n:], ours.Bytes()[ours.Len()-n:])
	}
	dir := t.TempDir()
	x := testData(24)
	for _, shape := range [][]int{{}, {24}, {4, 6}, {2, 3, 4}, {1, 2, 3, 4}} {
		n := 1
		for _, d := range shape {
			n *= d
		}
		path := filepath.Join(dir, "s.npy")
		var buf bytes.Buffer
		require.NoError(t, writeNpy(&buf, x[:n], shape))
		require.Zero(t, (len(buf.Bytes())-4*n)%64, "header padded to 64")
		require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
		got := readNpyT(t, path)
		require.Equal(t, shape, got.Shape)
		requireSameBits(t, x[:n], got.F32)
	}
}

func TestPreviewLikeNumpy(t *testing.T) {
	assert.Equal(t, "[  15.86    8.67  123.44 ...   74.83    5.89 1000.  ]",
		previewFloats([]float32{15.86, 8.67, 123.44, 1, 2, 74.83, 5.89, 1000}))
	assert.Equal(t, "[ 16  14  42 ...  30  13 255]", previewInts([]uint8{16, 14, 42, 0, 30, 13, 255}))
	assert.Equal(t, "[ 1.5 -2. ]", previewFloats([]float32{1.5, -2}))
}

func TestInfo(t *testing.T) {
	r := quantCmd(t, t.TempDir(), "info")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "generic")
	require.Contains(t, r.stdout, "Active:")
	require.Contains(t, r.stdout, "Caches:")
}

func TestHelp(t *testing.T) {
	for _, c := range commands {
		r := quantCmd(t, t.TempDir(), c.name, "-h")
		require.Equal(t, 0, r.code, c.name)
		require.Contains(t, r.stdout, "Example:", c.name)
		require.Contains(t, r.stdout, "quant "+c.name, c.name)
	}
	r := quantCmd(t, t.TempDir(), "-h")
	require.Equal(t, 0, r.code)
	require.Contains(t, r.stdout, "verify")
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	writeNpyFile(t, filepath.Join(dir, "a.npy"), testData(100), []int{100})
	requireFail(t, quantCmd(t, dir, "frobnicate"), 2, "unknown command")
	requireFail(t, quantCmd(t, dir, "calibrate", "-nope", "a.npy"), 2, "-nope")
	requireFail(t, quantCmd(t, dir, "calibrate"), 2, "missing FILE")
	requireFail(t, quantCmd(t, dir, "quantize", "a.npy"), 2, "missing -o")
	requireFail(t, quantCmd(t, dir, "calibrate", "-method", "median", "a.npy"), 2, "median")
	requireFail(t, quantCmd(t, dir, "calibrate", "-convention", "tf", "a.npy"), 2, "tf")
	requireFail(t, quantCmd(t, dir, "verify", "-duration", "-1s"), 2, "duration")
}

// TestRoundTrip checks that quantize and dequantize through the CLI give
// exactly what the library gives, for every method, and keep the shape.
func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	src := testData(2 * 3 * 50)
	shape := []int{2, 3, 50}
	writeNpyFile(t, filepath.Join(dir, "w.npy"), src, shape)
	for _, m := range []string{"minmax", "absmax", "percentile"} {
		for _, c := range []string{"seed", "onnx", "pytorch"} {
			t.Run(m+"/"+c, func(t *testing.T) {
				r := quantCmd(t, dir, "quantize", "-method", m, "-convention", c, "-bits", "7", "-o", "q.npy", "w.npy")
				require.Equal(t, 0, r.code, r.stderr)
				meth, _ := quant.ParseMethod(m)
				conv, _ := quant.ParseConvention(c)
				sc := quant.Scheme{Method: meth, Bits: 7, Convention: conv}
				if meth == quant.MethodPercentile {
					sc.Percentile = quant.DefaultPercentile
				}
				p, err := quant.Calibrate(src, sc)
				require.NoError(t, err)

				_, pj, err := readParamsJSON(filepath.Join(dir, "q.npy.json"))
				require.NoError(t, err)
				require.Equal(t, p, pj)

				q := readNpyT(t, filepath.Join(dir, "q.npy"))
				require.Equal(t, shape, q.Shape)
				back := make([]float32, len(src))
				if meth == quant.MethodAbsMax {
					want := make([]int8, len(src))
					quant.QuantizeI8(want, src, p)
					require.Equal(t, "int8", q.DType)
					require.Equal(t, want, q.I8)
					quant.DequantizeI8(back, want, p)
				} else {
					want := make([]uint8, len(src))
					quant.QuantizeU8(want, src, p)
					require.Equal(t, "uint8", q.DType)
					require.Equal(t, want, q.U8)
					quant.DequantizeU8(back, want, p)
				}

				r = quantCmd(t, dir, "dequantize", "-o", "back.npy", "q.npy")
				require.Equal(t, 0, r.code, r.stderr)
				got := readNpyT(t, filepath.Join(dir, "back.npy"))
				require.Equal(t, shape, got.Shape)
				require.Equal(t, "float32", got.DType)
				requireSameBits(t, back, got.F32)

				// Explicit flags and -params give the same file.
				r = quantCmd(t, dir, "dequantize", "-o", "back2.npy", "-params", "q.npy.json", "q.npy")
				require.Equal(t, 0, r.code, r.stderr)
				requireSameBits(t, back, readNpyT(t, filepath.Join(dir, "back2.npy")).F32)
				r = quantCmd(t, dir, "dequantize", "-o", "back3.npy", "-scale", fmt.Sprint(p.Scale), "-zero", fmt.Sprint(p.Zero),
					"-lo", fmt.Sprint(p.Lo), "-hi", fmt.Sprint(p.Hi), "-convention", c, "q.npy")
				require.Equal(t, 0, r.code, r.stderr)
				requireSameBits(t, back, readNpyT(t, filepath.Join(dir, "back3.npy")).F32)

				// quantize -params reuses Params as they are.
				r = quantCmd(t, dir, "quantize", "-params", "q.npy.json", "-o", "q2.npy", "w.npy")
				require.Equal(t, 0, r.code, r.stderr)
				q2 := readNpyT(t, filepath.Join(dir, "q2.npy"))
				require.Equal(t, q.U8, q2.U8)
				require.Equal(t, q.I8, q2.I8)
			})
		}
	}
}

// TestShapes round-trips a 0-d array, empty arrays and a rank-4 array
// through quantize and dequantize; the shape must survive.
func TestShapes(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "p.json"), []byte(`{"scale": 0.5, "zero": 3, "lo": 0, "hi": 255, "convention": "seed"}`), 0o644))
	for _, shape := range [][]int{{}, {0}, {0, 5}, {3, 0}, {1, 2, 1, 3}} {
		t.Run(fmt.Sprint(shape), func(t *testing.T) {
			n := 1
			for _, d := range shape {
				n *= d
			}
			src := testData(max(n, 2))[:n]
			writeNpyFile(t, filepath.Join(dir, "x.npy"), src, shape)
			r := quantCmd(t, dir, "quantize", "-params", "p.json", "-o", "q.npy", "x.npy")
			require.Equal(t, 0, r.code, r.stderr)
			q := readNpyT(t, filepath.Join(dir, "q.npy"))
			require.Equal(t, shape, q.Shape)
			require.Len(t, q.U8, n)
			r = quantCmd(t, dir, "dequantize", "-o", "b.npy", "q.npy")
			require.Equal(t, 0, r.code, r.stderr)
			b := readNpyT(t, filepath.Join(dir, "b.npy"))
			require.Equal(t, shape, b.Shape)
			require.Len(t, b.F32, n)
		})
	}
}

func arange32(n int, div float32) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(i) / div
	}
	return x
}

func requireSameBits(t *testing.T, want, got []float32) {
	t.Helper()
	require.Equal(t, len(want), len(got))
	for i := range want {
		if math.Float32bits(want[i]) != math.Float32bits(got[i]) {
			t.Fatalf("element %d: got %#08x, want %#08x", i, math.Float32bits(got[i]), math.Float32bits(want[i]))
		}
	}
}

// TestNumpyCanRead checks the written files with numpy when it is
// installed (the Debian python; skipped otherwise).
func TestNumpyCanRead(t *testing.T) {
	py := "/usr/bin/python3"
	if exec.Command(py, "-c", "import numpy").Run() != nil {
		t.Skip("no /usr/bin/python3 with numpy")
	}
	dir := t.TempDir()
	writeNpyFile(t, filepath.Join(dir, "w.npy"), testData(24), []int{2, 3, 4})
	r := quantCmd(t, dir, "quantize", "-method", "absmax", "-o", "q.npy", "w.npy")
	require.Equal(t, 0, r.code, r.stderr)
	cmd := exec.Command(py, "-c", `import numpy as np, json
q = np.load("q.npy"); w = np.load("w.npy"); p = json.load(open("q.npy.json"))
s = np.float32(p["scale"])
want = np.clip(np.round(w / s), -128, 127).astype(np.int8)
print(q.dtype, q.shape, bool((q == want).all()))`)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, string(out))
	require.Equal(t, "int8 (2, 3, 4) True\n", string(out))

	// numpy's own file of the same arrays is byte for byte the tool's.
	for _, c := range []struct {
		expr string
		data any
	}{{"np.arange(24, dtype=np.float32).reshape(2, 3, 4) / 8", arange32(24, 8)}, {"np.arange(6, dtype=np.uint8)", []uint8{0, 1, 2, 3, 4, 5}},
		{"np.arange(-3, 3, dtype=np.int8).reshape(3, 2, 1)", []int8{-3, -2, -1, 0, 1, 2}}, {"np.float32(2.5)", []float32{2.5}}, {"np.zeros((0, 5), np.float32)", []float32{}}} {
		cmd := exec.Command(py, "-c", "import numpy as np, sys; a = "+c.expr+"; np.save('np.npy', a); print(a.shape)")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		want, err := os.ReadFile(filepath.Join(dir, "np.npy"))
		require.NoError(t, err)
		tt := readNpyT(t, filepath.Join(dir, "np.npy"))
		var buf bytes.Buffer
		require.NoError(t, writeNpy(&buf, c.data, tt.Shape))
		require.Equal(t, want, buf.Bytes(), c.expr)
	}
}

func TestCalibrate(t *testing.T) {
	dir := t.TempDir()
	src := testData(1000)
	writeNpyFile(t, filepath.Join(dir, "a.npy"), src, []int{1000})
	r := quantCmd(t, dir, "calibrate", "-method", "percentile", "-p", "99.9", "-json", "a.npy")
	require.Equal(t, 0, r.code, r.stderr)
	var j paramsJSON
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &j))
	got, err := j.params()
	require.NoError(t, err)
	want, err := quant.Calibrate(src, quant.Scheme{Method: quant.MethodPercentile, Percentile: 99.9, Bits: 8})
	require.NoError(t, err)
	require.Equal(t, want, got)

	r = quantCmd(t, dir, "calibrate", "a.npy", "-method", "absmax", "-narrow")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "lo=-127 hi=127")
}

// writeSafetensors writes named F32 tensors as F32, F16 and BF16.
func writeSafetensors(t *testing.T, path string, tensors map[string][]float32) map[string][]float32 {
	t.Helper()
	views := map[string]safetensors.TensorView{}
	widened := map[string][]float32{}
	for name, x := range tensors {
		f32 := make([]byte, 4*len(x))
		f16 := make([]byte, 2*len(x))
		bf16 := make([]byte, 2*len(x))
		w16 := make([]float32, len(x))
		wbf := make([]float32, len(x))
		for i, v := range x {
			binary.LittleEndian.PutUint32(f32[4*i:], math.Float32bits(v))
			h := float16.Fromfloat32(v)
			binary.LittleEndian.PutUint16(f16[2*i:], h.Bits())
			w16[i] = h.Float32()
			b := uint16(math.Float32bits(v) >> 16)
			binary.LittleEndian.PutUint16(bf16[2*i:], b)
			wbf[i] = math.Float32frombits(uint32(b) << 16)
		}
		shape := []uint64{uint64(len(x))}
		for suffix, tv := range map[string]struct {
			dt   safetensors.DType
			data []byte
			w    []float32
		}{".f32": {safetensors.F32, f32, x}, ".f16": {safetensors.F16, f16, w16}, ".bf16": {safetensors.BF16, bf16, wbf}} {
			v, err := safetensors.NewTensorView(tv.dt, shape, tv.data)
			require.NoError(t, err)
			views[name+suffix] = v
			widened[name+suffix] = tv.w
		}
	}
	ids, err := safetensors.NewTensorView(safetensors.I64, []uint64{2}, make([]byte, 16))
	require.NoError(t, err)
	views["ids"] = ids
	b, err := safetensors.Serialize(views, nil)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, b, 0o644))
	return widened
}

func TestReport(t *testing.T) {
	dir := t.TempDir()
	widened := writeSafetensors(t, filepath.Join(dir, "m.safetensors"), map[string][]float32{
		"layer.weight": testData(500), "layer.bias": testData(40),
	})
	r := quantCmd(t, dir, "report", "-json", "m.safetensors")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stderr, `skipping tensor "ids"`)
	var reps []tensorReport
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &reps))
	require.Len(t, reps, 6)
	for _, rep := range reps {
		x := widened[rep.Name]
		require.NotNil(t, x, rep.Name)
		require.Len(t, rep.Schemes, 2+len(reportPercentiles))
		nBest := 0
		for _, s := range rep.Schemes {
			if s.Best {
				nBest++
			}
		}
		require.Equal(t, 1, nBest)
		// The asymmetric row is the library's result on the exactly widened data.
		requireAsymmetricRow(t, rep, x)
	}

	r = quantCmd(t, dir, "report", "-percentiles", "99,99.5", "-bits", "4", "m.safetensors")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "percentile 99.5")
	requireFail(t, quantCmd(t, dir, "report", "-percentiles", "30", "m.safetensors"), 1, "m.safetensors", "percentile 30")
	bad := testData(50)
	bad[7] = float32(math.Inf(1))
	writeSafetensors(t, filepath.Join(dir, "bad.safetensors"), map[string][]float32{"w": bad})
	requireFail(t, quantCmd(t, dir, "report", "bad.safetensors"), 1, "bad.safetensors", `tensor "w.bf16"`, "element 7", "+Inf")

	r = quantCmd(t, dir, "report", "m.safetensors")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "SQNR dB")
	require.Contains(t, r.stdout, "layer.weight.bf16")
	require.Contains(t, r.stdout, "*")
}

// TestBadInput runs each kind of bad input: one line on stderr naming the
// file, exit 1, and no output file left behind.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	good := testData(64)
	writeNpyFile(t, filepath.Join(dir, "good.npy"), good, []int{8, 8})
	goodBytes, err := os.ReadFile(filepath.Join(dir, "good.npy"))
	require.NoError(t, err)

	withNaN := append([]float32(nil), good...)
	withNaN[19] = float32(math.NaN())
	writeNpyFile(t, filepath.Join(dir, "nan.npy"), withNaN, []int{8, 8})
	withInf := append([]float32(nil), good...)
	withInf[5] = float32(math.Inf(-1))
	writeNpyFile(t, filepath.Join(dir, "inf.npy"), withInf, []int{64})

	var ib bytes.Buffer
	require.NoError(t, npy.Write(&ib, []int32{1, 2, 3}))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "int32.npy"), ib.Bytes(), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "trunchdr.npy"), goodBytes[:20], 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "truncdata.npy"), goodBytes[:len(goodBytes)-3], 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "garbage.npy"), []byte("this is not a numpy file at all"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "fortran.npy"), rawNpy("<f4", true, "(2, 2)", make([]byte, 16)), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "f2.npy"), rawNpy("<f2", false, "(4,)", make([]byte, 8)), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "negshape.npy"), rawNpy("<f4", false, "(-4,)", make([]byte, 16)), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "huge.npy"), rawNpy("<f4", false, "(1000000000000,)", make([]byte, 16)), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "extra.npy"), rawNpy("<f4", false, "(3,)", make([]byte, 16)), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.safetensors"), []byte{200, 0, 0, 0, 0, 0, 0, 0, '{'}, 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "junk.safetensors"), append([]byte{5, 0, 0, 0, 0, 0, 0, 0}, "{abc}"...), 0o644))

	cases := []struct {
		name string
		args []string
		want []string
	}{
		{"missing", []string{"calibrate", "nothere.npy"}, []string{"nothere.npy", "no such file"}},
		{"nan", []string{"calibrate", "nan.npy"}, []string{"nan.npy", "element 19", "[2 3]", "NaN"}},
		{"inf", []string{"quantize", "-o", "out.npy", "inf.npy"}, []string{"inf.npy", "element 5", "-Inf"}},
		{"dtype", []string{"calibrate", "int32.npy"}, []string{"int32.npy", "unsupported dtype", "<i4"}},
		{"truncated header", []string{"calibrate", "trunchdr.npy"}, []string{"trunchdr.npy", "truncated"}},
		{"truncated data", []string{"report", "truncdata.npy"}, []string{"truncdata.npy", "truncated data"}},
		{"garbage", []string{"calibrate", "garbage.npy"}, []string{"garbage.npy", "not a .npy"}},
		{"fortran", []string{"calibrate", "fortran.npy"}, []string{"fortran.npy", "Fortran"}},
		{"float16 npy", []string{"calibrate", "f2.npy"}, []string{"f2.npy", "unsupported dtype", "<f2"}},
		{"negative shape", []string{"calibrate", "negshape.npy"}, []string{"negshape.npy", "corrupt"}},
		{"huge shape", []string{"calibrate", "huge.npy"}, []string{"huge.npy", hugeShapeError}},
		{"extra bytes", []string{"calibrate", "extra.npy"}, []string{"extra.npy", "after the data"}},
		{"safetensors truncated", []string{"report", "bad.safetensors"}, []string{"bad.safetensors", "truncated"}},
		{"safetensors corrupt", []string{"report", "junk.safetensors"}, []string{"junk.safetensors", "corrupt"}},
		{"bits", []string{"quantize", "-bits", "9", "-o", "out.npy", "good.npy"}, []string{"good.npy", "bits 9"}},
		{"percentile", []string{"calibrate", "-method", "percentile", "-p", "40", "good.npy"}, []string{"good.npy", "percentile 40"}},
		{"unknown ext", []string{"report", "good.txt"}, []string{"good.txt", ".npy, .safetensors or .gguf"}},
		{"not quantized", []string{"dequantize", "-o", "out.npy", "-scale", "1", "good.npy"}, []string{"good.npy", "not quantized"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			requireFail(t, quantCmd(t, dir, c.args...), 1, c.want...)
			_, err := os.Stat(filepath.Join(dir, "out.npy"))
			require.True(t, os.IsNotExist(err), "out.npy was written")
		})
	}

	// Bad dequantize Params, against a good quantized file.
	r := quantCmd(t, dir, "quantize", "-o", "q.npy", "good.npy")
	require.Equal(t, 0, r.code, r.stderr)
	requireFail(t, quantCmd(t, dir, "dequantize", "-o", "out.npy", "-scale", "0", "q.npy"), 1, "q.npy", "scale")
	requireFail(t, quantCmd(t, dir, "dequantize", "-o", "out.npy", "-scale", "-2", "q.npy"), 1, "q.npy", "scale")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "p.json"), []byte(`{"scale": -1, "zero": 0, "lo": 0, "hi": 255, "convention": "seed"}`), 0o644))
	requireFail(t, quantCmd(t, dir, "dequantize", "-o", "out.npy", "-params", "p.json", "q.npy"), 1, "p.json", "Scale")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "p.json"), []byte(`{"scale": 1, "zero": 0, "lo": -128, "hi": 127, "convention": "seed", "dtype": "int8"}`), 0o644))
	requireFail(t, quantCmd(t, dir, "dequantize", "-o", "out.npy", "-params", "p.json", "q.npy"), 1, "q.npy", "int8")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "p.json"), []byte(`[1, 2]`), 0o644))
	requireFail(t, quantCmd(t, dir, "dequantize", "-o", "out.npy", "-params", "p.json", "q.npy"), 1, "p.json", "not a Params JSON")
	requireFail(t, quantCmd(t, dir, "dequantize", "-o", "out.npy", "good.npy.q"), 1, "good.npy.q")
}

// rawNpy builds a version 1.0 .npy file by hand, for headers npyio would
// not write.
func rawNpy(descr string, fortran bool, shape string, data []byte) []byte {
	order := "False"
	if fortran {
		order = "True"
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr, order, shape)
	for (10+len(dict)+1)%64 != 0 {
		dict += " "
	}
	dict += "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(dict)), byte(len(dict)>>8))
	b = append(b, dict...)
	return append(b, data...)
}

// TestNoClobber checks that a failing run leaves an existing output as it
// was, and that no temporary file is left in the directory.
func TestNoClobber(t *testing.T) {
	dir := t.TempDir()
	writeNpyFile(t, filepath.Join(dir, "good.npy"), testData(64), []int{64})
	x := testData(64)
	x[3] = float32(math.NaN())
	writeNpyFile(t, filepath.Join(dir, "nan.npy"), x, []int{64})
	r := quantCmd(t, dir, "quantize", "-o", "q.npy", "good.npy")
	require.Equal(t, 0, r.code, r.stderr)
	before, err := os.ReadFile(filepath.Join(dir, "q.npy"))
	require.NoError(t, err)
	beforeJSON, err := os.ReadFile(filepath.Join(dir, "q.npy.json"))
	require.NoError(t, err)

	requireFail(t, quantCmd(t, dir, "quantize", "-o", "q.npy", "nan.npy"), 1, "nan.npy")
	after, err := os.ReadFile(filepath.Join(dir, "q.npy"))
	require.NoError(t, err)
	require.Equal(t, before, after)
	afterJSON, err := os.ReadFile(filepath.Join(dir, "q.npy.json"))
	require.NoError(t, err)
	require.Equal(t, beforeJSON, afterJSON)

	// An output directory that does not exist: error, nothing written.
	requireFail(t, quantCmd(t, dir, "quantize", "-o", "nodir/q.npy", "good.npy"), 1, "nodir/q.npy")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		require.False(t, strings.Contains(e.Name(), ".tmp"), "temporary file left: %s", e.Name())
	}
}

func TestFloat64Input(t *testing.T) {
	dir := t.TempDir()
	x := testData(30)
	f64 := make([]float64, len(x))
	for i, v := range x {
		f64[i] = float64(v)
	}
	writeNpyFile(t, filepath.Join(dir, "d.npy"), f64, []int{30})
	r := quantCmd(t, dir, "calibrate", "-json", "d.npy")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stderr, "float64 data converted to float32")
	var j paramsJSON
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &j))
	want, err := quant.Calibrate(x, quant.Scheme{Bits: 8})
	require.NoError(t, err)
	require.Equal(t, want.Scale, j.Scale)
}
