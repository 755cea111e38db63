//go:build gc && !purego

package quant

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
//     the composed kernels (composeBlocks, composeI4) would take for them,
//     which is the generic loop (the per-tensor NEON kernels fall back to
//     generic below 16 elements, composeI4 below 8 or for odd blocks)
//     except int4 dequantize, which takes dequantizeBlocksI4LUT.
//
// Every result equals the generic kernel's bit for bit; nothing is read or
// written outside the slices.

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
// dst[:nblocks*block]. Like neonQuantize8 it clears the FPSR's cumulative
// flags, and reads FPSR.IOC to redo the call if a NaN input met the Seed
// loop without NaN zeroing; so does neonQuantizeBlocksI4.
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
// o is HighFirst.
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
	e := neonI4Split.run(n, block, ps,
		func(j0, j1 int) { neonQuantizeBlocksI4(&dst[j0*block/2], &src[j0*block], block, j1-j0, &ps[j0], order) },
		func(e, m int) { neonQuantizeBlocksI4(&dst[e/2], &src[e], m, 1, &ps[e/block], order) })
	if e < n {
		quantizeBlocksI4Generic(dst[e/2:], src[e:], block, ps[e/block:], o)
	}
}

// neonI4Split and neon8Split cut blocked calls for the NEON assembly (see
// the file comment).
var (
	neonI4Split = blockSplit{min: neonMinBlock, even: true}
	neon8Split  = blockSplit{min: neonMinBlock}
)

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
	e := neonI4Split.run(n, block, ps,
		func(j0, j1 int) {
			neonDequantizeBlocksI4(&dst[j0*block], &src[j0*block/2], block, j1-j0, &ps[j0], flip, order)
		},
		func(e, m int) { neonDequantizeBlocksI4(&dst[e], &src[e/2], m, 1, &ps[e/block], flip, order) })
	if e < n {
		dequantizeBlocksI4Generic(dst[e:], src[e/2:], block, ps[e/block:], ext, o)
	}
}

// quantizeBlocks8NEON is QuantizeBlocksI8/U8 (see the file comment for
// the split): block 1 (per column) is quantizeCols8NEON; other blocks
// shorter than 16 take the generic loop.
func quantizeBlocks8NEON[T int8 | uint8](dst []T, src []float32, block int, ps []Params) {
	if block == 1 {
		quantizeCols8NEON(dst, src, ps)
		return
	}
	if block < neonMinBlock {
		quantizeBlocks8Generic(dst, src, block, ps)
		return
	}
	n := len(src)
	dst = dst[:n]
	u := isUnsigned[T]()
	e := neon8Split.run(n, block, ps,
		func(j0, j1 int) {
			neonQuantizeBlocks8(bytePtr(&dst[j0*block]), &src[j0*block], block, j1-j0, &ps[j0], u)
		},
		func(e, m int) { neonQuantizeBlocks8(bytePtr(&dst[e]), &src[e], m, 1, &ps[e/block], u) })
	if e < n {
		quantizeBlocks8Generic(dst[e:], src[e:], block, ps[e/block:])
	}
}

// dequantizeBlocks8NEON is DequantizeBlocksI8/U8, split as
// quantizeBlocks8NEON.
func dequantizeBlocks8NEON[T int8 | uint8](dst []float32, src []T, block int, ps []Params) {
	if block < neonMinBlock {
		dequantizeBlocks8Generic(dst, src, block, ps)
		return
	}
	n := len(src)
	dst = dst[:n]
	u := isUnsigned[T]()
	e := neon8Split.run(n, block, ps,
		func(j0, j1 int) {
			neonDequantizeBlocks8(&dst[j0*block], bytePtr(&src[j0*block]), block, j1-j0, &ps[j0], u)
		},
		func(e, m int) { neonDequantizeBlocks8(&dst[e], bytePtr(&src[e]), m, 1, &ps[e/block], u) })
	if e < n {
		dequantizeBlocks8Generic(dst[e:], src[e:], block, ps[e/block:])
	}
}

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

// quantizeCols8NEON is QuantizeBlocksI8/U8 for block 1 (per column): one
// assembly call per run of at least 16 Params sharing a Convention, the
// generic loop for shorter runs.
func quantizeCols8NEON[T int8 | uint8](dst []T, src []float32, ps []Params) {
	n := len(src)
	dst, ps = dst[:n], ps[:n]
	u := isUnsigned[T]()
	for j, j1 := 0, 0; j < n; j = j1 {
		j1 = convRun(ps, j, n)
		if j1-j < neonMinBlock {
			quantizeBlocks8Generic(dst[j:j1], src[j:j1], 1, ps[j:j1])
			continue
		}
		neonQuantizeCols(bytePtr(&dst[j]), &src[j], j1-j, &ps[j], int(ps[j].Convention), u)
	}
}
