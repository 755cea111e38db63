//go:build gc && !purego

package quant

import "unsafe"

// The NEON blocked kernels (int4, int8, uint8) and MinMaxColumns (rows of
// at least 16 columns; shorter rows take the generic loop). The assembly in
// kernel_blocked_arm64.s walks many blocks in one call, loading each
// block's Params (Convention included) from the ps slice at the layout
// checked below, so there is no Go→assembly call per block and runs of
// mixed conventions need no splitting. The assembly takes blocks of at
// least neonMinBlock elements (even for int4, so that every block starts
// on a byte boundary of the packed data); the wrappers do:
//
//   - the whole blocks: one call;
//   - the last short block: one call of one block of its length (its even
//     part for int4) if that is at least neonMinBlock, and the remaining
//     elements (fewer than neonMinBlock, or the one odd element) with the
//     generic loop;
//   - block 1 (per column) for QuantizeBlocksI8/U8: one call per run of at
//     least 16 Params sharing a Convention, which gathers each element's
//     Params into vector lanes; shorter runs take the generic loop;
//   - other blocks shorter than neonMinBlock, and odd blocks for int4: the path
//     the composed kernels (composeGrouped, composeI4) would take for them,
//     which is the generic loop (the per-tensor NEON kernels fall back to
//     generic below 16 elements, composeI4 below 8 or for odd blocks)
//     except int4 dequantize, which takes dequantizeBlocksI4LUT.
//
// Every result equals the generic kernel's bit for bit; nothing is read or
// written outside the slices.

// The assembly reads Params at these offsets, 20 bytes apart.
var (
	_ [unsafe.Sizeof(Params{}) - 20]struct{}
	_ [20 - unsafe.Sizeof(Params{})]struct{}
	_ [unsafe.Offsetof(Params{}.Zero) - 4]struct{}
	_ [4 - unsafe.Offsetof(Params{}.Zero)]struct{}
	_ [unsafe.Offsetof(Params{}.Lo) - 8]struct{}
	_ [8 - unsafe.Offsetof(Params{}.Lo)]struct{}
	_ [unsafe.Offsetof(Params{}.Hi) - 12]struct{}
	_ [12 - unsafe.Offsetof(Params{}.Hi)]struct{}
	_ [unsafe.Offsetof(Params{}.Convention) - 16]struct{}
	_ [16 - unsafe.Offsetof(Params{}.Convention)]struct{}
	_ [unsafe.Sizeof(Params{}.Convention) - 1]struct{}
)

// neonMinBlock is the smallest block the blocked assembly takes: one
// group of 16 elements.
const neonMinBlock = 16

// neonQuantizeBlocksI4 quantizes nblocks >= 1 blocks of block elements
// (even, >= 16) of src with ps[0], ps[1], ... — each block with the
// arithmetic of its own Convention, exactly as neonQuantize8 for int8 — and packs
// the codes' low 4 bits two per byte into dst[:nblocks*block/2]: of each
// group of 16 codes c, byte k gets c[order[k]] in its low nibble and
// c[order[8+k]] in its high nibble (order = &neonPackOrder[o]).
// Every bound must lie in -8..15.
//
//go:noescape
func neonQuantizeBlocksI4(dst *uint8, src *float32, block, nblocks int, ps *Params, order *[16]uint8)

// neonQuantizeBlocks8 quantizes nblocks >= 1 blocks of block >= 16
// elements of src with ps[0], ps[1], ..., each exactly as neonQuantize8
// would with that Params and unsigned, into the bytes
// dst[:nblocks*block].
//
//go:noescape
func neonQuantizeBlocks8(dst *byte, src *float32, block, nblocks int, ps *Params, unsigned bool)

// neonDequantizeBlocksI4 writes float32(float32(q - z) * s), with s, z of
// ps[i/block], for the nibbles q, i < nblocks*block, of src (nibble i in
// byte i/2, first or second per order = &neonUnpackOrder[o]) to
// dst. q is the nibble v sign-extended if flip = 8, zero-extended if
// flip = 0: the assembly computes (v XOR flip) - (z + flip), which is
// exactly q - z in both cases. nblocks >= 1, block even >= 16.
//
//go:noescape
func neonDequantizeBlocksI4(dst *float32, src *uint8, block, nblocks int, ps *Params, flip int, order *[16]uint8)

// neonDequantizeBlocks8 writes float32(float32(q - z) * s), s and z of
// ps[i/block], to dst[i] for the bytes src[i], i < nblocks*block, q the
// byte zero-extended (unsigned) or sign-extended. nblocks >= 1,
// block >= 16.
//
//go:noescape
func neonDequantizeBlocks8(dst *float32, src *byte, block, nblocks int, ps *Params, unsigned bool)

// neonPackOrder[o] lists, for a group of 16 codes, the 8 codes that
// go to the low nibbles of bytes 0..7, then the 8 that go to their high
// nibbles: code 2k is the first nibble of byte k, the low one unless
// hiFirst.
var neonPackOrder = [2][16]uint8{
	{0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15},
	{1, 3, 5, 7, 9, 11, 13, 15, 0, 2, 4, 6, 8, 10, 12, 14},
}

// neonUnpackOrder[o] gives, for elements 0..15 of a group, the
// index of their nibble in the TBL table (low nibbles of bytes 0..7 at
// 0..7, high nibbles at 16..23): element 2k is the first nibble of byte k.
var neonUnpackOrder = [2][16]uint8{
	{0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23},
	{16, 0, 17, 1, 18, 2, 19, 3, 20, 4, 21, 5, 22, 6, 23, 7},
}

// quantizeBlocksI4NEON is QuantizeBlocksI4 (see the file comment for the
// split). Odd blocks and blocks shorter than 16 take the generic loop.
func quantizeBlocksI4NEON(dst []uint8, src []float32, block int, ps []Params, o NibbleOrder) {
	if block < neonMinBlock || block%2 != 0 {
		quantizeBlocksI4Generic(dst, src, block, ps, o)
		return
	}
	n := len(src)
	dst = dst[:(n+1)/2]
	order := &neonPackOrder[o]
	nfull := n / block
	if nfull > 0 {
		neonQuantizeBlocksI4(&dst[0], &src[0], block, nfull, &ps[0], order)
	}
	e := nfull * block
	if m := (n - e) &^ 1; m >= neonMinBlock {
		neonQuantizeBlocksI4(&dst[e/2], &src[e], m, 1, &ps[nfull], order)
		e += m
	}
	if e < n {
		quantizeBlocksI4Generic(dst[e/2:], src[e:], block, ps[nfull:], o)
	}
}

// dequantizeBlocksI4NEON is DequantizeBlocksI4 (see the file comment for
// the split). Odd blocks and blocks shorter than 16 take
// dequantizeBlocksI4LUT, as the composed kernel does.
func dequantizeBlocksI4NEON(dst []float32, src []uint8, block int, ps []Params, ext nibbleExt, o NibbleOrder) {
	if block < neonMinBlock || block%2 != 0 {
		dequantizeBlocksI4LUT(dst, src, block, ps, ext, o)
		return
	}
	n := len(dst)
	src = src[:(n+1)/2]
	order := &neonUnpackOrder[o]
	flip := 0
	if ext == signExtend {
		flip = 8
	}
	nfull := n / block
	if nfull > 0 {
		neonDequantizeBlocksI4(&dst[0], &src[0], block, nfull, &ps[0], flip, order)
	}
	e := nfull * block
	if m := (n - e) &^ 1; m >= neonMinBlock {
		neonDequantizeBlocksI4(&dst[e], &src[e/2], m, 1, &ps[nfull], flip, order)
		e += m
	}
	if e < n {
		dequantizeBlocksI4Generic(dst[e:], src[e/2:], block, ps[nfull:], ext, o)
	}
}

// quantizeBlocksI8NEON is QuantizeBlocksI8 (see the file comment for the
// split). Block 1 (per column) is quantizeColsI8NEON; other blocks
// shorter than 16 take the generic loop.
func quantizeBlocksI8NEON(dst []int8, src []float32, block int, ps []Params) {
	if block == 1 {
		quantizeColsI8NEON(dst, src, ps)
		return
	}
	quantizeBlocks8NEON(dst, src, block, ps, quantizeBlocksI8Generic)
}

// quantizeBlocksU8NEON is quantizeBlocksI8NEON for QuantizeBlocksU8.
func quantizeBlocksU8NEON(dst []uint8, src []float32, block int, ps []Params) {
	if block == 1 {
		quantizeColsU8NEON(dst, src, ps)
		return
	}
	quantizeBlocks8NEON(dst, src, block, ps, quantizeBlocksU8Generic)
}

// quantizeBlocks8NEON runs neonQuantizeBlocks8 over the whole blocks and
// the last short block of at least 16, and generic (the reference loop
// of T) over blocks shorter than 16 and what is left.
func quantizeBlocks8NEON[T int8 | uint8](dst []T, src []float32, block int, ps []Params, generic func([]T, []float32, int, []Params)) {
	if block < neonMinBlock {
		generic(dst, src, block, ps)
		return
	}
	n := len(src)
	dst = dst[:n]
	nfull := n / block
	u := isUnsigned[T]()
	if nfull > 0 {
		neonQuantizeBlocks8(bytePtr(&dst[0]), &src[0], block, nfull, &ps[0], u)
	}
	if e := nfull * block; n-e >= neonMinBlock {
		neonQuantizeBlocks8(bytePtr(&dst[e]), &src[e], n-e, 1, &ps[nfull], u)
	} else if e < n {
		generic(dst[e:], src[e:], block, ps[nfull:])
	}
}

// dequantizeBlocksI8NEON is DequantizeBlocksI8 (see the file comment for
// the split). Blocks shorter than 16 take the generic loop.
func dequantizeBlocksI8NEON(dst []float32, src []int8, block int, ps []Params) {
	dequantizeBlocks8NEON(dst, src, block, ps, dequantizeBlocksI8Generic)
}

// dequantizeBlocksU8NEON is dequantizeBlocksI8NEON for DequantizeBlocksU8.
func dequantizeBlocksU8NEON(dst []float32, src []uint8, block int, ps []Params) {
	dequantizeBlocks8NEON(dst, src, block, ps, dequantizeBlocksU8Generic)
}

// dequantizeBlocks8NEON is quantizeBlocks8NEON for neonDequantizeBlocks8.
func dequantizeBlocks8NEON[T int8 | uint8](dst []float32, src []T, block int, ps []Params, generic func([]float32, []T, int, []Params)) {
	if block < neonMinBlock {
		generic(dst, src, block, ps)
		return
	}
	n := len(src)
	dst = dst[:n]
	nfull := n / block
	u := isUnsigned[T]()
	if nfull > 0 {
		neonDequantizeBlocks8(&dst[0], bytePtr(&src[0]), block, nfull, &ps[0], u)
	}
	if e := nfull * block; n-e >= neonMinBlock {
		neonDequantizeBlocks8(&dst[e], bytePtr(&src[e]), n-e, 1, &ps[nfull], u)
	} else if e < n {
		generic(dst[e:], src[e:], block, ps[nfull:])
	}
}

// isUnsigned reports whether T is uint8.
func isUnsigned[T int8 | uint8]() bool {
	var zero T
	return ^zero > 0
}

// bytePtr is p as a *byte: int8 and uint8 codes are the same bytes.
func bytePtr[T int8 | uint8](p *T) *byte { return (*byte)(unsafe.Pointer(p)) }

// neonMinMaxColumns is MinMaxColumns for n = len(row) >= 16 (lo, hi and
// row of n elements, row not overlapping lo or hi): it returns true iff
// every row element is finite.
//
//go:noescape
func neonMinMaxColumns(lo, hi, row *float32, n int) (finite bool)

// minMaxColumnsNEON is MinMaxColumns; rows shorter than 16 take the
// generic loop.
func minMaxColumnsNEON(lo, hi []float32, row []float32) bool {
	n := len(row)
	if n < neonMinBlock {
		return minMaxColumnsGeneric(lo, hi, row)
	}
	lo, hi = lo[:n], hi[:n]
	return neonMinMaxColumns(&lo[0], &hi[0], &row[0], n)
}

// neonQuantizeCols quantizes src[i] with ps[i] for i < n, n >= 16, into
// the bytes dst[:n], every ps[i] of the convention conv (0 Seed, 1 ONNX,
// 2 PyTorch), each element exactly as neonQuantize8
// would with its own Params and unsigned.
//
//go:noescape
func neonQuantizeCols(dst *byte, src *float32, n int, ps *Params, conv int, unsigned bool)

// quantizeColsI8NEON is QuantizeBlocksI8 for block 1 (per column): one
// assembly call per run of at least 16 Params sharing a Convention, the
// generic loop for shorter runs.
func quantizeColsI8NEON(dst []int8, src []float32, ps []Params) {
	n := len(src)
	dst, ps = dst[:n], ps[:n]
	for j, j1 := 0, 0; j < n; j = j1 {
		j1 = convRun(ps, j, n)
		if j1-j < neonMinBlock {
			quantizeBlocksI8Generic(dst[j:j1], src[j:j1], 1, ps[j:j1])
			continue
		}
		neonQuantizeCols(bytePtr(&dst[j]), &src[j], j1-j, &ps[j], int(ps[j].Convention), false)
	}
}

// quantizeColsU8NEON is quantizeColsI8NEON for QuantizeBlocksU8.
func quantizeColsU8NEON(dst []uint8, src []float32, ps []Params) {
	n := len(src)
	dst, ps = dst[:n], ps[:n]
	for j, j1 := 0, 0; j < n; j = j1 {
		j1 = convRun(ps, j, n)
		if j1-j < neonMinBlock {
			quantizeBlocksU8Generic(dst[j:j1], src[j:j1], 1, ps[j:j1])
			continue
		}
		neonQuantizeCols(&dst[j], &src[j], j1-j, &ps[j], int(ps[j].Convention), true)
	}
}
