package quant

import (
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

// Fuzz targets of the Layout forms. Each compares every implementation
// (plus the composed one) with the literal references of layout_test.go.
// Run one with e.g.
//
//	go test -run '^$' -fuzz FuzzLayoutQuantize -fuzztime 60s .

// grpFuzzMatrix turns fuzz bytes into a rows×cols float32 matrix (raw bits,
// so NaN payloads, infinities, subnormals and -0 all occur) and a layout.
func grpFuzzMatrix(data []byte, rows, block uint8, perColumn bool) ([]float32, Layout, bool) {
	n := len(data) / 4
	r := 1 + int(rows%8)
	c := n / r
	if c == 0 {
		return nil, Layout{}, false
	}
	src := make([]float32, r*c)
	for i := range src {
		src[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
	}
	switch {
	case perColumn:
		return src, PerColumn(r, c), true
	case block < 2:
		return src, PerRow(r, c), true
	}
	return src, Blocked(r, c, int(block)), true
}

func grpFuzzSeeds(f *testing.F) {
	rng := rand.New(rand.NewPCG(13, 14))
	for _, n := range []int{1, 2, 7, 33, 64, 100} {
		b := make([]byte, 4*n)
		for i := range n {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(grpRandData(rng, 1, true)[0]))
		}
		f.Add(b, uint8(n%3), uint8(n%40), n%2 == 0, uint64(n))
	}
}

func FuzzLayoutQuantize(f *testing.F) {
	grpFuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, rows, block uint8, perColumn bool, seed uint64) {
		src, l, ok := grpFuzzMatrix(data, rows, block, perColumn)
		if !ok {
			return
		}
		rng := rand.New(rand.NewPCG(seed, 1))
		n := l.Len()
		ps8 := grpRandParams(rng, l.NumParams(), -128, 127)
		ps4 := grpRandParams(rng, l.NumParams(), -8, 7)
		if perColumn && seed&1 == 0 {
			// one Convention for every column: the long runs the SIMD
			// per-column kernels take
			for i := range ps8 {
				ps8[i].Convention = Convention(seed >> 1 % 3)
				ps4[i].Convention = ps8[i].Convention
			}
		}
		want8, want4 := grpRefCodes(src, l, ps8), grpRefCodes(src, l, ps4)
		back8, back4 := grpRefDequant(want8, l, ps8), grpRefDequant(want4, l, ps4)
		for _, m := range grpTestImpls() {
			d8 := make([]int8, n)
			m.QuantizeLayoutI8(d8, src, l, ps8)
			for i := range n {
				if int32(d8[i]) != want8[i] {
					t.Fatalf("%s %v: i8 element %d (x=%#x): got %d want %d", m.Name(), l, i, math.Float32bits(src[i]), d8[i], want8[i])
				}
			}
			f := make([]float32, n)
			m.DequantizeLayoutI8(f, d8, l, ps8)
			grpRequireBits(t, back8, f, m.Name()+" dequantize i8")
			for _, o := range []NibbleOrder{LowFirst, HighFirst} {
				d4 := make([]uint8, PackedLen(n))
				m.QuantizeLayoutI4(d4, src, l, ps4, o)
				if w := grpRefPack(want4, o == HighFirst); string(w) != string(d4) {
					t.Fatalf("%s %v %v: i4 packed %x want %x", m.Name(), l, o, d4, w)
				}
				m.DequantizeLayoutI4(f, d4, l, ps4, o)
				grpRequireBits(t, back4, f, m.Name()+" dequantize i4")
			}
		}
	})
}

func FuzzLayoutDynamic(f *testing.F) {
	grpFuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte, rows, block uint8, perColumn bool, seed uint64) {
		src, l, ok := grpFuzzMatrix(data, rows, block, perColumn)
		if !ok {
			return
		}
		s := Scheme{
			Method:      Method(seed % 3),
			Convention:  Convention(seed / 3 % 3),
			Bits:        2 + int(seed/9%7),
			IncludeZero: seed&(1<<10) != 0,
			NarrowRange: seed&(1<<11) != 0,
		}
		// Reference: Calibrate on each segment, then the literal quantizer.
		var wantErr error
		want := make([]Params, l.NumParams())
		for j, seg := range grpRefSegments(src, l) {
			p, err := Calibrate(seg, s)
			if err != nil {
				wantErr = err
				break
			}
			want[j] = p
		}
		qlo, _, _ := s.Bounds()
		for _, m := range grpTestImpls() {
			ps := make([]Params, l.NumParams())
			var err error
			var got []int32
			if qlo >= 0 {
				d := make([]uint8, l.Len())
				err = m.QuantizeDynamicU8(d, ps, src, l, s)
				for _, v := range d {
					got = append(got, int32(v))
				}
			} else {
				d := make([]int8, l.Len())
				err = m.QuantizeDynamicI8(d, ps, src, l, s)
				if errors.Is(err, ErrBits) && s.Bits == 8 {
					continue // absmax 8-bit narrow fits, minmax 8-bit does not: both checked in TestDynamicErrors
				}
				for _, v := range d {
					got = append(got, int32(v))
				}
			}
			if wantErr != nil {
				for _, k := range []error{ErrEmpty, ErrNotFinite, ErrRange} {
					if errors.Is(wantErr, k) != errors.Is(err, k) {
						t.Fatalf("%s %v %+v: error %v, Calibrate says %v", m.Name(), l, s, err, wantErr)
					}
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s %v %+v: %v", m.Name(), l, s, err)
			}
			for j := range want {
				if want[j] != ps[j] {
					t.Fatalf("%s %v %+v: params %d: got %+v want %+v", m.Name(), l, s, j, ps[j], want[j])
				}
			}
			codes := grpRefCodes(src, l, want)
			for i := range codes {
				if codes[i] != got[i] {
					t.Fatalf("%s %v %+v: element %d: got %d want %d", m.Name(), l, s, i, got[i], codes[i])
				}
			}
		}
	})
}

func FuzzPackUnpack(f *testing.F) {
	f.Add([]byte{0xF1, 0x78, 0x03}, uint16(5))
	f.Add([]byte{}, uint16(0))
	f.Fuzz(func(t *testing.T, packed []byte, n uint16) {
		cnt := min(int(n), 2*len(packed))
		want := make([]int32, cnt)
		for i := range want {
			want[i] = int32(int8(packed[i/2]>>(4*(i%2))<<4) >> 4)
		}
		i4 := make([]int8, cnt)
		UnpackI4(i4, packed, cnt, LowFirst)
		u4 := make([]uint8, cnt)
		UnpackU4(u4, packed, cnt, LowFirst)
		for i := range want {
			if int32(i4[i]) != want[i] || int32(u4[i]) != want[i]&0xF {
				t.Fatalf("element %d: %d %d, want %d", i, i4[i], u4[i], want[i])
			}
		}
		re := make([]uint8, PackedLen(cnt))
		PackI4(re, i4, LowFirst)
		if w := grpRefPack(want, false); string(re) != string(w) {
			t.Fatalf("repack %x, want %x", re, w)
		}
		PackU4(re, u4, HighFirst)
		h := make([]int8, cnt)
		UnpackI4(h, re, cnt, HighFirst)
		if string(grpToBytes(h)) != string(grpToBytes(i4)) {
			t.Fatalf("high-first round trip %v, want %v", h, i4)
		}
	})
}

func grpToBytes(v []int8) []byte {
	b := make([]byte, len(v))
	for i, x := range v {
		b[i] = byte(x)
	}
	return b
}
