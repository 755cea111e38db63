//go:build arm64 && gc && !purego

package quant

import (
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/cpu"
)

// These tests hold the NEON kernels to the generic reference bit for bit.
// They call both through the Impl methods (so the wrappers' length
// dispatch and tails are covered) on every length 0..300 at several
// offsets, over inputs that mix ordinary values with every special the
// arithmetic distinguishes.

// neonOrSkip returns the NEON implementation. It skips only when ASIMD is
// disabled (GODEBUG=cpu.asimd=off); TestNEONSelection checks that case.
func neonOrSkip(t *testing.T) *Impl {
	t.Helper()
	m, err := Lookup("neon")
	if err != nil {
		if cpu.ARM64.HasASIMD {
			t.Fatalf("ASIMD present but neon unavailable: %v", err)
		}
		t.Skip("ASIMD disabled (GODEBUG=cpu.asimd=off): TestNEONSelection covers this run")
	}
	return m
}

func genericImpl(t *testing.T) *Impl {
	t.Helper()
	m, err := Lookup("generic")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestNEONSelection(t *testing.T) {
	neon := neonImpl
	if !slices.Contains(Implementations(), neon) {
		t.Fatal("neon is not registered in this arm64 build")
	}
	if neon.Supported() != cpu.ARM64.HasASIMD {
		t.Fatalf("neon.Supported() = %v, cpu.ARM64.HasASIMD = %v", neon.Supported(), cpu.ARM64.HasASIMD)
	}
	off := strings.Contains(os.Getenv("GODEBUG"), "cpu.asimd=off") || strings.Contains(os.Getenv("GODEBUG"), "cpu.all=off")
	if off && neon.Supported() {
		t.Fatal("GODEBUG disables ASIMD but neon is still supported")
	}
	want := "neon"
	if !neon.Supported() {
		want = "generic"
	}
	if f := os.Getenv(EnvKernel); f != "" {
		if _, err := Lookup(f); err == nil {
			want = f
		}
	}
	if Active().Name() != want {
		t.Fatalf("Active() = %s (%s), want %s", Active().Name(), Selection(), want)
	}
}

var f32 = math.Float32frombits

// specials are the inputs every kernel must treat exactly like the
// reference: NaNs with various payloads (quiet, signalling, negative),
// infinities, signed zeros, subnormals, extremes.
var specials = []float32{
	f32(0x7FC00000), f32(0xFFC00000), f32(0x7F800001), f32(0xFF800001),
	f32(0x7FBFFFFF), f32(0x7FFFFFFF), f32(0xFFFFFFFF), f32(0x7FC00001),
	float32(math.Inf(1)), float32(math.Inf(-1)),
	0, f32(0x80000000),
	f32(1), f32(0x80000001), f32(0x007FFFFF), f32(0x807FFFFF), f32(0x00800000),
	math.MaxFloat32, -math.MaxFloat32, 1, -1, 0.5, -0.5,
}

// testParams lists quantization parameters: every bit width 2..8 in
// unsigned, signed and symmetric-signed form, zero points inside and
// outside the bounds and at ±MaxZero, scales from the smallest normal to
// huge, power-of-two scales (exact ties) and not.
func testParams(signed bool) []Params {
	var ps []Params
	scales := []float32{1, 0.5, 1.0 / 1024, 0.1, 0.0213, 3.7, 1e-30, 1e30, f32(0x00800000), 0.00214854861}
	i := 0
	for bits := 2; bits <= 8; bits++ {
		var bounds [][2]int32
		if signed {
			h := int32(1) << (bits - 1)
			bounds = [][2]int32{{-h, h - 1}, {-(h - 1), h - 1}}
		} else {
			bounds = [][2]int32{{0, int32(1)<<bits - 1}}
		}
		for _, b := range bounds {
			mid := (b[0] + b[1]) / 2
			for _, z := range []int32{0, mid, b[0], b[1], b[0] - 20, b[1] + 45, MaxZero, -MaxZero, 1000003} {
				s := scales[i%len(scales)]
				i++
				for c := Seed; c <= PyTorch; c++ {
					ps = append(ps, Params{Scale: s, Zero: z, Lo: b[0], Hi: b[1], Convention: c})
				}
			}
		}
	}
	// Narrow bounds inside the type.
	lo, hi := int32(3), int32(9)
	if signed {
		lo, hi = -7, 5
	}
	for c := Seed; c <= PyTorch; c++ {
		ps = append(ps, Params{Scale: 0.25, Zero: 4, Lo: lo, Hi: hi, Convention: c})
		ps = append(ps, Params{Scale: 0.03, Zero: -2, Lo: lo, Hi: lo, Convention: c})
	}
	return ps
}

// interesting returns values around the decision points of p: exact .5
// ties of each convention, the clamp edges, ±2^31·s and neighbours.
func interesting(p Params) []float32 {
	s := p.Scale
	inv := pytorchInv(s)
	z := float32(p.Zero)
	var v []float32
	add := func(x float32) {
		v = append(v, x, math.Nextafter32(x, float32(math.Inf(1))), math.Nextafter32(x, float32(math.Inf(-1))))
	}
	for _, k := range []float32{0, 1, 2, 3, -1, -2, -3, float32(p.Lo), float32(p.Hi), float32(p.Lo) - z, float32(p.Hi) - z} {
		for _, h := range []float32{0.5, -0.5, 0} {
			t := k + h
			add(t * s)             // ONNX tie: x/s = t when exact
			add(t / inv)           // PyTorch tie: x*inv = t when exact
			add((t - z) * s)       // Seed tie: x/s + z = t
			add(float32(t-z) * s)  // dequantized values
			add(float32(-t-z) * s) // and mirrored
		}
	}
	for _, e := range []float32{1 << 31, -(1 << 31), 1 << 24, -(1 << 24), 1 << 23} {
		add(e * s)
		add(e / inv)
	}
	return v
}

// fill writes n values into dst: mostly uniform over the quantization range
// widened by a margin, with specials and interesting values mixed in.
func fill(r *rand.Rand, dst []float32, p Params, extra []float32) {
	lo := (float64(p.Lo-p.Zero) - 3) * float64(p.Scale)
	hi := (float64(p.Hi-p.Zero) + 3) * float64(p.Scale)
	for i := range dst {
		switch u := r.IntN(16); {
		case u == 0:
			dst[i] = specials[r.IntN(len(specials))]
		case u <= 3 && len(extra) > 0:
			dst[i] = extra[r.IntN(len(extra))]
		default:
			dst[i] = float32(lo + (hi-lo)*r.Float64())
		}
	}
}

const maxLen = 300

// offsets are the element offsets of the slices into their buffers.
var offsets = []int{0, 1, 3, 5}

func TestNEONQuantizeBitwise(t *testing.T) {
	neon, gen := neonOrSkip(t), genericImpl(t)
	r := rand.New(rand.NewPCG(1, 2))
	for _, signed := range []bool{false, true} {
		ps := testParams(signed)
		extras := make([][]float32, len(ps))
		for i, p := range ps {
			extras[i] = interesting(p)
		}
		buf := make([]float32, maxLen+8)
		got8, want8 := make([]byte, maxLen+8), make([]byte, maxLen+8)
		for n := 0; n <= maxLen; n++ {
			for oi, off := range offsets {
				// All params at a few lengths, a rotating subset elsewhere.
				pis := []int{(n*len(offsets) + oi) % len(ps), (n*7 + oi*13 + 5) % len(ps)}
				if n%37 == 16 || n == maxLen {
					pis = pis[:0]
					for i := range ps {
						pis = append(pis, i)
					}
				}
				for _, pi := range pis {
					p := ps[pi]
					src := buf[off : off+n]
					fill(r, src, p, extras[pi])
					for i := range got8 {
						got8[i], want8[i] = 0xA5, 0xA5
					}
					if signed {
						gs, ws := unsafeInt8(got8), unsafeInt8(want8)
						neon.QuantizeI8(gs[off:off+n], src, p)
						gen.QuantizeI8(ws[off:off+n], src, p)
					} else {
						neon.QuantizeU8(got8[off:off+n], src, p)
						gen.QuantizeU8(want8[off:off+n], src, p)
					}
					for i := range got8 {
						if got8[i] != want8[i] {
							j := i - off
							x := float32(math.NaN())
							if j >= 0 && j < n {
								x = src[j]
							}
							t.Fatalf("signed=%v n=%d off=%d %+v: element %d (x=%g bits %#08x): neon %d, generic %d",
								signed, n, off, p, j, x, math.Float32bits(x), got8[i], want8[i])
						}
					}
				}
			}
		}
	}
}

// unsafeInt8 views b as []int8 (same size, same memory).
func unsafeInt8(b []byte) []int8 {
	return unsafe.Slice((*int8)(unsafe.Pointer(unsafe.SliceData(b))), len(b))
}

func TestNEONDequantizeBitwise(t *testing.T) {
	neon, gen := neonOrSkip(t), genericImpl(t)
	r := rand.New(rand.NewPCG(3, 4))
	ps := append(testParams(false), testParams(true)...)
	q := make([]byte, maxLen+8)
	got, want := make([]float32, maxLen+8), make([]float32, maxLen+8)
	for n := 0; n <= maxLen; n++ {
		for _, off := range offsets {
			for _, pi := range []int{(n*5 + off) % len(ps), (n*11 + off*3 + 1) % len(ps)} {
				p := ps[pi]
				for i := range q {
					q[i] = byte(r.Uint32())
				}
				for i := range got {
					got[i], want[i] = f32(0x7FA5A5A5), f32(0x7FA5A5A5)
				}
				neon.DequantizeU8(got[off:off+n], q[off:off+n], p)
				gen.DequantizeU8(want[off:off+n], q[off:off+n], p)
				compareF32(t, "DequantizeU8", n, off, p, got, want)
				for i := range got {
					got[i], want[i] = f32(0x7FA5A5A5), f32(0x7FA5A5A5)
				}
				qi := unsafeInt8(q)
				neon.DequantizeI8(got[off:off+n], qi[off:off+n], p)
				gen.DequantizeI8(want[off:off+n], qi[off:off+n], p)
				compareF32(t, "DequantizeI8", n, off, p, got, want)
			}
		}
	}
}

func compareF32(t *testing.T, fn string, n, off int, p Params, got, want []float32) {
	t.Helper()
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s n=%d off=%d %+v: element %d: neon %#08x, generic %#08x", fn, n, off, p, i-off,
				math.Float32bits(got[i]), math.Float32bits(want[i]))
		}
	}
}

// reductionInputs returns inputs of length n for MinMax and AbsMax: random
// data with specials at random places, all-NaN (quiet, signalling), all
// zeros of either sign, and a single special at every position class
// (start, body, the part only the overlapping last block sees).
func reductionInputs(r *rand.Rand, n int) [][]float32 {
	var ins [][]float32
	gen := func(f func(i int) float32) {
		x := make([]float32, n)
		for i := range x {
			x[i] = f(i)
		}
		ins = append(ins, x)
	}
	gen(func(int) float32 { return float32(r.NormFloat64()) })
	gen(func(int) float32 {
		if r.IntN(8) == 0 {
			return specials[r.IntN(len(specials))]
		}
		return float32(r.NormFloat64() * 1e3)
	})
	for _, c := range []float32{f32(0x7FC00000), f32(0x7F800001), f32(0xFF800001), 0, f32(0x80000000), f32(1)} {
		gen(func(int) float32 { return c })
	}
	gen(func(i int) float32 {
		if i%2 == 0 {
			return f32(0x80000000)
		}
		return 0
	})
	gen(func(i int) float32 {
		if i%3 == 0 {
			return f32(0x7F800001)
		}
		return -float32(i)
	})
	if n > 0 {
		for _, pos := range []int{0, n / 2, n - 1, n - 1 - n%16} {
			if pos < 0 {
				continue
			}
			for _, sp := range specials {
				x := make([]float32, n)
				for i := range x {
					x[i] = float32(r.NormFloat64())
				}
				x[pos] = sp
				ins = append(ins, x)
			}
		}
	}
	return ins
}

func TestNEONReductionsBitwise(t *testing.T) {
	neon, gen := neonOrSkip(t), genericImpl(t)
	r := rand.New(rand.NewPCG(5, 6))
	for n := 0; n <= maxLen; n++ {
		for _, off := range []int{0, 3} {
			for k, in := range reductionInputs(r, n) {
				buf := make([]float32, n+off)
				copy(buf[off:], in)
				x := buf[off:]
				glo, ghi, gf := neon.MinMax(x)
				wlo, whi, wf := gen.MinMax(x)
				if math.Float32bits(glo) != math.Float32bits(wlo) || math.Float32bits(ghi) != math.Float32bits(whi) || gf != wf {
					t.Fatalf("MinMax n=%d off=%d input %d: neon (%#08x, %#08x, %v), generic (%#08x, %#08x, %v)", n, off, k,
						math.Float32bits(glo), math.Float32bits(ghi), gf, math.Float32bits(wlo), math.Float32bits(whi), wf)
				}
				ga, wa := neon.AbsMax(x), gen.AbsMax(x)
				if math.Float32bits(ga) != math.Float32bits(wa) {
					t.Fatalf("AbsMax n=%d off=%d input %d: neon %#08x, generic %#08x", n, off, k, math.Float32bits(ga), math.Float32bits(wa))
				}
			}
		}
	}
}

func TestNEONSumsBitwise(t *testing.T) {
	neon, gen := neonOrSkip(t), genericImpl(t)
	r := rand.New(rand.NewPCG(7, 8))
	ps := append(testParams(false), testParams(true)...)
	a, b := make([]float32, maxLen+8), make([]float32, maxLen+8)
	for n := 0; n <= maxLen; n++ {
		for oi, off := range offsets {
			p := ps[(n*len(offsets)+oi)%len(ps)]
			fill(r, a[off:off+n], p, interesting(p))
			// Mostly finite: a NaN anywhere makes both sums NaN.
			for i := off; i < off+n; i++ {
				if a[i] != a[i] && r.IntN(4) != 0 {
					a[i] = float32(i)
				}
				b[i] = a[i] + float32(r.NormFloat64())*p.Scale
			}
			x, y := a[off:off+n], b[off:off+n]
			if g, w := neon.QuantError(x, p), gen.QuantError(x, p); math.Float64bits(g) != math.Float64bits(w) {
				t.Fatalf("QuantError n=%d off=%d %+v: neon %v (%#016x), generic %v (%#016x)", n, off, p, g, math.Float64bits(g), w, math.Float64bits(w))
			}
			if g, w := neon.SquaredError(x, y), gen.SquaredError(x, y); math.Float64bits(g) != math.Float64bits(w) {
				t.Fatalf("SquaredError n=%d off=%d: neon %v (%#016x), generic %v (%#016x)", n, off, g, math.Float64bits(g), w, math.Float64bits(w))
			}
		}
	}
}

// TestNEONSumOrder pins the lane order: terms of wildly different size
// make any other order or tree give a different float64.
func TestNEONSumOrder(t *testing.T) {
	neon, gen := neonOrSkip(t), genericImpl(t)
	for n := 16; n <= 80; n++ {
		a, b := make([]float32, n), make([]float32, n)
		for i := range a {
			a[i] = float32(math.Ldexp(1+float64(i)/7, (i*37)%60-30))
		}
		g, w := neon.SquaredError(a, b), gen.SquaredError(a, b)
		if math.Float64bits(g) != math.Float64bits(w) {
			t.Fatalf("n=%d: neon %v, generic %v", n, g, w)
		}
	}
}

func TestNEONParamsSweep(t *testing.T) {
	// Every valid bound pair of a few kinds at one length with a tail,
	// in all conventions: the constants reach the right lanes.
	neon, gen := neonOrSkip(t), genericImpl(t)
	r := rand.New(rand.NewPCG(9, 10))
	const n = 37
	src := make([]float32, n)
	got, want := make([]int8, n), make([]int8, n)
	for lo := int32(-128); lo <= 127; lo += 5 {
		for hi := lo; hi <= 127; hi += 7 {
			for c := Seed; c <= PyTorch; c++ {
				p := Params{Scale: 0.7, Zero: (lo + hi) / 3, Lo: lo, Hi: hi, Convention: c}
				fill(r, src, p, specials)
				neon.QuantizeI8(got, src, p)
				gen.QuantizeI8(want, src, p)
				for i := range got {
					if got[i] != want[i] {
						t.Fatalf("%+v element %d (x=%g): neon %d, generic %d", p, i, src[i], got[i], want[i])
					}
				}
			}
		}
	}
}
