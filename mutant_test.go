package quant

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The harness must be able to fail: each mutant below is generic with one
// kernel broken in a way a SIMD kernel plausibly could be, and every one
// must be reported by the differential suites. A clean copy of generic must
// pass them all.

// namedSuite is one differential suite bound to an implementation.
type namedSuite struct {
	name string
	run  func() error
}

// suitesFor lists every differential suite that covers kernel (every
// suite if kernel is ""), run on m with the short or full sweep; the
// cheap, targeted ones first.
func suitesFor(m *Impl, short bool, kernel string) []namedSuite {
	c := sweep(short)
	var s []namedSuite
	for _, k := range floatKernels {
		if kernel == "" || k.name == kernel {
			s = append(s,
				namedSuite{"SpecialLanes/" + k.name, func() error { return suitePerKernel(m, k, c, runSpecialLanes) }},
				namedSuite{"LengthsOffsets/" + k.name, func() error { return suitePerKernel(m, k, c, runLengthsOffsets) }})
		}
	}
	if kernel == "" || strings.HasPrefix(kernel, "Dequantize") {
		s = append(s,
			namedSuite{"DequantizeParams", func() error { return suiteDequantizeParams(m) }},
			namedSuite{"DequantizeLengthsOffsets", func() error { return suiteDequantizeLengthsOffsets(m, c) }})
	}
	if kernel == "" || !strings.HasPrefix(kernel, "Dequantize") {
		s = append(s,
			namedSuite{"RandomBits", func() error { return suiteRandomBits(m, short, kernel) }},
			namedSuite{"Params", func() error { return suiteParams(m, short, kernel) }})
	}
	return s
}

func mutantImpl(name string, edit func(k *kernels)) *Impl {
	k := genericKernels
	edit(&k)
	return newTestImpl(name, k)
}

// perElementQ returns a QuantizeU8/I8 kernel that is generic except that
// f may replace the quantized value of an element.
func perElementQ[T uint8 | int8](f func(x float32, p *Params, q int32) int32) func([]T, []float32, Params) {
	return func(dst []T, src []float32, p Params) {
		for i, x := range src {
			dst[i] = T(f(x, &p, p.Quantize(x)))
		}
	}
}

func clampQ(v float64, p *Params) int32 {
	return int32(math.Max(float64(p.Lo), math.Min(float64(p.Hi), v)))
}

var mutants = []struct {
	name   string
	kernel string // the kernel the mutation touches (the suites run)
	edit   func(k *kernels)
}{
	{"pytorch tie rounded away from zero", "QuantizeU8", func(k *kernels) {
		k.quantizeU8 = perElementQ[uint8](func(x float32, p *Params, q int32) int32 {
			if v := preRound(x, *p); p.Convention == PyTorch && x == x && v-float32(math.Floor(float64(v))) == 0.5 {
				return clampQ(math.Round(float64(v))+float64(p.Zero), p)
			}
			return q
		})
	}},
	{"seed zero added in float64 (no float32 rounding of x/s)", "QuantizeU8", func(k *kernels) {
		k.quantizeU8 = perElementQ[uint8](func(x float32, p *Params, q int32) int32 {
			if p.Convention == Seed && x == x {
				return clampQ(math.RoundToEven(float64(x)/float64(p.Scale)+float64(p.Zero)), p)
			}
			return q
		})
	}},
	{"NaN quantized to Lo", "QuantizeI8", func(k *kernels) {
		k.quantizeI8 = perElementQ[int8](func(x float32, p *Params, q int32) int32 {
			if x != x {
				return p.Lo
			}
			return q
		})
	}},
	{"subnormal input flushed to zero (DAZ)", "QuantizeI8", func(k *kernels) {
		k.quantizeI8 = perElementQ[int8](func(x float32, p *Params, q int32) int32 {
			if x != 0 && math.Abs(float64(x)) < 0x1p-126 {
				return p.Quantize(0)
			}
			return q
		})
	}},
	{"wrong value in the tail when len%8 == 7", "QuantizeI8", func(k *kernels) {
		k.quantizeI8 = func(dst []int8, src []float32, p Params) {
			quantize8Generic[int8](dst, src, p)
			if n := len(src); n%8 == 7 && dst[n-1] != int8(p.Hi) {
				dst[n-1] = int8(p.Hi)
			}
		}
	}},
	{"writes one element past len(src)", "QuantizeU8", func(k *kernels) {
		k.quantizeU8 = func(dst []uint8, src []float32, p Params) {
			quantize8Generic[uint8](dst, src, p)
			if cap(dst) > len(src) {
				dst[:len(src)+1][len(src)] = 0x55
			}
		}
	}},
	{"writes one element before dst", "DequantizeI8", func(k *kernels) {
		k.dequantizeI8 = func(dst []float32, src []int8, p Params) {
			dequantize8Generic[int8](dst, src, p)
			if len(dst) > 0 {
				*(*float32)(unsafe.Add(unsafe.Pointer(&dst[0]), -4)) = 0
			}
		}
	}},
	{"DequantizeU8 sign-extends bytes above 127", "DequantizeU8", func(k *kernels) {
		k.dequantizeU8 = func(dst []float32, src []uint8, p Params) {
			for i, q := range src {
				dst[i] = float32(float32(int32(int8(q))-p.Zero) * p.Scale)
			}
		}
	}},
	{"DequantizeU8 distributes: q*s - z*s", "DequantizeU8", func(k *kernels) {
		k.dequantizeU8 = func(dst []float32, src []uint8, p Params) {
			for i, q := range src {
				dst[i] = float32(float32(q)*p.Scale) - float32(float32(p.Zero)*p.Scale)
			}
		}
	}},
	{"MinMax returns -0", "MinMax", func(k *kernels) {
		k.minMax = func(src []float32) (float32, float32, bool) {
			lo, hi, fin := minMaxGeneric(src)
			for _, x := range src {
				if lo == 0 && math.Signbit(float64(x)) && x == 0 {
					lo = negZero32
				}
			}
			return lo, hi, fin
		}
	}},
	{"MinMax finite ignores -Inf", "MinMax", func(k *kernels) {
		k.minMax = func(src []float32) (float32, float32, bool) {
			lo, hi, _ := minMaxGeneric(src)
			fin := true
			for _, x := range src {
				if x != x || math.IsInf(float64(x), 1) {
					fin = false
				}
			}
			return lo, hi, fin
		}
	}},
	{"MinMax drops the last element when src is 20 bytes past 64", "MinMax", func(k *kernels) {
		k.minMax = func(src []float32) (float32, float32, bool) {
			if len(src) > 1 && uintptr(unsafe.Pointer(&src[0]))%64 == 20 {
				return minMaxGeneric(src[:len(src)-1])
			}
			return minMaxGeneric(src)
		}
	}},
	{"MinMax reads one element past the end", "MinMax", func(k *kernels) {
		k.minMax = func(src []float32) (float32, float32, bool) {
			if len(src) == 0 {
				return minMaxGeneric(src)
			}
			over := unsafe.Slice(&src[0], len(src)+1)
			return minMaxGeneric(over)
		}
	}},
	{"MinMax canonicalises NaN in src in place", "MinMax", func(k *kernels) {
		k.minMax = func(src []float32) (float32, float32, bool) {
			for i, x := range src {
				if x != x {
					src[i] = float32(math.NaN())
				}
			}
			return minMaxGeneric(src)
		}
	}},
	{"AbsMax propagates NaN (Go max)", "AbsMax", func(k *kernels) {
		k.absMax = func(src []float32) float32 {
			var m float32
			for _, x := range src {
				m = max(m, float32(math.Abs(float64(x))))
			}
			return m
		}
	}},
	{"AbsMax skips Inf in lane 13 of 16", "AbsMax", func(k *kernels) {
		k.absMax = func(src []float32) float32 {
			var m float32
			for i, x := range src {
				a := float32(math.Abs(float64(x)))
				if i%16 == 13 && math.IsInf(float64(a), 1) {
					continue
				}
				if a > m {
					m = a
				}
			}
			return m
		}
	}},
	{"SquaredError sums sequentially", "SquaredError", func(k *kernels) {
		k.squaredError = func(a, b []float32) float64 {
			var s float64
			for i := range a {
				d := float64(a[i]) - float64(b[i])
				s += d * d
			}
			return s
		}
	}},
	// A masked tail whose mask is one element short (an off-by-one in
	// the BZHI count): the final partial block leaves its last element
	// unwritten.
	{"masked tail one element short (QuantizeU8)", "QuantizeU8", func(k *kernels) {
		k.quantizeU8 = func(dst []uint8, src []float32, p Params) {
			n := len(src)
			if n%64 != 0 {
				n--
			}
			quantize8Generic[uint8](dst[:n], src[:n], p)
		}
	}},
	// A reduction whose tail lanes are loaded zero-masked but then
	// combined without the merge mask: the zeros take part.
	{"masked tail lanes not merge-masked (MinMax)", "MinMax", func(k *kernels) {
		k.minMax = func(src []float32) (lo, hi float32, finite bool) {
			lo, hi, finite = minMaxGeneric(src)
			if len(src)%16 != 0 {
				lo, hi = min(lo, 0)+0, max(hi, 0)+0
			}
			return lo, hi, finite
		}
	}},
	{"QuantError combines lanes sequentially", "QuantError", func(k *kernels) {
		k.quantError = func(src []float32, p Params) float64 {
			var l [sumLanes]float64
			for i, x := range src {
				d := float64(x) - float64(p.Dequantize(p.Quantize(x)))
				l[i%sumLanes] += d * d
			}
			var s float64
			for _, v := range l {
				s += v
			}
			return s
		}
	}},
	{"QuantError ignores the zero point in dequantization of NaN", "QuantError", func(k *kernels) {
		k.quantError = func(src []float32, p Params) float64 {
			var l [sumLanes]float64
			for i, x := range src {
				if x != x {
					continue
				}
				d := float64(x) - float64(p.Dequantize(p.Quantize(x)))
				l[i%sumLanes] += d * d
			}
			return combineLanes(&l)
		}
	}},
}

// TestHarnessCatchesMutants runs the short sweeps covering the mutated
// kernel on every mutant, stopping at the first reported mismatch, and
// requires one.
func TestHarnessCatchesMutants(t *testing.T) {
	abortOnFirst = true
	defer func() { abortOnFirst = false }()
	for _, mu := range mutants {
		t.Run(mu.name, func(t *testing.T) {
			m := mutantImpl("mutant", mu.edit)
			start := time.Now()
			var caught error
			for _, s := range suitesFor(m, true, mu.kernel) {
				if err := runSuite(s.run); err != nil {
					caught = fmt.Errorf("%s: %w", s.name, err)
					break
				}
			}
			require.Error(t, caught, "the harness passed a broken implementation")
			t.Logf("caught in %v by %v", time.Since(start).Round(time.Millisecond), caught)
		})
	}
}

// TestHarnessPassesClone runs the short sweeps on a copy of generic
// under another name: a harness that reports mismatches there is broken.
// It also exercises every sweep when no SIMD implementation is supported.
// Under -short (emulators) it runs only if no SIMD implementation does.
func TestHarnessPassesClone(t *testing.T) {
	if testing.Short() && len(Supported()) > 1 {
		t.Skip("-short: the supported SIMD implementations run the same sweeps")
	}
	m := mutantImpl("clone", func(*kernels) {})
	for _, s := range suitesFor(m, true, "") {
		assert.NoError(t, s.run(), s.name)
	}
}
