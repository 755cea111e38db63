package diffcheck

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/quantkernel/quant"
)

func bitsEqual32(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }
func bitsEqual64(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

// elem is an element type of the buffers: codes, floats, and Params (the
// dynamic forms write Params too).
type elem interface {
	uint8 | int8 | float32 | quant.Params
}

// sameBits compares by bits (NaN payloads, ±0).
func sameBits[T elem](a, b T) bool {
	switch x := any(a).(type) {
	case float32:
		return bitsEqual32(x, any(b).(float32))
	case quant.Params:
		y := any(b).(quant.Params)
		return bitsEqual32(x.Scale, y.Scale) && x.Zero == y.Zero && x.Lo == y.Lo && x.Hi == y.Hi && x.Convention == y.Convention
	}
	return a == b
}

// fromByte makes a pattern element of T from a byte: the byte itself, or
// for Params one whose every field varies with it (a NaN scale, which no
// kernel writes).
func fromByte[T elem](v uint8) T {
	var z T
	switch p := any(&z).(type) {
	case *uint8:
		*p = v
	case *int8:
		*p = int8(v)
	case *float32:
		*p = float32(v)
	case *quant.Params:
		*p = quant.Params{Scale: fbits(0x7FC00000 | uint32(v)<<4), Zero: int32(v) * 0x010101, Lo: int32(v), Hi: -int32(v), Convention: quant.Convention(v)}
	}
	return z
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
		return pattern(fmt.Sprintf("src%T", z), size, func(i int) T { return fromByte[T](uint8(0x5A ^ i*0x11)) })
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
			p = pattern(fmt.Sprintf("dst%T", z), size+251, func(i int) T { return fromByte[T](uint8(0xA5 ^ uint32(i)*0x3B ^ uint32(i>>8)*0x95)) })
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

type errs struct {
	list  []error
	extra int
}

// abortOnFirst makes errs.add panic with an abortSuite carrying the
// first error, so FirstMismatch can stop a sweep at its first mismatch
// (the mutant tests need only one).
var abortOnFirst atomic.Bool

type abortSuite struct{ err error }

// FirstMismatch runs f (a Suite's Run bound to an implementation) and
// stops it at its first mismatch, which it returns: what a test that only
// needs to know whether a broken implementation is caught wants. It must
// not run concurrently with any other suite.
func FirstMismatch(f func() error) (err error) {
	abortOnFirst.Store(true)
	defer func() {
		abortOnFirst.Store(false)
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
	if abortOnFirst.Load() {
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

func unsafeInt8(b []uint8) []int8 {
	return unsafe.Slice((*int8)(unsafe.Pointer(unsafe.SliceData(b))), len(b))
}
