package quant

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// colRunParams returns cols valid Params within lo..hi in runs sharing a
// Convention (run lengths from 1 to maxRun), with scales that are common,
// random (any exponent a valid scale has), and outside exactDivScale's
// domain (below 2^-100, above 2^100), so that the SIMD per-column kernels
// meet long runs of one quotient, their splits and their ragged ends.
func colRunParams(rng *rand.Rand, cols, maxRun int, lo, hi int32) []Params {
	ps := grpRandParams(rng, cols, lo, hi)
	for j := 0; j < cols; {
		c := Convention(rng.IntN(3))
		tiny := rng.IntN(4) == 0 // a run outside exactDivScale's domain
		run := 1 + rng.IntN(maxRun)
		for ; run > 0 && j < cols; run, j = run-1, j+1 {
			ps[j].Convention = c
			switch {
			case tiny:
				ps[j].Scale = []float32{1e-35, 0x1p-101, 0x1p101, 3e37}[rng.IntN(4)]
			case rng.IntN(2) == 0:
				// A random valid scale: any sign-less normal above 2^-103.
				e := 24 + rng.IntN(230)
				ps[j].Scale = math.Float32frombits(uint32(e)<<23 | rng.Uint32N(1<<23))
			}
		}
	}
	return ps
}

// TestQuantizeColumnsRuns holds every implementation's per-column quantize
// kernels (quantizeColumnsI8/U8) to the generic one on matrices whose
// columns come in long runs of one Convention and quotient, with specials
// in the data, and checks nothing is written past dst.
func TestQuantizeColumnsRuns(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	rowsList, colsList := []int{1, 3, 4, 5, 9}, []int{1, 15, 16, 17, 31, 33, 100, 128, 129, 130, 143, 144, 145, 200, 257, 300}
	if testing.Short() {
		rowsList, colsList = []int{3, 5}, []int{15, 17, 33, 129, 145, 257}
	}
	for _, rows := range rowsList {
		for _, cols := range colsList {
			for _, maxRun := range []int{cols, 40, 17} {
				n := rows * cols
				src := grpRandData(rng, n, true)
				for _, m := range grpTestImpls() {
					name := fmt.Sprintf("%s/%dx%d/run%d", m.Name(), rows, cols, maxRun)
					checkColumns(t, name+" i8", m.k.quantizeColumnsI8, genericKernels.quantizeColumnsI8, src, cols, colRunParams(rng, cols, maxRun, -128, 127))
					checkColumns(t, name+" u8", m.k.quantizeColumnsU8, genericKernels.quantizeColumnsU8, src, cols, colRunParams(rng, cols, maxRun, 0, 255))
				}
			}
		}
	}
}

// checkColumns requires kernel to write what ref writes for src, cols,
// ps, and nothing past the end of dst.
func checkColumns[T int8 | uint8](t *testing.T, name string, kernel, ref func([]T, []float32, int, []Params), src []float32, cols int, ps []Params) {
	t.Helper()
	n := len(src)
	want := make([]T, n)
	ref(want, src, cols, ps)
	got := make([]T, n+3)
	for i := range got {
		got[i] = grpCanary
	}
	kernel(got[:n], src, cols, ps)
	require.Equal(t, want, got[:n], name)
	require.Equal(t, []T{grpCanary, grpCanary, grpCanary}, got[n:], name)
}

// TestQuantizeColumnsAllocs: QuantizeLayout per column, with one
// Convention or runs of each, allocates nothing (the per-column kernels
// keep their tables on the stack).
func TestQuantizeColumnsAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 18))
	l := PerColumn(64, 300)
	src := grpRandData(rng, l.Len(), true)
	d8 := make([]int8, len(src))
	for _, c := range []Convention{Seed, ONNX, PyTorch, 255} {
		ps := grpRandParams(rng, l.NumParams(), -128, 127)
		for i := range ps {
			ps[i].Convention = c
			if c == 255 { // runs of each convention in one call
				ps[i].Convention = Convention(i / 100)
			}
		}
		for _, m := range grpTestImpls() {
			assert.Zero(t, testing.AllocsPerRun(5, func() { m.QuantizeLayoutI8(d8, src, l, ps) }), "%s %v", m.Name(), c)
		}
	}
}

// TestSweepTiesColumns holds every implementation's per-column kernels to
// the generic one on the inputs near the rounding ties of each sweep case
// (TieRanges, radius 64; under -short radius 16 and every 8th case;
// QUANT_EXHAUSTIVE=ties: every case, with
// QUANT_EXHAUSTIVE_RADIUS, default 4096): 17 columns with the case's
// Params (a whole group and a ragged one), row r holding the inputs
// r, r+1, ..., r+16 of the list (mod its length), so that each input
// meets every lane.
func TestSweepTiesColumns(t *testing.T) {
	radius, every := uint32(64), 1
	if testing.Short() {
		radius, every = 16, 8
	}
	if os.Getenv("QUANT_EXHAUSTIVE") == "ties" {
		radius, every = 4096, 1
		if r := os.Getenv("QUANT_EXHAUSTIVE_RADIUS"); r != "" {
			v, err := strconv.ParseUint(r, 10, 32)
			require.NoError(t, err)
			radius = uint32(v)
		}
	}
	const cols = 17
	for i, c := range sweepCases() {
		if i%every != 0 {
			continue
		}
		var xs []float32
		for _, r := range TieRanges(c.p, radius) {
			for b := r.From; b < r.To; b++ {
				xs = append(xs, math.Float32frombits(uint32(b)))
			}
		}
		src := make([]float32, len(xs)*cols)
		for r := range xs {
			for j := range cols {
				src[r*cols+j] = xs[(r+j)%len(xs)]
			}
		}
		ps := make([]Params, cols)
		for j := range ps {
			ps[j] = c.p
		}
		for _, m := range Supported() {
			name := m.Name() + "/" + c.name
			if c.signed {
				checkColumns(t, name, m.k.quantizeColumnsI8, genericKernels.quantizeColumnsI8, src, cols, ps)
			} else {
				checkColumns(t, name, m.k.quantizeColumnsU8, genericKernels.quantizeColumnsU8, src, cols, ps)
			}
		}
	}
}
