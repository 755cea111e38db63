//go:build linux && amd64

package ggmlpeer

import (
	"fmt"
	"path/filepath"
	"unsafe"

	"github.com/ebitengine/purego"
	"github.com/quantkernel/quant/ggml"
)

// Lib holds ggml's row functions for the types of package ggml.
type Lib struct {
	quant   map[ggml.Type]func(x unsafe.Pointer, y unsafe.Pointer, k int64)
	dequant map[ggml.Type]func(x unsafe.Pointer, y unsafe.Pointer, k int64)
	// q8_0X86 is libggml-cpu-haswell.so's quantize_row_q8_0 (AVX2), nil if
	// that library is missing.
	q8_0X86 func(x unsafe.Pointer, y unsafe.Pointer, k int64)
}

var names = map[ggml.Type]string{
	ggml.Q8_0: "q8_0", ggml.Q8_1: "q8_1", ggml.Q4_0: "q4_0", ggml.Q4_1: "q4_1",
	ggml.Q5_0: "q5_0", ggml.Q5_1: "q5_1", ggml.Q4_K: "q4_K", ggml.Q5_K: "q5_K",
	ggml.Q6_K: "q6_K", ggml.Q8_K: "q8_K",
}

// Load opens dir/libggml-base.so (and dir/libggml-cpu-haswell.so when the
// CPU has AVX2, which the caller checks) and binds quantize_row_*_ref and
// dequantize_row_* (ggml has no dequantize_row_q8_1).
func Load(dir string, avx2 bool) (*Lib, error) {
	base, err := purego.Dlopen(filepath.Join(dir, "libggml-base.so"), purego.RTLD_NOW|purego.RTLD_GLOBAL)
	if err != nil {
		return nil, fmt.Errorf("ggmlpeer: %w", err)
	}
	l := &Lib{quant: map[ggml.Type]func(unsafe.Pointer, unsafe.Pointer, int64){},
		dequant: map[ggml.Type]func(unsafe.Pointer, unsafe.Pointer, int64){}}
	for t, n := range names {
		var q func(unsafe.Pointer, unsafe.Pointer, int64)
		purego.RegisterLibFunc(&q, base, "quantize_row_"+n+"_ref")
		l.quant[t] = q
		if t != ggml.Q8_1 {
			var d func(unsafe.Pointer, unsafe.Pointer, int64)
			purego.RegisterLibFunc(&d, base, "dequantize_row_"+n)
			l.dequant[t] = d
		}
	}
	if avx2 {
		cpu, err := purego.Dlopen(filepath.Join(dir, "libggml-cpu-haswell.so"), purego.RTLD_NOW)
		if err != nil {
			return nil, fmt.Errorf("ggmlpeer: %w", err)
		}
		purego.RegisterLibFunc(&l.q8_0X86, cpu, "quantize_row_q8_0")
	}
	return l, nil
}

// Quantize runs ggml's quantize_row_<t>_ref(src, dst, len(src)).
func (l *Lib) Quantize(t ggml.Type, dst []byte, src []float32) {
	l.quant[t](unsafe.Pointer(unsafe.SliceData(src)), unsafe.Pointer(unsafe.SliceData(dst)), int64(len(src)))
}

// HasDequantize reports whether ggml has dequantize_row_<t>.
func (l *Lib) HasDequantize(t ggml.Type) bool { return l.dequant[t] != nil }

// Dequantize runs ggml's dequantize_row_<t>(src, dst, len(dst)).
func (l *Lib) Dequantize(t ggml.Type, dst []float32, src []byte) {
	l.dequant[t](unsafe.Pointer(unsafe.SliceData(src)), unsafe.Pointer(unsafe.SliceData(dst)), int64(len(dst)))
}

// HasQ8_0X86 reports whether the AVX2 quantize_row_q8_0 is loaded.
func (l *Lib) HasQ8_0X86() bool { return l.q8_0X86 != nil }

// QuantizeQ8_0X86 runs the haswell build's quantize_row_q8_0.
func (l *Lib) QuantizeQ8_0X86(dst []byte, src []float32) {
	l.q8_0X86(unsafe.Pointer(unsafe.SliceData(src)), unsafe.Pointer(unsafe.SliceData(dst)), int64(len(src)))
}
