package quant

import "fmt"

// Packed 4-bit quantization.
//
// A packed tensor of n values occupies PackedLen(n) = ceil(n/2) bytes in
// flat (row-major) order: value i is in byte i/2, as its first nibble for
// even i and its second for odd i; an odd n leaves the second nibble of
// the last byte 0. The first nibble is the low one under LowFirst (the
// default: ONNX INT4/UINT4, PyTorch quint4x2) and the high one under
// HighFirst. Rows of a matrix are not padded: with an odd number of
// columns, every other row starts in the middle of a byte, as in ONNX.
//
// Signed (I4) codes are -8..7 and sign-extended on unpacking; unsigned
// (U4) codes are 0..15. Params may use narrower bounds (2..4 bits).

// NibbleOrder is the position of the first of two values in a byte.
type NibbleOrder uint8

const (
	// LowFirst puts value 2k in the low nibble of byte k (ONNX, PyTorch).
	LowFirst NibbleOrder = iota
	// HighFirst puts value 2k in the high nibble of byte k.
	HighFirst
)

func (o NibbleOrder) String() string {
	switch o {
	case LowFirst:
		return "low-first"
	case HighFirst:
		return "high-first"
	}
	return fmt.Sprintf("NibbleOrder(%d)", uint8(o))
}

// mustKnown panics, naming fn, unless o is LowFirst or HighFirst.
func (o NibbleOrder) mustKnown(fn string) NibbleOrder {
	if o > HighFirst {
		panic(fmt.Sprintf("quant.%s: unknown nibble order %d", fn, uint8(o)))
	}
	return o
}

// PackedLen is the number of bytes n packed 4-bit values occupy.
func PackedLen(n int) int { return n/2 + n%2 }

// ValidateI4 is Validate with bounds that must fit int4 (-8..7).
func (p Params) ValidateI4() error { return p.validateBounds(-8, 7) }

// ValidateU4 is Validate with bounds that must fit uint4 (0..15).
func (p Params) ValidateU4() error { return p.validateBounds(0, 15) }

// QuantizeI4 quantizes src into the first PackedLen(len(src)) bytes of
// dst as packed int4 (see the packing rules above); p's bounds must fit
// -8..7. It panics if dst is shorter or p is invalid.
func QuantizeI4(dst []uint8, src []float32, p Params, o NibbleOrder) {
	active.QuantizeI4(dst, src, p, o)
}

// QuantizeU4 is QuantizeI4 for uint4 (bounds within 0..15).
func QuantizeU4(dst []uint8, src []float32, p Params, o NibbleOrder) {
	active.QuantizeU4(dst, src, p, o)
}

// DequantizeI4 writes float32(q - z) * s for the n packed int4 values q
// of src into dst[:n]. It panics if src has fewer than PackedLen(n) bytes
// or dst fewer than n elements.
func DequantizeI4(dst []float32, src []uint8, n int, p Params, o NibbleOrder) {
	active.DequantizeI4(dst, src, n, p, o)
}

// DequantizeU4 is DequantizeI4 for packed uint4 values.
func DequantizeU4(dst []float32, src []uint8, n int, p Params, o NibbleOrder) {
	active.DequantizeU4(dst, src, n, p, o)
}

// QuantizeLayoutI4 quantizes the Rows×Cols matrix src (see Layout) into
// the first PackedLen(len(src)) bytes of dst as packed int4, element i
// with the Params of its position; every Params' bounds must fit -8..7.
// Panics as QuantizeLayoutI8.
func QuantizeLayoutI4(dst []uint8, src []float32, l Layout, ps []Params, o NibbleOrder) {
	active.QuantizeLayoutI4(dst, src, l, ps, o)
}

// QuantizeLayoutU4 is QuantizeLayoutI4 for uint4 (bounds within 0..15).
func QuantizeLayoutU4(dst []uint8, src []float32, l Layout, ps []Params, o NibbleOrder) {
	active.QuantizeLayoutU4(dst, src, l, ps, o)
}

// DequantizeLayoutI4 dequantizes the Rows×Cols packed int4 matrix src
// (PackedLen(Rows*Cols) bytes are read) into dst[:Rows*Cols].
func DequantizeLayoutI4(dst []float32, src []uint8, l Layout, ps []Params, o NibbleOrder) {
	active.DequantizeLayoutI4(dst, src, l, ps, o)
}

// DequantizeLayoutU4 is DequantizeLayoutI4 for packed uint4.
func DequantizeLayoutU4(dst []float32, src []uint8, l Layout, ps []Params, o NibbleOrder) {
	active.DequantizeLayoutU4(dst, src, l, ps, o)
}

// PackI4 packs the int4 values src (each in -8..7) into the first
// PackedLen(len(src)) bytes of dst. It panics on a value out of range or a
// short dst.
func PackI4(dst []uint8, src []int8, o NibbleOrder) {
	packNibbles(dst, src, -8, 7, o.mustKnown("PackI4"), "PackI4")
}

// PackU4 packs the uint4 values src (each in 0..15) into the first
// PackedLen(len(src)) bytes of dst. It panics on a value out of range or a
// short dst.
func PackU4(dst []uint8, src []uint8, o NibbleOrder) {
	packNibbles(dst, src, 0, 15, o.mustKnown("PackU4"), "PackU4")
}

// UnpackI4 writes the n packed int4 values of src, sign-extended, into
// dst[:n].
func UnpackI4(dst []int8, src []uint8, n int, o NibbleOrder) {
	unpackNibbles(dst, src, n, signExtend, o.mustKnown("UnpackI4"), "UnpackI4")
}

// UnpackU4 writes the n packed uint4 values of src into dst[:n].
func UnpackU4(dst []uint8, src []uint8, n int, o NibbleOrder) {
	unpackNibbles(dst, src, n, zeroExtend, o.mustKnown("UnpackU4"), "UnpackU4")
}

func packNibbles[T int8 | uint8](dst []uint8, src []T, lo, hi int, o NibbleOrder, fn string) {
	checkLen(fn, len(dst), PackedLen(len(src)))
	for i, v := range src {
		if int(v) < lo || int(v) > hi {
			panic(fmt.Sprintf("quant.%s: src[%d] = %d is outside %d..%d", fn, i, v, lo, hi))
		}
	}
	for i, v := range src {
		if i%2 == 0 {
			dst[i/2] = nibbleAt(uint8(v)&0xF, 0, o)
		} else {
			dst[i/2] |= nibbleAt(uint8(v)&0xF, 1, o)
		}
	}
}

func unpackNibbles[T int8 | uint8](dst []T, src []uint8, n int, e nibbleExt, o NibbleOrder, fn string) {
	checkPacked(fn, len(dst), len(src), n)
	for i := range n {
		dst[i] = T(nibble(nibbleOf(src[i/2], i%2, o), e))
	}
}

// checkPacked panics unless n >= 0, dst holds n values and src
// PackedLen(n) bytes.
func checkPacked(fn string, dst, src, n int) {
	if n < 0 {
		panic(fmt.Sprintf("quant.%s: negative count %d", fn, n))
	}
	if src < PackedLen(n) {
		panic(fmt.Sprintf("quant.%s: src has %d bytes, %d values need %d", fn, src, n, PackedLen(n)))
	}
	if dst < n {
		panic(fmt.Sprintf("quant.%s: dst has %d elements, n is %d", fn, dst, n))
	}
}

// QuantizeI4 is the package-level QuantizeI4 on this implementation.
func (m *Impl) QuantizeI4(dst []uint8, src []float32, p Params, o NibbleOrder) {
	m.quantize4("QuantizeI4", dst, src, p, Params.ValidateI4, o)
}

// QuantizeU4 is the package-level QuantizeU4 on this implementation.
func (m *Impl) QuantizeU4(dst []uint8, src []float32, p Params, o NibbleOrder) {
	m.quantize4("QuantizeU4", dst, src, p, Params.ValidateU4, o)
}

func (m *Impl) quantize4(fn string, dst []uint8, src []float32, p Params, check func(Params) error, o NibbleOrder) {
	o.mustKnown(fn)
	if len(dst) < PackedLen(len(src)) {
		panic(fmt.Sprintf("quant.%s: dst has %d bytes, %d values need %d", fn, len(dst), len(src), PackedLen(len(src))))
	}
	mustValid(fn, check(p))
	if m.serial(len(src)) {
		m.k.quantizeI4(dst, src, p, o)
		return
	}
	m.packedChunks(len(src), func(a, b int) { m.k.quantizeI4(dst[a/2:], src[a:b], p, o) })
}

// DequantizeI4 is the package-level DequantizeI4 on this implementation.
func (m *Impl) DequantizeI4(dst []float32, src []uint8, n int, p Params, o NibbleOrder) {
	m.dequantize4("DequantizeI4", dst, src, n, p, signExtend, o)
}

// DequantizeU4 is the package-level DequantizeU4 on this implementation.
func (m *Impl) DequantizeU4(dst []float32, src []uint8, n int, p Params, o NibbleOrder) {
	m.dequantize4("DequantizeU4", dst, src, n, p, zeroExtend, o)
}

func (m *Impl) dequantize4(fn string, dst []float32, src []uint8, n int, p Params, e nibbleExt, o NibbleOrder) {
	o.mustKnown(fn)
	checkPacked(fn, len(dst), len(src), n)
	mustValid(fn, p.validateCommon())
	if m.serial(n) {
		m.k.dequantizeI4(dst[:n], src, p, e, o)
		return
	}
	m.packedChunks(n, func(a, b int) { m.k.dequantizeI4(dst[a:b], src[a/2:], p, e, o) })
}

// QuantizeLayoutI4 is the package-level QuantizeLayoutI4 on this implementation.
func (m *Impl) QuantizeLayoutI4(dst []uint8, src []float32, l Layout, ps []Params, o NibbleOrder) {
	m.quantizeLayout4Checked("QuantizeLayoutI4", dst, src, l, ps, o, -8, 7)
}

// QuantizeLayoutU4 is the package-level QuantizeLayoutU4 on this implementation.
func (m *Impl) QuantizeLayoutU4(dst []uint8, src []float32, l Layout, ps []Params, o NibbleOrder) {
	m.quantizeLayout4Checked("QuantizeLayoutU4", dst, src, l, ps, o, 0, 15)
}

func (m *Impl) quantizeLayout4Checked(fn string, dst []uint8, src []float32, l Layout, ps []Params, o NibbleOrder, lo, hi int32) {
	o.mustKnown(fn)
	mustLayout4(fn, l, len(src), len(dst), len(ps))
	mustValidAll(fn, ps, lo, hi)
	if m.serialRows(l, true) {
		m.quantizeLayout4(dst, src, l, ps, 0, l.Rows, o)
		return
	}
	m.rowChunks(l, true, func(r0, r1 int) { m.quantizeLayout4(dst, src, l, ps, r0, r1, o) })
}

// DequantizeLayoutI4 is the package-level DequantizeLayoutI4 on this implementation.
func (m *Impl) DequantizeLayoutI4(dst []float32, src []uint8, l Layout, ps []Params, o NibbleOrder) {
	m.dequantizeLayout4("DequantizeLayoutI4", dst, src, l, ps, signExtend, o)
}

// DequantizeLayoutU4 is the package-level DequantizeLayoutU4 on this implementation.
func (m *Impl) DequantizeLayoutU4(dst []float32, src []uint8, l Layout, ps []Params, o NibbleOrder) {
	m.dequantizeLayout4("DequantizeLayoutU4", dst, src, l, ps, zeroExtend, o)
}

func (m *Impl) dequantizeLayout4(fn string, dst []float32, src []uint8, l Layout, ps []Params, e nibbleExt, o NibbleOrder) {
	o.mustKnown(fn)
	if err := l.Validate(); err != nil {
		panic(fmt.Sprintf("quant.%s: %v", fn, err))
	}
	checkPacked(fn, len(dst), len(src), l.Len())
	mustLayout(fn, l, l.Len(), len(dst), len(ps))
	mustValidAll(fn, ps, anyLo, anyHi)
	if m.serialRows(l, true) {
		m.dequantizeLayout4Rows(dst, src, l, ps, 0, l.Rows, e, o)
		return
	}
	m.rowChunks(l, true, func(r0, r1 int) { m.dequantizeLayout4Rows(dst, src, l, ps, r0, r1, e, o) })
}

// mustLayout4 is mustLayout for a packed dst of dstBytes bytes.
func mustLayout4(fn string, l Layout, src, dstBytes, nps int) {
	mustLayout(fn, l, src, src, nps)
	if dstBytes < PackedLen(src) {
		panic(fmt.Sprintf("quant.%s: dst has %d bytes, %d values need %d", fn, dstBytes, src, PackedLen(src)))
	}
}

// quantizeLayout4 packs rows r0..r1-1 of a checked layout. A row that
// starts on an even element index goes to the blocked kernel; a blocked
// row that starts mid-byte (odd Cols, odd r) takes the scalar path
// (quantize4Row): its blocks all start mid-byte.
// Per-column layouts use the kernel with block 1.
func (m *Impl) quantizeLayout4(dst []uint8, src []float32, l Layout, ps []Params, r0, r1 int, o NibbleOrder) {
	c := l.Cols
	if c == 0 || r0 >= r1 {
		return
	}
	qb := m.k.quantizeBlocksI4
	if l.Axis == 1 {
		for r := r0; r < r1; r++ {
			if r*c%2 == 0 {
				qb(dst[r*c/2:], src[r*c:(r+1)*c], 1, ps, o)
			} else {
				quantize4Row(dst, r*c, src[r*c:(r+1)*c], 1, ps, o)
			}
		}
		return
	}
	b, n := l.rowBlock()
	if c%b == 0 && c%2 == 0 { // rows byte-aligned and tiled by blocks: one call
		qb(dst[r0*c/2:], src[r0*c:r1*c], b, ps[r0*n:r1*n], o)
		return
	}
	if l.Block == 0 {
		// Per row (one block per row): an even block size, and a row that
		// starts mid-byte has its first value completed in Go and the rest
		// byte-aligned.
		b = evenBlock(c)
	}
	for r := r0; r < r1; r++ {
		row, rps := src[r*c:(r+1)*c], ps[r*n:(r+1)*n]
		switch {
		case r*c%2 == 0:
			qb(dst[r*c/2:], row, b, rps, o)
		case l.Block == 0:
			quantize4Row(dst, r*c, row[:1], b, rps, o)
			if c > 1 {
				qb(dst[(r*c+1)/2:], row[1:], b, rps, o)
			}
		default:
			quantize4Row(dst, r*c, row, b, rps, o)
		}
	}
}

// evenBlock is n rounded up to even (at least 2): a block size that covers
// n elements in one block.
func evenBlock(n int) int { return max(n+n%2, 2) }

// quantize4Row quantizes a row whose first element has the odd index pos
// into nibbles pos.. of dst: the first nibble completes byte pos/2, whose
// first nibble the previous row wrote.
func quantize4Row(dst []uint8, pos int, row []float32, b int, ps []Params, o NibbleOrder) {
	for i, x := range row {
		q := uint8(ps[i/b].Quantize(x)) & 0xF
		k := pos + i
		if k%2 == 0 {
			dst[k/2] = nibbleAt(q, 0, o)
		} else {
			dst[k/2] |= nibbleAt(q, 1, o)
		}
	}
}

// dequantizeLayout4Rows dequantizes rows r0..r1-1 of a checked layout.
func (m *Impl) dequantizeLayout4Rows(dst []float32, src []uint8, l Layout, ps []Params, r0, r1 int, e nibbleExt, o NibbleOrder) {
	c := l.Cols
	if c == 0 || r0 >= r1 {
		return
	}
	db := m.k.dequantizeBlocksI4
	if l.Axis == 1 {
		for r := r0; r < r1; r++ {
			if r*c%2 == 0 {
				db(dst[r*c:(r+1)*c], src[r*c/2:], 1, ps, e, o)
			} else {
				dequantize4Row(dst[r*c:(r+1)*c], src, r*c, 1, ps, e, o)
			}
		}
		return
	}
	b, n := l.rowBlock()
	if c%b == 0 && c%2 == 0 {
		db(dst[r0*c:r1*c], src[r0*c/2:], b, ps[r0*n:r1*n], e, o)
		return
	}
	if l.Block == 0 {
		b = evenBlock(c)
	}
	for r := r0; r < r1; r++ {
		out, rps := dst[r*c:(r+1)*c], ps[r*n:(r+1)*n]
		switch {
		case r*c%2 == 0:
			db(out, src[r*c/2:], b, rps, e, o)
		case l.Block == 0:
			dequantize4Row(out[:1], src, r*c, b, rps, e, o)
			if c > 1 {
				db(out[1:], src[(r*c+1)/2:], b, rps, e, o)
			}
		default:
			dequantize4Row(out, src, r*c, b, rps, e, o)
		}
	}
}

// dequantize4Row dequantizes nibbles pos..pos+len(out)-1 of src.
func dequantize4Row(out []float32, src []uint8, pos, b int, ps []Params, e nibbleExt, o NibbleOrder) {
	for i := range out {
		k := pos + i
		out[i] = ps[i/b].Dequantize(int32(nibble(nibbleOf(src[k/2], k%2, o), e)))
	}
}
