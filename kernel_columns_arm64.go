//go:build gc && !purego

package quant

import "math"

// Per-column quantize (QuantizeLayoutI8/U8 along Axis 1) on NEON: a
// row-major matrix whose column c is quantized with ps[c]. The wrapper
// cuts the columns into runs that share a quotient (convColumns: the
// Convention, and for Seed and ONNX whether the scale is in
// exactDivScale's domain) and each run into chunks of at most
// neonColumnsChunk columns; for a chunk it writes, once, each group of 16
// columns' Params as a record of vectors on its stack (the quotient's
// constants, z, lo and hi per lane: fillColumns), and one assembly call
// quantizes the chunk's columns of every row with plain vector loads of
// the records. Runs shorter than 16 columns take the generic loop; a
// chunk shorter than 16 columns (the end of a longer run) is widened to
// the 16 columns ending at the run's end, which recomputes a few elements
// with the same Params and rewrites the same bytes. Matrices of fewer
// than neonColumnsMinRows rows take quantizeCols8NEON row by row, which
// gathers the Params in the loop instead (no records to write).

const (
	// neonColumnsChunk is the most columns of one assembly call.
	neonColumnsChunk = 128
	// neonColumnsWords is the size of the records of a chunk in 32-bit
	// words: at most 88 per group of 16 columns (c, -c, y, s, z: 16
	// each; lo, hi: 16 bytes each).
	neonColumnsWords = neonColumnsChunk / 16 * 88
	// neonColumnsMinRows is the fewest rows for which the records pay.
	neonColumnsMinRows = 4
)

// neonQuantizeColumns quantizes rows >= 1 rows of n >= 16 columns: the
// row r's element j is src[r*stride+j] (its code goes to
// dst[r*stride+j]), quantized exactly as neonQuantize8 would with the
// Params of column j, which are those of record group j/16 (the last,
// ragged, group: the 16 columns ending at n) as fillColumns wrote them for
// conv (0 Seed, 1 ONNX, 2 PyTorch, +neonRecip for Seed and ONNX by
// reciprocal). The bytes are uint8 codes if unsigned, else int8.
//
//go:noescape
func neonQuantizeColumns(dst *byte, src *float32, n, rows, stride int, rec *uint32, conv int, unsigned bool)

// convColumns is the conv code of neonQuantizeColumns for p.
func convColumns(p Params) int {
	c := int(p.Convention)
	if p.Convention != PyTorch && exactDivScale(p.Scale) {
		c += neonRecip
	}
	return c
}

// fillColumns writes the records of the columns ps (len(ps) >= 16, every
// convColumns(ps[j]) == conv) into rec: per group of 16 (the last one the
// 16 ending at len(ps)), as 16-lane vectors in this order:
//
//	Seed, ONNX by reciprocal: c = s*2^25, -c, y = float32(1/s), s
//	Seed, ONNX by division:   s
//	PyTorch:                  inv = float32(1/s)
//	then z (int32; float32(z) for Seed), then lo, then hi (bytes).
//
// The constants are those neonQuantize8 computes for a single Params.
func fillColumns(rec *[neonColumnsWords]uint32, ps []Params, conv int) {
	w := rec[:0]
	f := math.Float32bits
	n := len(ps)
	for g := 0; g < n; g += 16 {
		q := ps[min(g, n-16):][:16]
		switch conv {
		case int(Seed) + neonRecip, int(ONNX) + neonRecip:
			for i := range q {
				w = append(w, f(q[i].Scale*exactDivClamp))
			}
			for i := range q {
				w = append(w, f(-(q[i].Scale * exactDivClamp)))
			}
			for i := range q {
				w = append(w, f(1/q[i].Scale))
			}
			fallthrough
		case int(Seed), int(ONNX):
			for i := range q {
				w = append(w, f(q[i].Scale))
			}
		default: // PyTorch
			for i := range q {
				w = append(w, f(pytorchInv(q[i].Scale)))
			}
		}
		for i := range q {
			if q[i].Convention == Seed {
				w = append(w, f(float32(q[i].Zero)))
			} else {
				w = append(w, uint32(q[i].Zero))
			}
		}
		for i := 0; i < 16; i += 4 {
			w = append(w, uint32(uint8(q[i].Lo))|uint32(uint8(q[i+1].Lo))<<8|uint32(uint8(q[i+2].Lo))<<16|uint32(uint8(q[i+3].Lo))<<24)
		}
		for i := 0; i < 16; i += 4 {
			w = append(w, uint32(uint8(q[i].Hi))|uint32(uint8(q[i+1].Hi))<<8|uint32(uint8(q[i+2].Hi))<<16|uint32(uint8(q[i+3].Hi))<<24)
		}
	}
}

// quantizeColumns8NEON is the kernel table's quantizeColumnsI8/U8 (see
// the file comment).
func quantizeColumns8NEON[T int8 | uint8](dst []T, src []float32, cols int, ps []Params) {
	rows := len(src) / cols
	if rows < neonColumnsMinRows {
		for r := 0; r < len(src); r += cols {
			quantizeCols8NEON(dst[r:r+cols], src[r:r+cols], ps)
		}
		return
	}
	dst, ps = dst[:len(src)], ps[:cols]
	u := isUnsigned[T]()
	var rec [neonColumnsWords]uint32
	for j, j1 := 0, 0; j < cols; j = j1 {
		conv := convColumns(ps[j])
		for j1 = j + 1; j1 < cols && convColumns(ps[j1]) == conv; j1++ {
		}
		if j1-j < neonMinBlock {
			for r := 0; r < len(src); r += cols {
				quantizeBlocks8Generic(dst[r+j:r+j1], src[r+j:r+j1], 1, ps[j:j1])
			}
			continue
		}
		for a := j; a < j1; a += neonColumnsChunk {
			b := min(a+neonColumnsChunk, j1)
			a0 := min(a, b-neonMinBlock)
			fillColumns(&rec, ps[a0:b], conv)
			neonQuantizeColumns(bytePtr(&dst[a0]), &src[a0], b-a0, rows, cols, &rec[0], conv, u)
		}
	}
}
