//go:build linux

package quant

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// Guard-page tests: inputs that end exactly at a PROT_NONE page (an
// over-read faults), outputs that end exactly at one (an over-write
// faults), and both starting exactly after one (an under-read or
// under-write faults). runtime/debug.SetPanicOnFault turns the fault into
// a panic that call() reports as an error, so a failing kernel is named
// instead of crashing the test binary.

// guardRegion is an mmap'd region: a PROT_NONE page, size bytes of
// read-write memory (a whole number of pages), a PROT_NONE page.
type guardRegion struct {
	mem  []byte // the whole mapping
	data []byte // the read-write part
}

func newGuardRegion(size int) (*guardRegion, error) {
	page := unix.Getpagesize()
	size = (size + page - 1) / page * page
	if size == 0 {
		size = page
	}
	mem, err := unix.Mmap(-1, 0, size+2*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		return nil, fmt.Errorf("mmap: %w", err)
	}
	if err := unix.Mprotect(mem[:page], unix.PROT_NONE); err != nil {
		return nil, fmt.Errorf("mprotect: %w", err)
	}
	if err := unix.Mprotect(mem[page+size:], unix.PROT_NONE); err != nil {
		return nil, fmt.Errorf("mprotect: %w", err)
	}
	return &guardRegion{mem: mem, data: mem[page : page+size]}, nil
}

func (g *guardRegion) free() error { return unix.Munmap(g.mem) }

// tail returns n elements of T ending exactly at the trailing PROT_NONE
// page; head returns n elements starting exactly after the leading one.
func guardTail[T elem](g *guardRegion, n int) []T {
	var z T
	size := int(unsafe.Sizeof(z))
	p := unsafe.Add(unsafe.Pointer(unsafe.SliceData(g.data)), len(g.data)-n*size)
	return unsafe.Slice((*T)(p), n)
}

func guardHead[T elem](g *guardRegion, n int) []T {
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(g.data))), n)
}

// guardCase places the input(s) and output of one kernel at the guards of
// regions a and b (src in a, dst or second input in b) and compares m with
// generic. atTail selects the end of the regions, else the start.
type guardCase struct {
	name string
	run  func(m *Impl, a, b *guardRegion, n int, atTail bool) error
}

func place[T elem](g *guardRegion, n int, atTail bool) []T {
	if atTail {
		return guardTail[T](g, n)
	}
	return guardHead[T](g, n)
}

func guardCases(in []float32, bytesIn []uint8) []guardCase {
	var cases []guardCase
	for _, p := range representativeParams() {
		if fitsU8(p) {
			cases = append(cases, guardCase{"QuantizeU8/" + p.Convention.String(), func(m *Impl, a, b *guardRegion, n int, tail bool) error {
				return guardQuantize(m, (*Impl).QuantizeU8, a, b, in[:n], p, tail)
			}})
		}
		if fitsI8(p) {
			cases = append(cases, guardCase{"QuantizeI8/" + p.Convention.String(), func(m *Impl, a, b *guardRegion, n int, tail bool) error {
				return guardQuantize(m, (*Impl).QuantizeI8, a, b, in[:n], p, tail)
			}})
		}
		if p.Lo == 0 && p.Hi == 255 { // one QuantError per convention
			cases = append(cases, guardCase{"QuantError/" + p.Convention.String(), func(m *Impl, a, _ *guardRegion, n int, tail bool) error {
				src := place[float32](a, n, tail)
				copy(src, in[:n])
				want := refImpl().QuantError(in[:n], p)
				var got float64
				if err := call(func() { got = m.QuantError(src, p) }); err != nil {
					return err
				}
				if !bitsEqual64(got, want) {
					return fmt.Errorf("got %v, generic %v", got, want)
				}
				return nil
			}})
		}
	}
	dp := Params{Scale: 0.0213, Zero: 37, Lo: 0, Hi: 255}
	cases = append(cases,
		guardCase{"DequantizeU8", func(m *Impl, a, b *guardRegion, n int, tail bool) error {
			return guardDequantize(m, (*Impl).DequantizeU8, a, b, bytesIn[:n], dp, tail)
		}},
		guardCase{"DequantizeI8", func(m *Impl, a, b *guardRegion, n int, tail bool) error {
			s := unsafe.Slice((*int8)(unsafe.Pointer(unsafe.SliceData(bytesIn))), len(bytesIn))
			return guardDequantize(m, (*Impl).DequantizeI8, a, b, s[:n], dp, tail)
		}},
		guardCase{"MinMax", func(m *Impl, a, _ *guardRegion, n int, tail bool) error {
			src := place[float32](a, n, tail)
			copy(src, in[:n])
			wlo, whi, wfin := refImpl().MinMax(in[:n])
			var lo, hi float32
			var fin bool
			if err := call(func() { lo, hi, fin = m.MinMax(src) }); err != nil {
				return err
			}
			if !bitsEqual32(lo, wlo) || !bitsEqual32(hi, whi) || fin != wfin {
				return fmt.Errorf("got (%v, %v, %v), generic (%v, %v, %v)", lo, hi, fin, wlo, whi, wfin)
			}
			return nil
		}},
		guardCase{"AbsMax", func(m *Impl, a, _ *guardRegion, n int, tail bool) error {
			src := place[float32](a, n, tail)
			copy(src, in[:n])
			want := refImpl().AbsMax(in[:n])
			var got float32
			if err := call(func() { got = m.AbsMax(src) }); err != nil {
				return err
			}
			if !bitsEqual32(got, want) {
				return fmt.Errorf("got %v, generic %v", got, want)
			}
			return nil
		}},
		guardCase{"SquaredError", func(m *Impl, a, b *guardRegion, n int, tail bool) error {
			x, y := place[float32](a, n, tail), place[float32](b, n, tail)
			copy(x, in[:n])
			copy(y, in[len(in)-n:])
			want := refImpl().SquaredError(in[:n], in[len(in)-n:])
			var got float64
			if err := call(func() { got = m.SquaredError(x, y) }); err != nil {
				return err
			}
			if !bitsEqual64(got, want) {
				return fmt.Errorf("got %v, generic %v", got, want)
			}
			return nil
		}},
	)
	return cases
}

func guardQuantize[T uint8 | int8](m *Impl, q func(*Impl, []T, []float32, Params), a, b *guardRegion, in []float32, p Params, tail bool) error {
	n := len(in)
	src, dst := place[float32](a, n, tail), place[T](b, n, tail)
	copy(src, in)
	want := make([]T, n)
	q(refImpl(), want, in, p)
	if err := call(func() { q(m, dst, src, p) }); err != nil {
		return err
	}
	for i := range want {
		if dst[i] != want[i] {
			return fmt.Errorf("dst[%d] = %d, generic %d (x bits %#08x)", i, dst[i], want[i], math.Float32bits(in[i]))
		}
	}
	return nil
}

func guardDequantize[T uint8 | int8](m *Impl, dq func(*Impl, []float32, []T, Params), a, b *guardRegion, in []T, p Params, tail bool) error {
	n := len(in)
	src, dst := place[T](a, n, tail), place[float32](b, n, tail)
	copy(src, in)
	want := make([]float32, n)
	dq(refImpl(), want, in, p)
	if err := call(func() { dq(m, dst, src, p) }); err != nil {
		return err
	}
	for i := range want {
		if !bitsEqual32(dst[i], want[i]) {
			return fmt.Errorf("dst[%d] = %v, generic %v (q = %d)", i, dst[i], want[i], in[i])
		}
	}
	return nil
}

// guardLengths are the lengths the guard-page suite runs.
func guardLengths(short bool) []int {
	if short {
		return append(seq(0, 80), 127, 128, 129, 255, 256, 257, 300, 1000)
	}
	return append(seq(0, 300), 1000, 4099)
}

// suiteGuardPages runs every guard case at every length, at the tail and
// the head of the regions.
func suiteGuardPages(m *Impl, lengths []int) error {
	maxN := slices.Max(lengths)
	a, err := newGuardRegion(4 * maxN)
	if err != nil {
		return err
	}
	defer a.free()
	b, err := newGuardRegion(4 * maxN)
	if err != nil {
		return err
	}
	defer b.free()
	in, _ := masterInputs(representativeParams()[0], maxN, 11)
	rng := rand.New(rand.NewPCG(7, 8))
	bytesIn := make([]uint8, maxN)
	for i := range bytesIn {
		bytesIn[i] = uint8(rng.Uint32())
	}
	old := debug.SetPanicOnFault(true)
	defer debug.SetPanicOnFault(old)
	var e errs
	for _, c := range guardCases(in, bytesIn) {
		for _, n := range lengths {
			for _, tail := range []bool{true, false} {
				if err := c.run(m, a, b, n, tail); err != nil {
					e.add(fmt.Errorf("%s %s n=%d at %s of guarded region: %w", m.Name(), c.name, n,
						map[bool]string{true: "end", false: "start"}[tail], err))
				}
			}
		}
	}
	return e.err()
}

// TestGuardPages runs the guard-page suite on every supported
// implementation other than generic.
func TestGuardPages(t *testing.T) {
	forEachImpl(t, func(t *testing.T, m *Impl) {
		require.NoError(t, suiteGuardPages(m, guardLengths(testing.Short())))
	})
}

// guardSink keeps a mutant's stray load from being optimised away.
var guardSink float32

// TestGuardPagesCatchMutants checks the suite reports an over-read, an
// over-write and an under-write, and passes a clone of generic.
func TestGuardPagesCatchMutants(t *testing.T) {
	lengths := []int{0, 1, 2, 7, 8, 9, 31, 64, 100}
	clone := mutantImpl("clone", func(*kernels) {})
	require.NoError(t, suiteGuardPages(clone, lengths))
	for _, mu := range []struct {
		name string
		edit func(k *kernels)
	}{
		{"AbsMax reads one element past the end", func(k *kernels) {
			k.absMax = func(src []float32) float32 {
				if len(src) == 0 {
					return 0
				}
				return absMaxGeneric(unsafe.Slice(&src[0], len(src)+1))
			}
		}},
		{"SquaredError reads b one element before the start", func(k *kernels) {
			k.squaredError = func(a, b []float32) float64 {
				if len(b) > 0 {
					guardSink = *(*float32)(unsafe.Add(unsafe.Pointer(&b[0]), -4))
				}
				return squaredErrorGeneric(a, b)
			}
		}},
		{"QuantizeI8 writes 32 bytes past the end", func(k *kernels) {
			k.quantizeI8 = func(dst []int8, src []float32, p Params) {
				quantize8Generic[int8](dst, src, p)
				if len(dst) > 0 {
					*(*[32]int8)(unsafe.Add(unsafe.Pointer(&dst[len(dst)-1]), 1)) = [32]int8{}
				}
			}
		}},
	} {
		t.Run(mu.name, func(t *testing.T) {
			err := suiteGuardPages(mutantImpl("mutant", mu.edit), lengths)
			require.Error(t, err, "the guard-page suite passed a broken implementation")
			t.Log(err)
		})
	}
}
