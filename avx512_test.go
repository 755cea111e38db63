//go:build amd64 && gc && !purego

package quant

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/cpu"
)

// Tests specific to the AVX-512 kernels. The differential harness, the
// guard-page suite and the fuzz targets cover avx512 like every supported
// implementation (they iterate over Supported()); these add what is
// particular to it: registration order and fallback, the edges of the
// exact-division domain, and the non-temporal path.

func avx512ForTest(t testing.TB) (*Impl, *Impl) {
	t.Helper()
	if !avx512Impl.Supported() {
		t.Skip("this CPU (or GODEBUG) lacks AVX-512 F/BW/VL/DQ or BMI2: nothing to compare")
	}
	return refImpl(), avx512Impl
}

// TestAVX512Registration: avx512 is registered after avx2 (so preferred
// when both are supported), supported exactly when every feature it uses
// is present, and chosen by default then.
func TestAVX512Registration(t *testing.T) {
	i2, i5 := slices.Index(registry, avx2Impl), slices.Index(registry, avx512Impl)
	require.True(t, i2 >= 0 && i5 > i2, "avx512 (at %d) must be registered after avx2 (at %d)", i5, i2)
	want := cpu.X86.HasAVX2 && cpu.X86.HasFMA && cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW &&
		cpu.X86.HasAVX512VL && cpu.X86.HasAVX512DQ && cpu.X86.HasBMI2
	assert.Equal(t, want, avx512Impl.Supported())
	if want {
		r := runHelper(t)
		assert.Equal(t, "avx512", r.active, "the default choice on an AVX-512 CPU")
	} else {
		t.Log("this CPU has no AVX-512 (or GODEBUG disabled it): only the registration order is checked")
	}
}

// TestAVX512Fallback: GODEBUG=cpu.avx512f=off falls back to avx2, and
// QUANT_KERNEL=avx512 forces avx512 (or is reported and refused where it
// cannot run).
func TestAVX512Fallback(t *testing.T) {
	r := runHelper(t, "GODEBUG=cpu.avx512f=off")
	assert.False(t, r.supported["avx512"], "avx512 supported under GODEBUG=cpu.avx512f=off")
	if r.supported["avx2"] { // the subprocess's own view: its GODEBUG replaces ours
		assert.Equal(t, "avx2", r.active)
	}
	r = runHelper(t, EnvKernel+"=avx512")
	if avx512Impl.Supported() {
		assert.Equal(t, "avx512", r.active)
		assert.Equal(t, "forced by "+EnvKernel, r.selection)
	} else {
		assert.NotEqual(t, "avx512", r.active)
	}
	r = runHelper(t, "GODEBUG=cpu.avx512f=off", EnvKernel+"=avx512")
	assert.Equal(t, r.supported["avx2"], r.active == "avx2", "forcing avx512 without it: %+v", r)
}

// TestAVX512ExactDivEdges compares every quantize and QuantError kernel
// with the reference at scales on both sides of the edges of the
// exact-division domain (where the kernels switch between Markstein's
// quotient and VDIVPS) and at random scales inside it, on inputs that make
// the quotient a tie, the largest value below a tie, and values near the
// pre-clamp bound s*2^25.
func TestAVX512ExactDivEdges(t *testing.T) {
	g, a := avx512ForTest(t)
	r := rand.New(rand.NewPCG(51, 2))
	up := func(x float32) float32 { return math.Nextafter32(x, float32(math.Inf(1))) }
	down := func(x float32) float32 { return math.Nextafter32(x, 0) }
	scales := []float32{
		exactDivMinScale, down(exactDivMinScale), up(exactDivMinScale),
		exactDivMaxScale, down(exactDivMaxScale), up(exactDivMaxScale),
		0x1p-126, math.MaxFloat32, 1, 3, float32(1.0 / 3),
	}
	for range 40 {
		scales = append(scales, float32(math.Ldexp(1+r.Float64(), r.IntN(201)-100)))
	}
	const n = 1000
	src := make([]float32, n)
	for _, s := range scales {
		for i := range src {
			switch r.IntN(6) {
			case 0: // a tie of the quotient
				src[i] = float32(float64(r.IntN(600)-300)+0.5) * s
			case 1: // next to a tie
				x := float32(float64(r.IntN(600)-300)+0.5) * s
				if r.IntN(2) == 0 {
					src[i] = math.Nextafter32(x, 0)
				} else {
					src[i] = math.Nextafter32(x, float32(math.Inf(1)))
				}
			case 2: // near the pre-clamp bound
				src[i] = float32(math.Ldexp(float64(s), 25)) * float32(1+(r.Float64()-0.5)*1e-6)
				if r.IntN(2) == 0 {
					src[i] = -src[i]
				}
			case 3:
				src[i] = math.Float32frombits(r.Uint32())
			default:
				src[i] = float32(r.NormFloat64()*200) * s
			}
		}
		for _, c := range conventions {
			for _, p := range []Params{
				{Scale: s, Zero: int32(r.IntN(256)), Lo: 0, Hi: 255, Convention: c},
				{Scale: s, Zero: int32(r.IntN(2*MaxZero+1) - MaxZero), Lo: -128, Hi: 127, Convention: c},
			} {
				if p.Validate() != nil {
					continue
				}
				if p.Lo == 0 {
					got, want := make([]uint8, n), make([]uint8, n)
					a.QuantizeU8(got, src, p)
					g.QuantizeU8(want, src, p)
					for i := range got {
						if got[i] != want[i] {
							t.Fatalf("QuantizeU8 %+v x=%v(%#x): got %d, want %d", p, src[i], math.Float32bits(src[i]), got[i], want[i])
						}
					}
				} else {
					got, want := make([]int8, n), make([]int8, n)
					a.QuantizeI8(got, src, p)
					g.QuantizeI8(want, src, p)
					for i := range got {
						if got[i] != want[i] {
							t.Fatalf("QuantizeI8 %+v x=%v(%#x): got %d, want %d", p, src[i], math.Float32bits(src[i]), got[i], want[i])
						}
					}
				}
				fin := slices.DeleteFunc(slices.Clone(src), func(x float32) bool { return x != x })
				if got, want := a.QuantError(fin, p), g.QuantError(fin, p); !bitsEqual64(got, want) {
					t.Fatalf("QuantError %+v: got %v, want %v", p, got, want)
				}
			}
		}
	}
}

// TestAVX512StreamPath calls the non-temporal paths (taken only above the
// last-level cache) directly, for every length 0..300 and every
// destination alignment 0..63 bytes, against the reference; the bytes
// around dst must be untouched.
func TestAVX512StreamPath(t *testing.T) {
	g, _ := avx512ForTest(t)
	r := rand.New(rand.NewPCG(5, 12))
	src := make([]float32, 300)
	qbuf := make([]byte, 300+128)
	fbuf := make([]float32, 300+32)
	for n := 1; n <= 300; n++ {
		for off := 0; off < 64; off++ {
			c := conventions[(n+off)%3]
			signed := off%2 == 1
			p := randParams(r, signed, c)
			fillFloats(r, src[:n], p.Scale)
			want := make([]byte, len(qbuf))
			for i := range qbuf {
				qbuf[i], want[i] = 0x77, 0x77
			}
			if signed {
				g.QuantizeI8(bytesAsInt8(want[off:off+n]), src[:n], p)
				avx512Quantize8(&bytesAsInt8(qbuf)[off], &src[0], n, &p, true)
			} else {
				g.QuantizeU8(want[off:off+n], src[:n], p)
				avx512Quantize8(&qbuf[off], &src[0], n, &p, true)
			}
			if i := firstDiff(qbuf, want); i >= 0 {
				t.Fatalf("quantize signed=%v %v n=%d off=%d: [%d] got %d, want %d", signed, c, n, off, i-off, qbuf[i], want[i])
			}
			if off >= 16 {
				continue
			}
			for i := range qbuf {
				qbuf[i] = byte(r.Uint32())
			}
			for _, vbmi := range []bool{false, avx512VBMI} {
				wantf := make([]float32, len(fbuf))
				for i := range fbuf {
					fbuf[i], wantf[i] = 7, 7
				}
				if signed {
					g.DequantizeI8(wantf[off:off+n], bytesAsInt8(qbuf[:n]), p)
					avx512DequantizeI8Call(&fbuf[off], &bytesAsInt8(qbuf)[0], n, &p, true, vbmi)
				} else {
					g.DequantizeU8(wantf[off:off+n], qbuf[:n], p)
					avx512DequantizeU8Call(&fbuf[off], &qbuf[0], n, &p, true, vbmi)
				}
				for i := range fbuf {
					if !bitsEqual32(fbuf[i], wantf[i]) {
						t.Fatalf("dequantize signed=%v vbmi=%v n=%d off=%d: [%d] got %v, want %v", signed, vbmi, n, off, i-off, fbuf[i], wantf[i])
					}
				}
			}
		}
	}
}

// TestAVX512DequantizeZeros runs both dequantize kernels (VPERMB and
// VPMOVZXBD) on every byte, without and with the non-temporal path, for
// zero points across the whole range, including those where 2^23 + z
// stops being exact and the wrapper must fall back.
func TestAVX512DequantizeZeros(t *testing.T) {
	g, _ := avx512ForTest(t)
	q := make([]byte, 256+37)
	for i := range q {
		q[i] = byte(i * 7)
	}
	got, want := make([]float32, len(q)), make([]float32, len(q))
	for _, z := range []int32{0, 1, -1, 128, -128, 255, 1 << 22, 1<<23 - 129, 1<<23 - 128, 1<<23 - 127, 1 << 23, -(1 << 23), -(1 << 23) + 1} {
		for _, s := range []float32{1, 0.0213, 0x1p-126, math.MaxFloat32} {
			p := Params{Scale: s, Zero: z, Lo: 0, Hi: 255}
			for _, vbmi := range []bool{false, avx512VBMI} {
				for _, st := range []bool{false, true} {
					g.DequantizeU8(want, q, p)
					avx512DequantizeU8Call(&got[0], &q[0], len(q), &p, st, vbmi)
					for i := range got {
						if !bitsEqual32(got[i], want[i]) {
							t.Fatalf("U8 z=%d s=%v vbmi=%v stream=%v q=%d: got %v, want %v", z, s, vbmi, st, q[i], got[i], want[i])
						}
					}
					g.DequantizeI8(want, bytesAsInt8(q), p)
					avx512DequantizeI8Call(&got[0], &bytesAsInt8(q)[0], len(q), &p, st, vbmi)
					for i := range got {
						if !bitsEqual32(got[i], want[i]) {
							t.Fatalf("I8 z=%d s=%v vbmi=%v stream=%v q=%d: got %v, want %v", z, s, vbmi, st, int8(q[i]), got[i], want[i])
						}
					}
				}
			}
		}
	}
}

func firstDiff(a, b []byte) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

// TestAVX512BlockedI4 holds the int4 kernels to the reference on the
// cases the grouped harness does not reach: scales outside the
// exact-division domain and at its edges (the per-block switch to
// VDIVPS), long runs of one convention, zero points up to MaxZero, every
// block size the assembly takes up to 256 with a short last block, both
// nibble orders, signed and unsigned.
func TestAVX512BlockedI4(t *testing.T) {
	avx512ForTest(t)
	if !avx512VBMI {
		t.Skip("no AVX512VBMI: the int4 kernels are the AVX2 ones")
	}
	r := rand.New(rand.NewPCG(77, 1))
	for _, block := range []int{32, 64, 96, 128, 256} {
		for _, n := range []int{block, 3 * block, 5*block + 2, 7*block + 31, 4 * block} {
			checkAVX512BlockedI4(t, r, block, n, 3, 1)
		}
	}
}

// TestAVX512B32Groups is TestAVX512BlockedI4 for the kernels of blocks of
// 32 in groups of 16: convention runs of 40 blocks, so that whole groups
// occur at every offset in a run, and scales outside the exact domain or
// zero points beyond ±32512 in one block of 60 on average, so that most
// groups take the group kernel and some are refused (in the first, a
// middle or the last group of a call).
func TestAVX512B32Groups(t *testing.T) {
	avx512ForTest(t)
	if !avx512VBMI {
		t.Skip("no AVX512VBMI: the int4 kernels are the AVX2 ones")
	}
	r := rand.New(rand.NewPCG(79, 1))
	for _, n := range []int{16 * 32, 16*32 + 31, 40 * 32, 120*32 + 17, 300 * 32} {
		for range 8 {
			checkAVX512BlockedI4(t, r, 32, n, 40, 60)
		}
	}
}

// checkAVX512BlockedI4 compares avx512's blocked int4 quantize and
// dequantize with the reference on n random elements in blocks of block,
// the Convention changing every run blocks; rare (>= 1) is the inverse
// frequency of the special Params (scales outside or at the edges of the
// exact-division domain, zero points up to MaxZero).
func checkAVX512BlockedI4(t *testing.T, r *rand.Rand, block, n, run, rare int) {
	t.Helper()
	domain := []float32{0x1p-126, 1e-35, math.Nextafter32(exactDivMinScale, 0), exactDivMinScale, 1e-30,
		exactDivMaxScale, math.Nextafter32(exactDivMaxScale, 2*exactDivMaxScale), 1e35, math.MaxFloat32}
	scales := []float32{0.1, 1, 3, 0.0123}
	k := avx512Impl.k
	nb := (n + block - 1) / block
	src := make([]float32, n)
	ps := make([]Params, nb)
	for i := range ps {
		s := scales[r.IntN(len(scales))]
		if r.IntN(rare) == 0 {
			s = append(domain, scales...)[r.IntN(len(domain)+len(scales))]
		}
		lo, hi := int32(-8), int32(7)
		if r.IntN(2) == 0 {
			lo, hi = 0, 15
		}
		if r.IntN(3) == 0 {
			lo, hi = lo+int32(r.IntN(4)), hi-int32(r.IntN(4))
		}
		z := int32(r.IntN(int(hi-lo)+1)) + lo
		if r.IntN(2*rare) == 0 {
			switch r.IntN(3) {
			case 0:
				z = int32(r.IntN(2*MaxZero+1) - MaxZero)
			case 1: // where 2^23 + z (+8) stops being exact
				z = []int32{MaxZero, MaxZero - 1, MaxZero - 7, MaxZero - 8, MaxZero - 9, -MaxZero}[r.IntN(6)]
			default: // the group kernels' limit ±32512
				z = []int32{32512, 32513, -32512, -32513, 32511, -32511}[r.IntN(6)]
			}
		}
		c := Convention((i / run) % 3)
		ps[i] = Params{Scale: s, Zero: z, Lo: lo, Hi: hi, Convention: c}
		fillBlockSrc(r, src[i*block:min(n, (i+1)*block)], s, 20, 8)
	}
	for _, hf := range []NibbleOrder{LowFirst, HighFirst} {
		got, want := make([]uint8, (n+1)/2), make([]uint8, (n+1)/2)
		k.quantizeBlocksI4(got, src, block, ps, hf)
		quantizeBlocksI4Generic(want, src, block, ps, hf)
		if i := firstDiff(got, want); i >= 0 {
			p := ps[2*i/block]
			t.Fatalf("QuantizeBlocksI4 block=%d n=%d hiFirst=%v: byte %d got %#02x want %#02x (x=%v, %v; %+v)",
				block, n, hf, i, got[i], want[i], src[2*i], src[min(2*i+1, n-1)], p)
		}
		for _, signed := range []nibbleExt{zeroExtend, signExtend} {
			for i := range got {
				got[i] = uint8(r.Uint32())
			}
			gf, wf := make([]float32, n), make([]float32, n)
			k.dequantizeBlocksI4(gf, got, block, ps, signed, hf)
			dequantizeBlocksI4Generic(wf, got, block, ps, signed, hf)
			for i := range gf {
				if !bitsEqual32(gf[i], wf[i]) {
					t.Fatalf("DequantizeBlocksI4 block=%d n=%d signed=%v hiFirst=%v: [%d] got %v want %v (%+v)",
						block, n, signed, hf, i, gf[i], wf[i], ps[i/block])
				}
			}
		}
	}
}

// fillBlockSrc fills one block's elements for scale s: a fifth special
// values, a fifth ties (k + 0.5)*s with |k| <= ties, a fifth just below
// them, the rest normal with deviation sigma*s.
func fillBlockSrc(r *rand.Rand, src []float32, s float32, ties int, sigma float64) {
	for j := range src {
		switch r.IntN(5) {
		case 0:
			src[j] = specialFloats[r.IntN(len(specialFloats))]
		case 1:
			src[j] = float32(float64(r.IntN(2*ties)-ties)+0.5) * s
		case 2:
			src[j] = math.Nextafter32(float32(float64(r.IntN(2*ties)-ties)+0.5)*s, 0)
		default:
			src[j] = float32(r.NormFloat64()*sigma) * s
		}
	}
}

// TestAVX512Blocked8 is TestAVX512BlockedI4 for the int8/uint8 blocked
// quantize kernels.
func TestAVX512Blocked8(t *testing.T) {
	avx512ForTest(t)
	r := rand.New(rand.NewPCG(78, 1))
	scales := []float32{0x1p-126, 1e-35, math.Nextafter32(exactDivMinScale, 0), exactDivMinScale, 1e-30,
		0.1, 1, 3, exactDivMaxScale, math.Nextafter32(exactDivMaxScale, 2*exactDivMaxScale), 1e35, math.MaxFloat32}
	k := avx512Impl.k
	for _, block := range []int{32, 64, 96, 256} {
		for _, n := range []int{block, 3 * block, 5*block + 2, 7*block + 31} {
			for _, signed := range []bool{false, true} {
				src := make([]float32, n)
				ps := make([]Params, (n+block-1)/block)
				for i := range ps {
					s := scales[r.IntN(len(scales))]
					lo, hi := int32(0), int32(255)
					if signed {
						lo, hi = -128, 127
					}
					if r.IntN(3) == 0 {
						lo, hi = lo+int32(r.IntN(40)), hi-int32(r.IntN(40))
					}
					z := int32(r.IntN(int(hi-lo)+1)) + lo
					if r.IntN(4) == 0 {
						z = int32(r.IntN(2*MaxZero+1) - MaxZero)
					}
					ps[i] = Params{Scale: s, Zero: z, Lo: lo, Hi: hi, Convention: Convention((i / 3) % 3)}
					fillBlockSrc(r, src[i*block:min(n, (i+1)*block)], s, 300, 100)
				}
				got, want := make([]uint8, n), make([]uint8, n)
				if signed {
					k.quantizeBlocksI8(bytesAsInt8(got), src, block, ps)
					quantizeBlocks8Generic[int8](bytesAsInt8(want), src, block, ps)
				} else {
					k.quantizeBlocksU8(got, src, block, ps)
					quantizeBlocks8Generic[uint8](want, src, block, ps)
				}
				if i := firstDiff(got, want); i >= 0 {
					t.Fatalf("QuantizeBlocks signed=%v block=%d n=%d: [%d] got %d want %d (x=%v; %+v)",
						signed, block, n, i, got[i], want[i], src[i], ps[i/block])
				}
			}
		}
	}
}

// TestAVX512SatNarrowing covers the variants that leave the clamp to the
// saturating packs (full-range bounds): zero points on both sides of
// ±32512, where the wrapper switches to the general kernels, values
// saturating int16 before the zero point is added, and every convention.
func TestAVX512SatNarrowing(t *testing.T) {
	g, a := avx512ForTest(t)
	r := rand.New(rand.NewPCG(3, 4))
	zs := []int32{-MaxZero, -40000, -32768, -32513, -32512, -32511, -1000, -200, -129, -128, -1, 0, 1, 127, 128, 255, 256, 1000, 32511, 32512, 32513, 40000, MaxZero}
	const n = 777
	src := make([]float32, n)
	for _, s := range []float32{0x1p-126, 1e-3, 0.05, 1, 3, 1e20, exactDivMaxScale, math.MaxFloat32} {
		for i := range src {
			switch r.IntN(5) {
			case 0:
				src[i] = specialFloats[r.IntN(len(specialFloats))]
			case 1:
				src[i] = float32(float64(r.IntN(80000)-40000)+0.5) * s
			case 2:
				src[i] = float32(r.NormFloat64()*1e5) * s
			default:
				src[i] = float32(r.NormFloat64()*200) * s
			}
		}
		for _, z := range zs {
			for _, c := range conventions {
				pu := Params{Scale: s, Zero: z, Lo: 0, Hi: 255, Convention: c}
				pi := Params{Scale: s, Zero: z, Lo: -128, Hi: 127, Convention: c}
				gu, wu := make([]uint8, n), make([]uint8, n)
				a.QuantizeU8(gu, src, pu)
				g.QuantizeU8(wu, src, pu)
				if i := firstDiff(gu, wu); i >= 0 {
					t.Fatalf("QuantizeU8 %+v x=%v: got %d want %d", pu, src[i], gu[i], wu[i])
				}
				gi, wi := make([]int8, n), make([]int8, n)
				a.QuantizeI8(gi, src, pi)
				g.QuantizeI8(wi, src, pi)
				for i := range gi {
					if gi[i] != wi[i] {
						t.Fatalf("QuantizeI8 %+v x=%v: got %d want %d", pi, src[i], gi[i], wi[i])
					}
				}
			}
		}
	}
}
