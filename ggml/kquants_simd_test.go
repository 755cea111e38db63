package ggml

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// The k-quant kernels (simdKQuant) against the per-block reference, bit
// for bit, on one machine (noSIMD switches Quantize to the reference).
// Each lane of a kernel runs one sub-block, so the inputs mix sub-blocks
// of every kind and scale within a super-block.

func kquantTypes(t testing.TB) []Type {
	ts := simdTypes(simdKQuant)
	if len(ts) == 0 {
		t.Skip("no k-quant kernel on this machine (the reference is tested by the oracle)")
	}
	return ts
}

// specialSuperBlocks returns 256-element super-blocks meant to break the
// lanes: the special 32-element blocks eight at a time at every rotation,
// constant and all-zero super-blocks and sub-blocks (make_qkx2_quants'
// max == min, make_qx_quants' amax < GROUP_MAX_EPS), sub-blocks at the
// GROUP_MAX_EPS boundary, exact halves after scaling, and huge values
// whose sums overflow.
func specialSuperBlocks(r *rand.Rand) [][]float32 {
	sp := specialBlocks(r)
	var all []float32
	for _, b := range sp {
		all = append(all, b...)
	}
	var bs [][]float32
	for start := 0; start+QKK <= len(all); start += 3 * QK / 2 {
		bs = append(bs, all[start:start+QKK])
	}
	super := func(f func(j, i int) float32) { // j: 16-element sub-block, i: element in it
		x := make([]float32, QKK)
		for k := range x {
			x[k] = f(k/16, k%16)
		}
		bs = append(bs, x)
	}
	normal := func() float32 { return float32(r.NormFloat64() * 0.02) }
	for _, c := range []float32{0, float32(math.Copysign(0, -1)), 1, -1, 1e-20, -1e-20, 1e-16, 1e-15, -1e-15, math.Float32frombits(1), 3e38, -3e38} {
		super(func(int, int) float32 { return c })
		for _, j := range []int{0, 1, 5, 7, 14, 15} { // one constant sub-block of 16 (of 32: 2j/2)
			super(func(jj, _ int) float32 {
				if jj == j || jj == j^1 && j%3 == 0 {
					return c
				}
				return normal()
			})
		}
		super(func(jj, i int) float32 { // alternate constant and normal sub-blocks
			if jj%2 == 0 {
				return c
			}
			return normal()
		})
	}
	for _, eps := range []float32{1e-15, math.Nextafter32(1e-15, 0), math.Nextafter32(1e-15, 1)} {
		super(func(jj, i int) float32 {
			if jj%3 == 0 {
				return eps * float32(1-2*(i%2))
			}
			return normal()
		})
	}
	for _, nmax := range []float32{15, 31, 32} {
		super(func(jj, i int) float32 { // min 0, max nmax: iscale·x = x at the first search point; halves
			switch i {
			case 0:
				return 0
			case 1:
				return nmax
			}
			return float32((i+jj)%int(2*nmax)) / 2
		})
		super(func(jj, i int) float32 { // the symmetric form
			if i == 0 {
				return -nmax
			}
			return float32((i*7+jj)%int(4*nmax)-int(2*nmax)) / 4
		})
	}
	super(func(jj, i int) float32 { return float32(math.Ldexp(r.NormFloat64(), 4*jj-30)) })
	super(func(jj, i int) float32 { return float32(math.Ldexp(r.NormFloat64(), 120-16*jj)) })
	super(func(jj, i int) float32 { return float32(math.Ldexp(r.NormFloat64(), -150+8*jj)) })
	super(func(jj, i int) float32 { // huge sub-blocks: Σx² overflows
		if jj%4 == 1 {
			return clamp32(3e38 * r.NormFloat64())
		}
		return normal()
	})
	super(func(jj, i int) float32 { // one outlier per sub-block pair
		if i == jj%16 && jj%2 == 0 {
			return 20 * float32(jj-8)
		}
		return normal()
	})
	return bs
}

// TestKQuantSIMD: every k-quant kernel equals the reference on the special
// super-blocks (each alone and all in one row), on random rows of
// 0..40 super-blocks (randomRow: mixed kinds and scales per 32 elements)
// and on weights-like rows.
func TestKQuantSIMD(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	sp := specialSuperBlocks(r)
	for _, typ := range kquantTypes(t) {
		var all []float32
		for i, b := range sp {
			checkQuantSIMD(t, typ, b, fmt.Sprintf("special %d", i))
			all = append(all, b...)
		}
		checkQuantSIMD(t, typ, all, "specials")
		for nb := range 41 {
			checkQuantSIMD(t, typ, randomRow(r, nb*QKK), "random")
		}
		x := make([]float32, 200*QKK)
		for i := range x {
			x[i] = float32(r.NormFloat64() * 0.02)
			if r.IntN(1000) == 0 {
				x[i] *= 20
			}
		}
		checkQuantSIMD(t, typ, x, "weights")
	}
}

// TestKQuantRowsSIMD: QuantizeRows with the kernels on 1..3 workers gives
// the reference's bytes.
func TestKQuantRowsSIMD(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	x := randomRow(r, 24*QKK)
	for _, typ := range kquantTypes(t) {
		want := make([]byte, typ.RowSize(len(x)))
		reference(func() {
			if err := Quantize(typ, want, x); err != nil {
				t.Fatal(err)
			}
		})
		for w := 1; w <= 3; w++ {
			got := make([]byte, len(want))
			if err := QuantizeRows(typ, got, x, 2*QKK, w); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%v, %d workers: differs from the reference", typ, w)
			}
		}
	}
}

// FuzzKQuantSIMD compares the k-quant kernels with the reference on any
// input: the bytes as float32s (non-finite ones replaced by their index),
// repeated to a whole number of super-blocks (1..4).
func FuzzKQuantSIMD(f *testing.F) {
	f.Add([]byte{0, 0, 0x80, 0x3F})
	f.Add(bytes.Repeat([]byte{1, 0, 0, 0, 0xFF, 0xFF, 0x7F, 0x7F}, 40))
	f.Add(bytes.Repeat([]byte{0x00, 0x7C, 0x11, 0x80, 0x3F}, 100))
	f.Fuzz(func(t *testing.T, data []byte) {
		nf := len(data) / 4
		if nf == 0 || len(simdKQuant) == 0 {
			return
		}
		x := fuzzFloats(data)
		for i := range x {
			if i >= nf {
				x[i] = x[i%nf]
			}
			if math.IsNaN(float64(x[i])) || math.IsInf(float64(x[i]), 0) {
				x[i] = float32(i)
			}
		}
		for _, typ := range simdTypes(simdKQuant) {
			checkQuantSIMD(t, typ, x, "fuzz")
		}
	})
}

// BenchmarkKQuantSIMD runs each k-quant with its kernel (.../simd) and
// with the pure-Go reference (.../go) on 64 Ki weights-like elements
// (normal, σ 0.02, one in 1000 ×20, as the bench's ggml table); bytes are
// the float32 input's (4 per element).
func BenchmarkKQuantSIMD(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	x := make([]float32, 1<<16)
	for i := range x {
		x[i] = float32(r.NormFloat64() * 0.02)
		if r.IntN(1000) == 0 {
			x[i] *= 20
		}
	}
	for _, typ := range kquantTypes(b) {
		dst := make([]byte, typ.RowSize(len(x)))
		for _, p := range []string{"simd", "go"} {
			b.Run(fmt.Sprintf("%v/%s", typ, p), func(b *testing.B) {
				noSIMD = p == "go"
				defer func() { noSIMD = false }()
				b.SetBytes(int64(4 * len(x)))
				for b.Loop() {
					if err := Quantize(typ, dst, x); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
