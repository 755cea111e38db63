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

// These tests hold the AVX2 kernels to the generic reference bit for bit
// on inputs chosen to hit the assembly's edges: every length 0..300 (short
// inputs, exact blocks, the overlapping final block, the Go tail of the
// sums) at every alignment 0..7, and values that stress each step.

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

func TestAVX2Quantize(t *testing.T) {
	g, a := avx2ForTest(t)
	r := rand.New(rand.NewPCG(1, 2))
	buf := make([]float32, 300+8)
	for _, signed := range []bool{false, true} {
		for _, c := range []Convention{Seed, ONNX, PyTorch} {
			for n := 0; n <= 300; n++ {
				for off := 0; off < 8; off++ {
					p := randParams(r, signed, c)
					src := buf[off : off+n]
					fillFloats(r, src, p.Scale)
					name := fmt.Sprintf("signed=%v/%v/n=%d/off=%d/%+v", signed, c, n, off, p)
					if signed {
						want, got := make([]int8, n+4), make([]int8, n+4)
						for i := range got {
							got[i], want[i] = 0x5a, 0x5a
						}
						g.QuantizeI8(want[:n], src, p)
						a.QuantizeI8(got[:n], src, p)
						for i := range got {
							if got[i] != want[i] {
								t.Fatalf("%s: [%d] x=%v (%#x): got %d, want %d", name, i, src[min(i, n-1)], math.Float32bits(src[min(i, n-1)]), got[i], want[i])
							}
						}
					} else {
						want, got := make([]uint8, n+4), make([]uint8, n+4)
						for i := range got {
							got[i], want[i] = 0xa5, 0xa5
						}
						g.QuantizeU8(want[:n], src, p)
						a.QuantizeU8(got[:n], src, p)
						for i := range got {
							if got[i] != want[i] {
								t.Fatalf("%s: [%d] x=%v (%#x): got %d, want %d", name, i, src[min(i, n-1)], math.Float32bits(src[min(i, n-1)]), got[i], want[i])
							}
						}
					}
				}
			}
		}
	}
}

func TestAVX2QuantizeAllSpecials(t *testing.T) {
	// Every special value in every position of a block, each convention,
	// full and narrow bounds, zero points inside and outside the bounds.
	g, a := avx2ForTest(t)
	src := make([]float32, 0, 64*len(specialFloats))
	for _, x := range specialFloats {
		for range 64 {
			src = append(src, x)
		}
	}
	for _, c := range []Convention{Seed, ONNX, PyTorch} {
		for _, p := range []Params{
			{Scale: 1, Zero: 0, Lo: 0, Hi: 255}, {Scale: 1, Zero: 128, Lo: 0, Hi: 255},
			{Scale: 0.5, Zero: -3, Lo: 0, Hi: 255}, {Scale: 1e-30, Zero: 300, Lo: 10, Hi: 20},
			{Scale: 3e38, Zero: -MaxZero, Lo: 0, Hi: 15}, {Scale: 1, Zero: MaxZero, Lo: 0, Hi: 255},
			// The edges of the 16-bit zero-point path (Lo-z, Hi-z in int16).
			{Scale: 1, Zero: 32768, Lo: 0, Hi: 255}, {Scale: 1, Zero: 32769, Lo: 0, Hi: 255},
			{Scale: 1, Zero: -32512, Lo: 0, Hi: 255}, {Scale: 1, Zero: -32513, Lo: 0, Hi: 255},
			{Scale: 1, Zero: 32640, Lo: 0, Hi: 255}, {Scale: 1, Zero: -32640, Lo: 0, Hi: 255},
		} {
			p.Convention = c
			src := src
			if p.Scale == 1 && p.Zero > 1000 || p.Zero < -1000 { // values that land inside the bounds too
				src = append(src[:len(src):len(src)], nearZero(p)...)
			}
			want, got := make([]uint8, len(src)), make([]uint8, len(src))
			g.QuantizeU8(want, src, p)
			a.QuantizeU8(got, src, p)
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("%+v: x=%v: got %d, want %d", p, src[i], got[i], want[i])
				}
			}
			p.Lo, p.Hi = -128, 127
			wanti, goti := make([]int8, len(src)), make([]int8, len(src))
			g.QuantizeI8(wanti, src, p)
			a.QuantizeI8(goti, src, p)
			for i := range goti {
				if goti[i] != wanti[i] {
					t.Fatalf("%+v: x=%v: got %d, want %d", p, src[i], goti[i], wanti[i])
				}
			}
		}
	}
}

// nearZero returns values that quantize to every level of p's bounds and
// their ties, for both output types' bounds.
func nearZero(p Params) []float32 {
	var x []float32
	for q := -140; q <= 260; q++ {
		for _, f := range []float64{0, 0.5, -0.5, 0.25} {
			x = append(x, float32((float64(q)-float64(p.Zero)+f)*float64(p.Scale)))
		}
	}
	return x
}

func TestAVX2Dequantize(t *testing.T) {
	g, a := avx2ForTest(t)
	r := rand.New(rand.NewPCG(3, 4))
	buf := make([]byte, 300+8)
	for n := 0; n <= 300; n++ {
		for off := 0; off < 8; off++ {
			for _, signed := range []bool{false, true} {
				p := randParams(r, signed, Seed)
				if r.IntN(8) == 0 {
					p.Scale = math.MaxFloat32 // products overflow to ±Inf
				}
				for i := range buf {
					buf[i] = byte(r.Uint32())
				}
				want, got := make([]float32, n+4), make([]float32, n+4)
				if signed {
					src := make([]int8, n)
					for i := range src {
						src[i] = int8(buf[off+i])
					}
					g.DequantizeI8(want[:n], src, p)
					a.DequantizeI8(got[:n], src, p)
				} else {
					g.DequantizeU8(want[:n], buf[off:off+n], p)
					a.DequantizeU8(got[:n], buf[off:off+n], p)
				}
				for i := range got {
					if !eqBits32(got[i], want[i]) {
						t.Fatalf("signed=%v n=%d off=%d %+v: [%d] got %v, want %v", signed, n, off, p, i, got[i], want[i])
					}
				}
			}
		}
	}
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

func TestAVX2Reductions(t *testing.T) {
	g, a := avx2ForTest(t)
	r := rand.New(rand.NewPCG(5, 6))
	buf := make([]float32, 300+8)
	buf2 := make([]float32, 300+8)
	for n := 0; n <= 300; n++ {
		for off := 0; off < 8; off++ {
			for rep := 0; rep < 3; rep++ {
				src := buf[off : off+n]
				fillReduce(r, src)
				l1, h1, f1 := g.MinMax(src)
				l2, h2, f2 := a.MinMax(src)
				if !eqBits32(l1, l2) || !eqBits32(h1, h2) || f1 != f2 {
					t.Fatalf("MinMax n=%d off=%d %v: got %v %v %v, want %v %v %v", n, off, src, l2, h2, f2, l1, h1, f1)
				}
				if w, v := g.AbsMax(src), a.AbsMax(src); !eqBits32(w, v) {
					t.Fatalf("AbsMax n=%d off=%d %v: got %v, want %v", n, off, src, v, w)
				}
				other := buf2[(off+3)%8 : (off+3)%8+n]
				fillReduce(r, other)
				if w, v := g.SquaredError(src, other), a.SquaredError(src, other); math.Float64bits(w) != math.Float64bits(v) {
					t.Fatalf("SquaredError n=%d off=%d: got %v, want %v", n, off, v, w)
				}
				for _, c := range []Convention{Seed, ONNX, PyTorch} {
					p := randParams(r, r.IntN(2) == 0, c)
					fillFloats(r, src, p.Scale)
					if w, v := g.QuantError(src, p), a.QuantError(src, p); math.Float64bits(w) != math.Float64bits(v) {
						t.Fatalf("QuantError n=%d off=%d %+v: got %v, want %v", n, off, p, v, w)
					}
				}
			}
		}
	}
}

func TestAVX2SumsLarge(t *testing.T) {
	// Lengths past several blocks with an odd tail, values whose squares
	// differ widely in magnitude, so any change of summation order shows.
	g, a := avx2ForTest(t)
	r := rand.New(rand.NewPCG(7, 8))
	for _, n := range []int{1021, 4096, 4111, 65537} {
		x, y := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i] = float32(math.Ldexp(r.Float64(), r.IntN(60)-30))
			y[i] = float32(r.NormFloat64())
		}
		if w, v := g.SquaredError(x, y), a.SquaredError(x, y); math.Float64bits(w) != math.Float64bits(v) {
			t.Fatalf("SquaredError n=%d: got %v, want %v", n, v, w)
		}
		for _, c := range []Convention{Seed, ONNX, PyTorch} {
			p := Params{Scale: 0.013, Zero: 3, Lo: -128, Hi: 127, Convention: c}
			if w, v := g.QuantError(x, p), a.QuantError(x, p); math.Float64bits(w) != math.Float64bits(v) {
				t.Fatalf("QuantError n=%d %v: got %v, want %v", n, c, v, w)
			}
		}
	}
}

func TestAVX2NoAllocs(t *testing.T) {
	// The raw kernels: short inputs use the stack blocks, which must not
	// escape.
	_, a := avx2ForTest(t)
	k := a.k
	src, q, f := make([]float32, 17), make([]uint8, 17), make([]float32, 17)
	qi := make([]int8, 17)
	p := Params{Scale: 0.1, Lo: 0, Hi: 127}
	if n := testing.AllocsPerRun(10, func() {
		k.quantizeU8(q, src, p)
		k.quantizeI8(qi, src, p)
		k.dequantizeU8(f, q, p)
		k.dequantizeI8(f, qi, p)
		k.minMax(src)
		k.absMax(src)
		k.quantError(src, p)
		k.squaredError(src, f)
	}); n != 0 {
		t.Fatalf("%v allocations per run", n)
	}
}

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
