package quant

// Differential test harness: every implementation the running CPU supports
// is compared with generic, bit for bit, through the *Impl methods.
//
// Reusable helpers (for new kernels and other test files):
//
//	forEachImpl(t, fn)        runs fn as a subtest for every supported
//	                          implementation other than generic (skips,
//	                          saying so, if there is none)
//	refImpl()                 the generic reference *Impl
//	bitsEqual32/bitsEqual64   float equality by bits (NaN payloads, ±0)
//	newBuf[T](n, off, pat)    a buffer whose window of n elements starts
//	                          off elements past a 64-byte boundary, with
//	                          guardLen elements either side, filled from a
//	                          pattern; .window(), .check(what) compares
//	                          with the snapshot taken at set-up
//	srcBuf(vals, off)         vals placed at offset off, surrounded by
//	                          poison (±Inf, ±MaxFloat32) that any over-read
//	                          reduction would notice; check() verifies
//	                          neither vals nor poison changed
//	dstBuf[T](n, off, salt)   a dst window pre-filled, like its guards,
//	                          with a salted sentinel pattern (signalling
//	                          NaNs for float32); check() verifies the guards
//	diffQuantizeU8/I8, diffDequantizeU8/I8, diffMinMax, diffAbsMax,
//	diffQuantError, diffSquaredError
//	                          run generic and m on the same placed input and
//	                          return a descriptive error on the first
//	                          mismatch (bits, guards, src modified, panic)
//	floatKernels              the float-input kernels as a table (name,
//	                          whether Params matter, which Params fit,
//	                          check function), used by the sweeps
//	errs                      collects up to 8 errors (.add, .err)
//	call(f)                   runs f, turning a panic (or a fault, with
//	                          debug.SetPanicOnFault) into an error
//	sweep(short)              lengths, offsets and lane positions of the
//	                          full or -short sweeps; seq(a, b)
//	suitePerKernel, runLengthsOffsets, runSpecialLanes, suiteParams, ...
//	                          the sweeps as functions returning errors
//	masterInputs(p, n, seed)  mixed (specials sprinkled) and finite inputs
//	specialValues(), paramSpecials(p), tieInput, preRound, randFloats,
//	randBits, paramsTable, representativeParams, nanBits32, fbits
//	                          input and parameter generators (specials_test.go)
//	mutantImpl(name, edit)    generic with some kernels replaced, and the
//	                          mutants table; suitesFor/runSuite with
//	                          abortOnFirst (mutant_test.go)
//	newGuardRegion, guardTail, guardHead, suiteGuardPages
//	                          PROT_NONE-bounded memory (guardpage_linux_test.go)
//	decodeFuzz, encodeFuzz, fuzzCheck, fuzzCorpus
//	                          fuzz input format and seeds (fuzz_test.go,
//	                          fuzz_corpus_test.go)
//
// To put a new kernel under the harness: add a diffX function built like
// diffQuantize (generic via refImpl, m on guarded buffers, compare bits,
// check guards and src), a sweep (or a floatKernels entry if it has the
// float-input shape), at least one mutant it must catch, and a fuzz target.
//
// The diff functions return errors instead of failing a testing.T so that
// TestHarnessCatchesMutants can prove each of them detects broken kernels.

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"unsafe"

	"github.com/quantkernel/quant/internal/cpuinfo"
)

// refImpl returns the generic reference implementation.
func refImpl() *Impl { return registry[0] }

// forEachImpl runs fn as a subtest for every implementation this CPU
// supports other than generic.
func forEachImpl(t *testing.T, fn func(t *testing.T, m *Impl)) {
	t.Helper()
	ran := false
	for _, m := range Supported() {
		if m == refImpl() {
			continue
		}
		ran = true
		t.Run(m.Name(), func(t *testing.T) { fn(t, m) })
	}
	if !ran {
		var names []string
		for _, m := range Implementations() {
			names = append(names, fmt.Sprintf("%s(supported=%v)", m.Name(), m.Supported()))
		}
		t.Skipf("no implementation other than generic runs on this CPU; registered: %s", strings.Join(names, ", "))
	}
}

func bitsEqual32(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }
func bitsEqual64(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

type elem interface{ ~uint8 | ~int8 | ~float32 }

func sameBits[T elem](a, b T) bool {
	if x, ok := any(a).(float32); ok {
		return bitsEqual32(x, any(b).(float32))
	}
	return a == b
}

func fmtElem[T elem](v T) string {
	if x, ok := any(v).(float32); ok {
		return fmt.Sprintf("%v(%#08x)", x, math.Float32bits(x))
	}
	return fmt.Sprint(v)
}

// guardLen is the number of guard elements before and after every window.
const guardLen = 64

// buf is a window of n elements inside a larger slice, starting off
// elements past a 64-byte boundary, with guardLen guard elements on each
// side. snap is a copy of all as it was set up; check compares with it.
type buf[T elem] struct {
	all   []T
	snap  []T
	start int
	n     int
	src   bool // the window is an input: it must not change either
}

// newBuf lays out a buffer for n elements at offset off and fills it from
// pattern (len(pattern) >= the buffer's length).
func newBuf[T elem](n, off int, pattern func(size int) []T) *buf[T] {
	var z T
	size := int(unsafe.Sizeof(z))
	all := make([]T, guardLen+64/size+off+n+guardLen)
	base := guardLen
	for uintptr(unsafe.Pointer(&all[base]))%64 != 0 {
		base++
	}
	all = all[:base+off+n+guardLen]
	copy(all, pattern(len(all)))
	return &buf[T]{all: all, start: base + off, n: n}
}

// window is the n-element window; its capacity extends into the trailing
// guard, so a kernel that writes past len is caught by check.
func (b *buf[T]) window() []T { return b.all[b.start : b.start+b.n] }

// setWindow copies vals into the window and marks it as an input.
func (b *buf[T]) setWindow(vals []T) {
	copy(b.window(), vals)
	b.src = true
	b.freeze()
}

func (b *buf[T]) freeze() { b.snap = slices.Clone(b.all) }

func asBytes[T elem](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(z)))
}

// check reports guard elements that changed, and for a source, window
// elements that changed.
func (b *buf[T]) check(what string) error {
	end := b.start + b.n
	if b.src {
		if bytes.Equal(asBytes(b.all), asBytes(b.snap)) {
			return nil
		}
	} else if bytes.Equal(asBytes(b.all[:b.start]), asBytes(b.snap[:b.start])) &&
		bytes.Equal(asBytes(b.all[end:]), asBytes(b.snap[end:])) {
		return nil
	}
	for i, v := range b.all {
		if sameBits(v, b.snap[i]) {
			continue
		}
		if i >= b.start && i < end {
			if b.src {
				return fmt.Errorf("%s[%d] was modified: %s, was %s", what, i-b.start, fmtElem(v), fmtElem(b.snap[i]))
			}
			continue
		}
		rel := i - b.start
		if i >= end {
			rel = i - end
		}
		side := map[bool]string{true: "before the start", false: "past the end"}[i < b.start]
		return fmt.Errorf("%s guard element %d %s was overwritten: %s, sentinel %s",
			what, abs(rel), side, fmtElem(v), fmtElem(b.snap[i]))
	}
	return nil
}

func abs(i int) int { return max(i, -i) }

// patterns caches long fill patterns by name, grown on demand.
var (
	patternsMu sync.Mutex
	patterns   = map[string]any{}
)

func pattern[T elem](name string, size int, gen func(i int) T) []T {
	patternsMu.Lock()
	defer patternsMu.Unlock()
	p, _ := patterns[name].([]T)
	if len(p) < size {
		p = make([]T, max(size, 2*len(p), 4096))
		for i := range p {
			p[i] = gen(i)
		}
		patterns[name] = p
	}
	return p[:size]
}

// poison is the source guard pattern: a reduction that over-reads sees
// ±Inf or ±MaxFloat32 and changes its result.
func poison(i int) float32 {
	return [...]float32{float32(math.Inf(1)), -math.MaxFloat32, float32(math.Inf(-1)), math.MaxFloat32}[i%4]
}

// srcBuf places vals at offset off inside poison (float32) or a byte
// pattern.
func srcBuf[T elem](vals []T, off int) *buf[T] {
	b := newBuf(len(vals), off, func(size int) []T {
		var z T
		if _, ok := any(z).(float32); ok {
			return any(pattern("poison", size, poison)).([]T)
		}
		return pattern(fmt.Sprintf("src%T", z), size, func(i int) T { return T(uint8(0x5A ^ i*0x11)) })
	})
	b.setWindow(vals)
	return b
}

// dstBuf is an n-element destination at offset off whose window and
// guards hold a sentinel pattern that varies with the position and salt:
// bytes, or signalling NaNs for float32 (which Dequantize never produces).
func dstBuf[T elem](n, off int, salt uint32) *buf[T] {
	sh := int(salt % 251)
	b := newBuf(n, off, func(size int) []T {
		var z T
		var p []T
		if _, ok := any(z).(float32); ok {
			p = any(pattern("dstf32", size+251, func(i int) float32 {
				return fbits(0x7F800001 | (uint32(i)*0x9E3779B1)&0x3FFFFF)
			})).([]T)
		} else {
			p = pattern(fmt.Sprintf("dst%T", z), size+251, func(i int) T { return T(uint8(0xA5 ^ uint32(i)*0x3B ^ uint32(i>>8)*0x95)) })
		}
		return p[sh : sh+size]
	})
	b.freeze()
	return b
}

// call runs f and turns a panic into an error.
func call(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if f, ok := r.(interface{ Addr() uintptr }); ok {
				err = fmt.Errorf("panic: %v (fault address %#x)", r, f.Addr())
				return
			}
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	f()
	return nil
}

func describe(kernel string, m *Impl, p *Params, n int, offs string) string {
	s := fmt.Sprintf("%s %s n=%d %s", m.Name(), kernel, n, offs)
	if p != nil {
		s += fmt.Sprintf(" params{Scale:%v(%#08x) Zero:%d Lo:%d Hi:%d %v}", p.Scale, math.Float32bits(p.Scale), p.Zero, p.Lo, p.Hi, p.Convention)
	}
	return s
}

// diffQuantize runs generic and m's quantizer on src into a guarded dst
// at offset dOff and compares.
func diffQuantize[T uint8 | int8](kernel string, m *Impl, q func(*Impl, []T, []float32, Params), src *buf[float32], p Params, dOff int, salt uint32) error {
	in := src.window()
	want := make([]T, len(in))
	if err := call(func() { q(refImpl(), want, in, p) }); err != nil {
		return fmt.Errorf("%s: generic: %v", describe(kernel, m, &p, len(in), ""), err)
	}
	d := dstBuf[T](len(in), dOff, salt)
	where := func() string {
		return describe(kernel, m, &p, len(in), fmt.Sprintf("srcOff=%d dstOff=%d", src.start%64, dOff))
	}
	if err := call(func() { q(m, d.window(), in, p) }); err != nil {
		return fmt.Errorf("%s: %v", where(), err)
	}
	got := d.window()
	for i := range want {
		if got[i] != want[i] {
			return fmt.Errorf("%s: dst[%d] = %d, generic %d (x = %v, bits %#08x)", where(), i, got[i], want[i], in[i], math.Float32bits(in[i]))
		}
	}
	if err := d.check("dst"); err != nil {
		return fmt.Errorf("%s: %v", where(), err)
	}
	if err := src.check("src"); err != nil {
		return fmt.Errorf("%s: %v", where(), err)
	}
	return nil
}

func diffQuantizeU8(m *Impl, src *buf[float32], p Params, dOff int, salt uint32) error {
	return diffQuantize("QuantizeU8", m, (*Impl).QuantizeU8, src, p, dOff, salt)
}

func diffQuantizeI8(m *Impl, src *buf[float32], p Params, dOff int, salt uint32) error {
	return diffQuantize("QuantizeI8", m, (*Impl).QuantizeI8, src, p, dOff, salt)
}

// diffDequantize runs generic and m's dequantizer on src into a guarded
// float32 dst at offset dOff and compares bits.
func diffDequantize[T uint8 | int8](kernel string, m *Impl, dq func(*Impl, []float32, []T, Params), src *buf[T], p Params, dOff int, salt uint32) error {
	in := src.window()
	want := make([]float32, len(in))
	if err := call(func() { dq(refImpl(), want, in, p) }); err != nil {
		return fmt.Errorf("%s: generic: %v", describe(kernel, m, &p, len(in), ""), err)
	}
	d := dstBuf[float32](len(in), dOff, salt)
	where := func() string {
		return describe(kernel, m, &p, len(in), fmt.Sprintf("srcOff=%d dstOff=%d", src.start%64, dOff))
	}
	if err := call(func() { dq(m, d.window(), in, p) }); err != nil {
		return fmt.Errorf("%s: %v", where(), err)
	}
	got := d.window()
	for i := range want {
		if !bitsEqual32(got[i], want[i]) {
			return fmt.Errorf("%s: dst[%d] = %s, generic %s (q = %d)", where(), i, fmtElem(got[i]), fmtElem(want[i]), in[i])
		}
	}
	if err := d.check("dst"); err != nil {
		return fmt.Errorf("%s: %v", where(), err)
	}
	if err := src.check("src"); err != nil {
		return fmt.Errorf("%s: %v", where(), err)
	}
	return nil
}

func diffDequantizeU8(m *Impl, src *buf[uint8], p Params, dOff int, salt uint32) error {
	return diffDequantize("DequantizeU8", m, (*Impl).DequantizeU8, src, p, dOff, salt)
}

func diffDequantizeI8(m *Impl, src *buf[int8], p Params, dOff int, salt uint32) error {
	return diffDequantize("DequantizeI8", m, (*Impl).DequantizeI8, src, p, dOff, salt)
}

func srcWhere(kernel string, m *Impl, p *Params, src *buf[float32]) string {
	return describe(kernel, m, p, src.n, fmt.Sprintf("srcOff=%d", src.start%64))
}

func diffMinMax(m *Impl, src *buf[float32]) error {
	in := src.window()
	wlo, whi, wfin := refImpl().MinMax(in)
	var lo, hi float32
	var fin bool
	if err := call(func() { lo, hi, fin = m.MinMax(in) }); err != nil {
		return fmt.Errorf("%s: %v", srcWhere("MinMax", m, nil, src), err)
	}
	if !bitsEqual32(lo, wlo) || !bitsEqual32(hi, whi) || fin != wfin {
		return fmt.Errorf("%s: got (%s, %s, %v), generic (%s, %s, %v)", srcWhere("MinMax", m, nil, src),
			fmtElem(lo), fmtElem(hi), fin, fmtElem(wlo), fmtElem(whi), wfin)
	}
	if err := src.check("src"); err != nil {
		return fmt.Errorf("%s: %v", srcWhere("MinMax", m, nil, src), err)
	}
	return nil
}

func diffAbsMax(m *Impl, src *buf[float32]) error {
	in := src.window()
	want := refImpl().AbsMax(in)
	var got float32
	if err := call(func() { got = m.AbsMax(in) }); err != nil {
		return fmt.Errorf("%s: %v", srcWhere("AbsMax", m, nil, src), err)
	}
	if !bitsEqual32(got, want) {
		return fmt.Errorf("%s: got %s, generic %s", srcWhere("AbsMax", m, nil, src), fmtElem(got), fmtElem(want))
	}
	if err := src.check("src"); err != nil {
		return fmt.Errorf("%s: %v", srcWhere("AbsMax", m, nil, src), err)
	}
	return nil
}

func diffQuantError(m *Impl, src *buf[float32], p Params) error {
	in := src.window()
	want := refImpl().QuantError(in, p)
	var got float64
	if err := call(func() { got = m.QuantError(in, p) }); err != nil {
		return fmt.Errorf("%s: %v", srcWhere("QuantError", m, &p, src), err)
	}
	if !bitsEqual64(got, want) {
		return fmt.Errorf("%s: got %v(%#016x), generic %v(%#016x)", srcWhere("QuantError", m, &p, src),
			got, math.Float64bits(got), want, math.Float64bits(want))
	}
	if err := src.check("src"); err != nil {
		return fmt.Errorf("%s: %v", srcWhere("QuantError", m, &p, src), err)
	}
	return nil
}

func diffSquaredError(m *Impl, a, b *buf[float32]) error {
	x, y := a.window(), b.window()
	where := func() string {
		return describe("SquaredError", m, nil, a.n, fmt.Sprintf("aOff=%d bOff=%d", a.start%64, b.start%64))
	}
	want := refImpl().SquaredError(x, y)
	var got float64
	if err := call(func() { got = m.SquaredError(x, y) }); err != nil {
		return fmt.Errorf("%s: %v", where(), err)
	}
	if !bitsEqual64(got, want) {
		return fmt.Errorf("%s: got %v(%#016x), generic %v(%#016x)", where(), got, math.Float64bits(got), want, math.Float64bits(want))
	}
	if err := a.check("a"); err != nil {
		return fmt.Errorf("%s: %v", where(), err)
	}
	if err := b.check("b"); err != nil {
		return fmt.Errorf("%s: %v", where(), err)
	}
	return nil
}

// floatKernel is one float-input kernel as the sweeps see it.
type floatKernel struct {
	name   string
	params bool              // the result depends on Params
	fits   func(Params) bool // which Params the kernel accepts
	// check compares m with generic on vals placed at srcOff. off2 is the
	// dst offset (quantizers) or b's offset (SquaredError, whose b is aux,
	// len(aux) == len(vals)); salt varies the dst sentinel.
	check func(m *Impl, vals, aux []float32, srcOff, off2 int, p Params, salt uint32) error
}

var floatKernels = []floatKernel{
	{"QuantizeU8", true, fitsU8, func(m *Impl, vals, _ []float32, so, do int, p Params, salt uint32) error {
		return diffQuantizeU8(m, srcBuf(vals, so), p, do, salt)
	}},
	{"QuantizeI8", true, fitsI8, func(m *Impl, vals, _ []float32, so, do int, p Params, salt uint32) error {
		return diffQuantizeI8(m, srcBuf(vals, so), p, do, salt)
	}},
	{"QuantError", true, func(p Params) bool { return p.Validate() == nil }, func(m *Impl, vals, _ []float32, so, _ int, p Params, _ uint32) error {
		return diffQuantError(m, srcBuf(vals, so), p)
	}},
	{"MinMax", false, nil, func(m *Impl, vals, _ []float32, so, _ int, _ Params, _ uint32) error {
		return diffMinMax(m, srcBuf(vals, so))
	}},
	{"AbsMax", false, nil, func(m *Impl, vals, _ []float32, so, _ int, _ Params, _ uint32) error {
		return diffAbsMax(m, srcBuf(vals, so))
	}},
	{"SquaredError", false, nil, func(m *Impl, vals, aux []float32, so, bo int, _ Params, _ uint32) error {
		return diffSquaredError(m, srcBuf(vals, so), srcBuf(aux, bo))
	}},
}

// errs collects up to a few errors; further ones are only counted.
type errs struct {
	list  []error
	extra int
}

// abortOnFirst makes errs.add panic with an abortSuite carrying the
// first error, so runSuite can stop a sweep at its first mismatch (the
// mutant tests need only one).
var abortOnFirst bool

type abortSuite struct{ err error }

// runSuite runs one suite, stopping at the first mismatch if
// abortOnFirst is set.
func runSuite(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			a, ok := r.(abortSuite)
			if !ok {
				panic(r)
			}
			err = a.err
		}
	}()
	return f()
}

func (e *errs) add(err error) {
	if err == nil {
		return
	}
	if abortOnFirst {
		panic(abortSuite{err})
	}
	if len(e.list) < 8 {
		e.list = append(e.list, err)
	} else {
		e.extra++
	}
}

func (e *errs) err() error {
	if len(e.list) == 0 {
		return nil
	}
	if e.extra > 0 {
		e.list = append(e.list, fmt.Errorf("... and %d more mismatches", e.extra))
	}
	return errors.Join(e.list...)
}

// sweepConfig sizes the sweeps; short is the representative subset used
// under -short (and under qemu).
type sweepConfig struct {
	lengths    []int // lengths run at offset 0/0
	offLengths []int // lengths run at every offset in offsets
	offsets    []int // src and dst start offsets (elements past 64 bytes)
	lanes      []int // positions where each special is placed alone
}

func sweep(short bool) sweepConfig {
	var c sweepConfig
	big := []int{1000, 4099, 65536 + 7}
	if short {
		c.lengths = append(seq(0, 80), 127, 128, 129, 255, 256, 257, 300)
		c.lengths = append(c.lengths, big...)
		c.offLengths = []int{0, 1, 3, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 257}
		c.offsets = append(seq(0, 7), seq(60, 63)...)
		c.lanes = append(seq(0, 17), 31, 32, 33, 47, 48, 62, 63)
		return c
	}
	c.lengths = append(seq(0, 300), big...)
	c.offLengths = append(seq(0, 70), 71, 95, 96, 97, 100, 127, 128, 129, 130, 143, 255, 256, 257, 299, 300, 1000)
	c.offsets = seq(0, 63)
	c.lanes = seq(0, 63)
	return c
}

func seq(a, b int) []int {
	var s []int
	for i := a; i <= b; i++ {
		s = append(s, i)
	}
	return s
}

// masterInputs returns two inputs of length n for representative params
// p: mixed (random data with a special or a tie of p every few elements)
// and finite (random finite data, zeros and subnormals, no NaN or Inf).
func masterInputs(p Params, n int, seed uint64) (mixed, finite []float32) {
	rng := rand.New(rand.NewPCG(seed, 0x9E3779B97F4A7C15))
	mag := float32(float64(p.Scale) * float64(p.Hi-p.Lo+1) / 2)
	if mag-mag != 0 || mag == 0 {
		mag = p.Scale
	}
	sp := append(specialValues(), paramSpecials(p)...)
	mixed = randFloats(rng, n, mag)
	for i := rng.IntN(5); i < n; i += 1 + rng.IntN(9) {
		mixed[i] = sp[rng.IntN(len(sp))]
	}
	finite = randFloats(rng, n, mag)
	for i := rng.IntN(7); i < n; i += 1 + rng.IntN(13) {
		finite[i] = [...]float32{0, negZero32, fbits(1), fbits(0x80000001), fbits(0x007FFFFF), fbits(0x807FFFFF)}[rng.IntN(6)]
	}
	return mixed, finite
}

// TestDiffParams compares every quantizer and QuantError on every Params
// of the sweep (bits 2..8, signed/unsigned/narrow/odd bounds, zero points
// inside and outside the bounds and at ±MaxZero, scales from the smallest
// normal to MaxFloat32, three conventions), with the specials and the
// Params' own ties, clamp boundaries and ±2^31·s neighbours as input.
func TestDiffParams(t *testing.T) {
	forEachImpl(t, func(t *testing.T, m *Impl) {
		if err := suiteParams(m, testing.Short(), ""); err != nil {
			t.Error(err)
		}
	})
}

func suiteParams(m *Impl, short bool, only string) error {
	rng := rand.New(rand.NewPCG(1, 2))
	var e errs
	for i, p := range paramsTable(short) {
		vals := append(specialValues(), paramSpecials(p)...)
		vals = append(vals, randFloats(rng, 48, float32(float64(p.Scale)*float64(p.Hi-p.Lo+1)))...)
		rev := slices.Clone(vals)
		slices.Reverse(rev)
		for _, k := range floatKernels {
			if !k.params || !k.fits(p) || only != "" && k.name != only {
				continue
			}
			e.add(k.check(m, vals, nil, 0, 0, p, uint32(i)))
			e.add(k.check(m, rev, nil, 5, 3, p, uint32(i)))
		}
	}
	return e.err()
}

// dequantParams are the Params of the Dequantize sweeps: every zero point
// of zerosFor(0..255) and (-128..127) with every scale (bounds do not
// matter to Dequantize).
func dequantParams() []Params {
	var t []Params
	for _, z := range append(zerosFor(boundsSet{0, 255}), zerosFor(boundsSet{-128, 127})...) {
		for _, s := range scaleTable {
			t = append(t, Params{Scale: s, Zero: z, Lo: -128, Hi: 255})
		}
	}
	return t
}

// TestDiffDequantizeParams runs every byte value at every Params of
// dequantParams, in order and reversed, so the results cover overflow to
// ±Inf, subnormal products and exact zeros.
func TestDiffDequantizeParams(t *testing.T) {
	forEachImpl(t, func(t *testing.T, m *Impl) {
		if err := suiteDequantizeParams(m); err != nil {
			t.Error(err)
		}
	})
}

func suiteDequantizeParams(m *Impl) error {
	var u []uint8
	var s []int8
	for i := range 256 {
		u = append(u, uint8(i))
		s = append(s, int8(i-128))
	}
	ur, sr := slices.Clone(u), slices.Clone(s)
	slices.Reverse(ur)
	slices.Reverse(sr)
	var e errs
	for i, p := range dequantParams() {
		e.add(diffDequantizeU8(m, srcBuf(u, 0), p, 0, uint32(i)))
		e.add(diffDequantizeU8(m, srcBuf(ur, 3), p, 7, uint32(i)))
		e.add(diffDequantizeI8(m, srcBuf(s, 0), p, 0, uint32(i)))
		e.add(diffDequantizeI8(m, srcBuf(sr, 9), p, 1, uint32(i)))
	}
	return e.err()
}

// runLengthsOffsets runs kernel k on the mixed and finite master inputs
// of p (SquaredError: each against another finite input) at every length
// of c.lengths (offsets 0), then at every length of
// c.offLengths with the src offset swept (dst/b at 0) and with the
// dst/b offset swept (src at 0).
func runLengthsOffsets(m *Impl, k floatKernel, p Params, c sweepConfig, seed uint64) error {
	maxN := slices.Max(c.lengths)
	mixed, finite := masterInputs(p, maxN, seed)
	_, finite2 := masterInputs(p, maxN, seed+1000)
	var e errs
	for ii, in := range [][]float32{mixed, finite} {
		// SquaredError's b: finite data, so that finite-finite sums
		// (where the order of additions shows) run at every length.
		aux := [][]float32{finite2, finite2}[ii]
		for _, n := range c.lengths {
			e.add(k.check(m, in[:n], aux[:n], 0, 0, p, uint32(n)))
		}
		for _, n := range c.offLengths {
			for _, off := range c.offsets {
				e.add(k.check(m, in[:n], aux[:n], off, 0, p, uint32(n+off)))
				if k.name == "QuantizeU8" || k.name == "QuantizeI8" || k.name == "SquaredError" {
					e.add(k.check(m, in[:n], aux[:n], 0, off, p, uint32(n*off)))
				}
			}
		}
	}
	return e.err()
}

// TestDiffLengthsOffsets sweeps lengths and start offsets of src and dst
// for every float-input kernel with the representative Params of every
// convention.
func TestDiffLengthsOffsets(t *testing.T) {
	c := sweep(testing.Short())
	forEachImpl(t, func(t *testing.T, m *Impl) {
		for _, k := range floatKernels {
			t.Run(k.name, func(t *testing.T) {
				if err := suitePerKernel(m, k, c, runLengthsOffsets); err != nil {
					t.Error(err)
				}
			})
		}
	})
}

// suitePerKernel runs run for kernel k with every representative Params
// that fits it (once if k ignores Params).
func suitePerKernel(m *Impl, k floatKernel, c sweepConfig, run func(*Impl, floatKernel, Params, sweepConfig, uint64) error) error {
	var e errs
	for i, p := range representativeParams() {
		if k.params && !k.fits(p) || !k.params && i > 0 {
			continue
		}
		e.add(run(m, k, p, c, uint64(i)))
	}
	return e.err()
}

// TestDiffDequantizeLengthsOffsets sweeps lengths and offsets of
// DequantizeU8/I8 on random bytes that include every byte value.
func TestDiffDequantizeLengthsOffsets(t *testing.T) {
	c := sweep(testing.Short())
	forEachImpl(t, func(t *testing.T, m *Impl) {
		if err := suiteDequantizeLengthsOffsets(m, c); err != nil {
			t.Error(err)
		}
	})
}

func suiteDequantizeLengthsOffsets(m *Impl, c sweepConfig) error {
	rng := rand.New(rand.NewPCG(3, 4))
	maxN := slices.Max(c.lengths)
	u := make([]uint8, maxN)
	for i := range u {
		u[i] = uint8(rng.Uint32())
	}
	s := make([]int8, maxN)
	for i := range s {
		s[i] = int8(u[(i*7+1)%maxN] ^ 0x80)
	}
	var e errs
	for _, p := range []Params{
		{Scale: 0.0213, Zero: 37, Lo: 0, Hi: 255},
		{Scale: 0x1p-126, Zero: -MaxZero, Lo: 0, Hi: 255},
		{Scale: 1e38, Zero: 3, Lo: 0, Hi: 255},
	} {
		for _, n := range c.lengths {
			e.add(diffDequantizeU8(m, srcBuf(u[:n], 0), p, 0, uint32(n)))
			e.add(diffDequantizeI8(m, srcBuf(s[:n], 0), p, 0, uint32(n)))
		}
		for _, n := range c.offLengths {
			for _, off := range c.offsets {
				e.add(diffDequantizeU8(m, srcBuf(u[:n], off), p, 0, uint32(n+off)))
				e.add(diffDequantizeU8(m, srcBuf(u[:n], 0), p, off, uint32(n+off)))
				e.add(diffDequantizeI8(m, srcBuf(s[:n], off), p, 0, uint32(n+off)))
				e.add(diffDequantizeI8(m, srcBuf(s[:n], 0), p, off, uint32(n+off)))
			}
		}
	}
	return e.err()
}

// laneBackgrounds are the inputs a lone special is placed in: +0 (where
// -0 and subnormals decide MinMax/AbsMax), -0, a constant 1, and random
// finite data.
func laneBackgrounds(n int, p Params, seed uint64) map[string][]float32 {
	_, finite := masterInputs(p, n, seed)
	fill := func(v float32) []float32 {
		s := make([]float32, n)
		for i := range s {
			s[i] = v
		}
		return s
	}
	return map[string][]float32{"+0": fill(0), "-0": fill(negZero32), "1": fill(1), "random": finite}
}

// runSpecialLanes places every special value alone at every lane position
// of c.lanes and runs k on it, then runs every rotation of the list of all
// specials (so each appears at every position 0..len-1).
//
// Reductions (MinMax, AbsMax, SquaredError) see each of specialValues in
// four backgrounds (+0, where -0 and subnormals decide the result; -0; a
// constant 1; random finite data) at lengths pos+1 (special last), 64 and
// pos+67 (first vector, loop body, tail). Elementwise quantizers see
// specialValues and the Params' ties (paramSpecials, at positions below 32)
// in random data at lengths pos+1 and 64; QuantError also in +0.
func runSpecialLanes(m *Impl, k floatKernel, p Params, c sweepConfig, seed uint64) error {
	bgs := laneBackgrounds(256, p, seed)
	bgNames, lens := []string{"+0", "-0", "1", "random"}, []int{0, 64, 67}
	switch {
	case k.name == "QuantError":
		bgNames, lens = []string{"random", "+0"}, []int{0, 64}
	case k.params:
		bgNames, lens = []string{"random"}, []int{0, 64}
	}
	var e errs
	lone := func(sp []float32, lanes []int) {
		for _, bgName := range bgNames {
			bg := bgs[bgName]
			for si, v := range sp {
				for _, pos := range lanes {
					for _, n := range lens {
						n = max(n, pos+1)
						if n == 67 {
							n = pos + 67
						}
						in := slices.Clone(bg[:n])
						in[pos] = v
						aux := bg[len(bg)-n:]
						e.add(k.check(m, in, aux, 0, 0, p, uint32(si+pos)))
						if k.name == "SquaredError" {
							e.add(k.check(m, aux, in, 0, 0, p, 0))
						}
					}
				}
			}
		}
	}
	sp := specialValues()
	lone(sp, c.lanes)
	if k.params {
		ps := paramSpecials(p)
		var low []int
		for _, pos := range c.lanes {
			if pos < 32 {
				low = append(low, pos)
			}
		}
		lone(ps, low)
		sp = append(sp, ps...)
	}
	// Every rotation of the whole list, at two src offsets.
	for r := range len(sp) {
		in := append(slices.Clone(sp[r:]), sp[:r]...)
		rev := slices.Clone(in)
		slices.Reverse(rev)
		e.add(k.check(m, in, rev, 0, 0, p, uint32(r)))
		e.add(k.check(m, in, rev, 3, 1, p, uint32(r)))
	}
	return e.err()
}

// TestDiffSpecialLanes puts each special value at every lane position of
// a vector, for every float-input kernel and the representative Params of
// every convention.
func TestDiffSpecialLanes(t *testing.T) {
	c := sweep(testing.Short())
	forEachImpl(t, func(t *testing.T, m *Impl) {
		for _, k := range floatKernels {
			t.Run(k.name, func(t *testing.T) {
				if err := suitePerKernel(m, k, c, runSpecialLanes); err != nil {
					t.Error(err)
				}
			})
		}
	})
}

// TestDiffRandomBits feeds uniformly random bit patterns (every NaN
// payload, every binade) to every float-input kernel.
func TestDiffRandomBits(t *testing.T) {
	forEachImpl(t, func(t *testing.T, m *Impl) {
		if err := suiteRandomBits(m, testing.Short(), ""); err != nil {
			t.Error(err)
		}
	})
}

func suiteRandomBits(m *Impl, short bool, only string) error {
	rng := rand.New(rand.NewPCG(5, 6))
	var e errs
	rounds := 200
	if short {
		rounds = 40
	}
	for r := range rounds {
		n := rng.IntN(300)
		a, b := randBits(rng, n), randBits(rng, n)
		for _, k := range floatKernels {
			if only != "" && k.name != only {
				continue
			}
			for _, p := range representativeParams() {
				if k.params && !k.fits(p) {
					continue
				}
				e.add(k.check(m, a, b, rng.IntN(64), rng.IntN(64), p, uint32(r)))
				if !k.params {
					break
				}
			}
		}
	}
	return e.err()
}

// hugeLen is a length whose traffic (4 bytes in and 1 out, or 1 in and 4
// out, per element) exceeds the last-level cache, so that elementwise kernels that switch to
// non-temporal stores (or other large-input paths) beyond the cache size
// take them.
func hugeLen() int {
	return max(cpuinfo.LastLevelCache(), 1<<20)/5 + 1031
}

// TestDiffHuge runs the elementwise kernels (every convention) once on an
// input larger than the last-level cache, aligned and with src and dst
// misaligned. Not under -short (emulators).
func TestDiffHuge(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: inputs larger than the last-level cache are too slow under emulation")
	}
	forEachImpl(t, func(t *testing.T, m *Impl) {
		n := hugeLen()
		var e errs
		rp := representativeParams()
		tile, _ := masterInputs(rp[0], 65536+7, 1)
		mixed := make([]float32, n)
		for i := 0; i < n; i += len(tile) {
			copy(mixed[i:], tile)
		}
		u := make([]uint8, n)
		s := make([]int8, n)
		for i := range u {
			u[i] = uint8(i*131 + i>>9)
			s[i] = int8(u[i] ^ 0x5A)
		}
		for _, off := range [][2]int{{0, 0}, {3, 31}} {
			src := srcBuf(mixed, off[0])
			for ci := range conventions {
				e.add(diffQuantizeU8(m, src, rp[4*ci], off[1], uint32(ci)))
				e.add(diffQuantizeI8(m, src, rp[4*ci+1], off[1], uint32(ci)))
			}
			e.add(diffDequantizeU8(m, srcBuf(u, off[0]), rp[0], off[1], 1))
			e.add(diffDequantizeI8(m, srcBuf(s, off[0]), rp[0], off[1], 2))
		}
		if err := e.err(); err != nil {
			t.Error(err)
		}
	})
}

// TestDiffConcurrent runs the kernels of one implementation from several
// goroutines at once (different inputs, Params and offsets): a kernel
// with shared scratch state or a non-reentrant path fails here.
func TestDiffConcurrent(t *testing.T) {
	forEachImpl(t, func(t *testing.T, m *Impl) {
		const workers = 4
		rounds := 60
		if testing.Short() {
			rounds = 15
		}
		res := make([]error, workers)
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(w), 99))
				rp := representativeParams()
				var e errs
				for r := range rounds {
					n := rng.IntN(2000)
					a, b := randBits(rng, n), randFloats(rng, n, 3)
					p := rp[rng.IntN(len(rp))]
					for _, k := range floatKernels {
						if k.params && !k.fits(p) {
							continue
						}
						e.add(k.check(m, b, a, rng.IntN(64), rng.IntN(64), p, uint32(r)))
					}
					q := make([]uint8, n)
					for i := range q {
						q[i] = uint8(rng.Uint32())
					}
					e.add(diffDequantizeU8(m, srcBuf(q, rng.IntN(64)), p, rng.IntN(64), uint32(r)))
				}
				res[w] = e.err()
			}()
		}
		wg.Wait()
		for _, err := range res {
			if err != nil {
				t.Error(err)
			}
		}
	})
}

// TestKernelsDoNotAllocate checks the package contract that kernels never
// allocate, for every supported implementation (generic included).
func TestKernelsDoNotAllocate(t *testing.T) {
	src := randFloats(rand.New(rand.NewPCG(9, 9)), 1000, 1)
	u8, i8, f := make([]uint8, len(src)), make([]int8, len(src)), make([]float32, len(src))
	for _, m := range Supported() {
		for _, p := range representativeParams() {
			u, i := fitsU8(p), fitsI8(p) // a failed Validate allocates its error
			i4, u4 := p.ValidateI4() == nil, p.ValidateU4() == nil
			allocs := testing.AllocsPerRun(5, func() {
				if u {
					m.QuantizeU8(u8, src, p)
					m.DequantizeU8(f, u8, p)
				}
				if i {
					m.QuantizeI8(i8, src, p)
					m.DequantizeI8(f, i8, p)
				}
				if i4 {
					m.QuantizeI4(u8, src, p, LowFirst)
					m.DequantizeI4(f, u8, len(src), p, LowFirst)
				}
				if u4 {
					m.QuantizeU4(u8, src, p, HighFirst)
					m.DequantizeU4(f, u8, len(src), p, HighFirst)
				}
				m.MinMax(src)
				m.AbsMax(src)
				m.QuantError(src, p)
				m.SquaredError(src, f)
			})
			if allocs != 0 {
				t.Errorf("%s with %+v: %v allocations per run of every kernel", m.Name(), p, allocs)
			}
		}
	}
}
