package gguf

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// ErrShort is returned by Writer.Close when less tensor data was written
// than the tensor infos declare, and by Write when more is given.
var ErrShort = errors.New("gguf: tensor data does not match the declared sizes")

// Writer writes a GGUF v3 file as a stream: NewWriter writes the header,
// the metadata and the tensor infos at once, then the tensors' data is
// written through Write, tensor after tensor in the order of the infos,
// and the Writer inserts the zero padding after each tensor. Nothing but
// the header is held in memory.
type Writer struct {
	w       io.Writer
	tensors []TensorInfo
	align   uint64
	hdr     int64  // bytes before the data section
	cur     int    // the tensor being written
	done    uint64 // bytes of it written
	err     error
}

// Layout checks the metadata and the tensor infos and returns the infos
// with Size and Offset filled in (offsets consecutive from 0, each
// aligned, as ggml writes them), and the alignment. The alignment is the
// uint32 value of general.alignment in kv, a power of two, or
// DefaultAlignment.
//
// It rejects (with a *FormatError, Offset -1): an empty or repeated key, a
// value of a type KV does not list, a general.alignment that is not a
// uint32 power of two, and a tensor with a repeated or too long
// (MaxNameLen) name, more than MaxDims dimensions, an invalid type, a row
// length not a multiple of the type's block, or a size that overflows.
func Layout(kv []KV, tensors []TensorInfo) ([]TensorInfo, uint64, error) {
	align := uint64(DefaultAlignment)
	keys := make(map[string]bool, len(kv))
	for i, p := range kv {
		field := fmt.Sprintf("kv[%d]", i)
		if p.Key == "" {
			return nil, 0, formatErr(ErrRange, field, -1, "empty key")
		}
		if keys[p.Key] {
			return nil, 0, formatErr(ErrDuplicate, field, -1, "key %q given twice", p.Key)
		}
		keys[p.Key] = true
		if err := checkValue(p.Value, fmt.Sprintf("kv[%q]", p.Key), 0); err != nil {
			return nil, 0, err
		}
		if p.Key == KeyAlignment {
			a, ok := p.Value.(uint32)
			if !ok || a == 0 || a&(a-1) != 0 {
				return nil, 0, formatErr(ErrAlign, fmt.Sprintf("kv[%q]", p.Key), -1, "want a uint32 power of two, got %T %v", p.Value, p.Value)
			}
			align = uint64(a)
		}
	}
	out := make([]TensorInfo, len(tensors))
	names := make(map[string]bool, len(tensors))
	off := uint64(0)
	for i, t := range tensors {
		field := fmt.Sprintf("tensor[%d](%q)", i, t.Name)
		switch {
		case len(t.Name) > MaxNameLen:
			return nil, 0, formatErr(ErrRange, field, -1, "name of %d bytes (ggml's limit is %d)", len(t.Name), MaxNameLen)
		case names[t.Name]:
			return nil, 0, formatErr(ErrDuplicate, field, -1, "name given twice")
		case len(t.Shape) > MaxDims:
			return nil, 0, formatErr(ErrRange, field, -1, "%d dimensions (at most %d)", len(t.Shape), MaxDims)
		case !t.Type.Valid():
			return nil, 0, formatErr(ErrType, field, -1, "invalid ggml type %d", uint32(t.Type))
		}
		names[t.Name] = true
		size, ok := TensorBytes(t.Type, t.Shape)
		if !ok {
			return nil, 0, formatErr(ErrRange, field, -1, "shape %v does not fit type %s (block of %d) or overflows", t.Shape, t.Type, t.Type.BlockSize())
		}
		padded := size + (align-size%align)%align
		if padded < size || off > maxInt64-padded {
			return nil, 0, formatErr(ErrRange, field, -1, "data section overflows")
		}
		out[i] = TensorInfo{Name: t.Name, Shape: append(make([]uint64, 0, len(t.Shape)), t.Shape...), Type: t.Type, Offset: off, Size: size}
		off += padded
	}
	return out, align, nil
}

func checkValue(v any, field string, depth int) error {
	t, ok := TypeOf(v)
	if !ok {
		return formatErr(ErrType, field, -1, "Go type %T is not a GGUF value type", v)
	}
	if t != TypeArray {
		return nil
	}
	if a, ok := v.([]any); ok {
		if depth >= maxDepth {
			return formatErr(ErrRange, field, -1, "arrays nested more than %d deep", maxDepth)
		}
		for i, e := range a {
			if _, ok := ElemType(e); !ok {
				return formatErr(ErrType, fmt.Sprintf("%s[%d]", field, i), -1, "element of a nested array must be an array, got %T", e)
			}
			if err := checkValue(e, fmt.Sprintf("%s[%d]", field, i), depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}

// NewWriter checks the metadata and tensor infos (see Layout), writes the
// header to w and returns the Writer for the tensor data. The Shape, Type
// and Name of each info are used; Offset and Size are computed (Tensors
// returns them).
func NewWriter(w io.Writer, kv []KV, tensors []TensorInfo) (*Writer, error) {
	ts, align, err := Layout(kv, tensors)
	if err != nil {
		return nil, err
	}
	hdr, unpadded := encodeHeader(kv, ts, align)
	if _, err := w.Write(hdr); err != nil {
		return nil, err
	}
	gw := &Writer{w: w, tensors: ts, align: align, hdr: int64(len(hdr))}
	if len(ts) == 0 {
		gw.hdr = int64(unpadded)
	}
	gw.skipEmpty()
	return gw, nil
}

// Tensors returns the tensor infos as written, with Offset and Size.
func (w *Writer) Tensors() []TensorInfo { return w.tensors }

// DataOffset is the byte offset of the data section in the file, as
// File.DataOffset will report it: the size of everything NewWriter wrote,
// except in a file of no tensors, where it is the end of the metadata (like
// ggml's reader, File takes the padding there for no data section).
func (w *Writer) DataOffset() int64 { return w.hdr }

// Current returns the index of the tensor whose data Write expects next
// (len(Tensors()) once all is written).
func (w *Writer) Current() int { return w.cur }

// skipEmpty moves past tensors of no data.
func (w *Writer) skipEmpty() {
	for w.cur < len(w.tensors) && w.tensors[w.cur].Size == 0 {
		w.cur++
	}
}

var zeros [256]byte

// Write writes tensor data: the bytes of all tensors, concatenated in the
// order of the infos (Write may be called with any split). It pads each
// tensor to the alignment once its Size bytes are written. Giving more
// bytes than the tensors hold is ErrShort.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	n := 0
	for len(p) > 0 {
		if w.cur >= len(w.tensors) {
			w.err = fmt.Errorf("%w: %d bytes more than the tensors hold", ErrShort, len(p))
			return n, w.err
		}
		t := &w.tensors[w.cur]
		k := int(min(uint64(len(p)), t.Size-w.done))
		m, err := w.w.Write(p[:k])
		n += m
		w.done += uint64(m)
		if err != nil {
			w.err = err
			return n, err
		}
		p = p[k:]
		if w.done == t.Size {
			pad := (w.align - t.Size%w.align) % w.align
			for pad > 0 {
				c := min(pad, uint64(len(zeros)))
				if _, err := w.w.Write(zeros[:c]); err != nil {
					w.err = err
					return n, err
				}
				pad -= c
			}
			w.cur++
			w.done = 0
			w.skipEmpty()
		}
	}
	return n, nil
}

// Close checks that all tensor data was written (ErrShort otherwise). It
// does not close the underlying writer.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	if w.cur < len(w.tensors) {
		t := &w.tensors[w.cur]
		return fmt.Errorf("%w: tensor %q has %d of its %d bytes", ErrShort, t.Name, w.done, t.Size)
	}
	return nil
}

// encodeHeader encodes everything before the tensor data: magic, version,
// counts, metadata, tensor infos and the padding to the alignment.
// unpadded is the length before the padding.
func encodeHeader(kv []KV, ts []TensorInfo, align uint64) (hdr []byte, unpadded int) {
	var b bytes.Buffer
	le := binary.LittleEndian
	u32 := func(v uint32) { b.Write(le.AppendUint32(nil, v)) }
	u64 := func(v uint64) { b.Write(le.AppendUint64(nil, v)) }
	str := func(s string) { u64(uint64(len(s))); b.WriteString(s) }
	b.WriteString(Magic)
	u32(Version)
	u64(uint64(len(ts)))
	u64(uint64(len(kv)))
	for _, p := range kv {
		str(p.Key)
		t, _ := TypeOf(p.Value)
		u32(uint32(t))
		encodeValue(&b, p.Value)
	}
	for _, t := range ts {
		str(t.Name)
		u32(uint32(len(t.Shape)))
		for _, d := range t.Shape {
			u64(d)
		}
		u32(uint32(t.Type))
		u64(t.Offset)
	}
	unpadded = b.Len()
	if pad := (align - uint64(b.Len())%align) % align; pad > 0 {
		b.Write(make([]byte, pad))
	}
	return b.Bytes(), unpadded
}

// encodeValue appends a value checked by checkValue (an array with its
// element type and count).
func encodeValue(b *bytes.Buffer, v any) {
	le := binary.LittleEndian
	var a []byte
	arr := func(t ValueType, n int) {
		a = le.AppendUint32(a, uint32(t))
		a = le.AppendUint64(a, uint64(n))
	}
	switch x := v.(type) {
	case uint8:
		a = append(a, x)
	case int8:
		a = append(a, byte(x))
	case uint16:
		a = le.AppendUint16(a, x)
	case int16:
		a = le.AppendUint16(a, uint16(x))
	case uint32:
		a = le.AppendUint32(a, x)
	case int32:
		a = le.AppendUint32(a, uint32(x))
	case float32:
		a = le.AppendUint32(a, math.Float32bits(x))
	case bool:
		a = append(a, boolByte(x))
	case string:
		a = le.AppendUint64(a, uint64(len(x)))
		a = append(a, x...)
	case uint64:
		a = le.AppendUint64(a, x)
	case int64:
		a = le.AppendUint64(a, uint64(x))
	case float64:
		a = le.AppendUint64(a, math.Float64bits(x))
	case []uint8:
		arr(TypeUint8, len(x))
		a = append(a, x...)
	case []int8:
		arr(TypeInt8, len(x))
		for _, e := range x {
			a = append(a, byte(e))
		}
	case []uint16:
		arr(TypeUint16, len(x))
		for _, e := range x {
			a = le.AppendUint16(a, e)
		}
	case []int16:
		arr(TypeInt16, len(x))
		for _, e := range x {
			a = le.AppendUint16(a, uint16(e))
		}
	case []uint32:
		arr(TypeUint32, len(x))
		for _, e := range x {
			a = le.AppendUint32(a, e)
		}
	case []int32:
		arr(TypeInt32, len(x))
		for _, e := range x {
			a = le.AppendUint32(a, uint32(e))
		}
	case []float32:
		arr(TypeFloat32, len(x))
		for _, e := range x {
			a = le.AppendUint32(a, math.Float32bits(e))
		}
	case []bool:
		arr(TypeBool, len(x))
		for _, e := range x {
			a = append(a, boolByte(e))
		}
	case []string:
		arr(TypeString, len(x))
		b.Write(a)
		var n [8]byte
		for _, e := range x {
			le.PutUint64(n[:], uint64(len(e)))
			b.Write(n[:])
			b.WriteString(e)
		}
		return
	case []uint64:
		arr(TypeUint64, len(x))
		for _, e := range x {
			a = le.AppendUint64(a, e)
		}
	case []int64:
		arr(TypeInt64, len(x))
		for _, e := range x {
			a = le.AppendUint64(a, uint64(e))
		}
	case []float64:
		arr(TypeFloat64, len(x))
		for _, e := range x {
			a = le.AppendUint64(a, math.Float64bits(e))
		}
	case []any:
		arr(TypeArray, len(x))
		b.Write(a)
		for _, e := range x {
			encodeValue(b, e)
		}
		return
	}
	b.Write(a)
}

func boolByte(x bool) byte {
	if x {
		return 1
	}
	return 0
}
