package quant

import (
	"fmt"
	"math"
	"os"
	"reflect"
	"strings"
	"unsafe"
)

// Kernels is the set of raw kernels one implementation provides. The
// callers (the Impl methods) have already checked lengths and validated the
// Params, so a kernel may assume: len(dst) >= len(src) (it writes exactly
// len(src) elements), len(b) >= len(a) for SquaredError, and p valid for
// the output type. A kernel must not allocate, must not read or write
// outside the slices, and must return exactly the bits of the generic
// kernel, except that a NaN sum may carry any payload.
type Kernels struct {
	QuantizeU8   func(dst []uint8, src []float32, p *Params)
	QuantizeI8   func(dst []int8, src []float32, p *Params)
	DequantizeU8 func(dst []float32, src []uint8, p *Params)
	DequantizeI8 func(dst []float32, src []int8, p *Params)
	MinMax       func(src []float32) (lo, hi float32, finite bool)
	AbsMax       func(src []float32) float32
	QuantError   func(src []float32, p *Params) float64
	SquaredError func(a, b []float32) float64

	// Grouped kernels (per-axis, blocked, packed int4; contracts in
	// kernel_generic_blocked.go). A nil field is composed from the
	// implementation's own per-tensor kernels where possible
	// (composeGrouped), else filled with the generic one.
	QuantizeBlocksI8   func(dst []int8, src []float32, block int, ps []Params)
	QuantizeBlocksU8   func(dst []uint8, src []float32, block int, ps []Params)
	DequantizeBlocksI8 func(dst []float32, src []int8, block int, ps []Params)
	DequantizeBlocksU8 func(dst []float32, src []uint8, block int, ps []Params)
	QuantizeBlocksI4   func(dst []uint8, src []float32, block int, ps []Params, hiFirst bool)
	DequantizeBlocksI4 func(dst []float32, src []uint8, block int, ps []Params, signed, hiFirst bool)
	MinMaxColumns      func(lo, hi []float32, row []float32) (finite bool)
}

// Impl is one registered implementation of the kernels. Its methods have
// the same contracts as the package-level functions of the same names.
type Impl struct {
	name      string
	features  string
	supported bool
	k         Kernels
}

// Name is the implementation's name: "generic", "avx2", "neon".
func (m *Impl) Name() string { return m.name }

// Features names the CPU features the implementation requires.
func (m *Impl) Features() string { return m.features }

// Supported reports whether this CPU (as seen by golang.org/x/sys/cpu,
// after GODEBUG) can run the implementation.
func (m *Impl) Supported() bool { return m.supported }

// registry lists the implementations, generic first, then in the order of
// preference of their registration (the last supported one is chosen).
var registry = []*Impl{{name: "generic", features: "none", supported: true, k: genericKernels}}

// register adds an implementation. It is called from package-level
// variable initializers in the architecture files, so that all
// registrations are done before init() chooses one. A nil kernel in k is
// filled with the generic one, so an implementation may accelerate only
// some kernels.
//
//lint:ignore U1000 called by the architecture files, none of which a purego build compiles
func register(name, features string, supported bool, k Kernels) *Impl {
	composeGrouped(&k)
	kv, gv := reflect.ValueOf(&k).Elem(), reflect.ValueOf(genericKernels)
	for i := range kv.NumField() {
		if kv.Field(i).IsNil() {
			kv.Field(i).Set(gv.Field(i))
		}
	}
	m := &Impl{name: name, features: features, supported: supported, k: k}
	registry = append(registry, m)
	return m
}

// kernelError is the error Lookup and QUANT_KERNEL give; it wraps ErrKernel.
type kernelError struct{ msg string }

func (e *kernelError) Error() string { return "quant: " + e.msg }
func (e *kernelError) Unwrap() error { return ErrKernel }

// active is the implementation the package-level functions call.
var active = registry[0]

// selection records why active was chosen.
var selection string

// EnvKernel is the environment variable that forces an implementation.
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

// Use makes the named implementation the one the package-level functions
// call (tests, benchmarks, verification). It is not safe to call while
// other goroutines call kernels.
func Use(name string) error {
	m, err := Lookup(name)
	if err != nil {
		return err
	}
	active, selection = m, "set by Use"
	return nil
}

// noescape hides p from escape analysis. The kernels are called through
// func values, so the compiler must assume they keep the *Params they are
// given and would move every Params argument to the heap: one allocation
// per call. Kernels never retain p beyond the call (see Kernels).
//
//go:nosplit
func noescape(p *Params) *Params {
	x := uintptr(unsafe.Pointer(p))
	return *(**Params)(unsafe.Pointer(&x))
}

func checkLen(fn string, dst, src int) {
	if dst < src {
		panic(fmt.Sprintf("quant.%s: dst has %d elements, src has %d", fn, dst, src))
	}
}

func mustValid(fn string, err error) {
	if err != nil {
		panic(fmt.Errorf("quant.%s: %w", fn, err))
	}
}

// QuantizeU8 is the package-level QuantizeU8 on this implementation.
func (m *Impl) QuantizeU8(dst []uint8, src []float32, p Params) {
	checkLen("QuantizeU8", len(dst), len(src))
	mustValid("QuantizeU8", p.ValidateU8())
	m.k.QuantizeU8(dst[:len(src)], src, noescape(&p))
}

// QuantizeI8 is the package-level QuantizeI8 on this implementation.
func (m *Impl) QuantizeI8(dst []int8, src []float32, p Params) {
	checkLen("QuantizeI8", len(dst), len(src))
	mustValid("QuantizeI8", p.ValidateI8())
	m.k.QuantizeI8(dst[:len(src)], src, noescape(&p))
}

// DequantizeU8 is the package-level DequantizeU8 on this implementation.
func (m *Impl) DequantizeU8(dst []float32, src []uint8, p Params) {
	checkLen("DequantizeU8", len(dst), len(src))
	mustValid("DequantizeU8", p.validateCommon())
	m.k.DequantizeU8(dst[:len(src)], src, noescape(&p))
}

// DequantizeI8 is the package-level DequantizeI8 on this implementation.
func (m *Impl) DequantizeI8(dst []float32, src []int8, p Params) {
	checkLen("DequantizeI8", len(dst), len(src))
	mustValid("DequantizeI8", p.validateCommon())
	m.k.DequantizeI8(dst[:len(src)], src, noescape(&p))
}

// MinMax is the package-level MinMax on this implementation.
func (m *Impl) MinMax(src []float32) (lo, hi float32, finite bool) { return m.k.MinMax(src) }

// AbsMax is the package-level AbsMax on this implementation.
func (m *Impl) AbsMax(src []float32) float32 { return m.k.AbsMax(src) }

// QuantError is the package-level QuantError on this implementation.
func (m *Impl) QuantError(src []float32, p Params) float64 {
	mustValid("QuantError", p.Validate())
	return canonicalNaN(m.k.QuantError(src, noescape(&p)))
}

// SquaredError is the package-level SquaredError on this implementation.
func (m *Impl) SquaredError(a, b []float32) float64 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("quant.SquaredError: a has %d elements, b has %d", len(a), len(b)))
	}
	return canonicalNaN(m.k.SquaredError(a, b))
}

// CanonicalNaNBits is the bit pattern of the only NaN that QuantError and
// SquaredError return (SIMD and scalar NaN payloads differ otherwise).
const CanonicalNaNBits = 0x7FF8000000000000

func canonicalNaN(x float64) float64 {
	if x != x {
		return math.Float64frombits(CanonicalNaNBits)
	}
	return x
}
