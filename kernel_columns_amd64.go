//go:build gc && !purego

package quant

import "unsafe"

// The per-column quantize kernels (kernel table quantizeColumnsI8/U8) of
// AVX2 and AVX-512: element (r, c) of a row-major matrix with ps[c]. The
// wrapper cuts the columns into chunks of at most colChunk columns that
// share a Convention (and, for Seed and ONNX, whose scales all lie in
// exactDivScale or all lie outside it), transposes the chunk's Params
// into a colTable once (on the stack), and one assembly call walks every
// row of the chunk with plain vector loads of the table (asm/columns.go).
//
// Exactness, lane by lane: a Seed or ONNX lane computes RN(x'/s) by
// Markstein's correction with its own y = RN(1/s), c = s*2^25 and s; the
// proof of exactdiv.go is per scale and per element, so it holds in every
// lane whose scale lies in exactDivScale, which the chunking guarantees.
// A PyTorch lane multiplies by its float32(1/s), as the reference. NaN
// lanes are zeroed before the arithmetic (the reference's x' = 0);
// ±Inf and overflowing quotients are pre-clamped to ±c (Seed, ONNX; the
// code saturates either way, exactdiv.go) or clamped to Hi-z in float
// before the conversion (PyTorch). Chunks of Seed or ONNX columns outside
// the domain take the AVX2 gather kernel (VDIVPS) row by row, runs of
// fewer than 8 columns sharing a Convention (AVX2) the reference.

// colChunk is the number of columns of a colTable (asm/columns.go).
const colChunk = 128

// colTable holds a chunk's per-column constants, one array per constant
// (the assembly reads field f of column j at 4*colChunk*f + 4*j):
// k = RN(1/s) (Seed, ONNX: y) or float32(1/s) (PyTorch); s; c = s*2^25
// and nc = -c (Seed, ONNX); zf = float32(z) (Seed, else 0); hf =
// float32(Hi-z) (PyTorch); lo, hi: Lo, Hi (Seed, ONNX) or Lo-z (PyTorch);
// z: the zero point added after rounding (ONNX, PyTorch; 0 for Seed).
type colTable struct {
	k, s, c, nc, zf, hf [colChunk]float32
	lo, hi, z           [colChunk]int32
}

var (
	_ [unsafe.Offsetof(colTable{}.hf) - 5*4*colChunk]struct{}
	_ [5*4*colChunk - unsafe.Offsetof(colTable{}.hf)]struct{}
	_ [unsafe.Offsetof(colTable{}.z) - 8*4*colChunk]struct{}
	_ [8*4*colChunk - unsafe.Offsetof(colTable{}.z)]struct{}
)

// fill sets columns 0..len(ps)-1 of t from ps (one Convention; Seed and
// ONNX scales in exactDivScale).
func (t *colTable) fill(ps []Params) {
	for j := range ps {
		p := &ps[j]
		s := p.Scale
		t.k[j] = pytorchInv(s)
		if p.Convention == PyTorch {
			t.hf[j] = float32(p.Hi - p.Zero) // exact: |Hi - z| < 2^24
			t.lo[j] = p.Lo - p.Zero
			t.z[j] = p.Zero
			continue
		}
		t.s[j] = s
		t.c[j] = s * exactDivClamp // exact: a power of two times s <= 2^100
		t.nc[j] = -t.c[j]
		t.lo[j], t.hi[j] = p.Lo, p.Hi
		if p.Convention == Seed {
			t.zf[j], t.z[j] = float32(p.Zero), 0
		} else {
			t.zf[j], t.z[j] = 0, p.Zero
		}
	}
}

// colDiv is the colKind of a Seed or ONNX column whose scale lies
// outside exactDivScale.
const colDiv = 3

// colKind is what the per-column wrapper does with a column: its
// Convention, or colDiv.
func colKind(p *Params) int {
	if p.Convention != PyTorch && !exactDivScale(p.Scale) {
		return colDiv
	}
	return int(p.Convention)
}

// colRun returns the end of the run of columns from j sharing colKind.
func colRun(ps []Params, j int) int {
	k := colKind(&ps[j])
	j1 := j + 1
	for j1 < len(ps) && colKind(&ps[j1]) == k {
		j1++
	}
	return j1
}

// quantizeColumns8 is the per-column kernel of AVX2 (z512 false) or
// AVX-512: dst[r*cols+j] = quantize(src[r*cols+j], ps[j]), len(src) a
// multiple of cols >= 1, len(ps) == cols.
func quantizeColumns8[T int8 | uint8](z512 bool, dst []T, src []float32, cols int, ps []Params) {
	rows := len(src) / cols
	if rows == 0 {
		return
	}
	ps = ps[:cols]
	dst = dst[:rows*cols]
	if cols < avx2MinBlock && !z512 {
		for r := 0; r < rows; r++ {
			quantizeBlocks8Generic(dst[r*cols:(r+1)*cols], src[r*cols:(r+1)*cols], 1, ps)
		}
		return
	}
	var t colTable
	for j := 0; j < cols; {
		j1 := colRun(ps, j)
		if j1-j < avx2MinBlock && !z512 {
			for r := 0; r < rows; r++ {
				o := r * cols
				quantizeBlocks8Generic(dst[o+j:o+j1], src[o+j:o+j1], 1, ps[j:j1])
			}
			j = j1
			continue
		}
		for j < j1 {
			w := min(colChunk, j1-j)
			if rest := j1 - j - w; rest > 0 && rest < avx2MinBlock {
				w = j1 - j - avx2MinBlock // leave a last chunk of 8
			}
			if colKind(&ps[j]) == colDiv {
				for r := 0; r < rows; r++ {
					o := r * cols
					quantizeCols8AVX2(dst[o+j:o+j+w], src[o+j:o+j+w], ps[j:j+w])
				}
			} else {
				t.fill(ps[j : j+w])
				quantizeColumnsAsm(z512, &dst[j], &src[j], rows, cols, w, &t, ps[j].Convention)
			}
			j += w
		}
	}
}

// quantizeColumnsAVX2 and quantizeColumnsAVX512 are the kernel table's
// quantizeColumnsI8/U8.
func quantizeColumnsAVX2[T int8 | uint8](dst []T, src []float32, cols int, ps []Params) {
	quantizeColumns8(false, dst, src, cols, ps)
}

func quantizeColumnsAVX512[T int8 | uint8](dst []T, src []float32, cols int, ps []Params) {
	quantizeColumns8(true, dst, src, cols, ps)
}

// quantizeColumnsAsm calls the assembly of T, c and the instruction set
// directly (a call through a func value would make t escape).
func quantizeColumnsAsm[T int8 | uint8](z512 bool, dst *T, src *float32, rows, stride, w int, t *colTable, c Convention) {
	d := bytePtr(dst)
	i := (*int8)(unsafe.Pointer(dst))
	switch u := isUnsigned[T](); {
	case z512 && u && c == Seed:
		avx512QuantizeColumnsU8Seed(d, src, rows, stride, w, t)
	case z512 && u && c == ONNX:
		avx512QuantizeColumnsU8ONNX(d, src, rows, stride, w, t)
	case z512 && u:
		avx512QuantizeColumnsU8PyTorch(d, src, rows, stride, w, t)
	case z512 && c == Seed:
		avx512QuantizeColumnsI8Seed(i, src, rows, stride, w, t)
	case z512 && c == ONNX:
		avx512QuantizeColumnsI8ONNX(i, src, rows, stride, w, t)
	case z512:
		avx512QuantizeColumnsI8PyTorch(i, src, rows, stride, w, t)
	case u && c == Seed:
		avx2QuantizeColumnsU8Seed(d, src, rows, stride, w, t)
	case u && c == ONNX:
		avx2QuantizeColumnsU8ONNX(d, src, rows, stride, w, t)
	case u:
		avx2QuantizeColumnsU8PyTorch(d, src, rows, stride, w, t)
	case c == Seed:
		avx2QuantizeColumnsI8Seed(i, src, rows, stride, w, t)
	case c == ONNX:
		avx2QuantizeColumnsI8ONNX(i, src, rows, stride, w, t)
	default:
		avx2QuantizeColumnsI8PyTorch(i, src, rows, stride, w, t)
	}
}

// avx2QuantizeColumnsU8Seed quantizes rows >= 1 rows of w columns
// (8 <= w <= colChunk) of src, rows stride elements apart, into dst
// (stride bytes apart): column j with the constants of t's column j (all
// Seed, scales in exactDivScale). The others are the same for their
// output type and Convention; the avx512 ones take 1 <= w <= colChunk.
//
//go:noescape
func avx2QuantizeColumnsU8Seed(dst *uint8, src *float32, rows, stride, w int, t *colTable)

//go:noescape
func avx2QuantizeColumnsU8ONNX(dst *uint8, src *float32, rows, stride, w int, t *colTable)

//go:noescape
func avx2QuantizeColumnsU8PyTorch(dst *uint8, src *float32, rows, stride, w int, t *colTable)

//go:noescape
func avx2QuantizeColumnsI8Seed(dst *int8, src *float32, rows, stride, w int, t *colTable)

//go:noescape
func avx2QuantizeColumnsI8ONNX(dst *int8, src *float32, rows, stride, w int, t *colTable)

//go:noescape
func avx2QuantizeColumnsI8PyTorch(dst *int8, src *float32, rows, stride, w int, t *colTable)

//go:noescape
func avx512QuantizeColumnsU8Seed(dst *uint8, src *float32, rows, stride, w int, t *colTable)

//go:noescape
func avx512QuantizeColumnsU8ONNX(dst *uint8, src *float32, rows, stride, w int, t *colTable)

//go:noescape
func avx512QuantizeColumnsU8PyTorch(dst *uint8, src *float32, rows, stride, w int, t *colTable)

//go:noescape
func avx512QuantizeColumnsI8Seed(dst *int8, src *float32, rows, stride, w int, t *colTable)

//go:noescape
func avx512QuantizeColumnsI8ONNX(dst *int8, src *float32, rows, stride, w int, t *colTable)

//go:noescape
func avx512QuantizeColumnsI8PyTorch(dst *int8, src *float32, rows, stride, w int, t *colTable)
