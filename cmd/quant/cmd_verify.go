package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/quantkernel/quant"
	"github.com/quantkernel/quant/internal/cpuinfo"
)

// kernelSet is what verify calls: the methods of *quant.Impl (which check
// lengths and Params, then run the raw kernels).
type kernelSet interface {
	Name() string
	QuantizeU8(dst []uint8, src []float32, p quant.Params)
	QuantizeI8(dst []int8, src []float32, p quant.Params)
	DequantizeU8(dst []float32, src []uint8, p quant.Params)
	DequantizeI8(dst []float32, src []int8, p quant.Params)
	MinMax(src []float32) (lo, hi float32, finite bool)
	AbsMax(src []float32) float32
	QuantError(src []float32, p quant.Params) float64
	SquaredError(a, b []float32) float64
}

// verifyFailed is the error of a verify run that found mismatches.
type verifyFailed struct{ mismatches int }

func (v *verifyFailed) Error() string {
	return fmt.Sprintf("%d mismatches with generic", v.mismatches)
}

func runVerify(e *env, args []string) error {
	if exhaustiveRequested(args) {
		return runVerifyExhaustive(e, args) // cmd_verify_exhaustive.go
	}
	fs := newFlags(e, "verify", "verify [-duration 30s] [-seed N]",
		"  quant verify                  # 30 s of random and special inputs\n  quant verify -duration 5m -seed 7")
	dur := fs.Duration("duration", 30*time.Second, "how long to run")
	seed := fs.Uint64("seed", 0, "seed of the input generator (0: from the clock)")
	pos, err := parse(fs, e, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("verify takes no arguments (got %s)", strings.Join(pos, " "))
	}
	if *dur <= 0 {
		return usagef("-duration %v must be positive", *dur)
	}
	if *seed == 0 {
		*seed = uint64(time.Now().UnixNano())
	}
	ref, err := quant.Lookup("generic")
	if err != nil {
		return err
	}
	var impls []kernelSet
	for _, m := range quant.Supported() {
		if m.Name() != "generic" {
			impls = append(impls, m)
		}
	}
	w := e.stdout
	fmt.Fprintf(w, "CPU: %s\n", cpuinfo.CPU().Brand)
	fmt.Fprintf(w, "Reference: generic. Compared with it: %s. Seed %d, for %v.\n", namesOf(impls), *seed, *dur)
	v := newVerifier(ref, impls, *seed)
	v.runFor(*dur)
	fmt.Fprintf(w, "%-28s %12s %12s\n", "implementation", "executions", "mismatches")
	fmt.Fprintf(w, "%-28s %12d %12d\n", "generic vs Params (1 element)", v.execs["generic"], v.mismatches["generic"])
	for _, m := range impls {
		fmt.Fprintf(w, "%-28s %12d %12d\n", m.Name()+" vs generic", v.execs[m.Name()], v.mismatches[m.Name()])
	}
	if len(impls) == 0 {
		fmt.Fprintln(w, "No SIMD implementation is supported on this CPU: only the reference's self-consistency was checked.")
	}
	for _, s := range v.examples {
		fmt.Fprintln(w, "MISMATCH "+s)
	}
	if v.total > 0 {
		return &verifyFailed{v.total}
	}
	fmt.Fprintln(w, "OK: every result was bitwise identical.")
	return nil
}

func namesOf(ks []kernelSet) string {
	if len(ks) == 0 {
		return "none (no other implementation is supported here)"
	}
	var s []string
	for _, k := range ks {
		s = append(s, k.Name())
	}
	return strings.Join(s, ", ")
}

// maxExamples bounds the mismatches printed in detail.
const maxExamples = 10

type verifier struct {
	ref        kernelSet
	impls      []kernelSet
	r          *rand.Rand
	execs      map[string]int
	mismatches map[string]int
	total      int
	examples   []string
}

func newVerifier(ref kernelSet, impls []kernelSet, seed uint64) *verifier {
	return &verifier{ref: ref, impls: impls, r: rand.New(rand.NewPCG(seed, 0x51ed270b27e5a4c1)),
		execs: map[string]int{}, mismatches: map[string]int{}}
}

func (v *verifier) runFor(d time.Duration) {
	deadline := time.Now().Add(d)
	for i := 0; ; i++ {
		if i%16 == 0 && time.Now().After(deadline) {
			return
		}
		v.round()
	}
}

func (v *verifier) fail(name, format string, args ...any) {
	v.mismatches[name]++
	v.total++
	if len(v.examples) < maxExamples {
		v.examples = append(v.examples, name+" "+fmt.Sprintf(format, args...))
	}
}

// specials are the values every case draws from besides random ones.
var specials = []uint32{
	0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7fa00000, 0x7fffffff, 0xffffffff, 0x7fc00001, // NaN payloads
	0x7f800000, 0xff800000, // ±Inf
	0x00000000, 0x80000000, // ±0
	0x00000001, 0x80000001, 0x007fffff, 0x807fffff, 0x00400000, // subnormals
	0x00800000, 0x80800000, // smallest normals
	0x7f7fffff, 0xff7fffff, // ±MaxFloat32
	0x4f000000, 0xcf000000, 0x4effffff, 0xceffffff, // ±2^31 and just below
	0x3f000000, 0xbf000000, 0x3fc00000, 0xbfc00000, 0x40200000, 0xc0200000, // ±0.5, ±1.5, ±2.5
}

// genParams draws valid Params: scale 2^[-20, 20) with a random mantissa,
// a zero point mostly near the bounds, random bounds inside the type.
func (v *verifier) genParams(signed bool) quant.Params {
	r := v.r
	for {
		p := quant.Params{Convention: quant.Convention(r.IntN(3))}
		p.Scale = float32(math.Ldexp(1+r.Float64(), r.IntN(40)-20))
		if r.IntN(8) == 0 {
			p.Scale = float32(math.Ldexp(1, r.IntN(250)-125)) // extreme scales
		}
		lo, hi := int32(0), int32(255)
		if signed {
			lo, hi = -128, 127
		}
		if r.IntN(3) == 0 {
			a, b := lo+r.Int32N(hi-lo+1), lo+r.Int32N(hi-lo+1)
			lo, hi = min(a, b), max(a, b)
		}
		p.Lo, p.Hi = lo, hi
		switch r.IntN(4) {
		case 0:
			p.Zero = 0
		case 1:
			p.Zero = r.Int32N(2*quant.MaxZero+1) - quant.MaxZero
		default:
			p.Zero = r.Int32N(600) - 300
		}
		if p.Validate() == nil {
			return p
		}
	}
}

// genInput fills x with a mix of values near the quantization grid of p
// (ties x = (k+0.5)*s and their neighbours), random bit patterns and
// specials.
func (v *verifier) genInput(x []float32, p quant.Params) {
	r := v.r
	mode := r.IntN(4)
	for i := range x {
		switch {
		case mode == 0 || r.IntN(16) == 0:
			x[i] = math.Float32frombits(specials[r.IntN(len(specials))])
		case mode == 1:
			x[i] = math.Float32frombits(r.Uint32())
		default:
			k := float32(r.IntN(600) - 300 - int(p.Zero))
			t := float32(float32(k+0.5) * p.Scale)
			switch r.IntN(4) {
			case 0:
				t = math.Nextafter32(t, float32(math.Inf(1)))
			case 1:
				t = math.Nextafter32(t, float32(math.Inf(-1)))
			case 2:
				t = float32(float32(k) * p.Scale)
			}
			x[i] = t
		}
	}
}

func (v *verifier) length() int {
	switch v.r.IntN(10) {
	case 0:
		return v.r.IntN(5000)
	case 1:
		return v.r.IntN(17)
	}
	return v.r.IntN(301)
}

// round runs one random case through every kernel of every implementation.
func (v *verifier) round() {
	r := v.r
	n := v.length()
	soff, doff := r.IntN(64), r.IntN(64)
	buf := make([]float32, soff+n)
	signed := r.IntN(2) == 0
	p := v.genParams(signed)
	src := buf[soff:]
	v.genInput(src, p)
	desc := func(kernel string, q quant.Params) string {
		return fmt.Sprintf("%s n=%d src+%d dst+%d params=%+v", kernel, n, soff, doff, q)
	}
	pu := p
	if signed { // U8 kernels need unsigned bounds
		pu = v.genParams(false)
	}

	codesU := make([]uint8, n)
	codesI := make([]int8, n)
	for i := range codesU {
		codesU[i] = uint8(r.Uint32())
		codesI[i] = int8(codesU[i])
	}
	v.checkReference(src, pu, toI8(p), codesU, codesI)

	other := make([]float32, n)
	v.genInput(other, p)

	for _, m := range v.impls {
		name := m.Name()
		v.execs[name]++
		func() {
			defer func() {
				if e := recover(); e != nil {
					v.fail(name, "%s: panic: %v", desc("?", p), e)
				}
			}()
			// Quantize: whole dst buffers (with guard bytes) must match.
			gu := guardU8(doff + n + 16)
			wu := guardU8(doff + n + 16)
			v.ref.QuantizeU8(wu[doff:doff+n], src, pu)
			m.QuantizeU8(gu[doff:doff+n], src, pu)
			if i := diffBytes(gu, wu); i >= 0 {
				v.fail(name, "%s: byte %d = %d, generic %d", desc("QuantizeU8", pu), i-doff, gu[i], wu[i])
			}
			gi := guardI8(doff + n + 16)
			wi := guardI8(doff + n + 16)
			v.ref.QuantizeI8(wi[doff:doff+n], src, toI8(p))
			m.QuantizeI8(gi[doff:doff+n], src, toI8(p))
			if i := diffI8(gi, wi); i >= 0 {
				v.fail(name, "%s: byte %d = %d, generic %d", desc("QuantizeI8", toI8(p)), i-doff, gi[i], wi[i])
			}
			// Dequantize: float bits of the whole buffers.
			gf := guardF32(doff + n + 16)
			wf := guardF32(doff + n + 16)
			v.ref.DequantizeU8(wf[doff:doff+n], codesU, p)
			m.DequantizeU8(gf[doff:doff+n], codesU, p)
			if i := diffF32(gf, wf); i >= 0 {
				v.fail(name, "%s: element %d = %#08x, generic %#08x", desc("DequantizeU8", p), i-doff, math.Float32bits(gf[i]), math.Float32bits(wf[i]))
			}
			gf, wf = guardF32(doff+n+16), guardF32(doff+n+16)
			v.ref.DequantizeI8(wf[doff:doff+n], codesI, p)
			m.DequantizeI8(gf[doff:doff+n], codesI, p)
			if i := diffF32(gf, wf); i >= 0 {
				v.fail(name, "%s: element %d = %#08x, generic %#08x", desc("DequantizeI8", p), i-doff, math.Float32bits(gf[i]), math.Float32bits(wf[i]))
			}
			// Reductions: bits of every result.
			glo, ghi, gfin := m.MinMax(src)
			wlo, whi, wfin := v.ref.MinMax(src)
			if math.Float32bits(glo) != math.Float32bits(wlo) || math.Float32bits(ghi) != math.Float32bits(whi) || gfin != wfin {
				v.fail(name, "%s: (%#08x, %#08x, %v), generic (%#08x, %#08x, %v)", desc("MinMax", p),
					math.Float32bits(glo), math.Float32bits(ghi), gfin, math.Float32bits(wlo), math.Float32bits(whi), wfin)
			}
			if g, w := m.AbsMax(src), v.ref.AbsMax(src); math.Float32bits(g) != math.Float32bits(w) {
				v.fail(name, "%s: %#08x, generic %#08x", desc("AbsMax", p), math.Float32bits(g), math.Float32bits(w))
			}
			if g, w := m.QuantError(src, p), v.ref.QuantError(src, p); math.Float64bits(g) != math.Float64bits(w) {
				v.fail(name, "%s: %#016x, generic %#016x", desc("QuantError", p), math.Float64bits(g), math.Float64bits(w))
			}
			if g, w := m.SquaredError(src, other), v.ref.SquaredError(src, other); math.Float64bits(g) != math.Float64bits(w) {
				v.fail(name, "%s: %#016x, generic %#016x", desc("SquaredError", p), math.Float64bits(g), math.Float64bits(w))
			}
		}()
	}
}

// checkReference compares the reference's array kernels with the
// one-element formulas Params.Quantize and Params.Dequantize.
func (v *verifier) checkReference(src []float32, pu, pi quant.Params, codesU []uint8, codesI []int8) {
	n := len(src)
	v.execs["generic"]++
	qu := make([]uint8, n)
	v.ref.QuantizeU8(qu, src, pu)
	for i, x := range src {
		if want := pu.Quantize(x); int32(qu[i]) != want {
			v.fail("generic", "QuantizeU8 n=%d params=%+v: element %d (x bits %#08x) = %d, Params.Quantize = %d", n, pu, i, math.Float32bits(x), qu[i], want)
			return
		}
	}
	qi := make([]int8, n)
	v.ref.QuantizeI8(qi, src, pi)
	for i, x := range src {
		if want := pi.Quantize(x); int32(qi[i]) != want {
			v.fail("generic", "QuantizeI8 n=%d params=%+v: element %d (x bits %#08x) = %d, Params.Quantize = %d", n, pi, i, math.Float32bits(x), qi[i], want)
			return
		}
	}
	du := make([]float32, n)
	v.ref.DequantizeU8(du, codesU, pu)
	for i, q := range codesU {
		if want := pu.Dequantize(int32(q)); math.Float32bits(du[i]) != math.Float32bits(want) {
			v.fail("generic", "DequantizeU8 n=%d params=%+v: element %d (q %d) = %#08x, Params.Dequantize = %#08x", n, pu, i, q, math.Float32bits(du[i]), math.Float32bits(want))
			return
		}
	}
	di := make([]float32, n)
	v.ref.DequantizeI8(di, codesI, pi)
	for i, q := range codesI {
		if want := pi.Dequantize(int32(q)); math.Float32bits(di[i]) != math.Float32bits(want) {
			v.fail("generic", "DequantizeI8 n=%d params=%+v: element %d (q %d) = %#08x, Params.Dequantize = %#08x", n, pi, i, q, math.Float32bits(di[i]), math.Float32bits(want))
			return
		}
	}
}

// toI8 returns p if its bounds fit int8, else p with bounds -128..127.
func toI8(p quant.Params) quant.Params {
	if p.ValidateI8() != nil {
		p.Lo, p.Hi = -128, 127
	}
	return p
}

const guardByte = 0xA5

func guardU8(n int) []uint8 {
	b := make([]uint8, n)
	for i := range b {
		b[i] = guardByte
	}
	return b
}

func guardI8(n int) []int8 {
	b := make([]int8, n)
	for i := range b {
		b[i] = int8(-91) // 0xA5
	}
	return b
}

func guardF32(n int) []float32 {
	b := make([]float32, n)
	for i := range b {
		b[i] = math.Float32frombits(0x7fa5a5a5) // a signalling NaN pattern
	}
	return b
}

func diffBytes(a, b []uint8) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

func diffI8(a, b []int8) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

func diffF32(a, b []float32) int {
	for i := range a {
		if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
			return i
		}
	}
	return -1
}
