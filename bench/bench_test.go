package main

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quantkernel/quant"
	"github.com/quantkernel/quant/internal/cpuinfo"
	"github.com/stretchr/testify/require"
)

func TestDefaultSizes(t *testing.T) {
	s := defaultSizes(cpuinfo.Info{L1D: 32 << 10, L2: 1 << 20, L3: 32 << 20})
	require.Equal(t, []int{256, 4096, 128 << 10, 4 << 20, 16 << 20}, s)
	s = defaultSizes(cpuinfo.Info{L1D: -1, L2: -1, L3: -1})
	require.Equal(t, 256, s[0])
	require.Equal(t, 16<<20, s[len(s)-1])
}

func TestParseFlags(t *testing.T) {
	cfg, err := parseFlags([]string{"-kernels", "quantizeu8,MinMax", "-sizes", "4096,100,4096", "-min-time", "1ms"})
	require.NoError(t, err)
	require.Len(t, cfg.kernels, 2)
	require.Equal(t, []int{100, 4096}, cfg.sizes)
	_, err = parseFlags([]string{"-kernels", "Nope"})
	require.ErrorContains(t, err, "unknown kernel")
	_, err = parseFlags([]string{"-sizes", "0"})
	require.Error(t, err)
}

// TestEveryKernelRuns checks that each table entry runs on every
// supported implementation without panicking (valid Params, lengths), and
// that the round trip calibrates as the notebook does.
func TestEveryKernelRuns(t *testing.T) {
	b := newBuffers(1000)
	for _, k := range kernels {
		for _, m := range quant.Supported() {
			k.run(m, b)
		}
	}
	lo, hi, _ := quant.MinMax(b.f32)
	p := seedParams(lo, hi)
	want, err := quant.Calibrate(b.f32, quant.Scheme{Bits: 8})
	require.NoError(t, err)
	require.Equal(t, want, p, "the round trip's calibration is the notebook's")
}

// TestRun runs a tiny sweep and checks the outputs.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	cfg := config{kernels: kernels, sizes: []int{64, 300}, minTime: time.Millisecond, reps: 3, out: dir, numpy: true, python: "/nonexistent/python3", ggml: true, ggmlN: 512}
	var out strings.Builder
	require.NoError(t, run(cfg, &out, io.Discard))
	require.Contains(t, out.String(), "× generic")
	require.Contains(t, out.String(), "numpy: skipped: no /nonexistent/python3")
	require.Contains(t, out.String(), "ggml block formats: package ggml against")
	for _, f := range []string{"results.csv", "results.json", "throughput.png"} {
		fi, err := os.Stat(filepath.Join(dir, f))
		require.NoError(t, err)
		require.Positive(t, fi.Size())
	}
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	require.NoError(t, err)
	var rep report
	require.NoError(t, json.Unmarshal(b, &rep))
	// copy + every kernel × implementation, at each size.
	require.Len(t, rep.Rows, 2*(1+len(kernels)*len(quant.Supported())))
	for _, r := range rep.Rows {
		require.Positive(t, r.ElemsPerSec, r.Kernel)
		if r.Impl == "generic" {
			require.InDelta(t, 1, r.XGeneric, 1e-12)
		}
	}
}

// TestGGMLSection runs the ggml section: without a peer every supported
// type is timed and the peer columns are empty; with ggml loaded (when
// GGML_LIBDIR is set) every quantize and dequantize ggml has is bit-exact
// on the bench data.
func TestGGMLSection(t *testing.T) {
	meas := func(f func()) float64 { return measure(f, time.Millisecond, 1) }
	rows := benchGGML(nil, 1000, meas, func(string, int, float64) {})
	require.NotEmpty(t, rows)
	for _, r := range rows {
		require.Equal(t, 768, r.N, "rounded down to whole super-blocks")
		require.Positive(t, r.GoPerSec)
		require.Zero(t, r.PeerPerSe)
		require.Nil(t, r.BitExact)
	}
	peer, why := loadGGMLPeer()
	if peer == nil {
		t.Skip("ggml peer: " + why)
	}
	rows = benchGGML(peer, 4096, meas, func(string, int, float64) {})
	checked := 0
	for _, r := range rows {
		if r.BitExact != nil {
			require.True(t, *r.BitExact, "%s %s", r.Type, r.Op)
			require.Positive(t, r.PeerPerSe)
			checked++
		}
	}
	require.GreaterOrEqual(t, checked, 19) // 10 quantize, 9 dequantize (ggml has no dequantize_row_q8_1)
}
