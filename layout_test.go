package quant

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The literal references of the grouped forms: every element quantized on
// its own with Params.Quantize (the reference formula), packed nibble by
// nibble. The implementations (kernels + drivers) are held to these bit
// for bit.

func grpRefCodes(src []float32, l Layout, ps []Params) []int32 {
	q := make([]int32, len(src))
	for i, x := range src {
		q[i] = ps[l.paramIndex(i/l.Cols, i%l.Cols)].Quantize(x)
	}
	return q
}

func grpRefDequant(q []int32, l Layout, ps []Params) []float32 {
	out := make([]float32, len(q))
	for i, v := range q {
		p := ps[l.paramIndex(i/l.Cols, i%l.Cols)]
		out[i] = float32(float32(v-p.Zero) * p.Scale)
	}
	return out
}

// grpRefPack packs codes two per byte: code i in byte i/2, low nibble first
// for even i unless hiFirst; an odd count leaves the last second nibble 0.
func grpRefPack(q []int32, hiFirst bool) []uint8 {
	out := make([]uint8, (len(q)+1)/2)
	for i, v := range q {
		n := uint8(v) & 0xF
		second := i%2 == 1
		if second != hiFirst {
			n <<= 4
		}
		out[i/2] |= n
	}
	return out
}

// grpRefSegments returns the elements of each Params' segment, in ps order.
func grpRefSegments(src []float32, l Layout) [][]float32 {
	segs := make([][]float32, l.NumParams())
	for i, x := range src {
		j := l.paramIndex(i/l.Cols, i%l.Cols)
		segs[j] = append(segs[j], x)
	}
	return segs
}

// grpSpecials are the values every random input is salted with.
var grpSpecials = []float32{
	float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), 0, float32(math.Copysign(0, -1)),
	math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, 1e-40, 0.5, -0.5, 1.5, 2.5, -2.5,
	math.Float32frombits(0x7FC01234), math.Float32frombits(0xFFC00001),
}

func grpRandData(rng *rand.Rand, n int, salt bool) []float32 {
	x := make([]float32, n)
	for i := range x {
		switch {
		case salt && rng.IntN(8) == 0:
			x[i] = grpSpecials[rng.IntN(len(grpSpecials))]
		case rng.IntN(6) == 0: // ties of the common scales
			x[i] = (float32(rng.IntN(40)-20) + 0.5) * 0.25
		default:
			x[i] = float32(rng.NormFloat64() * math.Exp2(float64(rng.IntN(8)-4)))
		}
	}
	return x
}

// grpRandParams returns valid Params with bounds inside lo..hi.
func grpRandParams(rng *rand.Rand, n int, lo, hi int32) []Params {
	ps := make([]Params, n)
	for i := range ps {
		a, b := lo+rng.Int32N(hi-lo+1), lo+rng.Int32N(hi-lo+1)
		if rng.IntN(2) == 0 {
			a, b = lo, hi
		}
		ps[i] = Params{
			Scale:      []float32{0.25, 0.1, 1, 3e-3, 1e-30, 7.5}[rng.IntN(6)],
			Zero:       lo + rng.Int32N(hi-lo+1) + int32(rng.IntN(3)-1),
			Lo:         min(a, b),
			Hi:         max(a, b),
			Convention: Convention(rng.IntN(3)),
		}
	}
	return ps
}

// testShapes covers 1×1, 1×n, n×1, odd columns, blocks that do not divide
// the columns, and every block tail.
func grpTestLayouts() []Layout {
	var ls []Layout
	for _, sh := range [][2]int{{1, 1}, {1, 7}, {1, 64}, {7, 1}, {3, 5}, {4, 32}, {5, 33}, {2, 100}, {3, 67}, {0, 4}, {4, 0}, {2, 1030}, {2, 4100}, {1, 4099}} {
		r, c := sh[0], sh[1]
		ls = append(ls, PerRow(r, c), PerColumn(r, c))
		for _, b := range []int{2, 3, 4, 5, 8, 31, 32, 64, 100, 2050} {
			ls = append(ls, Blocked(r, c, b))
		}
	}
	return ls
}

const grpCanary = 0x5A

func TestLayoutParamIndex(t *testing.T) {
	l := Blocked(2, 5, 2) // 3 blocks per row: [0 1][2 3][4]
	want := []int{0, 0, 1, 1, 2, 3, 3, 4, 4, 5}
	for i, w := range want {
		assert.Equal(t, w, l.paramIndex(i/5, i%5), "element %d", i)
	}
	assert.Equal(t, 6, l.NumParams())
	assert.Equal(t, 2, PerRow(2, 5).NumParams())
	assert.Equal(t, 5, PerColumn(2, 5).NumParams())
	assert.Equal(t, 3, PerColumn(2, 5).paramIndex(1, 3))
	assert.Equal(t, 1, PerRow(2, 5).paramIndex(1, 3))
}

func TestLayoutHandComputed(t *testing.T) {
	// 2×5 blocks of 2 (last block short), ONNX int8: q = rne(x/s) + z.
	src := []float32{
		1, 2.5, -3, 10, 7,
		0.5, -0.5, 100, 1.25, -1,
	}
	ps := []Params{
		{Scale: 1, Zero: 0, Lo: -128, Hi: 127, Convention: ONNX},    // 1 2.5 -> 1 2
		{Scale: 2, Zero: 1, Lo: -128, Hi: 127, Convention: ONNX},    // -3 10 -> rne(-1.5)+1 = -1, 5+1
		{Scale: 0.5, Zero: -3, Lo: -128, Hi: 127, Convention: ONNX}, // 7 -> 14-3
		{Scale: 1, Zero: 0, Lo: -128, Hi: 127, Convention: Seed},    // 0.5 -0.5 -> 0 -0
		{Scale: 0.5, Zero: 0, Lo: -8, Hi: 7, Convention: ONNX},      // 100 1.25 -> 7 2
		{Scale: 0.25, Zero: 2, Lo: -128, Hi: 127, Convention: ONNX}, // -1 -> -4+2
	}
	want := []int8{1, 2, -1, 6, 11, 0, 0, 7, 2, -2}
	for _, m := range grpTestImpls() {
		dst := make([]int8, 10)
		m.QuantizeLayoutI8(dst, src, Blocked(2, 5, 2), ps)
		assert.Equal(t, want, dst, m.Name())
		back := make([]float32, 10)
		m.DequantizeLayoutI8(back, dst, Blocked(2, 5, 2), ps)
		assert.Equal(t, []float32{1, 2, -4, 10, 7, 0, 0, 3.5, 1, -1}, back, m.Name())
	}
	// Per column: column c scaled by c+1.
	col := make([]Params, 3)
	for c := range col {
		col[c] = Params{Scale: float32(c + 1), Lo: 0, Hi: 255, Convention: ONNX}
	}
	dst := make([]uint8, 6)
	QuantizeLayoutU8(dst, []float32{1, 4, 9, 2, 2, 2}, PerColumn(2, 3), col)
	assert.Equal(t, []uint8{1, 2, 3, 2, 1, 1}, dst) // 2/3 = 0.67 -> 1
}

func TestPackHandComputed(t *testing.T) {
	vals := []int8{1, -1, -8, 7, 3}
	b := make([]uint8, 4)
	for i := range b {
		b[i] = grpCanary
	}
	PackI4(b, vals, LowFirst)
	assert.Equal(t, []uint8{0xF1, 0x78, 0x03, grpCanary}, b)
	PackI4(b, vals, HighFirst)
	assert.Equal(t, []uint8{0x1F, 0x87, 0x30, grpCanary}, b)
	u := make([]int8, 5)
	UnpackI4(u, []uint8{0xF1, 0x78, 0x03}, 5, LowFirst)
	assert.Equal(t, vals, u)
	uu := make([]uint8, 5)
	UnpackU4(uu, []uint8{0xF1, 0x78, 0x03}, 5, LowFirst)
	assert.Equal(t, []uint8{1, 15, 8, 7, 3}, uu)
	PackU4(b, []uint8{15, 0, 9}, LowFirst)
	assert.Equal(t, []uint8{0x0F, 0x09}, b[:2])
	assert.PanicsWithValue(t, "quant.PackI4: src[1] = 8 is outside -8..7", func() { PackI4(b, []int8{0, 8}, LowFirst) })
	assert.PanicsWithValue(t, "quant.PackU4: src[0] = 16 is outside 0..15", func() { PackU4(b, []uint8{16}, LowFirst) })

	// Quantize to packed: odd count, per tensor, both orders.
	p := Params{Scale: 0.5, Zero: 0, Lo: -8, Hi: 7, Convention: ONNX}
	for _, m := range grpTestImpls() {
		d := []uint8{grpCanary, grpCanary, grpCanary, grpCanary}
		m.QuantizeI4(d, []float32{0.5, -0.5, 100, -100, 1.5}, p, LowFirst)
		// 1, -1 (rne(-1) = -1), 7, -8, 3
		assert.Equal(t, []uint8{0xF1, 0x87, 0x03, grpCanary}, d, m.Name())
		f := make([]float32, 6)
		m.DequantizeI4(f, d, 5, p, LowFirst)
		assert.Equal(t, []float32{0.5, -0.5, 3.5, -4, 1.5, 0}, f, m.Name())
		pu := Params{Scale: 1, Zero: 8, Lo: 0, Hi: 15, Convention: PyTorch}
		m.QuantizeU4(d, []float32{-8, 7, 0}, pu, HighFirst)
		assert.Equal(t, []uint8{0x0F, 0x80, 0x03, grpCanary}, d, m.Name())
		m.DequantizeU4(f, d, 3, pu, HighFirst)
		assert.Equal(t, []float32{-8, 7, 0}, f[:3], m.Name())
	}
}

// TestLayoutDifferential holds every implementation's grouped quantize and
// dequantize, int8/uint8/int4/uint4, both nibble orders, to the literal
// reference, and checks nothing is written past the outputs.
func TestLayoutDifferential(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, l := range grpTestLayouts() {
		src := grpRandData(rng, l.Len(), true)
		n := l.Len()
		for _, kind := range []struct {
			name   string
			lo, hi int32
		}{{"i8", -128, 127}, {"u8", 0, 255}, {"i4", -8, 7}, {"u4", 0, 15}} {
			ps := grpRandParams(rng, l.NumParams(), kind.lo, kind.hi)
			want := grpRefCodes(src, l, ps)
			wantBack := grpRefDequant(want, l, ps)
			for _, m := range grpTestImpls() {
				name := fmt.Sprintf("%s/%v/%s", m.Name(), l, kind.name)
				back := make([]float32, n+3)
				for i := range back {
					back[i] = grpCanary
				}
				switch kind.name {
				case "i8":
					dst := make([]int8, n+3)
					for i := range dst {
						dst[i] = grpCanary
					}
					m.QuantizeLayoutI8(dst, src, l, ps)
					for i := range n {
						require.Equal(t, want[i], int32(dst[i]), "%s element %d x=%v", name, i, src[i])
					}
					require.Equal(t, []int8{grpCanary, grpCanary, grpCanary}, dst[n:], name)
					m.DequantizeLayoutI8(back, dst[:n], l, ps)
				case "u8":
					dst := make([]uint8, n+3)
					for i := range dst {
						dst[i] = grpCanary
					}
					m.QuantizeLayoutU8(dst, src, l, ps)
					for i := range n {
						require.Equal(t, want[i], int32(dst[i]), "%s element %d x=%v", name, i, src[i])
					}
					require.Equal(t, []uint8{grpCanary, grpCanary, grpCanary}, dst[n:], name)
					m.DequantizeLayoutU8(back, dst[:n], l, ps)
				default:
					for _, o := range []NibbleOrder{LowFirst, HighFirst} {
						wantPacked := grpRefPack(want, o == HighFirst)
						dst := make([]uint8, PackedLen(n)+2)
						for i := range dst {
							dst[i] = grpCanary
						}
						if kind.name == "i4" {
							m.QuantizeLayoutI4(dst, src, l, ps, o)
						} else {
							m.QuantizeLayoutU4(dst, src, l, ps, o)
						}
						require.Equal(t, wantPacked, dst[:PackedLen(n)], "%s %v", name, o)
						require.Equal(t, []uint8{grpCanary, grpCanary}, dst[PackedLen(n):], name)
						if kind.name == "i4" {
							m.DequantizeLayoutI4(back, dst, l, ps, o)
						} else {
							m.DequantizeLayoutU4(back, dst, l, ps, o)
						}
						grpRequireBits(t, wantBack, back[:n], name)
					}
				}
				grpRequireBits(t, wantBack, back[:n], name)
				require.Equal(t, []float32{grpCanary, grpCanary, grpCanary}, back[n:], name)
			}
		}
	}
}

func grpRequireBits(t *testing.T, want, got []float32, msg string) {
	t.Helper()
	require.Equal(t, len(want), len(got), msg)
	for i := range want {
		if math.Float32bits(want[i]) != math.Float32bits(got[i]) {
			t.Fatalf("%s: element %d: got %v (%#x), want %v (%#x)", msg, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
		}
	}
}

// grpAllSchemes lists every method × convention × bits × flag combination.
func grpAllSchemes(bits ...int) []Scheme {
	var ss []Scheme
	for _, m := range []Method{MethodMinMax, MethodAbsMax, MethodPercentile} {
		for _, c := range []Convention{Seed, ONNX, PyTorch} {
			for _, b := range bits {
				for f := range 4 {
					ss = append(ss, Scheme{Method: m, Bits: b, Convention: c, IncludeZero: f&1 != 0, NarrowRange: f&2 != 0, Percentile: []float64{0, 99}[f/2]})
				}
			}
		}
	}
	return ss
}

// TestCalibrateLayoutMatchesCalibrate: the Params of each row, column or
// block are those Calibrate returns for that segment, bit for bit, and so
// are the errors' kinds.
func TestCalibrateLayoutMatchesCalibrate(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, l := range grpTestLayouts() {
		src := grpRandData(rng, l.Len(), false)
		// constant rows and blocks, all-zero segments, one tiny range
		if l.Len() > 8 {
			for i := range 4 {
				src[i] = 3
			}
			for i := 4; i < 8; i++ {
				src[i] = 0
			}
		}
		segs := grpRefSegments(src, l)
		for _, s := range grpAllSchemes(2, 4, 8) {
			want := make([]Params, len(segs))
			var wantErr error
			for j, seg := range segs {
				p, err := Calibrate(seg, s)
				if err != nil {
					wantErr = err
					break
				}
				want[j] = p
			}
			for _, m := range grpTestImpls() {
				got := make([]Params, l.NumParams())
				err := m.CalibrateLayout(got, src, l, s)
				name := fmt.Sprintf("%s/%v/%+v", m.Name(), l, s)
				if wantErr != nil {
					require.Error(t, err, name)
					for _, k := range []error{ErrEmpty, ErrRange} {
						assert.Equal(t, errors.Is(wantErr, k), errors.Is(err, k), "%s: %v vs %v", name, err, wantErr)
					}
					continue
				}
				require.NoError(t, err, name)
				require.Equal(t, want, got, name)
			}
		}
	}
}

func TestCalibrateLayoutErrors(t *testing.T) {
	s := Scheme{Method: MethodMinMax, Bits: 8}
	ps := make([]Params, 2)
	assert.ErrorIs(t, CalibrateLayout(ps, make([]float32, 5), PerRow(2, 3), s), ErrShape)
	assert.ErrorIs(t, CalibrateLayout(ps[:1], make([]float32, 6), PerRow(2, 3), s), ErrShape)
	assert.ErrorIs(t, CalibrateLayout(ps, make([]float32, 6), Blocked(2, 3, 1), s), ErrShape)
	assert.ErrorIs(t, CalibrateLayout(ps, make([]float32, 6), Layout{Rows: 2, Cols: 3, Axis: 2}, s), ErrShape)
	assert.ErrorIs(t, CalibrateLayout(ps, make([]float32, 6), PerRow(2, 3), Scheme{Bits: 9}), ErrBits)
	assert.ErrorIs(t, CalibrateLayout(ps, nil, PerRow(2, 0), s), ErrEmpty)
	assert.ErrorIs(t, CalibrateLayout(ps, nil, PerColumn(0, 2), s), ErrEmpty)
	src := []float32{1, 2, 3, 4, float32(math.Inf(1)), float32(math.NaN())}
	for _, l := range []Layout{PerRow(2, 3), PerColumn(2, 3), Blocked(2, 3, 2)} {
		var nf *NotFiniteError
		err := CalibrateLayout(make([]Params, l.NumParams()), src, l, s)
		require.ErrorAs(t, err, &nf, "%v", l)
		assert.Equal(t, 4, nf.Index, "%v", l)
	}
}

func TestLayoutPanics(t *testing.T) {
	p8 := Params{Scale: 1, Lo: -128, Hi: 127}
	src := make([]float32, 6)
	cases := []struct {
		name, want string
		f          func()
	}{
		{"src length", "quant.QuantizeLayoutI8: layout 2×4 per row has 8 elements, src has 6", func() {
			QuantizeLayoutI8(make([]int8, 8), src, PerRow(2, 4), []Params{p8, p8})
		}},
		{"short dst", "quant.QuantizeLayoutI8: dst has 5 elements, src has 6", func() {
			QuantizeLayoutI8(make([]int8, 5), src, PerRow(2, 3), []Params{p8, p8})
		}},
		{"ps length", "quant.QuantizeLayoutI8: layout 2×3 blocks of 2 needs 4 params, ps has 2", func() {
			QuantizeLayoutI8(make([]int8, 6), src, Blocked(2, 3, 2), []Params{p8, p8})
		}},
		{"block 1", "quant.QuantizeLayoutU8: quant: block size 1 is below 2: quant: shape mismatch", func() {
			QuantizeLayoutU8(make([]uint8, 6), src, Blocked(2, 3, 1), make([]Params, 6))
		}},
		{"short packed dst", "quant.QuantizeLayoutI4: dst has 2 bytes, 6 values need 3", func() {
			QuantizeLayoutI4(make([]uint8, 2), src, PerRow(2, 3), []Params{{Scale: 1, Lo: -8, Hi: 7}, {Scale: 1, Lo: -8, Hi: 7}}, LowFirst)
		}},
		{"short packed src", "quant.DequantizeLayoutU4: src has 2 bytes, 6 values need 3", func() {
			DequantizeLayoutU4(make([]float32, 6), make([]uint8, 2), PerRow(2, 3), []Params{p8, p8}, LowFirst)
		}},
		{"per-tensor packed dst", "quant.QuantizeU4: dst has 1 bytes, 3 values need 2", func() {
			QuantizeU4(make([]uint8, 1), src[:3], Params{Scale: 1, Lo: 0, Hi: 15}, LowFirst)
		}},
		{"nibble order", "quant.QuantizeI4: unknown nibble order 2", func() {
			QuantizeI4(make([]uint8, 1), src[:1], Params{Scale: 1, Lo: -8, Hi: 7}, 2)
		}},
	}
	for _, c := range cases {
		assert.PanicsWithValue(t, c.want, c.f, c.name)
	}
	// Bounds not fitting 4 bits: the panic wraps ErrParams and names the index.
	func() {
		defer func() {
			err, ok := recover().(error)
			require.True(t, ok)
			assert.ErrorIs(t, err, ErrParams)
			assert.Contains(t, err.Error(), "quant.QuantizeLayoutI4: ps[1]:")
		}()
		QuantizeLayoutI4(make([]uint8, 3), src, PerRow(2, 3), []Params{{Scale: 1, Lo: -8, Hi: 7}, p8}, LowFirst)
	}()
	assert.Panics(t, func() { QuantizeU4(make([]uint8, 3), src, Params{Scale: 1, Lo: 0, Hi: 16}, LowFirst) })
	assert.Panics(t, func() { QuantizeLayoutU8(make([]uint8, 6), src, PerColumn(2, 3), []Params{p8, p8, p8}) }, "-128 does not fit uint8")
}

func TestLayoutAllocs(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	src := grpRandData(rng, 64*96, true)
	for _, l := range []Layout{PerRow(64, 96), Blocked(64, 96, 32), Blocked(64, 96, 5), PerColumn(64, 96)} {
		ps := grpRandParams(rng, l.NumParams(), -8, 7)
		d8 := make([]int8, len(src))
		d4 := make([]uint8, PackedLen(len(src)))
		back := make([]float32, len(src))
		for _, m := range grpTestImpls() {
			if grpRace && m.Name() != "generic" {
				continue // composed int4 scratch comes from a sync.Pool, which drops items under -race
			}
			assert.Zero(t, testing.AllocsPerRun(5, func() {
				m.QuantizeLayoutI8(d8, src, l, ps)
				m.DequantizeLayoutI8(back, d8, l, ps)
				m.QuantizeLayoutI4(d4, src, l, ps, LowFirst)
				m.DequantizeLayoutI4(back, d4, l, ps, HighFirst)
			}), "%s %v", m.Name(), l)
		}
	}
}

// grpTestImpls is every supported implementation plus "composed": generic
// per-tensor kernels with the grouped kernels left to kernels.complete,
// the path an architecture takes before it has dedicated grouped kernels.
func grpTestImpls() []*Impl {
	return append(Supported(), newTestImpl("composed", withoutGrouped(genericKernels)))
}

// withoutGrouped is k with its grouped kernels removed, for complete to
// compose them.
func withoutGrouped(k kernels) kernels {
	k.quantizeBlocksI8, k.quantizeBlocksU8, k.dequantizeBlocksI8, k.dequantizeBlocksU8 = nil, nil, nil, nil
	k.quantizeBlocksI4, k.dequantizeBlocksI4, k.quantizeI4, k.dequantizeI4 = nil, nil, nil, nil
	return k
}

// newTestImpl is the Impl register would make of k, without registering it.
func newTestImpl(name string, k kernels) *Impl {
	k = k.complete()
	return &Impl{name: name, features: "none", supported: true, k: &k, workers: 1}
}

// TestMustValidAllMatchesValidate: the inline fast check accepts exactly
// the Params validateBounds accepts.
func TestMustValidAllMatchesValidate(t *testing.T) {
	scales := []float32{1, 0x1p-126, math.Nextafter32(0x1p-126, 0), math.MaxFloat32, float32(math.Inf(1)), float32(math.NaN()), 0, float32(math.Copysign(0, -1)), -1}
	zeros := []int32{0, MaxZero, -MaxZero, MaxZero + 1, -MaxZero - 1}
	bounds := [][2]int32{{-128, 127}, {0, 255}, {-8, 7}, {0, 15}, {3, 2}, {-129, 0}, {0, 256}, {-9, 0}, {0, 16}}
	for _, s := range scales {
		for _, z := range zeros {
			for _, b := range bounds {
				for c := Convention(0); c <= 3; c++ {
					p := Params{Scale: s, Zero: z, Lo: b[0], Hi: b[1], Convention: c}
					for _, ob := range [][2]int32{{-128, 127}, {0, 255}, {-8, 7}, {0, 15}, {anyLo, anyHi}} {
						want := p.validateBounds(ob[0], ob[1]) != nil
						got := func() (panicked bool) {
							defer func() { panicked = recover() != nil }()
							mustValidAll("x", []Params{p}, ob[0], ob[1])
							return false
						}()
						require.Equal(t, want, got, "%+v in %v", p, ob)
					}
				}
			}
		}
	}
}
