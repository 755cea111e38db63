package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/quantkernel/quant/ggml"
	"github.com/quantkernel/quant/gguf"
	"github.com/schollz/progressbar/v3"
)

// quantizer converts float32 values to a ggml type: fn fills dst (exactly
// len(src)/blockSize blocks of the type) from src, whole rows of rowLen
// elements (a multiple of blockSize); it returns an error for input the
// type cannot hold (the ggml block quantizers reject NaN and ±Inf).
type quantizer struct {
	blockSize int
	typeID    uint32
	fn        func(dst []byte, src []float32, rowLen int) error
}

// quantizers are the -type values convert writes: the ggml block types
// through package ggml (bit for bit ggml's quantize_row_<type>_ref, rows
// in parallel), and f32, f16 and bf16 elementwise.
var quantizers = map[string]quantizer{
	"q8_0": {32, uint32(gguf.Q8_0), ggmlRows(ggml.Q8_0)},
	"q8_1": {32, uint32(gguf.Q8_1), ggmlRows(ggml.Q8_1)},
	"q4_0": {32, uint32(gguf.Q4_0), ggmlRows(ggml.Q4_0)},
	"q4_1": {32, uint32(gguf.Q4_1), ggmlRows(ggml.Q4_1)},
	"q5_0": {32, uint32(gguf.Q5_0), ggmlRows(ggml.Q5_0)},
	"q5_1": {32, uint32(gguf.Q5_1), ggmlRows(ggml.Q5_1)},
	"q4_k": {256, uint32(gguf.Q4_K), ggmlRows(ggml.Q4_K)},
	"q5_k": {256, uint32(gguf.Q5_K), ggmlRows(ggml.Q5_K)},
	"q6_k": {256, uint32(gguf.Q6_K), ggmlRows(ggml.Q6_K)},
	"f32":  {1, uint32(gguf.F32), encodeF32},
	"f16":  {1, uint32(gguf.F16), encodeF16},
	"bf16": {1, uint32(gguf.BF16), encodeBF16},
}

// ggmlRows quantizes whole rows of a ggml block type on every core.
func ggmlRows(t ggml.Type) func([]byte, []float32, int) error {
	return func(dst []byte, src []float32, rowLen int) error { return ggml.QuantizeRows(t, dst, src, rowLen, 0) }
}

// convertTypes are the -type values convert knows, in the order of its
// usage text; those missing from quantizers are "not available in this
// build".
var convertTypes = []string{"q8_0", "q8_1", "q4_0", "q4_1", "q5_0", "q5_1", "q4_k", "q5_k", "q6_k", "f16", "bf16", "f32"}

func encodeF32(dst []byte, src []float32, _ int) error {
	for i, x := range src {
		binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(x))
	}
	return nil
}

// encodeF16 is ggml's fp32 -> fp16 conversion (ggml.FP32ToFP16: round to
// nearest even, overflow to ±Inf, a NaN becomes sign|0x7E00).
func encodeF16(dst []byte, src []float32, _ int) error {
	for i, x := range src {
		binary.LittleEndian.PutUint16(dst[2*i:], ggml.FP32ToFP16(x))
	}
	return nil
}

// encodeBF16 is ggml's fp32 -> bf16 conversion (ggml.FP32ToBF16: round to
// nearest even of the top 16 bits; a NaN keeps its top bits with the
// quiet bit set).
func encodeBF16(dst []byte, src []float32, _ int) error {
	for i, x := range src {
		binary.LittleEndian.PutUint16(dst[2*i:], ggml.FP32ToBF16(x))
	}
	return nil
}

// srcTensor is one tensor of the input, still in the mapped file.
type srcTensor struct {
	name  string
	dtype string   // the header's dtype: F32, F16, BF16, F64, I8 ...
	shape []uint64 // as stored: row-major, outermost first
	data  []byte
}

// convertPlan is what one tensor becomes.
type convertPlan struct {
	src  srcTensor
	info gguf.TensorInfo
	q    quantizer // for float sources; raw copy for integer ones
	raw  bool
}

// intTypes are the integer dtypes copied as they are.
var intTypes = map[string]gguf.Type{"I8": gguf.I8, "I16": gguf.I16, "I32": gguf.I32, "I64": gguf.I64}

func runConvert(e *env, args []string) error {
	fs := newFlags(e, "convert", "convert -type TYPE [-o OUT.gguf] [-quantize-1d] IN.safetensors",
		"  quant convert -type q8_0 model.safetensors            # writes model.gguf\n"+
			"  quant convert -type f16 -o model-f16.gguf model.safetensors")
	typ := fs.String("type", "", "the ggml type of the weights: "+strings.Join(convertTypes, " "))
	out := fs.String("o", "", "output file (default: IN with the extension .gguf)")
	all1d := fs.Bool("quantize-1d", false, "convert 1-D tensors too (by default they stay f32, as llama.cpp keeps norms and biases)")
	pos, err := parse(fs, e, args)
	if err != nil {
		return err
	}
	in, err := oneFile(pos)
	if err != nil {
		return err
	}
	name := strings.ToLower(*typ)
	if name == "" {
		return usagef("missing -type (one of %s)", strings.Join(convertTypes, " "))
	}
	q, ok := quantizers[name]
	if !ok {
		for _, t := range convertTypes {
			if t == name {
				return fmt.Errorf("type %s is not available in this build (it has %s)", name, strings.Join(availableTypes(), " "))
			}
		}
		return usagef("unknown -type %q (want one of %s)", *typ, strings.Join(convertTypes, " "))
	}
	if strings.ToLower(filepath.Ext(in)) != ".safetensors" {
		return fileErr(in, "unknown file type (want .safetensors)")
	}
	if *out == "" {
		*out = strings.TrimSuffix(in, filepath.Ext(in)) + ".gguf"
	}
	mf, input, err := mapFile(in)
	if err != nil {
		return err
	}
	defer mf.close()
	o, err := planOutput(*out, input)
	if err != nil {
		return err
	}
	srcs, err := safetensorsViews(in, mf.data)
	if err != nil {
		return err
	}
	plans, err := planConvert(e, in, srcs, q, name, *all1d)
	if err != nil {
		return err
	}
	kv := []gguf.KV{{Key: "general.name", Value: strings.TrimSuffix(filepath.Base(in), filepath.Ext(in))}}
	if gguf.Type(q.typeID).BlockSize() > 1 {
		kv = append(kv, gguf.KV{Key: "general.quantization_version", Value: uint32(2)})
	}
	infos := make([]gguf.TensorInfo, len(plans))
	var total int64
	for i, p := range plans {
		infos[i] = p.info
		total += int64(len(p.src.data))
	}
	var bar *progressbar.ProgressBar
	if e.stderrTTY && total >= 64<<20 {
		bar = progressbar.NewOptions64(total, progressbar.OptionSetWriter(e.stderr), progressbar.OptionSetDescription("convert"),
			progressbar.OptionShowBytes(true), progressbar.OptionClearOnFinish())
	}
	var bad error // a tensor the type cannot hold: reported against the input
	err = o.stage(func(w io.Writer) error {
		gw, err := gguf.NewWriter(w, kv, infos)
		if err != nil {
			return err
		}
		for _, p := range plans {
			if err := writeTensor(gw, p, mf.drop); err != nil {
				if !errors.Is(err, errWrite) {
					bad = err
				}
				return err
			}
			if bar != nil {
				_ = bar.Add64(int64(len(p.src.data)))
			}
		}
		return gw.Close()
	})
	if bar != nil {
		_ = bar.Finish()
	}
	if bad != nil {
		return fileErr(in, "%v", bad)
	}
	if err != nil {
		return err
	}
	if err := commitAll(o); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %d tensors, %s\n", *out, len(plans), name)
	return nil
}

func availableTypes() []string {
	var a []string
	for _, t := range convertTypes {
		if _, ok := quantizers[t]; ok {
			a = append(a, t)
		}
	}
	return a
}

// safetensorsViews parses a .safetensors file held in buf (mapped: the
// tensor data is not copied) with the header reader of every command
// (parseSafetensors), sorted by name.
func safetensorsViews(path string, buf []byte) ([]srcTensor, error) {
	es, err := parseSafetensors(path, bytes.NewReader(buf), int64(len(buf)))
	if err != nil {
		return nil, err
	}
	ts := make([]srcTensor, len(es))
	for i, e := range es {
		ts[i] = srcTensor{name: e.name, dtype: e.dtype, shape: e.shape, data: buf[e.begin:e.end:e.end]}
	}
	return ts, nil
}

// planConvert decides each tensor's ggml type: float tensors (F32, F16,
// BF16; F64 rounded to float32 with a note) get the requested type, except
// 1-D tensors (unless all1d) and tensors whose rows are not a multiple of
// the type's block, which stay f32 with a note; integer tensors are copied
// as ggml's integer types; other dtypes are skipped with a note.
func planConvert(e *env, path string, srcs []srcTensor, q quantizer, qname string, all1d bool) ([]convertPlan, error) {
	var plans []convertPlan
	f32 := quantizers["f32"]
	for _, s := range srcs {
		if len(s.name) > gguf.MaxNameLen {
			return nil, fileErr(path, "tensor name %q is longer than ggml's %d bytes", s.name, gguf.MaxNameLen)
		}
		if len(s.shape) > gguf.MaxDims {
			return nil, fileErr(path, "tensor %q has %d dimensions (ggml has at most %d)", s.name, len(s.shape), gguf.MaxDims)
		}
		ne := make([]uint64, len(s.shape))
		for i, d := range s.shape {
			ne[len(ne)-1-i] = d
		}
		p := convertPlan{src: s, q: q}
		switch s.dtype {
		case "F32", "F16", "BF16":
		case "F64":
			e.note(fmt.Sprintf("%s: tensor %q: float64 rounded to float32", path, s.name))
		default:
			it, ok := intTypes[s.dtype]
			if !ok {
				e.note(fmt.Sprintf("%s: skipping tensor %q: dtype %s has no ggml type", path, s.name, s.dtype))
				continue
			}
			p.raw = true
			p.q = quantizer{1, uint32(it), nil}
		}
		row := uint64(1)
		if len(ne) > 0 {
			row = ne[0]
		}
		if !p.raw && q.typeID != f32.typeID {
			switch {
			case len(ne) <= 1 && !all1d:
				e.note(fmt.Sprintf("%s: tensor %q (1-D, %d) stays f32", path, s.name, row))
				p.q = f32
			case row%uint64(q.blockSize) != 0:
				e.note(fmt.Sprintf("%s: tensor %q: rows of %d are not a multiple of %s's block of %d: stays f32", path, s.name, row, qname, q.blockSize))
				p.q = f32
			}
		}
		p.info = gguf.TensorInfo{Name: s.name, Shape: ne, Type: gguf.Type(p.q.typeID)}
		size, ok := gguf.TensorBytes(p.info.Type, ne)
		if !ok {
			return nil, fileErr(path, "tensor %q: shape %v overflows", s.name, s.shape)
		}
		p.info.Size = size
		plans = append(plans, p)
	}
	if len(plans) == 0 {
		return nil, fileErr(path, "no tensor to convert")
	}
	return plans, nil
}

// errWrite marks the errors of writeTensor's writer (the others are the
// quantizer's, about the data).
var errWrite = errors.New("write")

// writeTensor converts one tensor in chunks of whole rows (about 1 MiB of
// float32) and writes it; done is called on each part of the source once
// it is converted.
func writeTensor(w io.Writer, p convertPlan, done func([]byte)) error {
	if p.raw {
		if _, err := w.Write(p.src.data); err != nil {
			return fmt.Errorf("%w: %w", errWrite, err)
		}
		done(p.src.data)
		return nil
	}
	t := gguf.Type(p.q.typeID)
	row := 1
	if len(p.info.Shape) > 0 {
		row = int(p.info.Shape[0])
	}
	es := safetensorsSizes[p.src.dtype]
	n := len(p.src.data) / es
	if row == 0 || n == 0 {
		return nil
	}
	rows := max(1, (1<<18)/row)
	src := make([]float32, min(n, rows*row))
	dst := make([]byte, len(src)/t.BlockSize()*t.BlockBytes())
	for i := 0; i < n; {
		k := min(len(src), n-i)
		part := p.src.data[i*es : (i+k)*es]
		decodeFloats(src[:k], part, safetensorsFloat[p.src.dtype], binary.LittleEndian)
		m := k / t.BlockSize() * t.BlockBytes()
		if err := p.q.fn(dst[:m], src[:k], row); err != nil {
			return fmt.Errorf("tensor %q: %w", p.src.name, err)
		}
		if _, err := w.Write(dst[:m]); err != nil {
			return fmt.Errorf("%w: %w", errWrite, err)
		}
		done(part)
		i += k
	}
	return nil
}
