package quant

import (
	"fmt"
	"os"
	"strings"
)

// kernels is the table of raw kernels one implementation provides. The
// callers (the Impl methods) have already checked lengths and validated
// the Params, so a kernel may assume: len(dst) >= len(src) (it writes
// exactly len(src) elements), len(b) >= len(a) for squaredError, and p
// valid for the output type. A kernel must not allocate, must not read or
// write outside the slices, and must return exactly the bits of the
// generic kernel, except that a NaN sum may carry any payload. The grouped
// kernels' contracts are in kernel_generic_blocked.go.
type kernels struct {
	quantizeU8   func(dst []uint8, src []float32, p Params)
	quantizeI8   func(dst []int8, src []float32, p Params)
	dequantizeU8 func(dst []float32, src []uint8, p Params)
	dequantizeI8 func(dst []float32, src []int8, p Params)
	minMax       func(src []float32) (lo, hi float32, finite bool)
	absMax       func(src []float32) float32
	quantError   func(src []float32, p Params) float64
	squaredError func(a, b []float32) float64

	quantizeBlocksI8   func(dst []int8, src []float32, block int, ps []Params)
	quantizeBlocksU8   func(dst []uint8, src []float32, block int, ps []Params)
	dequantizeBlocksI8 func(dst []float32, src []int8, block int, ps []Params)
	dequantizeBlocksU8 func(dst []float32, src []uint8, block int, ps []Params)
	quantizeBlocksI4   func(dst []uint8, src []float32, block int, ps []Params, o NibbleOrder)
	dequantizeBlocksI4 func(dst []float32, src []uint8, block int, ps []Params, e nibbleExt, o NibbleOrder)
	minMaxColumns      func(lo, hi []float32, row []float32) (finite bool)

	// quantizeColumnsI8 and quantizeColumnsU8 quantize a row-major matrix
	// with cols columns (len(src) a multiple of cols >= 1) with one Params
	// per column: element (r, c) with ps[c] (len(ps) == cols). The default
	// calls the blocked kernel with block 1 on each row.
	quantizeColumnsI8 func(dst []int8, src []float32, cols int, ps []Params)
	quantizeColumnsU8 func(dst []uint8, src []float32, cols int, ps []Params)

	// quantizeI4 and dequantizeI4 are the per-tensor packed forms: one
	// block of Params p. They exist so that the Params can stay on the
	// caller's stack (a one-element ps slice passed through a func value
	// would escape); an architecture sets them to a closure that calls its
	// blocked kernel directly (see avx2Impl in kernel_amd64.go).
	quantizeI4   func(dst []uint8, src []float32, p Params, o NibbleOrder)
	dequantizeI4 func(dst []float32, src []uint8, p Params, e nibbleExt, o NibbleOrder)
}

// nibbleExt is how a 4-bit code widens to a value: zero-extended (U4,
// 0..15) or sign-extended (I4, -8..7).
type nibbleExt uint8

const (
	zeroExtend nibbleExt = iota
	signExtend
)

// complete fills the kernels k leaves nil. A missing grouped kernel is
// composed from k's own per-tensor kernels (composeBlocks, composeI4),
// anything else is the generic kernel, so an implementation may
// accelerate only some kernels. Every field is named here; a field added
// to the table but not here is caught by TestKernelTablesComplete.
func (k kernels) complete() kernels {
	g := &genericKernels
	if k.quantizeU8 == nil {
		k.quantizeU8 = g.quantizeU8
	}
	if k.quantizeI8 == nil {
		k.quantizeI8 = g.quantizeI8
	}
	if k.dequantizeU8 == nil {
		k.dequantizeU8 = g.dequantizeU8
	}
	if k.dequantizeI8 == nil {
		k.dequantizeI8 = g.dequantizeI8
	}
	if k.minMax == nil {
		k.minMax = g.minMax
	}
	if k.absMax == nil {
		k.absMax = g.absMax
	}
	if k.quantError == nil {
		k.quantError = g.quantError
	}
	if k.squaredError == nil {
		k.squaredError = g.squaredError
	}
	if k.quantizeBlocksI8 == nil {
		k.quantizeBlocksI8 = composeBlocks(k.quantizeI8, g.quantizeBlocksI8)
	}
	if k.quantizeBlocksU8 == nil {
		k.quantizeBlocksU8 = composeBlocks(k.quantizeU8, g.quantizeBlocksU8)
	}
	if k.dequantizeBlocksI8 == nil {
		k.dequantizeBlocksI8 = composeBlocks(k.dequantizeI8, g.dequantizeBlocksI8)
	}
	if k.dequantizeBlocksU8 == nil {
		k.dequantizeBlocksU8 = composeBlocks(k.dequantizeU8, g.dequantizeBlocksU8)
	}
	if k.quantizeBlocksI4 == nil {
		k.quantizeBlocksI4 = composeI4(k.quantizeBlocksI8)
	}
	if k.dequantizeBlocksI4 == nil {
		k.dequantizeBlocksI4 = dequantizeBlocksI4LUT
	}
	if k.minMaxColumns == nil {
		k.minMaxColumns = g.minMaxColumns
	}
	if k.quantizeColumnsI8 == nil {
		k.quantizeColumnsI8 = composeColumns(k.quantizeBlocksI8)
	}
	if k.quantizeColumnsU8 == nil {
		k.quantizeColumnsU8 = composeColumns(k.quantizeBlocksU8)
	}
	if k.quantizeI4 == nil {
		qb := k.quantizeBlocksI4
		k.quantizeI4 = func(dst []uint8, src []float32, p Params, o NibbleOrder) {
			// The one-element slice escapes through qb: one allocation per
			// call, which is why architectures provide quantizeI4.
			qb(dst, src, evenBlock(len(src)), []Params{p}[:min(len(src), 1)], o)
		}
	}
	if k.dequantizeI4 == nil {
		db := k.dequantizeBlocksI4
		k.dequantizeI4 = func(dst []float32, src []uint8, p Params, e nibbleExt, o NibbleOrder) {
			db(dst, src, evenBlock(len(dst)), []Params{p}[:min(len(dst), 1)], e, o)
		}
	}
	return k
}

// Impl is one registered implementation of the kernels, running on one
// goroutine or, after Parallel, on several. Its methods have the same
// contracts as the package-level functions of the same names, which call
// the active Impl.
type Impl struct {
	name      string
	features  string
	supported bool
	k         *kernels
	workers   int // 1: the calling goroutine only
}

// Name is the implementation's name: "generic", "avx2", "avx512", "neon".
func (m *Impl) Name() string { return m.name }

// Features names the CPU features the implementation requires.
func (m *Impl) Features() string { return m.features }

// Supported reports whether this CPU (as seen by golang.org/x/sys/cpu,
// after GODEBUG) can run the implementation.
func (m *Impl) Supported() bool { return m.supported }

// registry lists the implementations, generic first, then in the order of
// preference of their registration (the last supported one is chosen).
var registry = []*Impl{{name: "generic", features: "none", supported: true, k: &genericKernels, workers: 1}}

// register adds an implementation. It is called from package-level
// variable initializers in the architecture files, so that all
// registrations are done before init() chooses one. Registration order
// is preference order, and it is package initialization order: a variable
// is initialized after those its initializer reads (avx512Impl reads
// avx2Impl, so avx2 registers first on every build), and otherwise in
// file name order. TestRegistryOrder pins it.
//
//lint:ignore U1000 called by the architecture files, none of which a purego build compiles
func register(name, features string, supported bool, k kernels) *Impl {
	k = k.complete()
	m := &Impl{name: name, features: features, supported: supported, k: &k, workers: 1}
	registry = append(registry, m)
	return m
}

// kernelError is the error Lookup and QUANT_KERNEL give; it wraps ErrKernel.
type kernelError struct{ msg string }

func (e *kernelError) Error() string { return "quant: " + e.msg }
func (e *kernelError) Unwrap() error { return ErrKernel }

// active is the implementation the package-level functions call. It is
// set once, by init, and never changes afterwards.
var active = registry[0]

// selection records why active was chosen.
var selection string

// EnvKernel is the environment variable that forces an implementation
// for the package-level functions, read once at start-up. To run a given
// implementation in one part of a program, call Lookup and use the *Impl.
const EnvKernel = "QUANT_KERNEL"

func init() {
	name, err := choose(os.Getenv(EnvKernel))
	if err != nil {
		// Never ignore a bad QUANT_KERNEL silently: say so once on stderr
		// and keep the best supported implementation.
		fmt.Fprintf(os.Stderr, "%v; using %s\n", err, name)
	}
}

// choose sets active from the value of QUANT_KERNEL ("" for automatic)
// and returns the chosen name; the error says why a forced name was not
// honoured.
func choose(forced string) (string, error) {
	best := registry[0]
	for _, m := range registry {
		if m.supported {
			best = m
		}
	}
	active, selection = best, "best supported by this CPU"
	if forced == "" {
		return best.name, nil
	}
	m, err := Lookup(forced)
	if err != nil {
		selection = fmt.Sprintf("best supported (%s=%q rejected)", EnvKernel, forced)
		return best.name, &kernelError{fmt.Sprintf("%s=%q: %s", EnvKernel, forced, err.(*kernelError).msg)}
	}
	active, selection = m, fmt.Sprintf("forced by %s", EnvKernel)
	return m.name, nil
}

// Implementations lists every implementation compiled into this binary,
// supported by this CPU or not, generic first.
func Implementations() []*Impl { return append([]*Impl(nil), registry...) }

// Supported lists the implementations this CPU can run, generic first.
func Supported() []*Impl {
	var s []*Impl
	for _, m := range registry {
		if m.supported {
			s = append(s, m)
		}
	}
	return s
}

// Lookup returns the named implementation if it is compiled in and this
// CPU supports it; otherwise an error wrapping ErrKernel.
func Lookup(name string) (*Impl, error) {
	var names []string
	for _, m := range registry {
		if m.name == name {
			if !m.supported {
				return nil, &kernelError{fmt.Sprintf("implementation %q needs %s, which this CPU lacks (or GODEBUG disabled it)", name, m.features)}
			}
			return m, nil
		}
		names = append(names, m.name)
	}
	return nil, &kernelError{fmt.Sprintf("no implementation %q in this build (have %s)", name, strings.Join(names, ", "))}
}

// Active returns the implementation the package-level functions use.
func Active() *Impl { return active }

// Selection says why Active was chosen ("best supported by this CPU",
// "forced by QUANT_KERNEL", ...).
func Selection() string { return selection }
