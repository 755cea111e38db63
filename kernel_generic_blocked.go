package quant

import (
	"encoding/binary"
	"math"
	"sync"
)

// Reference kernels of the grouped forms (per-axis, blocked, packed int4).
// Like kernel_generic.go they are the specification: every other
// implementation of a Kernels field below returns exactly these bits.
//
// Contracts, on top of those of Kernels (no allocation, nothing read or
// written outside the slices, callers have checked lengths and Params):
//
//	QuantizeBlocksI8/U8(dst, src, block, ps)
//	    block >= 1, len(ps) == ceil(len(src)/block), len(dst) >= len(src),
//	    every ps[j] valid for the output type. Element i is quantized
//	    with ps[i/block], exactly as QuantizeI8/U8 would; the last block
//	    may be short. block 1 is the per-column form (one Params per
//	    element).
//	DequantizeBlocksI8/U8(dst, src, block, ps)
//	    the same layout; dst[i] = float32(src[i] - z) * s of ps[i/block].
//	QuantizeBlocksI4(dst, src, block, ps, o)
//	    the layout of QuantizeBlocksI8, every ps[j] with bounds inside
//	    -8..15 (signed -8..7 or unsigned 0..15), len(dst) >=
//	    ceil(len(src)/2). Packs: the low 4 bits of code i go to byte i/2,
//	    the first nibble of the byte (low nibble, or high if o is HighFirst) for
//	    even i and the second for odd i; for odd len(src) the second
//	    nibble of the last byte is 0. Writes exactly ceil(len(src)/2) bytes.
//	DequantizeBlocksI4(dst, src, block, ps, e, o)
//	    len(src) >= ceil(len(dst)/2); writes len(dst) values: nibble i of
//	    src (the order above), sign-extended (signExtend, -8..7) or
//	    zero-extended (0..15), dequantized with ps[i/block];
//	    len(ps) == ceil(len(dst)/block).
//	MinMaxColumns(lo, hi, row)
//	    len(lo) == len(hi) == len(row); lo[i] = min(lo[i], row[i]) and
//	    hi[i] = max(hi[i], row[i]) with NaN skipped and, for equal values,
//	    the accumulator kept (x < lo, x > hi comparisons); returns false if
//	    any element of row is NaN or ±Inf. Accumulating every row of a
//	    matrix into lo = +Inf, hi = -Inf and then adding +0 (which turns -0
//	    into +0) gives exactly MinMax of each column.

// quantizeBlocks8Generic quantizes element i of src with ps[i/block], as
// int8 or uint8 (T).
func quantizeBlocks8Generic[T int8 | uint8](dst []T, src []float32, block int, ps []Params) {
	dst = dst[:len(src)]
	for i, x := range src {
		p := &ps[i/block]
		dst[i] = T(quantizeOne(x, p.Convention, p.Scale, pytorchInv(p.Scale), p.Zero, p.Lo, p.Hi))
	}
}

// dequantizeBlocks8Generic dequantizes element i of src with ps[i/block].
func dequantizeBlocks8Generic[T int8 | uint8](dst []float32, src []T, block int, ps []Params) {
	dst = dst[:len(src)]
	for i, q := range src {
		p := &ps[i/block]
		dst[i] = float32(float32(int32(q)-p.Zero) * p.Scale)
	}
}

func minMaxColumnsGeneric(lo, hi []float32, row []float32) bool {
	finite := true
	lo, hi = lo[:len(row)], hi[:len(row)]
	for i, x := range row {
		if x-x != 0 { // NaN or ±Inf
			finite = false
			if x != x {
				continue
			}
		}
		if x < lo[i] {
			lo[i] = x
		}
		if x > hi[i] {
			hi[i] = x
		}
	}
	return finite
}

func quantizeBlocksI4Generic(dst []uint8, src []float32, block int, ps []Params, o NibbleOrder) {
	for i, x := range src {
		p := &ps[i/block]
		q := uint8(quantizeOne(x, p.Convention, p.Scale, pytorchInv(p.Scale), p.Zero, p.Lo, p.Hi)) & 0xF
		if i%2 == 0 {
			dst[i/2] = nibbleAt(q, 0, o)
		} else {
			dst[i/2] |= nibbleAt(q, 1, o)
		}
	}
}

func dequantizeBlocksI4Generic(dst []float32, src []uint8, block int, ps []Params, e nibbleExt, o NibbleOrder) {
	for i := range dst {
		p := &ps[i/block]
		q := nibble(nibbleOf(src[i/2], i%2, o), e)
		dst[i] = float32(float32(int32(q)-p.Zero) * p.Scale)
	}
}

// nibbleAt places the 4-bit value v as nibble k (0 first, 1 second) of a
// byte: the first nibble is the low one unless o is HighFirst.
func nibbleAt(v uint8, k int, o NibbleOrder) uint8 {
	if (k == 1) != (o == HighFirst) {
		return v << 4
	}
	return v
}

// nibbleOf extracts nibble k (0 first, 1 second) of b.
func nibbleOf(b uint8, k int, o NibbleOrder) uint8 {
	if (k == 1) != (o == HighFirst) {
		return b >> 4
	}
	return b & 0xF
}

// nibble converts a 4-bit value to int8, extended as e says.
func nibble(v uint8, e nibbleExt) int8 {
	if e == signExtend {
		return int8(v<<4) >> 4
	}
	return int8(v)
}

// minComposedBlock is the smallest block for which a composed kernel
// calls the per-tensor kernel per block; smaller blocks (1 = per column)
// take the generic loop, cheaper than a call per element or two.
const minComposedBlock = 8

// composeBlocks makes a blocked kernel of a per-tensor one (one call per
// block), so a SIMD per-tensor kernel speeds up the blocked forms before a
// dedicated blocked kernel exists; blocks shorter than minComposedBlock
// take the generic blocked kernel.
func composeBlocks[D, S any](perTensor func(dst []D, src []S, p Params), generic func(dst []D, src []S, block int, ps []Params)) func(dst []D, src []S, block int, ps []Params) {
	return func(dst []D, src []S, block int, ps []Params) {
		if block < minComposedBlock {
			generic(dst, src, block, ps)
			return
		}
		for j := range ps {
			s := src[j*block : min((j+1)*block, len(src))]
			perTensor(dst[j*block:j*block+len(s)], s, ps[j])
		}
	}
}

// composeColumns makes a per-column kernel of a blocked one: each row is
// one call with block 1 and the row's Params ps.
func composeColumns[T int8 | uint8](blocks func(dst []T, src []float32, block int, ps []Params)) func(dst []T, src []float32, cols int, ps []Params) {
	return func(dst []T, src []float32, cols int, ps []Params) {
		for r := 0; r < len(src); r += cols {
			blocks(dst[r:r+cols], src[r:r+cols], 1, ps)
		}
	}
}

// composeI4 makes QuantizeBlocksI4 of an int8 blocked kernel plus nibble
// packing in Go, through a pooled scratch buffer of i4Chunk codes (only
// even blocks of at least minComposedBlock, whose chunks start on byte
// boundaries; other blocks take the generic loop).
func composeI4(qb func(dst []int8, src []float32, block int, ps []Params)) func([]uint8, []float32, int, []Params, NibbleOrder) {
	return func(dst []uint8, src []float32, block int, ps []Params, o NibbleOrder) {
		if block < minComposedBlock || block%2 != 0 {
			quantizeBlocksI4Generic(dst, src, block, ps, o)
			return
		}
		buf := i4Scratch.Get().(*[i4Chunk]int8)
		for c0 := 0; c0 < len(src); {
			c1, bs, j0, j1 := i4Span(c0, len(src), block)
			codes := buf[:c1-c0]
			qb(codes, src[c0:c1], bs, ps[j0:j1])
			packCodes(dst[c0/2:], codes, o)
			c0 = c1
		}
		i4Scratch.Put(buf)
	}
}

// quantizeI4Generic is the per-tensor packed quantization: one block.
func quantizeI4Generic(dst []uint8, src []float32, p Params, o NibbleOrder) {
	ps := [1]Params{p}
	quantizeBlocksI4Generic(dst, src, evenBlock(len(src)), ps[:min(len(src), 1)], o)
}

// dequantizeI4Generic is the per-tensor packed dequantization: one block.
func dequantizeI4Generic(dst []float32, src []uint8, p Params, e nibbleExt, o NibbleOrder) {
	ps := [1]Params{p}
	dequantizeBlocksI4Generic(dst, src, evenBlock(len(dst)), ps[:min(len(dst), 1)], e, o)
}

// dequantizeBlocksI4LUT is DequantizeBlocksI4 in plain Go with a table per
// block: lut[v] = float32(float32(q(v) - z) * s) for the 16 nibble values
// v, exactly the reference's result for code q(v), then one lookup per
// nibble. (float32(q - z) is computed as float32(q) - float32(z): both
// exact integers below 2^24 in magnitude, so the difference is exact and
// equal to the reference's int32 difference converted.) Blocks shorter
// than 16 take the generic loop (the table would cost more than it saves).
func dequantizeBlocksI4LUT(dst []float32, src []uint8, block int, ps []Params, ext nibbleExt, o NibbleOrder) {
	if block < 16 {
		dequantizeBlocksI4Generic(dst, src, block, ps, ext, o)
		return
	}
	qv := &nibbleValues[0]
	if ext == signExtend {
		qv = &nibbleValues[1]
	}
	var lut [16]float32
	for j := range ps {
		zf, sc := float32(ps[j].Zero), ps[j].Scale
		for v := range lut {
			lut[v] = float32(float32(qv[v]-zf) * sc)
		}
		e, e1 := j*block, min((j+1)*block, len(dst))
		if e%2 == 1 { // a block starting mid-byte (odd block size)
			dst[e] = lut[nibbleOf(src[e/2], 1, o)]
			e++
		}
		out := dst[e:e1]
		lutPairs(out, src[e/2:e/2+len(out)/2], &lut, o)
		if len(out)%2 == 1 {
			out[len(out)-1] = lut[nibbleOf(src[(e1-1)/2], 0, o)]
		}
	}
}

// nibbleValues holds float32(v) for the 16 nibble values v, unsigned
// (0..15) and sign-extended (0..7, -8..-1).
var nibbleValues = func() (t [2][16]float32) {
	for v := range 16 {
		t[0][v] = float32(nibble(uint8(v), zeroExtend))
		t[1][v] = float32(nibble(uint8(v), signExtend))
	}
	return t
}()

// lutPairs writes lut of the first and second nibble of each in[k] to
// out[2k] and out[2k+1].
func lutPairs(out []float32, in []uint8, lut *[16]float32, o NibbleOrder) {
	out = out[:2*len(in)]
	if o == HighFirst {
		for k, b := range in {
			out[2*k] = lut[b>>4]
			out[2*k+1] = lut[b&0xF]
		}
		return
	}
	for k, b := range in {
		out[2*k] = lut[b&0xF]
		out[2*k+1] = lut[b>>4]
	}
}

// i4Chunk is the number of codes the composed int4 kernels convert per
// pass (2 KiB of scratch).
const i4Chunk = 2048

var i4Scratch = sync.Pool{New: func() any { return new([i4Chunk]int8) }}

// i4Span cuts elements [c0, n) of a blocked row (block even) into the next
// pass [c0, c1): whole blocks up to i4Chunk elements, or a piece of one
// block longer than i4Chunk. It returns the block size and Params range
// to use for the pass. c1 is even unless it is n.
func i4Span(c0, n, block int) (c1, bs, j0, j1 int) {
	if block <= i4Chunk {
		c1 = min(c0+i4Chunk/block*block, n)
		return c1, block, c0 / block, (c1 + block - 1) / block
	}
	j := c0 / block
	c1 = min(c0+i4Chunk, (j+1)*block, n)
	return c1, c1 - c0, j, j + 1
}

// packCodes packs codes (the low 4 bits of each) into dst, two per byte,
// as quantizeBlocksI4Generic does: 16 codes at a time in two uint64
// words (SWAR), then one pair at a time.
func packCodes(dst []uint8, codes []int8, o NibbleOrder) {
	n := len(codes) / 2
	dst = dst[:(len(codes)+1)/2]
	k := 0
	for ; k+8 <= n; k += 8 {
		c := codes[2*k : 2*k+16]
		w0 := uint64(uint8(c[0])) | uint64(uint8(c[1]))<<8 | uint64(uint8(c[2]))<<16 | uint64(uint8(c[3]))<<24 |
			uint64(uint8(c[4]))<<32 | uint64(uint8(c[5]))<<40 | uint64(uint8(c[6]))<<48 | uint64(uint8(c[7]))<<56
		w1 := uint64(uint8(c[8])) | uint64(uint8(c[9]))<<8 | uint64(uint8(c[10]))<<16 | uint64(uint8(c[11]))<<24 |
			uint64(uint8(c[12]))<<32 | uint64(uint8(c[13]))<<40 | uint64(uint8(c[14]))<<48 | uint64(uint8(c[15]))<<56
		binary.LittleEndian.PutUint32(dst[k:], packWord(w0, o))
		binary.LittleEndian.PutUint32(dst[k+4:], packWord(w1, o))
	}
	for ; k < n; k++ {
		a, b := uint8(codes[2*k])&0xF, uint8(codes[2*k+1])&0xF
		dst[k] = nibbleAt(a, 0, o) | nibbleAt(b, 1, o)
	}
	if len(codes)%2 == 1 {
		dst[n] = nibbleAt(uint8(codes[2*n])&0xF, 0, o)
	}
}

// packWord packs the 8 codes in the bytes of w (code i in byte i) into 4
// bytes: byte k of the result holds codes 2k and 2k+1.
func packWord(w uint64, o NibbleOrder) uint32 {
	x := w & 0x0F0F0F0F0F0F0F0F
	if o == HighFirst {
		x = x<<4 | x>>8 // byte 2k: code 2k << 4 | code 2k+1
	} else {
		x = x | x>>4 // byte 2k: code 2k | code 2k+1 << 4
	}
	x &= 0x00FF00FF00FF00FF
	x = (x | x>>8) & 0x0000FFFF0000FFFF
	return uint32(x | x>>16)
}

// posInf and negInf are the identities of min and max.
var posInf, negInf = float32(math.Inf(1)), float32(math.Inf(-1))
