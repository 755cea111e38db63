package main

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
)

// maxSafetensorsHeader bounds the JSON header (the format's own limit).
const maxSafetensorsHeader = 100 << 20

// safetensorsSizes are the element sizes of the dtypes of the format
// (for the size checks); the tool reads F32, F16, BF16 and F64 and skips
// the others, known or not.
var safetensorsSizes = map[string]int{
	"F64": 8, "F32": 4, "F16": 2, "BF16": 2,
	"I64": 8, "U64": 8, "I32": 4, "U32": 4, "I16": 2, "U16": 2, "I8": 1, "U8": 1, "BOOL": 1,
	"F8_E4M3": 1, "F8_E5M2": 1, "F8_E8M0": 1,
}

var safetensorsFloat = map[string]string{"F32": "float32", "F16": "float16", "BF16": "bfloat16", "F64": "float64"}

type safetensorsEntry struct {
	DType       *string   `json:"dtype"`
	Shape       *[]uint64 `json:"shape"`
	DataOffsets *[]uint64 `json:"data_offsets"`
}

// safetensorsEntryInfo is one tensor of a .safetensors header, checked.
type safetensorsEntryInfo struct {
	name  string
	dtype string   // as the header spells it; may be one the format does not define
	shape []uint64 // row-major, outermost first
	n     uint64   // number of elements
	// begin and end are the data's byte offsets in the file (the header's
	// data_offsets plus the data section's start).
	begin, end int64
}

// parseSafetensors reads and checks the header of a .safetensors file of
// size bytes (8-byte little-endian length, then a JSON object): every
// tensor must lie inside the data section with the size its dtype and
// shape declare (for the dtypes of the format), and the tensors must cover
// the data section without gap or overlap. The entries are sorted by
// name; those of any dtype are returned, for the caller to read or skip.
// Every read is bounded by the file's size and the header by
// maxSafetensorsHeader. It serves report, calibrate (safetensorsTensors)
// and convert, which maps the file.
func parseSafetensors(path string, r io.ReaderAt, size int64) ([]safetensorsEntryInfo, error) {
	if size < 8 {
		return nil, fileErr(path, "truncated .safetensors header (%d bytes)", size)
	}
	var pre [8]byte
	if _, err := r.ReadAt(pre[:], 0); err != nil {
		return nil, fileErr(path, "truncated .safetensors header")
	}
	hl := binary.LittleEndian.Uint64(pre[:])
	if hl > uint64(size-8) {
		return nil, fileErr(path, "truncated .safetensors header: it claims %d bytes, file has %d", hl, size-8)
	}
	if hl > maxSafetensorsHeader {
		return nil, fileErr(path, "corrupt .safetensors file: header of %d bytes (at most %d)", hl, maxSafetensorsHeader)
	}
	hdr := make([]byte, hl)
	if _, err := r.ReadAt(hdr, 8); err != nil {
		return nil, fileErr(path, "truncated .safetensors header")
	}
	corrupt := func(format string, args ...any) error {
		return fileErr(path, "corrupt .safetensors file: "+format, args...)
	}
	if t := bytes.TrimLeft(hdr, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, corrupt("the header is not a JSON object")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(hdr, &raw); err != nil {
		return nil, corrupt("the header is not valid JSON (%s)", jsonProblem(err))
	}
	dataOff := 8 + int64(hl)
	dataSize := uint64(size - dataOff)
	var es []safetensorsEntryInfo
	for name, msg := range raw {
		if name == "__metadata__" {
			continue
		}
		var e safetensorsEntry
		dec := json.NewDecoder(bytes.NewReader(msg))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil || e.DType == nil || e.Shape == nil || e.DataOffsets == nil || len(*e.DataOffsets) != 2 {
			return nil, corrupt("tensor %q: want an object with dtype, shape and data_offsets [begin, end]", name)
		}
		begin, end := (*e.DataOffsets)[0], (*e.DataOffsets)[1]
		if begin > end || end > dataSize {
			return nil, corrupt("tensor %q: data_offsets [%d, %d] outside the %d data bytes", name, begin, end, dataSize)
		}
		n := uint64(1)
		for _, d := range *e.Shape {
			if d > math.MaxInt || d != 0 && n > math.MaxInt/8/d {
				return nil, corrupt("tensor %q: shape %v is too large", name, *e.Shape)
			}
			n *= d
		}
		dtype := *e.DType
		if es, ok := safetensorsSizes[dtype]; ok && end-begin != n*uint64(es) {
			return nil, corrupt("tensor %q: shape %v of %s needs %d bytes, data_offsets give %d", name, *e.Shape, dtype, n*uint64(es), end-begin)
		}
		es = append(es, safetensorsEntryInfo{name: name, dtype: dtype, shape: *e.Shape, n: n, begin: dataOff + int64(begin), end: dataOff + int64(end)})
	}
	sort.Slice(es, func(i, j int) bool {
		return es[i].begin < es[j].begin || es[i].begin == es[j].begin && es[i].end < es[j].end
	})
	at := dataOff
	for _, e := range es {
		if e.begin != at {
			return nil, corrupt("tensor %q starts at data byte %d, the previous data ends at %d (gap or overlap)", e.name, e.begin-dataOff, at-dataOff)
		}
		at = e.end
	}
	if at != size {
		return nil, corrupt("%d bytes after the last tensor's data", size-at)
	}
	sort.Slice(es, func(i, j int) bool { return es[i].name < es[j].name })
	return es, nil
}

// safetensorsTensors returns the F32, F16 (widened exactly), BF16
// (widened exactly) and F64 (rounded to float32, with a note) tensors of
// an opened .safetensors file (parseSafetensors), sorted by name; tensors
// of other dtypes are skipped with a note. A file with no floating-point
// tensor is an error.
func safetensorsTensors(in *input, note func(string)) ([]tensor, error) {
	path := in.path
	es, err := parseSafetensors(path, in.f, in.fi.Size())
	if err != nil {
		return nil, err
	}
	var ts []tensor
	converted := 0
	for _, e := range es {
		fname, ok := safetensorsFloat[e.dtype]
		if !ok {
			note(fmt.Sprintf("%s: skipping tensor %q: dtype %s is not one this tool reads (F32, F16, BF16, F64)", path, e.name, e.dtype))
			continue
		}
		if fname == "float64" {
			converted++
		}
		shape := make([]int, len(e.shape))
		for i, d := range e.shape {
			shape[i] = int(d)
		}
		ts = append(ts, tensor{Name: e.name, DType: fname, Shape: shape, N: int(e.n), path: path, f: in.f, off: e.begin})
	}
	if converted > 0 {
		note(fmt.Sprintf("%s: %d float64 tensor(s) converted to float32", path, converted))
	}
	if len(ts) == 0 {
		return nil, fileErr(path, "no floating-point tensor (F32, F16, BF16, F64) in the file")
	}
	return ts, nil
}

// jsonProblem describes a JSON syntax error without Go's type names.
func jsonProblem(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s, at byte %d", se.Error(), se.Offset)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field != "" {
			return fmt.Sprintf("field %q: unexpected JSON %s", te.Field, te.Value)
		}
		return fmt.Sprintf("unexpected JSON %s", te.Value)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return "unexpected end of the JSON"
	}
	return err.Error()
}
