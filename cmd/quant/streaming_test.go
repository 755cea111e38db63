package main

import (
	"encoding/binary"
	"encoding/json"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/quantkernel/quant"
	"github.com/stretchr/testify/require"
)

// bigData spans several read chunks, with ±0, repeated values and an
// outlier in the last chunk.
func bigData() []float32 {
	n := 3*chunkElems + 1234
	x := demoData(n, 11)
	for i := 0; i < n; i += 1001 {
		x[i] = 0
	}
	for i := 7; i < n; i += 997 {
		x[i] = float32(math.Copysign(0, -1))
	}
	x[n-5] = 4000
	return x
}

// The chunked calibration, quantization and report equal the library on
// the whole tensor, bit for bit, for every method and convention.
func TestStreamingMatchesLibrary(t *testing.T) {
	dir := t.TempDir()
	x := bigData()
	writeNpyFile(t, filepath.Join(dir, "w.npy"), x, []int{len(x) / 2, 2})
	for _, meth := range []quant.Method{quant.MethodMinMax, quant.MethodAbsMax, quant.MethodPercentile} {
		for _, conv := range []string{"seed", "onnx", "pytorch"} {
			c, err := quant.ParseConvention(conv)
			require.NoError(t, err)
			sc := quant.Scheme{Method: meth, Bits: 8, Convention: c}
			if meth == quant.MethodPercentile {
				sc.Percentile = quant.DefaultPercentile
			}
			want, err := quant.Calibrate(x, sc)
			require.NoError(t, err)
			r := quantCmd(t, dir, "quantize", "-method", meth.String(), "-convention", conv, "-o", "q.npy", "w.npy")
			require.Equal(t, 0, r.code, r.stderr)
			_, got, err := readParamsJSON(filepath.Join(dir, "q.npy.json"))
			require.NoError(t, err)
			require.Equal(t, want, got, "%v %s", meth, conv)
			q := readNpyT(t, filepath.Join(dir, "q.npy"))
			if want.Lo < 0 {
				w := make([]int8, len(x))
				quant.QuantizeI8(w, x, want)
				require.Equal(t, w, q.I8)
			} else {
				w := make([]uint8, len(x))
				quant.QuantizeU8(w, x, want)
				require.Equal(t, w, q.U8)
			}
			r = quantCmd(t, dir, "dequantize", "-o", "b.npy", "q.npy")
			require.Equal(t, 0, r.code, r.stderr)
			back := make([]float32, len(x))
			if want.Lo < 0 {
				quant.DequantizeI8(back, q.I8, want)
			} else {
				quant.DequantizeU8(back, q.U8, want)
			}
			requireSameBits(t, back, readNpyT(t, filepath.Join(dir, "b.npy")).F32)
		}
	}
	r := quantCmd(t, dir, "report", "-json", "-percentiles", "99.9,99", "w.npy")
	require.Equal(t, 0, r.code, r.stderr)
	var reps []tensorReport
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &reps))
	require.Len(t, reps, 1)
	for _, s := range reps[0].Schemes {
		sc := quant.Scheme{Bits: 8}
		switch {
		case s.Scheme == "symmetric":
			sc.Method = quant.MethodAbsMax
		case strings.HasPrefix(s.Scheme, "percentile"):
			sc.Method = quant.MethodPercentile
			sc.Percentile = map[string]float64{"percentile 99.9": 99.9, "percentile 99": 99}[s.Scheme]
		}
		p, err := quant.Calibrate(x, sc)
		require.NoError(t, err)
		require.Equal(t, p.Scale, s.Scale, s.Scheme)
		require.Equal(t, p.Zero, s.Zero, s.Scheme)
		require.Equal(t, quant.QuantError(x, p)/float64(len(x)), s.MSE, s.Scheme)
	}
}

// Big-endian float32 and float64 .npy files decode like numpy.
func TestStreamingByteOrders(t *testing.T) {
	dir := t.TempDir()
	x := testData(100)
	be32 := make([]byte, 4*len(x))
	be64 := make([]byte, 8*len(x))
	for i, v := range x {
		binary.BigEndian.PutUint32(be32[4*i:], math.Float32bits(v))
		binary.BigEndian.PutUint64(be64[8*i:], math.Float64bits(float64(v)))
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "be32.npy"), rawNpy(">f4", false, "(100,)", be32), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "be64.npy"), rawNpy(">f8", false, "(100,)", be64), 0o644))
	requireSameBits(t, x, readNpyT(t, filepath.Join(dir, "be32.npy")).F32)
	requireSameBits(t, x, readNpyT(t, filepath.Join(dir, "be64.npy")).F32)
	ts, err := readTensors(filepath.Join(dir, "be64.npy"), func(string) {})
	require.NoError(t, err)
	require.Len(t, ts, 1)
	requireSameBits(t, x, ts[0].F32)
}

// commitAll restores every replaced target when a later rename fails,
// and removes a target that did not exist before.
func TestCommitRollback(t *testing.T) {
	for _, existed := range []bool{true, false} {
		dir := t.TempDir()
		a, b := filepath.Join(dir, "a.json"), filepath.Join(dir, "b.npy")
		if existed {
			require.NoError(t, os.WriteFile(a, []byte("old a"), 0o640))
		}
		require.NoError(t, os.WriteFile(b, []byte("old b"), 0o644))
		oa, err := planOutput(a)
		require.NoError(t, err)
		ob, err := planOutput(b)
		require.NoError(t, err)
		write := func(s string) func(io.Writer) error {
			return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
		}
		require.NoError(t, oa.stage(write("new a")))
		require.NoError(t, ob.stage(write("new b")))
		// b becomes a non-empty directory: its rename fails after a's.
		require.NoError(t, os.Remove(b))
		require.NoError(t, os.MkdirAll(filepath.Join(b, "x"), 0o755))
		err = commitAll(oa, ob)
		require.Error(t, err)
		require.Contains(t, err.Error(), "b.npy")
		if existed {
			got, err := os.ReadFile(a)
			require.NoError(t, err)
			require.Equal(t, "old a", string(got))
			fi, err := os.Stat(a)
			require.NoError(t, err)
			require.Equal(t, os.FileMode(0o640), fi.Mode().Perm())
		} else {
			_, err := os.Stat(a)
			require.True(t, os.IsNotExist(err), "a.json must not exist: %v", err)
		}
		entries, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, e := range entries {
			require.False(t, strings.HasPrefix(e.Name(), "."), "left behind: %s", e.Name())
		}
		outputs.committed = false
	}
}

// Temporary names fit 255 bytes whenever the target's name does.
func TestTempNameLength(t *testing.T) {
	for _, n := range []int{1, 200, 201, 254, 255} {
		for _, r := range []string{"a", "é", "日"} {
			base := strings.Repeat(r, n/len(r))
			name := filepath.Base(tempName(filepath.Join("/tmp", base), "tmp"))
			require.LessOrEqual(t, len(name), 255)
			require.True(t, strings.HasPrefix(name, "."))
		}
	}
}

// A NaN in a later chunk is reported with its index in the whole tensor,
// by every command.
func TestStreamingNotFiniteIndex(t *testing.T) {
	dir := t.TempDir()
	x := bigData()
	i := 2*chunkElems + 5
	x[i] = float32(math.NaN())
	cols := 2
	writeNpyFile(t, filepath.Join(dir, "w.npy"), x, []int{len(x) / cols, cols})
	want := []string{"w.npy", "element " + strconv.Itoa(i), "[" + strconv.Itoa(i/cols) + " " + strconv.Itoa(i%cols) + "]", "NaN"}
	for _, args := range [][]string{
		{"calibrate", "w.npy"}, {"calibrate", "-method", "percentile", "w.npy"}, {"report", "w.npy"},
		{"quantize", "-o", "q.npy", "w.npy"}, {"quantize", "-method", "absmax", "-o", "q.npy", "w.npy"},
	} {
		requireFail(t, quantCmd(t, dir, args...), 1, want...)
	}
}
