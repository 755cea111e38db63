package quant

import (
	"math"
	"unsafe"
)

// The mutants: generic with one kernel broken in a way a SIMD kernel
// plausibly could be. The differential suites (internal/diffcheck) must
// report every one; harness_test.go, harness_blocks_test.go and
// fuzz_corpus_test.go run them through export_test.go. A new kernel adds
// at least one mutant here (its table entry is the kernel field it
// breaks).

// mutantImpl is generic with edit applied to its kernel table.
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

// preRound is the float32 value the convention of p rounds to an integer
// (for Seed it already includes the zero point).
func preRound(x float32, p Params) float32 {
	switch p.Convention {
	case Seed:
		return float32(float32(x/p.Scale) + float32(p.Zero))
	case ONNX:
		return float32(x / p.Scale)
	default:
		return float32(x * pytorchInv(p.Scale))
	}
}

var negZero32 = math.Float32frombits(0x80000000)

// mutant is one broken implementation: the operation whose suites must
// catch it and the edit of the kernel table.
type mutant struct {
	name   string
	kernel string // the operation the mutation touches (the suites run)
	edit   func(k *kernels)
}

// mutants break the per-tensor kernels; the differential suites of their
// operation must report each.
var mutants = []mutant{
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
	{"QuantizeColumnsU8 quantizes a row's last column with the Params of the one before", "QuantizeLayoutU8", func(k *kernels) {
		k.quantizeColumnsU8 = func(dst []uint8, src []float32, cols int, ps []Params) {
			q := ps
			if cols >= 2 {
				q = append(append([]Params(nil), ps[:cols-1]...), ps[cols-2])
			}
			composeColumns(quantizeBlocks8Generic[uint8])(dst, src, cols, q)
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
	{"per-column quantize takes the ragged last group's Params one group back", "QuantizeLayoutU8", func(k *kernels) {
		k.quantizeColumnsU8 = func(dst []uint8, src []float32, cols int, ps []Params) {
			genericKernels.quantizeColumnsU8(dst, src, cols, ps)
			if cols <= 16 || cols%16 == 0 {
				return
			}
			for r := 0; r < len(src); r += cols {
				j := cols - 1
				dst[r+j] = uint8(ps[j-16].Quantize(src[r+j]))
			}
		}
	}},
}

// blockMutants break the raw grouped kernels; the Blocks suite
// (diffcheck.BlocksSweep) must report each.
var blockMutants = []mutant{
	{"QuantizeBlocksI4 writes a byte past the end", "", func(k *kernels) {
		k.quantizeBlocksI4 = func(dst []uint8, src []float32, block int, ps []Params, h NibbleOrder) {
			quantizeBlocksI4Generic(dst, src, block, ps, h)
			if n := (len(src) + 1) / 2; n < cap(dst) {
				dst[:n+1][n] = 0
			}
		}
	}},
	{"DequantizeBlocksI4 uses the next block's Params", "", func(k *kernels) {
		k.dequantizeBlocksI4 = func(dst []float32, src []uint8, block int, ps []Params, s nibbleExt, h NibbleOrder) {
			if len(ps) > 1 {
				ps = append(append([]Params(nil), ps[1:]...), ps[0])
			}
			dequantizeBlocksI4Generic(dst, src, block, ps, s, h)
		}
	}},
	{"QuantizeBlocksI8 ignores the last short block", "", func(k *kernels) {
		k.quantizeBlocksI8 = func(dst []int8, src []float32, block int, ps []Params) {
			full := len(src) / block * block
			quantizeBlocks8Generic[int8](dst, src[:full], block, ps[:full/block])
		}
	}},
	{"MinMaxColumns replaces a -0 accumulator", "", func(k *kernels) {
		k.minMaxColumns = func(lo, hi []float32, row []float32) bool {
			f := minMaxColumnsGeneric(lo, hi, row)
			for i := range lo {
				if lo[i] == 0 {
					lo[i] = 0
				}
			}
			return f
		}
	}},
}

// guardSink keeps a mutant's stray load from being optimised away.
var guardSink float32

// guardMutants read or write just outside their slices; the guard-page
// suite must report each.
var guardMutants = []mutant{
	{"AbsMax reads one element past the end", "AbsMax", func(k *kernels) {
		k.absMax = func(src []float32) float32 {
			if len(src) == 0 {
				return 0
			}
			return absMaxGeneric(unsafe.Slice(&src[0], len(src)+1))
		}
	}},
	{"SquaredError reads b one element before the start", "SquaredError", func(k *kernels) {
		k.squaredError = func(a, b []float32) float64 {
			if len(b) > 0 {
				guardSink = *(*float32)(unsafe.Add(unsafe.Pointer(&b[0]), -4))
			}
			return squaredErrorGeneric(a, b)
		}
	}},
	{"QuantizeI8 writes 32 bytes past the end", "QuantizeI8", func(k *kernels) {
		k.quantizeI8 = func(dst []int8, src []float32, p Params) {
			quantize8Generic[int8](dst, src, p)
			if len(dst) > 0 {
				*(*[32]int8)(unsafe.Add(unsafe.Pointer(&dst[len(dst)-1]), 1)) = [32]int8{}
			}
		}
	}},
}

// blockGuardMutants read just outside their slices in the raw grouped
// kernels; the grouped guard-page checks (diffcheck.BlocksGuardPages,
// MinMaxColumnsGuardPages) must report each.
var blockGuardMutants = []mutant{
	{"DequantizeBlocksU8 reads one code past the end", "", func(k *kernels) {
		k.dequantizeBlocksU8 = func(dst []float32, src []uint8, block int, ps []Params) {
			if len(src) > 0 {
				guardSink = float32(*(*uint8)(unsafe.Add(unsafe.Pointer(&src[len(src)-1]), 1)))
			}
			dequantizeBlocks8Generic[uint8](dst, src, block, ps)
		}
	}},
	{"QuantizeBlocksI8 reads the Params before the first", "", func(k *kernels) {
		k.quantizeBlocksI8 = func(dst []int8, src []float32, block int, ps []Params) {
			if len(ps) > 0 {
				guardSink = (*Params)(unsafe.Add(unsafe.Pointer(&ps[0]), -int(unsafe.Sizeof(Params{})))).Scale
			}
			quantizeBlocks8Generic[int8](dst, src, block, ps)
		}
	}},
	{"MinMaxColumns writes hi one element past the end", "", func(k *kernels) {
		k.minMaxColumns = func(lo, hi []float32, row []float32) bool {
			f := minMaxColumnsGeneric(lo, hi, row)
			if len(hi) > 0 {
				*(*float32)(unsafe.Add(unsafe.Pointer(&hi[len(hi)-1]), 4)) = 0
			}
			return f
		}
	}},
}
