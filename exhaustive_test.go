package quant

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sweepCase is one (scale, zero point, bounds, convention, signedness) of
// the exhaustive sweep.
type sweepCase struct {
	name   string
	p      Params
	signed bool
}

// sweepCases are the cases of TestExhaustive: powers of two, all-ones
// significands, the smallest and largest scales Validate accepts, the
// edges of exactDivScale and their neighbours, scales with inexact
// reciprocals, FBGEMM's 0.00214854861, random scales; each with several
// zero points and bounds, both signednesses and all three conventions.
func sweepCases() []sweepCase {
	up := func(s float32) float32 { return math.Nextafter32(s, math.MaxFloat32) }
	down := func(s float32) float32 { return math.Nextafter32(s, 0) }
	scales := []struct {
		name string
		s    float32
	}{
		{"1", 1}, {"2^-7", 0x1p-7}, {"2^20", 0x1p20},
		{"0x1.fffffep-1", 0x1.fffffep-1}, {"0x1.fffffep-9", 0x1.fffffep-9}, {"0x1.fffffep+30", 0x1.fffffep+30},
		{"min-normal 2^-126", 0x1p-126}, {"0x1.fffffep-126", 0x1.fffffep-126}, {"max-float", math.MaxFloat32},
		{"2^-100", 0x1p-100}, {"below-2^-100", down(0x1p-100)}, {"above-2^-100", up(0x1p-100)},
		{"2^100", 0x1p100}, {"below-2^100", down(0x1p100)}, {"above-2^100", up(0x1p100)},
		{"3", 3}, {"0.1", 0.1}, {"0.05", 0.05}, {"1/3", 1.0 / 3}, {"7e-3", 7e-3}, {"1.5e-30", 1.5e-30},
		{"fbgemm", 0.00214854861},
	}
	r := rand.New(rand.NewPCG(2024, 11))
	for range 6 {
		// a random significand and an exponent across the accepted range
		s := float32(math.Ldexp(1+r.Float64(), r.IntN(250)-126))
		if s > math.MaxFloat32/2 {
			s = 0x1.8p100
		}
		scales = append(scales, struct {
			name string
			s    float32
		}{fmt.Sprintf("random %x", s), s})
	}
	bounds := []struct {
		name   string
		signed bool
		z      int32
		lo, hi int32
	}{
		{"u8 z=128", false, 128, 0, 255},
		{"i8 z=0", true, 0, -128, 127},
		{"i8 z=-3 narrow", true, -3, -100, 90},
		{"u8 z=0", false, 0, 0, 255},
		{"u8 z=-40000", false, -40000, 0, 255},
		{"i8 z=8388608", true, MaxZero, -128, 127},
		{"u4 z=8", false, 8, 0, 15},
		{"i4 z=-1", true, -1, -8, 7},
		{"u8 z=32768", false, 32768, 0, 255},
	}
	var cs []sweepCase
	for i, sc := range scales {
		for j := range 3 { // three bound sets and all conventions, rotating
			b := bounds[(i*3+j)%len(bounds)]
			c := Convention((i + j) % 3)
			cs = append(cs, sweepCase{
				name:   fmt.Sprintf("s=%s/%s/%s", sc.name, b.name, c),
				p:      Params{Scale: sc.s, Zero: b.z, Lo: b.lo, Hi: b.hi, Convention: c},
				signed: b.signed,
			})
		}
	}
	return cs
}

// ciSweepCases are the two cases CI sweeps exhaustively: FBGEMM's scale
// (inexact reciprocal) with ONNX uint8, and 0.1 with Seed int8.
func ciSweepCases() []sweepCase {
	return []sweepCase{
		{"s=fbgemm/u8 z=128/onnx", Params{Scale: 0.00214854861, Zero: 128, Lo: 0, Hi: 255, Convention: ONNX}, false},
		{"s=0.1/i8 z=-3/seed", Params{Scale: 0.1, Zero: -3, Lo: -128, Hi: 127, Convention: Seed}, true},
	}
}

// TestExhaustive feeds every float32 bit pattern through every
// implementation this CPU supports and compares each output with the
// reference (Impl.Sweep). It runs only when QUANT_EXHAUSTIVE is set:
//
//	all   every case of sweepCases over all 2^32 inputs
//	ci    the two ciSweepCases over all 2^32 inputs
//	ties  every case over TieRanges: the reduced sweep (radius
//	      QUANT_EXHAUSTIVE_RADIUS, default 4096)
//
// QUANT_EXHAUSTIVE_MATCH, if set, keeps the cases whose name contains it.
func TestExhaustive(t *testing.T) {
	mode := os.Getenv("QUANT_EXHAUSTIVE")
	var cs []sweepCase
	full := true
	switch mode {
	case "":
		t.Skip("set QUANT_EXHAUSTIVE=all, ci or ties to run the exhaustive sweep")
	case "all":
		cs = sweepCases()
	case "ci":
		cs = ciSweepCases()
	case "ties":
		cs, full = sweepCases(), false
	default:
		t.Fatalf("QUANT_EXHAUSTIVE=%q: want all, ci or ties", mode)
	}
	match := os.Getenv("QUANT_EXHAUSTIVE_MATCH")
	radius := uint32(4096)
	if r := os.Getenv("QUANT_EXHAUSTIVE_RADIUS"); r != "" {
		v, err := strconv.ParseUint(r, 10, 32)
		if err != nil {
			t.Fatalf("QUANT_EXHAUSTIVE_RADIUS=%q: %v", r, err)
		}
		radius = uint32(v)
	}
	for _, m := range Supported() {
		if m.Name() == "generic" {
			continue // it is the reference
		}
		for _, c := range cs {
			if !strings.Contains(c.name, match) {
				continue
			}
			t.Run(m.Name()+"/"+c.name, func(t *testing.T) {
				rs := AllFloat32()
				if !full {
					rs = TieRanges(c.p, radius)
				}
				start := time.Now()
				res, err := m.Sweep(c.p, c.signed, rs, nil)
				if err != nil {
					t.Fatal(err)
				}
				t.Logf("%d inputs in %v", res.Checked, time.Since(start).Round(time.Millisecond))
				checkSweep(t, res)
			})
		}
	}
}

func checkSweep(t *testing.T, res SweepResult) {
	t.Helper()
	if res.Mismatches > 0 {
		for _, x := range res.First {
			t.Error(x)
		}
		t.Fatalf("%d mismatches in %d inputs", res.Mismatches, res.Checked)
	}
}

// TestSweepTies runs the reduced sweep (small radius) of every case on
// every supported implementation: always on, a few seconds.
func TestSweepTies(t *testing.T) {
	for _, m := range Supported() {
		for _, c := range sweepCases() {
			res, err := m.Sweep(c.p, c.signed, TieRanges(c.p, 64), nil)
			if err != nil {
				t.Fatalf("%s/%s: %v", m.Name(), c.name, err)
			}
			if res.Checked == 0 {
				t.Fatalf("%s/%s: nothing checked", m.Name(), c.name)
			}
			if res.Mismatches > 0 {
				t.Errorf("%s/%s: %d mismatches, first %v", m.Name(), c.name, res.Mismatches, res.First[0])
			}
		}
	}
}

// The sweep can fail: an implementation whose QuantizeU8 is off by one on
// one input, whose blocked and per-column kernels are wrong on others,
// and whose QuantError differs in one chunk is caught, each at the right
// place.
func TestSweepCatchesMutant(t *testing.T) {
	const bad = 0x3f800000 // 1.0
	k := genericKernels
	k.quantizeU8 = func(dst []uint8, src []float32, p Params) {
		quantize8Generic[uint8](dst, src, p)
		for i, x := range src {
			if math.Float32bits(x) == bad {
				dst[i]++
			}
		}
	}
	k.quantizeBlocksU8 = func(dst []uint8, src []float32, block int, ps []Params) {
		quantizeBlocks8Generic[uint8](dst, src, block, ps)
		for i, x := range src {
			if math.Float32bits(x) == bad+7 {
				dst[i]--
			}
		}
	}
	k.quantizeColumnsU8 = func(dst []uint8, src []float32, cols int, ps []Params) {
		composeColumns(quantizeBlocks8Generic[uint8])(dst, src, cols, ps)
		for i, x := range src {
			if math.Float32bits(x) == bad-9 {
				dst[i] = 0
			}
		}
	}
	k.quantError = func(src []float32, p Params) float64 {
		e := quantErrorGeneric(src, p)
		if len(src) > 0 && math.Float32bits(src[0]) == 0x40000000 {
			e = math.Nextafter(e, math.Inf(1))
		}
		return e
	}
	m := newTestImpl("mutant", k)
	p := Params{Scale: 0.01, Zero: 128, Lo: 0, Hi: 255, Convention: ONNX}
	res, err := m.Sweep(p, false, []BitRange{{bad - 100, bad + 100}, {0x40000000, 0x40000000 + 10}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Mismatch{
		{"QuantizeU8", bad, int32(p.Quantize(1)) + 1, p.Quantize(1)},
		{"QuantizeBlocks", bad + 7, p.Quantize(math.Float32frombits(bad+7)) - 1, p.Quantize(math.Float32frombits(bad + 7))},
		{"QuantizeColumns", bad - 9, 0, p.Quantize(math.Float32frombits(bad - 9))},
		{"QuantError", 0x40000000, 0, 0},
	}
	if res.Mismatches != 4 || res.Checked != 210 {
		t.Fatalf("got %d mismatches in %d inputs (%v), want 4 in 210", res.Mismatches, res.Checked, res.First)
	}
	for _, w := range want {
		found := false
		for _, g := range res.First {
			found = found || g == w
		}
		if !found {
			t.Errorf("mismatch %v not reported; got %v", w, res.First)
		}
	}
	if _, err := m.Sweep(Params{Scale: -1, Lo: 0, Hi: 255}, false, AllFloat32(), nil); err == nil {
		t.Error("Sweep accepted invalid Params")
	}
}

// quantErrorCodes, the sweep's reference sum, is quantErrorGeneric.
func TestSweepQuantErrorCodes(t *testing.T) {
	src := append(benchData(1000), float32(math.NaN()), float32(math.Inf(1)), 0, -1e30)
	for _, c := range sweepCases() {
		q := make([]int32, len(src))
		for i, x := range src {
			q[i] = c.p.Quantize(x)
		}
		got, want := quantErrorCodes(src, q, &c.p), quantErrorGeneric(src, c.p)
		if math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("%s: %v, want %v", c.name, got, want)
		}
	}
}
