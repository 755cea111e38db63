package ggml

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The SIMD row kernels (simdQuant, simdDequant) against the per-block
// reference code, bit for bit, on one machine: noSIMD switches Quantize
// and Dequantize to the reference.

// reference runs f with the SIMD kernels off.
func reference(f func()) {
	noSIMD = true
	defer func() { noSIMD = false }()
	f()
}

func simdTypes(m map[Type]func(dst []byte, src []float32)) []Type {
	var ts []Type
	for t := range m {
		ts = append(ts, t)
	}
	slices.Sort(ts)
	return ts
}

func simdDequantTypes() []Type {
	var ts []Type
	for t := range simdDequant {
		ts = append(ts, t)
	}
	slices.Sort(ts)
	return ts
}

// checkQuantSIMD compares Quantize with and without SIMD on x, and that
// the 16 bytes after the row are not written.
func checkQuantSIMD(t *testing.T, typ Type, x []float32, what string) {
	t.Helper()
	n := typ.RowSize(len(x))
	got := bytes.Repeat([]byte{0xA5}, n+16)
	want := bytes.Repeat([]byte{0xA5}, n+16)
	if err := Quantize(typ, got, x); err != nil {
		t.Fatalf("%v %s: %v", typ, what, err)
	}
	reference(func() {
		if err := Quantize(typ, want, x); err != nil {
			t.Fatalf("%v %s: reference: %v", typ, what, err)
		}
	})
	if !bytes.Equal(got, want) {
		for i := range got {
			if got[i] != want[i] {
				b := i / typ.TypeSize()
				t.Fatalf("%v %s (%d elements): byte %d (block %d) is %#02x, reference %#02x; block input %v",
					typ, what, len(x), i, b, got[i], want[i], x[min(b*QK, len(x)):min(b*QK+QK, len(x))])
			}
		}
	}
}

// checkDequantSIMD compares Dequantize with and without SIMD on the
// blocks in b, bit for bit, and that the 8 floats after the row are not
// written.
func checkDequantSIMD(t *testing.T, typ Type, b []byte, what string) {
	t.Helper()
	n := len(b) / typ.TypeSize() * typ.BlockSize()
	got := make([]float32, n+8)
	want := make([]float32, n+8)
	for i := range got {
		got[i] = math.Float32frombits(0x7FA5A5A5)
		want[i] = got[i]
	}
	if err := Dequantize(typ, got, b); err != nil {
		t.Fatalf("%v %s: %v", typ, what, err)
	}
	reference(func() {
		if err := Dequantize(typ, want, b); err != nil {
			t.Fatalf("%v %s: reference: %v", typ, what, err)
		}
	})
	for i := range got {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			blk := i / typ.BlockSize()
			t.Fatalf("%v %s: element %d (block %d) is %#08x, reference %#08x; block % x", typ, what, i, blk,
				math.Float32bits(got[i]), math.Float32bits(want[i]), b[min(blk*typ.TypeSize(), len(b)):min((blk+1)*typ.TypeSize(), len(b))])
		}
	}
}

func TestSIMDPresent(t *testing.T) {
	if hasSIMD() && (len(simdQuant) == 0 || len(simdDequant) == 0) {
		t.Fatal("the CPU has the kernels' features but none are registered")
	}
	t.Logf("SIMD quantize %v, dequantize %v", simdTypes(simdQuant), simdDequantTypes())
}

// specialBlocks returns 32-element blocks meant to break the kernels:
// zeros, signed zeros, subnormals (d and 1/d underflowing and
// overflowing), huge values (fp16(d) = Inf), single outliers, exact
// ties after scaling and the floats next to them.
func specialBlocks(r *rand.Rand) [][]float32 {
	var bs [][]float32
	blk := func(f func(i int) float32) {
		x := make([]float32, QK)
		for i := range x {
			x[i] = f(i)
		}
		bs = append(bs, x)
	}
	blk(func(int) float32 { return 0 })
	blk(func(i int) float32 { return float32(math.Copysign(0, float64(i%2)-0.5)) })
	blk(func(i int) float32 { return float32(math.Copysign(0, 0.5-float64(i%2))) })
	blk(func(i int) float32 { // ±0 and equal magnitudes of both signs: the first wins
		switch i % 4 {
		case 0:
			return float32(math.Copysign(0, -1))
		case 1:
			return -3
		case 2:
			return 3
		}
		return 0
	})
	for _, e := range []int{-149, -148, -140, -135, -130, -128, -127, -126, -125, -120, -24, -14, 0, 15, 16, 17, 100, 120, 127} {
		s := float32(math.Ldexp(1, e))
		blk(func(i int) float32 { return clamp32(float64(s) * float64(i-16)) })
		blk(func(i int) float32 { return clamp32(float64(s) * r.NormFloat64()) })
		blk(func(i int) float32 { // single outlier
			if i == 7 {
				return float32(-min(float64(s)*1000, math.MaxFloat32))
			}
			return clamp32(float64(s) * r.NormFloat64())
		})
	}
	blk(func(i int) float32 { return float32(math.MaxFloat32 * float64(i-16) / 16) })
	blk(func(i int) float32 { return float32(math.Float32frombits(uint32(i))) }) // subnormals 0..31 ulps
	blk(func(i int) float32 { return -float32(math.Float32frombits(uint32(1 + i*i))) })
	// Ties: with amax 127 (Q8_0: d = 1, id = 1) x·id is x; halves and
	// their neighbours.
	for k := 0; k < 127; k += 4 {
		blk(func(i int) float32 {
			if i == 0 {
				return 127
			}
			v := float32(k+i%4) + 0.5
			switch i % 3 {
			case 1:
				v = math.Nextafter32(v, 0)
			case 2:
				v = math.Nextafter32(v, 200)
			}
			if i%2 == 1 {
				v = -v
			}
			return v
		})
	}
	blk(func(i int) float32 { // 0.49999997 and friends
		if i == 0 {
			return -127
		}
		return float32(math.Copysign(float64(math.Nextafter32(0.5, 0)), float64(i%2)-0.5)) * float32(1+i%3)
	})
	// Q4/Q5 ties: x·id + 8.5 and friends at integers.
	for _, a := range []float32{-8, 8, -16, 16, 15, 31} {
		blk(func(i int) float32 { return a * float32(i-16) / 16 })
	}
	return bs
}

// clamp32 is v rounded to float32, clamped to the finite range.
func clamp32(v float64) float32 { return float32(max(-math.MaxFloat32, min(math.MaxFloat32, v))) }

// TestSIMDQuantizeBlocks: every registered quantize kernel equals the
// reference on the special blocks (each alone and all in one row), on
// random rows of 0..70 blocks and on 4099 blocks.
func TestSIMDQuantizeBlocks(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	sp := specialBlocks(r)
	for _, typ := range simdTypes(simdQuant) {
		var all []float32
		for i, b := range sp {
			checkQuantSIMD(t, typ, b, fmt.Sprintf("special %d", i))
			all = append(all, b...)
		}
		checkQuantSIMD(t, typ, all, "specials")
		for nb := range 71 {
			checkQuantSIMD(t, typ, randomRow(r, nb*QK), "random")
		}
		checkQuantSIMD(t, typ, randomRow(r, 4099*QK), "random")
	}
}

// randomRow: blocks of mixed scales (2^-150..2^60), kinds and ties.
func randomRow(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for g := 0; g < n; g += QK {
		s := float32(math.Ldexp(1, r.IntN(210)-150))
		kind := r.IntN(6)
		for i := g; i < g+QK && i < n; i++ {
			switch kind {
			case 0:
				x[i] = float32(r.NormFloat64()) * s
			case 1:
				x[i] = float32(r.IntN(255)-127) * 0.5
			case 2:
				x[i] = 0
			case 3:
				x[i] = float32(r.IntN(255) - 127)
			case 4:
				x[i] = math.Float32frombits(r.Uint32() & 0x807FFFFF) // subnormals and ±0
			default:
				x[i] = math.Float32frombits(r.Uint32())
				if math.IsNaN(float64(x[i])) || math.IsInf(float64(x[i]), 0) {
					x[i] = 1
				}
			}
		}
	}
	return x
}

// TestSIMDQ8_0Rounding sweeps roundf: blocks with amax 127 (d = 1,
// id = 1, so q = roundf(x)) holding every float32 within 512 ulps of each
// k + 0.5 for k in 0..126, both signs, then blocks of other maxima over
// the same neighbourhoods scaled.
func TestSIMDQ8_0Rounding(t *testing.T) {
	if simdQuant[Q8_0] == nil {
		t.Skip("no Q8_0 quantize kernel on this machine (the reference is tested by the oracle)")
	}
	for _, amax := range []float32{127, 1, 3, 100, 1e-3, 1e5} {
		var x []float32
		for k := range 127 {
			h := (float32(k) + 0.5) * amax / 127
			v := h
			for range 512 {
				v = math.Nextafter32(v, 0)
			}
			for range 1024 {
				if len(x)%QK == 0 {
					x = append(x, amax)
				}
				x = append(x, v)
				if len(x)%QK == 0 {
					x = append(x, -amax)
				}
				x = append(x, -v)
				v = math.Nextafter32(v, 1e30)
			}
		}
		x = x[:len(x)/QK*QK]
		checkQuantSIMD(t, Q8_0, x, fmt.Sprintf("ties amax %g", amax))
	}
}

// TestSIMDDequantize: every registered dequantize kernel equals the
// reference on random bytes (0..70 blocks and 4099 blocks) and on blocks
// whose fp16 scales are every special: ±0, subnormals, max, ±Inf, quiet
// and signalling NaNs with payloads, in every pair for the types with a
// min.
func TestSIMDDequantize(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	halves := []uint16{0, 0x8000, 1, 0x8001, 0x03FF, 0x0400, 0x3C00, 0xBC00, 0x7BFF, 0xFBFF, 0x7C00, 0xFC00, 0x7C01, 0xFC01, 0x7E00, 0xFE00, 0x7D55, 0xFFFF}
	for _, typ := range simdDequantTypes() {
		ts := typ.TypeSize()
		for nb := range 71 {
			b := make([]byte, nb*ts)
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			checkDequantSIMD(t, typ, b, "random")
		}
		b := make([]byte, 4099*ts)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		checkDequantSIMD(t, typ, b, "random")
		hasMin := typ == Q4_1 || typ == Q5_1 || typ == Q4_K || typ == Q5_K
		var sp []byte
		for _, d := range halves {
			for _, m := range halves {
				if !hasMin && m != 0 {
					continue
				}
				blk := make([]byte, ts)
				for i := range blk {
					blk[i] = byte(r.Uint32())
				}
				binary.LittleEndian.PutUint16(blk, d)
				if hasMin {
					binary.LittleEndian.PutUint16(blk[2:], m)
				}
				// the codes 0 (for Inf·0) and the extremes
				if i := ts - 1; r.IntN(2) == 0 {
					blk[i] = 0
				}
				sp = append(sp, blk...)
			}
		}
		// codes all zero and all ones with each scale
		for _, fill := range []byte{0, 0xFF, 0x88, 0x80} {
			for _, d := range halves {
				blk := bytes.Repeat([]byte{fill}, ts)
				binary.LittleEndian.PutUint16(blk, d)
				if hasMin {
					binary.LittleEndian.PutUint16(blk[2:], halves[r.IntN(len(halves))])
				}
				sp = append(sp, blk...)
			}
		}
		if typ == Q8_K { // a float32 scale: its specials too
			for _, d := range []uint32{0, 0x80000000, 1, 0x807FFFFF, 0x3F800000, 0x7F7FFFFF, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00000, 0x7F800001, 0xFFA5A5A5} {
				for _, fill := range []byte{0, 0xFF, 0x80, 0x01} {
					blk := bytes.Repeat([]byte{fill}, ts)
					binary.LittleEndian.PutUint32(blk, d)
					sp = append(sp, blk...)
				}
			}
		}
		checkDequantSIMD(t, typ, sp, "special scales")
	}
}

// TestOracleBothPaths runs the oracle tests with the SIMD kernels off
// (the plain run of TestQuantizeOracle and TestDequantizeOracle uses
// them where the CPU has them).
func TestOracleBothPaths(t *testing.T) {
	reference(func() {
		t.Run("QuantizeReference", TestQuantizeOracle)
		t.Run("DequantizeReference", TestDequantizeOracle)
	})
}

// FuzzSIMD compares the SIMD kernels with the reference on any input:
// the bytes as float32s (non-finite ones replaced by their index, so the
// quantizers run) and as blocks for the dequantizers.
func FuzzSIMD(f *testing.F) {
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0, 0, 0x80, 0x3F}, 40))
	f.Add(bytes.Repeat([]byte{1, 0, 0, 0, 0xFF, 0xFF, 0x7F, 0x7F}, 40))
	f.Add(bytes.Repeat([]byte{0x00, 0x7C, 0x11}, 100))
	f.Fuzz(func(t *testing.T, data []byte) {
		x := make([]float32, len(data)/4/QK*QK)
		for i := range x {
			x[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
			if math.IsNaN(float64(x[i])) || math.IsInf(float64(x[i]), 0) {
				x[i] = float32(i)
			}
		}
		for _, typ := range simdTypes(simdQuant) {
			checkQuantSIMD(t, typ, x, "fuzz")
		}
		for _, typ := range simdDequantTypes() {
			checkDequantSIMD(t, typ, data[:len(data)/typ.TypeSize()*typ.TypeSize()], "fuzz")
		}
	})
}

// TestSIMDFiniteScan: the non-finite element that Quantize reports with
// the SIMD scan is the reference's, for every position in rows of 0..9
// blocks plus 0..31 elements, each NaN and Inf kind, with ±MaxFloat32
// (finite) everywhere else.
func TestSIMDFiniteScan(t *testing.T) {
	bad := []uint32{0x7F800000, 0xFF800000, 0x7F800001, 0xFF800001, 0x7FC00000, 0xFFC00000, 0x7FFFFFFF, 0xFFFFFFFF}
	for nb := range 10 {
		for tail := 0; tail < QK; tail += 7 {
			n := nb*QK + tail
			x := make([]float32, n)
			for i := range x {
				x[i] = math.Float32frombits(0x7F7FFFFF | uint32(i%2)<<31)
			}
			errs := func() (got, want error) {
				got = checkFinite(x, 5)
				reference(func() { want = checkFinite(x, 5) })
				return got, want
			}
			if got, want := errs(); got != nil || want != nil {
				t.Fatalf("%d elements of ±MaxFloat32: %v, reference %v", n, got, want)
			}
			for p := range n {
				for k, b := range bad {
					if (p+k)%3 != 0 && n > 64 {
						continue // every kind at every position of the short rows, a third of them on the long
					}
					old := x[p]
					x[p] = math.Float32frombits(b)
					got, want := errs()
					if got == nil || want == nil || got.Error() != want.Error() {
						t.Fatalf("%d elements, %#08x at %d: %v, reference %v", n, b, p, got, want)
					}
					if p+1 < n { // a second one after it: the first is reported
						o2 := x[n-1]
						x[n-1] = math.Float32frombits(bad[(k+1)%len(bad)])
						if got, want := errs(); got == nil || got.Error() != want.Error() {
							t.Fatalf("%d elements, %#08x at %d and at %d: %v, reference %v", n, b, p, n-1, got, want)
						}
						x[n-1] = o2
					}
					x[p] = old
				}
			}
		}
	}
}

// TestSIMDQ8_0RoundfSweep runs every float32 of magnitude 0.25..127
// (both signs) through the Q8_0 kernel in blocks whose amax is 127, so
// that d = 1, id = 1 and the code is roundf(x) itself, and compares each
// code with C's roundf (math.Round). Magnitudes below 0.25 give
// 0 in the formula (x + 0.5 < 0.75) and are covered by the random tests.
func TestSIMDQ8_0RoundfSweep(t *testing.T) {
	k := simdQuant[Q8_0]
	if k == nil {
		t.Skip("no Q8_0 quantize kernel on this machine")
	}
	lo, hi := math.Float32bits(0.25), math.Float32bits(127)
	const chunk = 1 << 16 // blocks per call
	x := make([]float32, chunk*QK)
	q := make([]byte, chunk*34)
	for _, neg := range []uint32{0, 1 << 31} {
		b := lo
		for b <= hi {
			nb := 0
			for nb < chunk && b <= hi {
				blk := x[nb*QK : nb*QK+QK]
				blk[0] = 127
				for i := 1; i < QK; i++ {
					blk[i] = math.Float32frombits(min(b, hi) | neg)
					b++
				}
				nb++
			}
			k(q, x[:nb*QK])
			for j := range nb {
				if d := binary.LittleEndian.Uint16(q[34*j:]); d != 0x3C00 {
					t.Fatalf("block with amax 127: d is %#04x, want 0x3c00", d)
				}
				for i := range QK {
					v := x[j*QK+i]
					want := int8(math.Round(float64(v)))
					if got := int8(q[34*j+2+i]); got != want {
						t.Fatalf("roundf(%v) (%#08x): kernel gives %d, want %d", v, math.Float32bits(v), got, want)
					}
				}
			}
		}
	}
}

// TestSIMDGroupLanes puts each special block in every position of a group
// of 8 (the kernels' vectorized search across blocks), the other 7 random,
// and the same with the 7 others special too.
func TestSIMDGroupLanes(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	sp := specialBlocks(r)
	for _, typ := range simdTypes(simdQuant) {
		for i, b := range sp {
			for pos := range 8 {
				x := randomRow(r, 8*QK)
				copy(x[pos*QK:], b)
				checkQuantSIMD(t, typ, x, fmt.Sprintf("special %d at %d", i, pos))
				for o := range 8 {
					if o != pos {
						copy(x[o*QK:], sp[r.IntN(len(sp))])
					}
				}
				checkQuantSIMD(t, typ, x, fmt.Sprintf("special %d at %d among specials", i, pos))
			}
		}
	}
}
