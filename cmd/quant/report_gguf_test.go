package main

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/quantkernel/quant"
	"github.com/quantkernel/quant/ggml"
	"github.com/quantkernel/quant/gguf"
	"github.com/stretchr/testify/require"
)

// ggufFloats decodes tensor i of f to float32 with package ggml (the
// floats ggml's dequantize_row_<type> or fp16/bf16 widening gives).
func ggufFloats(t *testing.T, f *gguf.File, i int) []float32 {
	ti := f.Tensors[i]
	data, ok := f.TensorData(i)
	require.True(t, ok)
	x := make([]float32, ti.Elements())
	require.NoError(t, ggml.Dequantize(ggml.Type(ti.Type), x, data))
	return x
}

// wantGGMLMSE is the mean of (x - dequantize(quantize(x)))² over the whole
// tensor at once, summed in order, for each ggml type whose block divides
// the rows.
func wantGGMLMSE(t *testing.T, x []float32, row int) map[string]float64 {
	want := map[string]float64{}
	for _, gt := range reportGGMLTypes {
		if row%gt.BlockSize() != 0 {
			continue
		}
		q := make([]byte, gt.RowSize(len(x)))
		require.NoError(t, ggml.Quantize(gt, q, x))
		y := make([]float32, len(x))
		require.NoError(t, ggml.Dequantize(gt, y, q))
		var s float64
		for i := range x {
			d := float64(x[i]) - float64(y[i])
			s += d * d
		}
		want["ggml "+gt.String()] = s / float64(len(x))
	}
	return want
}

// requireAsymmetricRow checks that rep's first row is the library's
// asymmetric 8-bit result on x.
func requireAsymmetricRow(t *testing.T, rep tensorReport, x []float32) {
	t.Helper()
	p, err := quant.Calibrate(x, quant.Scheme{Bits: 8})
	require.NoError(t, err)
	a := rep.Schemes[0]
	require.Equal(t, "asymmetric", a.Scheme)
	require.Equal(t, p.Scale, a.Scale, rep.Name)
	require.Equal(t, quant.QuantError(x, p)/float64(len(x)), a.MSE, rep.Name)
}

// TestReportGGUF runs report on GGUF files of float tensors (f16, and f32
// ones) and of ggml blocks (q4_K, with f32 tensors that stay): every
// tensor of a type the tool reads is reported, its floats decoded exactly
// (block data dequantized), the schemes equal to the library's on them
// and the ggml types' MSE equal to package ggml's quantize → dequantize
// of the whole tensor (the CLI streams it in chunks: big.weight has two).
func TestReportGGUF(t *testing.T) {
	dir := t.TempDir()
	convertFixture(t, dir, false)
	for _, typ := range []string{"f16", "q4_k"} {
		t.Run(typ, func(t *testing.T) {
			out := typ + ".gguf"
			r := quantCmd(t, dir, "convert", "-type", typ, "-o", out, "in.safetensors")
			require.Equal(t, 0, r.code, r.stderr)
			r = quantCmd(t, dir, "report", "-json", out)
			require.Equal(t, 0, r.code, r.stderr)
			require.Contains(t, r.stderr, `skipping tensor "ids": type i64`)
			var reps []tensorReport
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &reps))
			f, err := gguf.Open(filepath.Join(dir, out))
			require.NoError(t, err)
			defer f.Close()
			require.Len(t, reps, len(f.Tensors)-1) // all but ids
			for _, rep := range reps {
				i, ok := f.Tensor(rep.Name)
				require.True(t, ok, rep.Name)
				ti := f.Tensors[i]
				x := ggufFloats(t, f, i)
				require.Equal(t, len(x), rep.N)
				shape := make([]int, len(ti.Shape))
				for k, d := range ti.Shape {
					shape[len(shape)-1-k] = int(d)
				}
				require.Equal(t, shape, rep.Shape, rep.Name)
				require.Equal(t, map[gguf.Type]string{gguf.F32: "float32", gguf.F16: "float16", gguf.Q4_K: "q4_K"}[ti.Type], rep.DType, rep.Name)

				requireAsymmetricRow(t, rep, x)

				want := wantGGMLMSE(t, x, int(ti.Shape[0]))
				got := map[string]float64{}
				nBest := 0
				for _, s := range rep.Schemes {
					if s.GGML {
						got[s.Scheme] = s.MSE
					}
					if s.Best {
						nBest++
					}
				}
				require.Equal(t, 1, nBest, rep.Name)
				require.Equal(t, want, got, rep.Name)
				require.Len(t, rep.Schemes, 2+len(reportPercentiles)+len(want), rep.Name)
			}
			// Rows of 256 get all eight types, rows of 64 the five 32-element ones, rows of 33 none.
			byName := map[string]int{}
			for _, rep := range reps {
				byName[rep.Name] = len(rep.Schemes) - 2 - len(reportPercentiles)
			}
			require.Equal(t, 8, byName["big.weight"])
			require.Equal(t, 5, byName["norm.weight"])
			require.Equal(t, 0, byName["odd.weight"])

			// The JSON of a ggml type has no scale, zero, lo or hi.
			var raw []struct {
				Schemes []map[string]any `json:"schemes"`
			}
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &raw))
			last := raw[0].Schemes[len(raw[0].Schemes)-1]
			require.Equal(t, true, last["ggml"])
			for _, k := range []string{"scale", "zero", "lo", "hi"} {
				v, ok := last[k]
				require.True(t, ok, k)
				require.Nil(t, v, k)
			}

			r = quantCmd(t, dir, "report", out)
			require.Equal(t, 0, r.code, r.stderr)
			require.Contains(t, r.stdout, "ggml q6_K")
			require.Contains(t, r.stdout, "SQNR dB")
		})
	}
	// A GGUF file is known by its magic, whatever its name.
	b, err := os.ReadFile(filepath.Join(dir, "f16.gguf"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "model.bin"), b, 0o644))
	r := quantCmd(t, dir, "report", "model.bin")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "ggml q8_0")

	// ggml's own file (random bytes): tensors of q8_0 and q4_K blocks; on
	// data this large the fp16 scale of q4_0 overflows, as in ggml, and
	// the JSON has null for that MSE.
	wd, err := os.Getwd()
	require.NoError(t, err)
	r = quantCmd(t, dir, "report", "-json", filepath.Join(wd, "../../testdata/gguf/ggml_kv.gguf"))
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, `"dtype": "q4_K"`)
	require.Contains(t, r.stdout, `"mse": null`)

	// -ggml adds the ggml types to a .safetensors report.
	r = quantCmd(t, dir, "report", "-ggml", "-json", "in.safetensors")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, `"scheme": "ggml q4_K"`)
}

// TestReportGGUFMalformed: a malformed GGUF file gets one line naming the
// file and the field's byte offset, exit 1 (FIFOs: TestGGUFFIFO).
func TestReportGGUFMalformed(t *testing.T) {
	dir := t.TempDir()
	convertFixture(t, dir, false)
	r := quantCmd(t, dir, "convert", "-type", "q8_0", "in.safetensors")
	require.Equal(t, 0, r.code, r.stderr)
	b, err := os.ReadFile(filepath.Join(dir, "in.gguf"))
	require.NoError(t, err)

	write := func(name string, b []byte) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o644))
	}
	write("cut.gguf", b[:100])
	requireFail(t, quantCmd(t, dir, "report", "cut.gguf"), 1, "quant report: cut.gguf: corrupt GGUF file: ", "at byte")
	write("short.gguf", b[:len(b)-64]) // the last tensor's data ends past the file
	requireFail(t, quantCmd(t, dir, "report", "short.gguf"), 1, "short.gguf: corrupt GGUF file: ", "at byte")
	huge := append([]byte(nil), b...)
	binary.LittleEndian.PutUint64(huge[8:], math.MaxUint64) // the tensor count
	write("huge.gguf", huge)
	requireFail(t, quantCmd(t, dir, "report", "huge.gguf"), 1, "huge.gguf: corrupt GGUF file: ", "at byte 8")
	write("magic.gguf", append([]byte("GGML"), b[4:]...))
	requireFail(t, quantCmd(t, dir, "report", "magic.gguf"), 1, "magic.gguf: corrupt GGUF file: magic at byte 0")
	write("empty.gguf", nil)
	requireFail(t, quantCmd(t, dir, "report", "empty.gguf"), 1, "empty.gguf: corrupt GGUF file")

	// A NaN scale in a block dequantizes to NaN: the data must be finite.
	f, err := gguf.Open(filepath.Join(dir, "in.gguf"))
	require.NoError(t, err)
	k, _ := f.Tensor("big.weight")
	require.Equal(t, gguf.Q8_0, f.Tensors[k].Type)
	off := f.DataOffset + int64(f.Tensors[k].Offset) + 34 // its second block
	require.NoError(t, f.Close())
	nan := append([]byte(nil), b...)
	binary.LittleEndian.PutUint16(nan[off:], 0x7E00) // fp16 NaN scale
	write("nan.gguf", nan)
	requireFail(t, quantCmd(t, dir, "report", "nan.gguf"), 1, "nan.gguf: ", `tensor "big.weight" element 32 (index [0 32])`, "NaN")
}
