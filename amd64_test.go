//go:build amd64 && gc && !purego

package quant

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/cpu"
)

// The AVX2 tests that reach what the Impl-level harness (harness_test.go,
// internal/diffcheck) cannot: the streaming-store path, which the methods
// take only beyond the last-level cache, called directly at every length
// from avx2QBlock and every destination alignment; the fallback when AVX2
// is hidden; and FuzzAVX2. Everything else about the AVX2 kernels is
// checked by the harness, like every implementation's.

func avx2ForTest(t testing.TB) (*Impl, *Impl) {
	t.Helper()
	if !avx2Impl.Supported() {
		t.Skip("this CPU (or GODEBUG) has no AVX2+FMA: nothing to compare")
	}
	g, err := Lookup("generic")
	if err != nil {
		t.Fatal(err)
	}
	return g, avx2Impl
}

// specialFloats are values each kernel must handle exactly as the
// reference does.
var specialFloats = []float32{
	0, float32(math.Copysign(0, -1)),
	float32(math.Inf(1)), float32(math.Inf(-1)),
	math.Float32frombits(0x7fc00000), math.Float32frombits(0xffc00000), // quiet NaN, both signs
	math.Float32frombits(0x7f800001), math.Float32frombits(0xff8abcde), // signalling NaN payloads
	math.Float32frombits(0x7fffffff), math.Float32frombits(0xffffffff),
	math.Float32frombits(1), math.Float32frombits(0x80000001), // smallest subnormals
	math.Float32frombits(0x007fffff), math.Float32frombits(0x807fffff), // largest subnormals
	math.SmallestNonzeroFloat32 * (1 << 23), // smallest normal
	math.MaxFloat32, -math.MaxFloat32,
	0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 127.5, -128.5, 255.5, 254.5, -127.5,
	1 << 31, -(1 << 31), 1 << 24, -(1 << 24), 16777215, 8388608.5,
}

// fillFloats fills x with a mix of specials, ties of the given scale
// (k+0.5)*s, values near ±2^31*s and ordinary values over many magnitudes.
func fillFloats(r *rand.Rand, x []float32, s float32) {
	for i := range x {
		switch r.IntN(8) {
		case 0:
			x[i] = specialFloats[r.IntN(len(specialFloats))]
		case 1: // a tie in the ONNX/PyTorch domain
			x[i] = float32(float64(r.IntN(600)-300)+0.5) * s
		case 2: // near ±2^31 * s
			x[i] = float32(math.Ldexp(1, 31)*(1+(r.Float64()-0.5)*1e-6)) * s
			if r.IntN(2) == 0 {
				x[i] = -x[i]
			}
		case 3: // any bit pattern
			x[i] = math.Float32frombits(r.Uint32())
		case 4: // integers and halves in the quantized range
			x[i] = float32(r.IntN(1024)-512) / 2 * s
		default:
			x[i] = float32(r.NormFloat64()*math.Pow(10, float64(r.IntN(8)-2))) * s
		}
	}
}

// randParams returns valid params for the output type (signed = int8):
// bounds of 2..8 bits or random narrow ones, zero points small or huge,
// scales from tiny to huge, including powers of two (exact ties).
func randParams(r *rand.Rand, signed bool, c Convention) Params {
	var p Params
	p.Convention = c
	switch r.IntN(4) {
	case 0:
		p.Scale = float32(math.Ldexp(1, r.IntN(20)-10))
	case 1:
		p.Scale = float32(math.Ldexp(1+r.Float64(), r.IntN(240)-120))
	default:
		p.Scale = float32(r.Float64()*0.1 + 1e-4)
	}
	bits := 2 + r.IntN(7)
	if signed {
		p.Lo, p.Hi = -(1 << (bits - 1)), 1<<(bits-1)-1
	} else {
		p.Lo, p.Hi = 0, 1<<bits-1
	}
	if r.IntN(4) == 0 { // narrow bounds inside the type
		a, b := p.Lo+int32(r.IntN(int(p.Hi-p.Lo+1))), p.Lo+int32(r.IntN(int(p.Hi-p.Lo+1)))
		p.Lo, p.Hi = min(a, b), max(a, b)
	}
	switch r.IntN(5) {
	case 0:
		p.Zero = 0
	case 1:
		p.Zero = int32(r.IntN(2*MaxZero+1) - MaxZero)
	case 2:
		p.Zero = []int32{MaxZero, -MaxZero, MaxZero - 1, -MaxZero + 1}[r.IntN(4)]
	default:
		p.Zero = p.Lo + int32(r.IntN(int(p.Hi-p.Lo+1)))
	}
	return p
}

func eqBits32(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }

func TestAVX2StreamPath(t *testing.T) {
	// The non-temporal path runs only for inputs larger than the last-level
	// cache; call it directly on every length 32..300 and every
	// destination alignment, against the reference.
	g, _ := avx2ForTest(t)
	r := rand.New(rand.NewPCG(9, 10))
	src := make([]float32, 300)
	qbuf := make([]byte, 300+32)
	fbuf := make([]float32, 300+8)
	for n := avx2Block; n <= 300; n++ {
		for off := 0; off < 32; off++ {
			for _, c := range []Convention{Seed, ONNX, PyTorch} {
				if n < avx2QBlock {
					break
				}
				signed := off%2 == 1
				p := randParams(r, signed, c)
				fillFloats(r, src[:n], p.Scale)
				want := make([]byte, len(qbuf))
				for i := range qbuf {
					qbuf[i], want[i] = 0x77, 0x77
				}
				if signed {
					g.QuantizeI8(bytesAsInt8(want[off:off+n]), src[:n], p)
					quantize8Asm(&bytesAsInt8(qbuf)[off], &src[0], n, &p, true)
				} else {
					g.QuantizeU8(want[off:off+n], src[:n], p)
					quantize8Asm(&qbuf[off], &src[0], n, &p, true)
				}
				for i := range qbuf {
					if qbuf[i] != want[i] {
						t.Fatalf("quantize signed=%v %v n=%d off=%d: [%d] got %d, want %d", signed, c, n, off, i-off, qbuf[i], want[i])
					}
				}
			}
			if off >= 8 {
				continue
			}
			p := randParams(r, false, Seed)
			for i := range qbuf {
				qbuf[i] = byte(r.Uint32())
			}
			for _, signed := range []bool{false, true} {
				want := make([]float32, len(fbuf))
				for i := range fbuf {
					fbuf[i], want[i] = 7, 7
				}
				if signed {
					g.DequantizeI8(want[off:off+n], bytesAsInt8(qbuf[:n]), p)
					avx2DequantizeI8(&fbuf[off], &bytesAsInt8(qbuf)[0], n, p.Scale, p.Zero, true)
				} else {
					g.DequantizeU8(want[off:off+n], qbuf[:n], p)
					avx2DequantizeU8(&fbuf[off], &qbuf[0], n, p.Scale, p.Zero, true)
				}
				for i := range fbuf {
					if !eqBits32(fbuf[i], want[i]) {
						t.Fatalf("dequantize signed=%v n=%d off=%d: [%d] got %v, want %v", signed, n, off, i-off, fbuf[i], want[i])
					}
				}
			}
		}
	}
}

func bytesAsInt8(b []byte) []int8 {
	return unsafe.Slice((*int8)(unsafe.Pointer(unsafe.SliceData(b))), len(b))
}

// TestAVX2Fallback runs this test binary again with AVX2 hidden from the
// runtime (GODEBUG=cpu.avx2=off) and with QUANT_KERNEL=generic, and checks
// that the generic kernels are then active.
func TestAVX2Fallback(t *testing.T) {
	if os.Getenv("QUANT_TEST_REPORT_ACTIVE") != "" {
		fmt.Printf("active=%s avx2supported=%v\n", Active().Name(), avx2Impl.Supported())
		return
	}
	if want := cpu.X86.HasAVX2 && cpu.X86.HasFMA; avx2Impl.Supported() != want {
		t.Fatalf("avx2 Supported() = %v, CPU has AVX2 and FMA: %v", avx2Impl.Supported(), want)
	}
	for _, env := range []string{"GODEBUG=cpu.avx2=off", EnvKernel + "=generic"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestAVX2Fallback$")
		cmd.Env = append(os.Environ(), env, "QUANT_TEST_REPORT_ACTIVE=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", env, err, out)
		}
		if !strings.Contains(string(out), "active=generic ") {
			t.Fatalf("%s: want the generic kernels active, got:\n%s", env, out)
		}
		if strings.HasPrefix(env, "GODEBUG") && !strings.Contains(string(out), "avx2supported=false") {
			t.Fatalf("%s: avx2 still reported supported:\n%s", env, out)
		}
	}
}

// FuzzAVX2 compares every AVX2 kernel with the reference on inputs built
// from the fuzzer's bytes: the float32 bit patterns, the params and a
// start offset all come from the data, so lengths, alignments, specials
// and bounds are all explored.
func FuzzAVX2(f *testing.F) {
	f.Add([]byte{0, 0, 0x80, 0x3f, 0, 0, 0xc0, 0x7f}, uint32(0x3d4ccccd), int32(3), uint8(0), uint8(255), uint8(0), uint8(1))
	f.Add(make([]byte, 4*70), uint32(0x3f800000), int32(-7), uint8(2), uint8(200), uint8(1), uint8(3))
	f.Fuzz(func(t *testing.T, data []byte, scaleBits uint32, zero int32, lo, hi, conv, off uint8) {
		g, a := avx2ForTest(t)
		buf := make([]float32, len(data)/4+8)
		start := int(off % 8)
		src := buf[start : start+len(data)/4]
		for i := range src {
			src[i] = math.Float32frombits(uint32(data[4*i]) | uint32(data[4*i+1])<<8 | uint32(data[4*i+2])<<16 | uint32(data[4*i+3])<<24)
		}
		p := Params{Scale: math.Float32frombits(scaleBits), Zero: zero % (MaxZero + 1), Lo: int32(min(lo, hi)), Hi: int32(max(lo, hi)), Convention: Convention(conv % 3)}
		n := len(src)
		if p.ValidateU8() == nil {
			want, got := make([]uint8, n), make([]uint8, n)
			g.QuantizeU8(want, src, p)
			a.QuantizeU8(got, src, p)
			if string(want) != string(got) {
				t.Fatalf("QuantizeU8 %+v: got %v, want %v", p, got, want)
			}
			fw, fg := make([]float32, n), make([]float32, n)
			g.DequantizeU8(fw, got, p)
			a.DequantizeU8(fg, got, p)
			for i := range fw {
				if !eqBits32(fw[i], fg[i]) {
					t.Fatalf("DequantizeU8 %+v [%d]: got %v, want %v", p, i, fg[i], fw[i])
				}
			}
		}
		pi := p
		pi.Lo, pi.Hi = int32(int8(min(lo, hi))), int32(int8(max(lo, hi)))
		if pi.Lo > pi.Hi {
			pi.Lo, pi.Hi = pi.Hi, pi.Lo
		}
		if pi.ValidateI8() == nil {
			want, got := make([]int8, n), make([]int8, n)
			g.QuantizeI8(want, src, pi)
			a.QuantizeI8(got, src, pi)
			for i := range want {
				if want[i] != got[i] {
					t.Fatalf("QuantizeI8 %+v [%d]: got %d, want %d", pi, i, got[i], want[i])
				}
			}
			fw, fg := make([]float32, n), make([]float32, n)
			g.DequantizeI8(fw, got, pi)
			a.DequantizeI8(fg, got, pi)
			for i := range fw {
				if !eqBits32(fw[i], fg[i]) {
					t.Fatalf("DequantizeI8 %+v [%d]: got %v, want %v", pi, i, fg[i], fw[i])
				}
			}
			if w, v := g.QuantError(src, pi), a.QuantError(src, pi); math.Float64bits(w) != math.Float64bits(v) {
				t.Fatalf("QuantError %+v: got %v, want %v", pi, v, w)
			}
		}
		if p.Validate() == nil {
			if w, v := g.QuantError(src, p), a.QuantError(src, p); math.Float64bits(w) != math.Float64bits(v) {
				t.Fatalf("QuantError %+v: got %v, want %v", p, v, w)
			}
		}
		l1, h1, f1 := g.MinMax(src)
		l2, h2, f2 := a.MinMax(src)
		if !eqBits32(l1, l2) || !eqBits32(h1, h2) || f1 != f2 {
			t.Fatalf("MinMax: got %v %v %v, want %v %v %v", l2, h2, f2, l1, h1, f1)
		}
		if w, v := g.AbsMax(src), a.AbsMax(src); !eqBits32(w, v) {
			t.Fatalf("AbsMax: got %v, want %v", v, w)
		}
		half := n / 2
		if w, v := g.SquaredError(src[:half], src[half:2*half]), a.SquaredError(src[:half], src[half:2*half]); math.Float64bits(w) != math.Float64bits(v) {
			t.Fatalf("SquaredError: got %v, want %v", v, w)
		}
	})
}

// fillReduce fills x for the reductions: mostly ordinary values, with
// NaN, ±Inf, ±0 or extremes sprinkled in at a rate that varies per call,
// so that some inputs have none.
func fillReduce(r *rand.Rand, x []float32) {
	rate := []int{0, 2, 50, 1000}[r.IntN(4)]
	for i := range x {
		if rate > 0 && r.IntN(rate) == 0 {
			x[i] = specialFloats[r.IntN(len(specialFloats))]
		} else if r.IntN(8) == 0 {
			x[i] = math.Float32frombits(r.Uint32())
		} else {
			x[i] = float32(r.NormFloat64())
		}
	}
	if len(x) > 0 && r.IntN(8) == 0 { // all NaN, all -0, all -Inf
		v := []float32{float32(math.NaN()), float32(math.Copysign(0, -1)), float32(math.Inf(-1))}[r.IntN(3)]
		for i := range x {
			x[i] = v
		}
	}
}

// conventions lists every Convention.
var conventions = []Convention{Seed, ONNX, PyTorch}

// refImpl is the generic reference implementation.
func refImpl() *Impl { return registry[0] }

func bitsEqual32(a, b float32) bool { return math.Float32bits(a) == math.Float32bits(b) }
func bitsEqual64(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }
