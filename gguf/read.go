package gguf

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"sort"
)

// Magic is the first four bytes of every GGUF file.
const Magic = "GGUF"

// Version is the GGUF version this package writes. It reads versions 2
// and 3 (which share one layout; version 1 had 32-bit counts).
const Version = 3

// DefaultAlignment is the alignment of tensor data when the file has no
// general.alignment key.
const DefaultAlignment = 32

// KeyAlignment is the metadata key of the alignment: a uint32 power of two.
const KeyAlignment = "general.alignment"

// MaxDims is the most dimensions a tensor may have (GGML_MAX_DIMS).
const MaxDims = 4

// MaxNameLen is the longest tensor name ggml accepts, in bytes
// (GGML_MAX_NAME - 1; the spec says 64, ggml's reader rejects 64).
const MaxNameLen = 63

// maxDepth bounds the nesting of arrays of arrays.
const maxDepth = 16

// maxCount bounds every count and length beyond the bytes left, so that
// a slice of that many elements of up to 64 bytes can be made where int
// is 32 bits.
const maxCount = math.MaxInt / 64

// TensorInfo describes one tensor.
type TensorInfo struct {
	Name string
	// Shape is ggml's ne: Shape[0] is the innermost (contiguous) dimension,
	// so a row-major [rows][cols] matrix has Shape {cols, rows}. At most
	// MaxDims entries.
	Shape []uint64
	Type  Type
	// Offset is the byte offset of the data from the start of the data
	// section, a multiple of the alignment. The Writer computes it.
	Offset uint64
	// Size is the data size in bytes, from Shape and Type (TensorBytes).
	Size uint64
}

// Elements is the number of elements, the product of Shape.
func (t *TensorInfo) Elements() uint64 {
	n := uint64(1)
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// decoder reads the fields of a GGUF header in order, tracking the byte
// offset and the bytes left in the file, so that no length is trusted
// before it is checked against what is left.
type decoder struct {
	r    *bufio.Reader
	off  int64
	size int64
	buf  [8]byte
}

func (d *decoder) remain() uint64 { return uint64(d.size - d.off) }

// read fills p from the file; field names it for the error.
func (d *decoder) read(p []byte, field string) error {
	if uint64(len(p)) > d.remain() {
		return formatErr(ErrTruncated, field, d.off, "needs %d bytes, the file has %d left", len(p), d.remain())
	}
	if _, err := io.ReadFull(d.r, p); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return formatErr(ErrTruncated, field, d.off, "the reader ended early")
		}
		return fmt.Errorf("gguf: reading %s at byte %d: %w", field, d.off, err)
	}
	d.off += int64(len(p))
	return nil
}

func (d *decoder) u32(field string) (uint32, error) {
	if err := d.read(d.buf[:4], field); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(d.buf[:]), nil
}

func (d *decoder) u64(field string) (uint64, error) {
	if err := d.read(d.buf[:8], field); err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint64(d.buf[:]), nil
}

func (d *decoder) str(field string) (string, error) { return d.strAt(field, -1) }

// strAt reads a string; idx >= 0 makes the field name field[idx], built
// only for an error (arrays of strings are long).
func (d *decoder) strAt(field string, idx int) (string, error) {
	name := func() string {
		if idx < 0 {
			return field
		}
		return fmt.Sprintf("%s[%d]", field, idx)
	}
	off := d.off
	if d.remain() < 8 {
		return "", formatErr(ErrTruncated, name()+".len", off, "needs 8 bytes, the file has %d left", d.remain())
	}
	if err := d.read(d.buf[:8], field); err != nil {
		return "", err
	}
	n := binary.LittleEndian.Uint64(d.buf[:])
	if n > d.remain() || n > maxCount {
		return "", formatErr(ErrRange, name()+".len", off, "string of %d bytes, the file has %d left", n, d.remain())
	}
	if n <= uint64(d.r.Size()) {
		// Short strings straight from the buffer: one allocation.
		b, err := d.r.Peek(int(n))
		if err == nil {
			str := string(b)
			d.r.Discard(int(n))
			d.off += int64(n)
			return str, nil
		}
	}
	b := make([]byte, n)
	if err := d.read(b, name()); err != nil {
		return "", err
	}
	return string(b), nil
}

// scalar reads one value of a fixed-size type or a string.
func (d *decoder) scalar(t ValueType, field string) (any, error) {
	if t == TypeString {
		return d.str(field)
	}
	off := d.off
	b := d.buf[:valueSizes[t]]
	if err := d.read(b, field); err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	switch t {
	case TypeUint8:
		return b[0], nil
	case TypeInt8:
		return int8(b[0]), nil
	case TypeUint16:
		return le.Uint16(b), nil
	case TypeInt16:
		return int16(le.Uint16(b)), nil
	case TypeUint32:
		return le.Uint32(b), nil
	case TypeInt32:
		return int32(le.Uint32(b)), nil
	case TypeFloat32:
		return math.Float32frombits(le.Uint32(b)), nil
	case TypeBool:
		if b[0] > 1 {
			return nil, formatErr(ErrRange, field, off, "bool value %d is neither 0 nor 1", b[0])
		}
		return b[0] == 1, nil
	case TypeUint64:
		return le.Uint64(b), nil
	case TypeInt64:
		return int64(le.Uint64(b)), nil
	case TypeFloat64:
		return math.Float64frombits(le.Uint64(b)), nil
	}
	panic("unreachable")
}

// value reads a value of type t (an array if t is TypeArray).
func (d *decoder) value(t ValueType, field string, depth int) (any, error) {
	if t != TypeArray {
		return d.scalar(t, field)
	}
	off := d.off
	et32, err := d.u32(field + ".type")
	if err != nil {
		return nil, err
	}
	et := ValueType(et32)
	if !et.valid() {
		return nil, formatErr(ErrType, field+".type", off, "unknown array element type %d", et32)
	}
	if et == TypeArray && depth >= maxDepth {
		return nil, formatErr(ErrRange, field+".type", off, "arrays nested more than %d deep", maxDepth)
	}
	n, err := d.u64(field + ".len")
	if err != nil {
		return nil, err
	}
	if n > d.remain()/et.minEncoded() || n > maxCount {
		return nil, formatErr(ErrRange, field+".len", off+4, "%d elements of type %s cannot fit the %d bytes left", n, et, d.remain())
	}
	elem := func(i int) string { return fmt.Sprintf("%s[%d]", field, i) }
	switch et {
	case TypeString:
		s := make([]string, n)
		for i := range s {
			if s[i], err = d.strAt(field, i); err != nil {
				return nil, err
			}
		}
		return s, nil
	case TypeArray:
		s := make([]any, n)
		for i := range s {
			if s[i], err = d.value(TypeArray, elem(i), depth+1); err != nil {
				return nil, err
			}
		}
		return s, nil
	}
	// Fixed-size elements: read them all (n*size fits in the file).
	start := d.off
	raw := make([]byte, n*uint64(valueSizes[et]))
	if err := d.read(raw, field); err != nil {
		return nil, err
	}
	le := binary.LittleEndian
	switch et {
	case TypeUint8:
		return raw, nil
	case TypeInt8:
		s := make([]int8, n)
		for i := range s {
			s[i] = int8(raw[i])
		}
		return s, nil
	case TypeBool:
		s := make([]bool, n)
		for i := range s {
			if raw[i] > 1 {
				return nil, formatErr(ErrRange, elem(i), start+int64(i), "bool value %d is neither 0 nor 1", raw[i])
			}
			s[i] = raw[i] == 1
		}
		return s, nil
	case TypeUint16:
		s := make([]uint16, n)
		for i := range s {
			s[i] = le.Uint16(raw[2*i:])
		}
		return s, nil
	case TypeInt16:
		s := make([]int16, n)
		for i := range s {
			s[i] = int16(le.Uint16(raw[2*i:]))
		}
		return s, nil
	case TypeUint32:
		s := make([]uint32, n)
		for i := range s {
			s[i] = le.Uint32(raw[4*i:])
		}
		return s, nil
	case TypeInt32:
		s := make([]int32, n)
		for i := range s {
			s[i] = int32(le.Uint32(raw[4*i:]))
		}
		return s, nil
	case TypeFloat32:
		s := make([]float32, n)
		for i := range s {
			s[i] = math.Float32frombits(le.Uint32(raw[4*i:]))
		}
		return s, nil
	case TypeUint64:
		s := make([]uint64, n)
		for i := range s {
			s[i] = le.Uint64(raw[8*i:])
		}
		return s, nil
	case TypeInt64:
		s := make([]int64, n)
		for i := range s {
			s[i] = int64(le.Uint64(raw[8*i:]))
		}
		return s, nil
	case TypeFloat64:
		s := make([]float64, n)
		for i := range s {
			s[i] = math.Float64frombits(le.Uint64(raw[8*i:]))
		}
		return s, nil
	}
	panic("unreachable")
}

// Decode reads the header, metadata and tensor infos of the GGUF file r of
// size bytes, and checks that every tensor's data lies inside the file. It
// reads no tensor data: TensorReader gives a section reader on it.
//
// Every malformed file gets a *FormatError. Allocation is bounded by the
// file size: every count and length is checked against the bytes left
// before anything is allocated for it.
func Decode(r io.ReaderAt, size int64) (*File, error) {
	if size < 0 {
		return nil, errors.New("gguf: negative size")
	}
	d := &decoder{r: bufio.NewReaderSize(io.NewSectionReader(r, 0, size), 64<<10), size: size}
	f := &File{Size: size, ra: r}
	if err := f.decode(d); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *File) decode(d *decoder) error {
	var magic [4]byte
	if err := d.read(magic[:], "magic"); err != nil {
		return err
	}
	if string(magic[:]) != Magic {
		return formatErr(ErrMagic, "magic", 0, "got %q, want %q", magic[:], Magic)
	}
	v, err := d.u32("version")
	if err != nil {
		return err
	}
	if v != 2 && v != 3 {
		return formatErr(ErrVersion, "version", 4, "version %d (this reader knows 2 and 3; a big-endian file reads as %d)", v, bits.ReverseBytes32(v))
	}
	f.Version = v
	nt, err := d.u64("tensor_count")
	if err != nil {
		return err
	}
	// A tensor info takes at least 24 bytes (name length, n_dims, type,
	// offset), a key-value pair at least 14 (key length and one byte of
	// key, value type, one byte of value).
	if nt > d.remain()/24 || nt > maxCount {
		return formatErr(ErrRange, "tensor_count", 8, "%d tensors cannot fit the %d bytes left", nt, d.remain())
	}
	nkv, err := d.u64("metadata_kv_count")
	if err != nil {
		return err
	}
	if nkv > d.remain()/14 || nkv > maxCount {
		return formatErr(ErrRange, "metadata_kv_count", 16, "%d key-value pairs cannot fit the %d bytes left", nkv, d.remain())
	}

	f.KV = make([]KV, 0, nkv)
	f.keys = make(map[string]int, nkv)
	alignOff := int64(-1)
	for i := range int(nkv) {
		koff := d.off
		field := fmt.Sprintf("kv[%d].key", i)
		key, err := d.str(field)
		if err != nil {
			return err
		}
		if key == "" {
			return formatErr(ErrRange, field, koff, "empty key")
		}
		if j, dup := f.keys[key]; dup {
			return formatErr(ErrDuplicate, field, koff, "key %q already given by kv[%d]", key, j)
		}
		field = fmt.Sprintf("kv[%q]", key)
		toff := d.off
		t32, err := d.u32(field + ".type")
		if err != nil {
			return err
		}
		t := ValueType(t32)
		if !t.valid() {
			return formatErr(ErrType, field+".type", toff, "unknown value type %d", t32)
		}
		voff := d.off
		val, err := d.value(t, field, 0)
		if err != nil {
			return err
		}
		if key == KeyAlignment {
			alignOff = voff
		}
		f.keys[key] = len(f.KV)
		f.KV = append(f.KV, KV{key, val})
	}

	f.Alignment = DefaultAlignment
	if alignOff >= 0 {
		field := fmt.Sprintf("kv[%q]", KeyAlignment)
		a, ok := f.KV[f.keys[KeyAlignment]].Value.(uint32)
		if !ok {
			t, _ := TypeOf(f.KV[f.keys[KeyAlignment]].Value)
			return formatErr(ErrAlign, field, alignOff-4, "type %s, want uint32", t)
		}
		if a == 0 || a&(a-1) != 0 {
			return formatErr(ErrAlign, field, alignOff, "alignment %d is not a power of two", a)
		}
		f.Alignment = uint64(a)
	}

	f.Tensors = make([]TensorInfo, nt)
	f.names = make(map[string]int, nt)
	offOffsets := make([]int64, nt)
	for i := range f.Tensors {
		ti := &f.Tensors[i]
		field := fmt.Sprintf("tensor[%d]", i)
		noff := d.off
		if ti.Name, err = d.str(field + ".name"); err != nil {
			return err
		}
		if len(ti.Name) > MaxNameLen {
			return formatErr(ErrRange, field+".name", noff, "name of %d bytes (ggml's limit is %d)", len(ti.Name), MaxNameLen)
		}
		if j, dup := f.names[ti.Name]; dup {
			return formatErr(ErrDuplicate, field+".name", noff, "tensor name %q already given by tensor[%d]", ti.Name, j)
		}
		f.names[ti.Name] = i
		field = fmt.Sprintf("tensor[%d](%q)", i, ti.Name)
		doff := d.off
		nd, err := d.u32(field + ".n_dims")
		if err != nil {
			return err
		}
		if nd > MaxDims {
			return formatErr(ErrRange, field+".n_dims", doff, "%d dimensions (at most %d)", nd, MaxDims)
		}
		ti.Shape = make([]uint64, nd)
		for j := range ti.Shape {
			if ti.Shape[j], err = d.u64(fmt.Sprintf("%s.ne[%d]", field, j)); err != nil {
				return err
			}
		}
		toff := d.off
		t32, err := d.u32(field + ".type")
		if err != nil {
			return err
		}
		ti.Type = Type(t32)
		if !ti.Type.Valid() {
			return formatErr(ErrType, field+".type", toff, "unknown ggml type %d", t32)
		}
		size, ok := TensorBytes(ti.Type, ti.Shape)
		if !ok {
			if ne0 := rowLen(ti.Shape); ne0 <= maxInt64 && ne0%uint64(ti.Type.BlockSize()) != 0 {
				return formatErr(ErrRange, field+".ne[0]", doff+4, "row of %d elements is not a multiple of %s's block of %d", ne0, ti.Type, ti.Type.BlockSize())
			}
			return formatErr(ErrRange, field+".ne", doff+4, "shape %v of %s overflows", ti.Shape, ti.Type)
		}
		ti.Size = size
		offOffsets[i] = d.off
		if ti.Offset, err = d.u64(field + ".offset"); err != nil {
			return err
		}
		if ti.Offset%f.Alignment != 0 {
			return formatErr(ErrAlign, field+".offset", offOffsets[i], "offset %d is not a multiple of the alignment %d", ti.Offset, f.Alignment)
		}
	}

	f.DataOffset = d.off
	if nt > 0 {
		pad := (f.Alignment - uint64(d.off)%f.Alignment) % f.Alignment
		if pad > d.remain() {
			return formatErr(ErrTruncated, "padding", d.off, "needs %d bytes, the file has %d left", pad, d.remain())
		}
		f.DataOffset += int64(pad)
	}
	room := uint64(f.Size - f.DataOffset)
	for i := range f.Tensors {
		ti := &f.Tensors[i]
		if ti.Offset > room || ti.Size > room-ti.Offset {
			return formatErr(ErrBounds, fmt.Sprintf("tensor[%d](%q).offset", i, ti.Name), offOffsets[i],
				"data [%d, +%d) ends past the data section's %d bytes", ti.Offset, ti.Size, room)
		}
	}
	var order []int // the tensors with data, by offset
	for i := range f.Tensors {
		if f.Tensors[i].Size > 0 {
			order = append(order, i)
		}
	}
	sort.Slice(order, func(a, b int) bool { return f.Tensors[order[a]].Offset < f.Tensors[order[b]].Offset })
	for k := 1; k < len(order); k++ {
		p, q := &f.Tensors[order[k-1]], &f.Tensors[order[k]]
		if p.Offset+p.Size > q.Offset {
			return formatErr(ErrBounds, fmt.Sprintf("tensor[%d](%q).offset", order[k], q.Name), offOffsets[order[k]],
				"data at %d overlaps tensor %q's [%d, +%d)", q.Offset, p.Name, p.Offset, p.Size)
		}
	}
	return nil
}
