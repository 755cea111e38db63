package ggml

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/quantkernel/quant"
)

var (
	// ErrType: the type is unknown or has no quantizer/dequantizer here.
	ErrType = errors.New("ggml: unsupported type")
	// ErrLength: a length is not a whole number of blocks.
	ErrLength = errors.New("ggml: length is not a whole number of blocks")
)

// codec holds one type's block functions; each handles one block of
// BlockSize elements and TypeSize bytes.
type codec struct {
	quant   func(b []byte, x []float32)
	dequant func(y []float32, b []byte)
}

var codecs = map[Type]codec{
	F32:  {}, // element types: loops in run and Dequantize
	F16:  {},
	BF16: {},
	Q4_0: {quantQ4_0, dequantQ4_0},
	Q4_1: {quantQ4_1, dequantQ4_1},
	Q5_0: {quantQ5_0, dequantQ5_0},
	Q5_1: {quantQ5_1, dequantQ5_1},
	Q8_0: {quantQ8_0, dequantQ8_0},
	Q8_1: {quantQ8_1, dequantQ8_1},
	Q4_K: {quantQ4_K, dequantQ4_K},
	Q5_K: {quantQ5_K, dequantQ5_K},
	Q6_K: {quantQ6_K, dequantQ6_K},
	Q8_K: {quantQ8_K, dequantQ8_K},
}

// simdQuant and simdDequant hold this machine's row kernels (filled by
// kernel_amd64.go's init when the CPU has them): simdQuant[t](dst, src)
// quantizes the whole number of blocks in src, finite as Quantize has
// checked; simdDequant[t](dst, src) dequantizes the whole blocks of src.
// Each gives exactly the bytes or floats of codecs[t]. Types without an
// entry run codecs[t] block by block.
var (
	simdQuant   = map[Type]func(dst []byte, src []float32){}
	simdDequant = map[Type]func(dst []float32, src []byte){}
)

// simdFinite, when the machine has it, returns a count of leading
// elements of src that are all finite (a multiple of 32: the whole blocks
// before the first block holding a NaN or ±Inf, len(src) rounded down if
// none does); checkFinite then scans the rest.
var simdFinite func(src []float32) int

// noSIMD makes every function use the per-block reference code; tests set
// it to compare the two on one machine (never while other goroutines of
// the package run).
var noSIMD bool

// checkFinite returns a *quant.NotFiniteError for the first NaN or ±Inf of
// src, offset by base in its Index.
func checkFinite(src []float32, base int) error {
	start := 0
	if simdFinite != nil && !noSIMD {
		start = simdFinite(src)
	}
	for i, v := range src[start:] {
		if math.Float32bits(v)&0x7F800000 == 0x7F800000 {
			return &quant.NotFiniteError{Index: base + start + i, Value: v}
		}
	}
	return nil
}

func lookup(fn string, t Type, n int) (codec, error) {
	c, ok := codecs[t]
	if !ok {
		return c, fmt.Errorf("ggml.%s: %w: %v", fn, ErrType, t)
	}
	if n%t.BlockSize() != 0 {
		return c, fmt.Errorf("ggml.%s: %w: %d elements of %v (block %d)", fn, ErrLength, n, t, t.BlockSize())
	}
	return c, nil
}

func run(c codec, t Type, dst []byte, src []float32) {
	switch t { // the element types without a call per element
	case F32:
		for i, v := range src {
			binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(v))
		}
		return
	case F16:
		for i, v := range src {
			binary.LittleEndian.PutUint16(dst[2*i:], FP32ToFP16(v))
		}
		return
	case BF16:
		for i, v := range src {
			binary.LittleEndian.PutUint16(dst[2*i:], FP32ToBF16(v))
		}
		return
	}
	k := simdQuant[t]
	if k == nil {
		k = simdKQuant[t]
	}
	if k != nil && !noSIMD {
		k(dst, src)
		return
	}
	bs, ts := t.BlockSize(), t.TypeSize()
	for i, o := 0, 0; i < len(src); i, o = i+bs, o+ts {
		c.quant(dst[o:o+ts], src[i:i+bs])
	}
}

// Quantize writes the blocks of type t for src into dst[:t.RowSize(len(src))],
// the bytes ggml's quantize_row_<t>_ref writes (ggml_fp32_to_fp16_row for
// F16, ggml_fp32_to_bf16_row_ref for BF16, a little-endian copy for F32).
// src is a whole number of blocks: t.BlockSize() divides len(src), else an
// error wrapping ErrLength; t must be Supported, else ErrType. A NaN or ±Inf
// in src gives a *quant.NotFiniteError for the first one, and dst is left
// unchanged (for every type, F32 included). It panics if dst is shorter
// than t.RowSize(len(src)).
//
// One difference from ggml, in bytes ggml leaves undefined: for an
// all-zero Q8_K block, quantize_row_q8_K_ref does not write bsums; this
// function writes zeros there (ggml's output into zeroed memory).
func Quantize(t Type, dst []byte, src []float32) error {
	c, err := lookup("Quantize", t, len(src))
	if err != nil {
		return err
	}
	if need := t.RowSize(len(src)); len(dst) < need {
		panic(fmt.Sprintf("ggml.Quantize: dst has %d bytes, %d elements of %v need %d", len(dst), len(src), t, need))
	}
	if err := checkFinite(src, 0); err != nil {
		return err
	}
	run(c, t, dst, src)
	return nil
}

// Dequantize writes the len(src)/t.TypeSize()·t.BlockSize() values of the
// blocks in src into dst, the floats of ggml's dequantize_row_<t>. Q8_1,
// for which ggml has no dequantizer, gives float32(q)·d as Q8_0 does (S is
// not read). Any bytes are accepted; NaN and ±Inf scales give the NaN
// bits of ggml's x86 build on every architecture (see the package doc). len(src) must be a multiple of t.TypeSize() (else ErrLength) and t
// Supported (else ErrType). It panics if dst is too short.
func Dequantize(t Type, dst []float32, src []byte) error {
	c, ok := codecs[t]
	if !ok {
		return fmt.Errorf("ggml.Dequantize: %w: %v", ErrType, t)
	}
	bs, ts := t.BlockSize(), t.TypeSize()
	if len(src)%ts != 0 {
		return fmt.Errorf("ggml.Dequantize: %w: %d bytes of %v (block %d bytes)", ErrLength, len(src), t, ts)
	}
	n := len(src) / ts * bs
	if len(dst) < n {
		panic(fmt.Sprintf("ggml.Dequantize: dst has %d elements, %d bytes of %v hold %d", len(dst), len(src), t, n))
	}
	switch t {
	case F32:
		for i := range n {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(src[4*i:]))
		}
	case F16:
		for i := range n {
			dst[i] = FP16ToFP32(binary.LittleEndian.Uint16(src[2*i:]))
		}
	case BF16:
		for i := range n {
			dst[i] = BF16ToFP32(binary.LittleEndian.Uint16(src[2*i:]))
		}
	default:
		if k := simdDequant[t]; k != nil && !noSIMD {
			k(dst, src)
			return nil
		}
		for i, o := 0, 0; o < len(src); i, o = i+bs, o+ts {
			c.dequant(dst[i:i+bs], src[o:o+ts])
		}
	}
	return nil
}

// QuantizeRows is Quantize over the rows of a row-major matrix with rowLen
// columns, the rows shared among up to workers goroutines (workers <= 0:
// runtime.GOMAXPROCS(0)). Every block is computed by the same function as
// in Quantize, so dst holds exactly Quantize's bytes for any workers. It
// is meant for the k-quants, whose search costs ~100 times a Q8_0 block.
// Checks, errors and panics are Quantize's, plus ErrLength when rowLen is
// not a multiple of the block size or does not divide len(src); a
// non-finite element is found (the first in index order) before any
// block is written.
func QuantizeRows(t Type, dst []byte, src []float32, rowLen, workers int) error {
	c, err := lookup("QuantizeRows", t, len(src))
	if err != nil {
		return err
	}
	if rowLen <= 0 || rowLen%t.BlockSize() != 0 || len(src)%rowLen != 0 {
		return fmt.Errorf("ggml.QuantizeRows: %w: %d elements in rows of %d, %v blocks of %d", ErrLength, len(src), rowLen, t, t.BlockSize())
	}
	if need := t.RowSize(len(src)); len(dst) < need {
		panic(fmt.Sprintf("ggml.QuantizeRows: dst has %d bytes, %d elements of %v need %d", len(dst), len(src), t, need))
	}
	rows := len(src) / rowLen
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	// The rows go out in chunks of at least rowsChunkElems elements, taken
	// in turn from a shared counter: a worker that gets less CPU (a busy
	// machine) takes fewer chunks instead of holding up the others.
	chunkRows := max(1, rowsChunkElems/rowLen)
	chunks := (rows + chunkRows - 1) / chunkRows
	workers = min(workers, chunks)
	if workers <= 1 {
		if err := checkFinite(src, 0); err != nil {
			return err
		}
		run(c, t, dst, src)
		return nil
	}
	rowBytes := t.RowSize(rowLen)
	each := func(f func(r0, r1 int)) {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for {
					c := int(next.Add(1) - 1)
					if c >= chunks {
						return
					}
					f(c*chunkRows, min(rows, (c+1)*chunkRows))
				}
			})
		}
		wg.Wait()
	}
	errs := make([]error, chunks)
	each(func(r0, r1 int) {
		errs[r0/chunkRows] = checkFinite(src[r0*rowLen:r1*rowLen], r0*rowLen)
	})
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	each(func(r0, r1 int) {
		run(c, t, dst[r0*rowBytes:r1*rowBytes], src[r0*rowLen:r1*rowLen])
	})
	return nil
}

// rowsChunkElems is the least number of elements in one of QuantizeRows'
// chunks (a chunk is whole rows): 16 super-blocks of a k-quant take tens
// of microseconds, far more than taking a chunk costs.
const rowsChunkElems = 4096
