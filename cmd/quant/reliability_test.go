package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Regression tests of the CLI defects a hostile user found (issue 14,
// classes 1 to 10). They run the binary only, so that they also run
// against an older build.

// quantTimeout runs the binary in dir and kills it after d (an input that
// blocks or never ends must not hang the test).
func quantTimeout(t *testing.T, dir string, d time.Duration, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "QUANT_KERNEL=")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("quant %s: still running after %v", strings.Join(args, " "), d)
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running quant: %v", err)
	}
	return result{out.String(), errb.String(), code}
}

// requireFailed checks a non-zero exit with a one-line message naming
// name and no internals.
func requireFailed(t *testing.T, r result, name string, want ...string) {
	t.Helper()
	require.NotEqual(t, 0, r.code, "must fail; stdout %q", r.stdout)
	var lines []string
	for _, l := range strings.Split(strings.TrimRight(r.stderr, "\n"), "\n") {
		if !strings.HasPrefix(l, "quant: note: ") {
			lines = append(lines, l)
		}
	}
	require.Len(t, lines, 1, "one line: %q", r.stderr)
	require.Contains(t, r.stderr, name)
	for _, w := range want {
		require.Contains(t, r.stderr, w)
	}
	for _, bad := range []string{"runtime error", "panic", "goroutine", ": npy:", "strconv.", "Go struct", "Go value", ": json:"} {
		require.NotContains(t, r.stderr, bad)
	}
}

// snapshot is the content of every file of dir (directories as "dir").
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		fi, err := os.Lstat(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		switch {
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			require.NoError(t, err)
			m[e.Name()] = fmt.Sprintf("%v %s", fi.Mode(), b)
		default:
			m[e.Name()] = fi.Mode().String()
		}
	}
	return m
}

// goodDir is a directory with a float input w.npy and its quantized
// q.npy, q.npy.json.
func goodDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeNpyFile(t, filepath.Join(dir, "w.npy"), testData(64), []int{8, 8})
	r := quantCmd(t, dir, "quantize", "-o", "q.npy", "w.npy")
	require.Equal(t, 0, r.code, r.stderr)
	return dir
}

// Class 1: a failing command leaves every existing output as it was.
func TestReliabilityNothingChangedOnFailure(t *testing.T) {
	dir := goodDir(t)
	writeNpyFile(t, filepath.Join(dir, "v.npy"), testData(100), []int{100})
	require.NoError(t, os.Remove(filepath.Join(dir, "q.npy.json")))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "q.npy.json"), 0o755))
	before := snapshot(t, dir)
	requireFailed(t, quantCmd(t, dir, "quantize", "-o", "q.npy", "v.npy"), "q.npy.json")
	require.Equal(t, before, snapshot(t, dir))
}

// Class 2: a special file as -o is refused and left as it was.
func TestReliabilitySpecialOutput(t *testing.T) {
	dir := goodDir(t)
	require.NoError(t, os.Mkdir(filepath.Join(dir, "d.npy"), 0o755))
	before := snapshot(t, dir)
	requireFailed(t, quantCmd(t, dir, "quantize", "-o", "d.npy", "w.npy"), "d.npy", "directory")
	requireFailed(t, quantCmd(t, dir, "dequantize", "-o", "d.npy", "q.npy"), "d.npy", "directory")
	require.Equal(t, before, snapshot(t, dir))
	r := quantCmd(t, dir, "quantize", "-h")
	require.Contains(t, r.stdout, "FIFOs, devices and directories are refused")
	r = quantCmd(t, dir, "dequantize", "-h")
	require.Contains(t, r.stdout, "FIFOs, devices and directories are refused")
}

// Class 3: input and output are the same file (by name, through a symlink,
// through a hard link): refused, nothing changed.
func TestReliabilitySameFile(t *testing.T) {
	dir := goodDir(t)
	require.NoError(t, os.Symlink("w.npy", filepath.Join(dir, "link.npy")))
	require.NoError(t, os.Link(filepath.Join(dir, "w.npy"), filepath.Join(dir, "hard.npy")))
	require.NoError(t, os.Link(filepath.Join(dir, "q.npy"), filepath.Join(dir, "hardq.npy")))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "p.json"), []byte(`{"scale": 0.5, "zero": 3, "lo": 0, "hi": 255, "convention": "seed"}`), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "o.npy"), []byte("o"), 0o644))
	require.NoError(t, os.Symlink("o.npy", filepath.Join(dir, "o.npy.json")))
	before := snapshot(t, dir)
	for _, args := range [][]string{
		{"quantize", "-o", "w.npy", "w.npy"},
		{"quantize", "-o", "./w.npy", "w.npy"},
		{"quantize", "-o", "link.npy", "w.npy"},
		{"quantize", "-o", "w.npy", "link.npy"},
		{"quantize", "-o", "hard.npy", "w.npy"},
		{"quantize", "-params", "p.json", "-o", "p", "w.npy"}, // p.json is an output too
		{"dequantize", "-o", "q.npy", "q.npy"},
		{"dequantize", "-o", "hardq.npy", "q.npy"},
		{"dequantize", "-o", "p.json", "-params", "p.json", "q.npy"},
		{"quantize", "-o", "o.npy", "w.npy"}, // o.npy.json is a link to o.npy
	} {
		r := quantCmd(t, dir, args...)
		requireFailed(t, r, "", "same file")
		require.Equal(t, before, snapshot(t, dir), "%v", args)
	}
}

// Class 4: numbers that do not fit are errors, required JSON fields are
// required, trailing data is rejected.
func TestReliabilityRanges(t *testing.T) {
	dir := goodDir(t)
	before := snapshot(t, dir)
	for _, args := range [][]string{
		{"-scale", "1", "-zero", "4294967424"},
		{"-scale", "1", "-zero", "8388609"},
		{"-scale", "1", "-zero", "-8388609"},
		{"-scale", "1", "-lo", "4294967296"},
		{"-scale", "1", "-hi", "4294967296"},
		{"-scale", "1", "-hi", "256"},
		{"-scale", "1", "-lo", "-1"},
		{"-scale", "1e39", "scale"},
		{"-scale", "1e-50", "scale"},
		{"-scale", "NaN", "scale"},
		{"-scale", "Inf", "scale"},
		{"-scale", "1", "-zero", "99999999999999999999999"},
	} {
		want := args[len(args)-1]
		if want == "scale" {
			args = args[:len(args)-1]
		}
		r := quantCmd(t, dir, append([]string{"dequantize", "-o", "out.npy"}, append(args, "q.npy")...)...)
		requireFailed(t, r, "", want)
		require.Equal(t, before, snapshot(t, dir), "%v", args)
	}
	for i, js := range []string{
		`{"scale": 0.5, "zero": 3, "convention": "seed"}`,
		`{"scale": 0.5, "zero": 3, "lo": 0, "convention": "seed"}`,
		`{"zero": 3, "lo": 0, "hi": 255, "convention": "seed"}`,
		`{"scale": 0.5, "lo": 0, "hi": 255, "convention": "seed"}`,
		`{"scale": 0.5, "zero": 3, "lo": 0, "hi": 255}`,
		`{"scale": 0.5, "zero": 3, "lo": 0, "hi": 255, "convention": "seed"} x`,
		`{"scale": 0.5, "zero": 3, "lo": 0, "hi": 255, "convention": "seed"}{}`,
		`{"scale": 0.5, "zero": 4294967424, "lo": 0, "hi": 255, "convention": "seed"}`,
		`{"scale": 0.5, "zero": 3, "lo": 4294967296, "hi": 255, "convention": "seed"}`,
		`{"scale": 0.5, "zero": 3, "lo": 0, "hi": 4294967551, "convention": "seed"}`,
		`{"scale": 1e39, "zero": 3, "lo": 0, "hi": 255, "convention": "seed"}`,
		`{"scale": "0.5", "zero": 3, "lo": 0, "hi": 255, "convention": "seed"}`,
		`{"scale": 0.5, "zero": 3.5, "lo": 0, "hi": 255, "convention": "seed"}`,
		`{"scale": 0.5, "zero": 3, "lo": 0, "hi": 255, "convention": "seed", "zero": 4}`,
		`{"scale": 0.5, "zero": 3, "lo": 0, "hi": 255, "convention": "seed", "bits": 99}`,
		`{"scale": 0.5, "zero": 3, "lo": 0, "hi": 255, "convention": "seed", "extra": 1}`,
		`{"scale": 0.5, "zero": 3, "lo": 0, "hi": 255, "convention": null}`,
		`null`, `[]`, ``, `{`,
	} {
		pj := filepath.Join(dir, "p.json")
		require.NoError(t, os.WriteFile(pj, []byte(js), 0o644))
		before := snapshot(t, dir)
		r := quantCmd(t, dir, "dequantize", "-o", "out.npy", "-params", "p.json", "q.npy")
		requireFailed(t, r, "p.json")
		require.Equal(t, before, snapshot(t, dir), "case %d: %s", i, js)
		r = quantCmd(t, dir, "quantize", "-o", "out.npy", "-params", "p.json", "w.npy")
		requireFailed(t, r, "p.json")
		require.Equal(t, before, snapshot(t, dir), "case %d: %s", i, js)
	}
}

// Class 5: -p 0 and -p -0 are outside (50, 100] in every command.
func TestReliabilityPercentileZero(t *testing.T) {
	dir := goodDir(t)
	before := snapshot(t, dir)
	for _, p := range []string{"0", "-0", "50", "100.0001", "NaN"} {
		requireFailed(t, quantCmd(t, dir, "calibrate", "-method", "percentile", "-p", p, "w.npy"), "w.npy", "percentile")
		requireFailed(t, quantCmd(t, dir, "quantize", "-method", "percentile", "-p", p, "-o", "out.npy", "w.npy"), "w.npy", "percentile")
		requireFailed(t, quantCmd(t, dir, "report", "-percentiles", p, "w.npy"), "w.npy", "percentile")
		require.Equal(t, before, snapshot(t, dir), p)
	}
}

// Class 7: a legal long output name works; temporary names fit.
func TestReliabilityLongName(t *testing.T) {
	dir := goodDir(t)
	long := strings.Repeat("n", 240) + ".npy" // 244 bytes; its .json 249
	r := quantCmd(t, dir, "quantize", "-o", long, "w.npy")
	require.Equal(t, 0, r.code, r.stderr)
	long255 := strings.Repeat("m", 251) + ".npy"
	r = quantCmd(t, dir, "dequantize", "-o", long255, "q.npy")
	require.Equal(t, 0, r.code, r.stderr)
	r = quantCmd(t, dir, "dequantize", "-o", long255, "q.npy") // replacing it
	require.Equal(t, 0, r.code, r.stderr)
	before := snapshot(t, dir)
	// Its .json would be 260 bytes: an error, and nothing changed.
	requireFailed(t, quantCmd(t, dir, "quantize", "-o", long255, "w.npy"), long255)
	require.Equal(t, before, snapshot(t, dir))
	for name := range snapshot(t, dir) {
		require.NotContains(t, name, ".tmp")
		require.NotContains(t, name, ".bak")
	}
}

// safetensorsFile builds a .safetensors file by hand: name -> dtype,
// shape and data.
func safetensorsFile(t *testing.T, tensors [][3]any) []byte {
	t.Helper()
	hdr := map[string]any{"__metadata__": map[string]string{"format": "pt"}}
	var data []byte
	for _, tn := range tensors {
		d := tn[2].([]byte)
		hdr[tn[0].(string)] = map[string]any{"dtype": tn[1], "shape": []int{len(d) / sizeOfST(tn[1].(string))}, "data_offsets": []int{len(data), len(data) + len(d)}}
		data = append(data, d...)
	}
	js, err := json.Marshal(hdr)
	require.NoError(t, err)
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(js)))
	return append(append(b, js...), data...)
}

func sizeOfST(dt string) int {
	switch dt {
	case "F32", "I32", "U32":
		return 4
	case "F16", "BF16", "I16", "U16":
		return 2
	case "F64", "I64", "U64":
		return 8
	}
	return 1
}

// Class 8: tensors of dtypes the tool does not handle are skipped with a
// note, not taken for corruption.
func TestReliabilitySafetensorsUnknownDType(t *testing.T) {
	dir := t.TempDir()
	x := testData(40)
	f32 := make([]byte, 4*len(x))
	for i, v := range x {
		binary.LittleEndian.PutUint32(f32[4*i:], math.Float32bits(v))
	}
	st := safetensorsFile(t, [][3]any{
		{"a.f8", "F8_E4M3", []byte{1, 2, 3, 4}}, {"b.f8", "F8_E5M2", []byte{5, 6}},
		{"c.new", "F6_E2M3", []byte{5, 6, 7}}, {"w", "F32", f32}, {"z.i32", "I32", make([]byte, 8)},
	})
	require.NoError(t, os.WriteFile(filepath.Join(dir, "m.safetensors"), st, 0o644))
	for _, cmd := range []string{"report", "calibrate"} {
		r := quantCmd(t, dir, cmd, "m.safetensors")
		require.Equal(t, 0, r.code, r.stderr)
		for _, n := range []string{"a.f8", "b.f8", "c.new", "z.i32"} {
			require.Contains(t, r.stderr, `skipping tensor "`+n+`"`)
		}
		require.Contains(t, r.stdout, "w")
	}
	// A tensor whose data lies outside the file, or a size that does not
	// match its shape: corrupt, with the tensor's name.
	bad := safetensorsFile(t, [][3]any{{"w", "F32", f32}})
	bad = bytes.Replace(bad, []byte(`"shape":[40]`), []byte(`"shape":[41]`), 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "bad.safetensors"), bad, 0o644))
	requireFailed(t, quantCmd(t, dir, "report", "bad.safetensors"), "bad.safetensors", "corrupt", `"w"`)
}

// Class 10: garbled .npy headers give a message about the file, never a
// recovered runtime error.
func TestReliabilityGarbledHeaders(t *testing.T) {
	dir := t.TempDir()
	data := make([]byte, 12)
	dicts := []string{
		"{'descr': '<f4', 'fortran_order': False, 'shape': (3, }",
		"{'descr': '<f4', 'fortran_order': False, 'shape': }",
		"{'descr': '<f4', 'fortran_order': False, 'shape': ",
		"{'shape': (3,), 'fortran_order': False, 'descr': '<f4', }",
		"{'descr': '<f4', 'fortran_order': False, 'shape': (x,), }",
		"{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }",
		"{'descr': '<f4', 'fortran_order': Maybe, 'shape': (3,), }",
		"}'shape': {'descr': 'fortran_order': ",
		"{'descr': '<f4''fortran_order': 'shape': }",
		"",
	}
	for i, d := range dicts {
		for (10+len(d)+1)%16 != 0 {
			d += " "
		}
		d += "\n"
		b := append([]byte("\x93NUMPY\x01\x00"), byte(len(d)), byte(len(d)>>8))
		b = append(append(b, d...), data...)
		name := fmt.Sprintf("g%d.npy", i)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
		for _, cmd := range [][]string{{"calibrate"}, {"report"}, {"quantize", "-o", "o.npy"}, {"dequantize", "-scale", "1", "-o", "o.npy"}} {
			r := quantCmd(t, dir, append(cmd, name)...)
			requireFailed(t, r, name)
		}
	}
}
