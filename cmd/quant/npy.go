package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"
	"strings"

	"codeberg.org/sbinet/npyio/npy"
)

// npyDTypes maps the .npy descr strings this tool reads to a name and
// whether the data is big-endian.
var npyDTypes = map[string]struct {
	name string
	big  bool
}{
	"<f4": {"float32", false}, ">f4": {"float32", true},
	"<f8": {"float64", false}, ">f8": {"float64", true},
	"|u1": {"uint8", false}, "<u1": {"uint8", false}, ">u1": {"uint8", false},
	"|i1": {"int8", false}, "<i1": {"int8", false}, ">i1": {"int8", false},
}

// maxNpyHeader bounds the header dictionary read into memory.
const maxNpyHeader = 1 << 20

// npyTensor reads and checks the header of a C-order float32, float64
// (converted to float32, with a note), uint8 or int8 .npy file: magic,
// version, header length, dtype, order, shape (no negative dimension, no
// overflow) and the data size against the file size. The data is not read.
func npyTensor(in *input, note func(string)) (tensor, error) {
	path, size := in.path, in.fi.Size()
	var pre [12]byte
	n, err := io.ReadFull(in.f, pre[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return tensor{}, fileErr(path, "reading: %v", unwrapPath(err))
	}
	start, hlen, err := npyPreamble(pre[:n], size)
	if err != nil {
		return tensor{}, fileErr(path, "%v", err)
	}
	hdr := make([]byte, start+hlen)
	if _, err := in.f.ReadAt(hdr, 0); err != nil {
		return tensor{}, fileErr(path, "truncated .npy header")
	}
	if err := checkNpyDict(hdr[start:]); err != nil {
		return tensor{}, fileErr(path, "%v", err)
	}
	hd, err := parseNpyHeader(hdr)
	if err != nil {
		return tensor{}, fileErr(path, "%v", err)
	}
	h := hd.Descr
	typ := strings.Trim(h.Type, "'\" ")
	dt, ok := npyDTypes[typ]
	if !ok {
		return tensor{}, fileErr(path, "unsupported dtype %q (want float32, float64, uint8 or int8)", typ)
	}
	if h.Fortran {
		return tensor{}, fileErr(path, "Fortran-order array not supported (save it with np.ascontiguousarray)")
	}
	t := tensor{Name: filepath.Base(path), DType: dt.name, Shape: append([]int{}, h.Shape...),
		path: path, f: in.f, off: int64(start + hlen), big: dt.big}
	elems, ok := numElems(h.Shape, math.MaxInt/8)
	if !ok {
		return tensor{}, fileErr(path, "corrupt .npy header: bad shape %v", h.Shape)
	}
	t.N = elems
	have := size - t.off
	if want := int64(elems) * int64(t.elemSize()); have < want {
		return tensor{}, fileErr(path, "truncated data: shape %v needs %d bytes, file has %d", h.Shape, want, have)
	} else if have > want {
		return tensor{}, fileErr(path, "corrupt file: %d bytes after the data of shape %v", have-want, h.Shape)
	}
	if dt.name == "float64" {
		note(fmt.Sprintf("%s: float64 data converted to float32", path))
	}
	return t, nil
}

// parseNpyHeader parses the header (preamble and dictionary) with npyio,
// turning its errors and panics into messages about the header.
func parseNpyHeader(hdr []byte) (h npy.Header, err error) {
	defer func() {
		if recover() != nil {
			err = errors.New("corrupt .npy header: cannot parse the header dictionary")
		}
	}()
	r, err := npy.NewReader(bytes.NewReader(hdr))
	if err != nil {
		var ne *strconv.NumError
		switch {
		case errors.As(err, &ne):
			return h, fmt.Errorf("corrupt .npy header: shape dimension %q is not an integer that fits", ne.Num)
		case errors.Is(err, npy.ErrInvalidNumPyFormat):
			return h, errors.New("not a .npy file (bad magic)")
		}
		return h, fmt.Errorf("corrupt .npy header: %s", strings.TrimPrefix(err.Error(), "npy: "))
	}
	return r.Header, nil
}

// npyPreamble checks the magic, version and header length (b holds up to
// the first 12 bytes of a file of size bytes) and returns the offset and
// length of the header dictionary.
func npyPreamble(b []byte, size int64) (start, hlen int, err error) {
	const magic = "\x93NUMPY"
	if len(b) < len(magic) || string(b[:len(magic)]) != magic {
		if len(b) < len(magic) && strings.HasPrefix(magic, string(b)) {
			return 0, 0, errors.New("truncated .npy header")
		}
		return 0, 0, errors.New("not a .npy file (bad magic)")
	}
	if len(b) < 10 {
		return 0, 0, errors.New("truncated .npy header")
	}
	switch b[6] {
	case 1:
		start, hlen = 10, int(binary.LittleEndian.Uint16(b[8:]))
	case 2:
		if len(b) < 12 {
			return 0, 0, errors.New("truncated .npy header")
		}
		h := binary.LittleEndian.Uint32(b[8:])
		if int64(h) > size-12 {
			return 0, 0, fmt.Errorf("truncated .npy header: it announces %d bytes, file has %d", h, size-12)
		}
		if h > maxNpyHeader {
			return 0, 0, fmt.Errorf("corrupt .npy header: %d bytes long (at most %d)", h, maxNpyHeader)
		}
		start, hlen = 12, int(h)
	default:
		return 0, 0, fmt.Errorf("unsupported .npy format version %d (want 1 or 2)", b[6])
	}
	if int64(hlen) > size-int64(start) {
		return 0, 0, fmt.Errorf("truncated .npy header: it announces %d bytes, file has %d", hlen, size-int64(start))
	}
	return start, hlen, nil
}

// checkNpyDict checks that the dictionary ends with a newline (npyio
// needs it).
func checkNpyDict(hdr []byte) error {
	if len(hdr) == 0 || hdr[len(hdr)-1] != '\n' {
		return errors.New("corrupt .npy header: it does not end with a newline")
	}
	return nil
}

// writeNpy writes data (a []float32, []uint8 or []int8) as a C-order .npy
// file; see npyHeader.
func writeNpy(w io.Writer, data any, shape []int) error {
	var descr string
	switch data.(type) {
	case []float32:
		descr = "<f4"
	case []uint8:
		descr = "|u1"
	case []int8:
		descr = "|i1"
	default:
		return fmt.Errorf("writeNpy: unsupported type %T", data)
	}
	if _, err := w.Write(npyHeader(descr, shape)); err != nil {
		return err
	}
	switch x := data.(type) {
	case []uint8:
		_, err := w.Write(x)
		return err
	case []int8:
		buf := make([]byte, len(x))
		for i, v := range x {
			buf[i] = byte(v)
		}
		_, err := w.Write(buf)
		return err
	case []float32:
		return writeF32(w, x, nil)
	}
	return nil
}

// writeF32 writes x as little-endian float32; buf is scratch (grown if
// shorter than 4*len(x)).
func writeF32(w io.Writer, x []float32, buf []byte) error {
	if cap(buf) < 4*len(x) {
		buf = make([]byte, 4*len(x))
	}
	buf = buf[:4*len(x)]
	for i, v := range x {
		binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
	}
	_, err := w.Write(buf)
	return err
}

// npyHeader returns the magic, version, header length and the header dict
// padded with spaces and a newline to a multiple of 64 bytes, as np.save
// writes it (format 1.0, little-endian); version 2.0 (4-byte length) if
// the dict does not fit 65535 bytes. The tool writes .npy itself instead
// of through npyio: npyio's writer visits every element through
// reflection, and derives the shape from slice nesting, which cannot
// express an empty array's shape. The tests read every written file back
// with npyio (and numpy when installed).
func npyHeader(descr string, shape []int) []byte {
	dims := make([]string, len(shape))
	for i, d := range shape {
		dims[i] = strconv.Itoa(d)
	}
	sh := "(" + strings.Join(dims, ", ") + ")"
	if len(shape) == 1 {
		sh = "(" + dims[0] + ",)"
	}
	dict := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, sh)
	pre := 10
	if len(dict)+64 > 65535 {
		pre = 12
	}
	pad := (64 - (pre+len(dict)+1)%64) % 64
	dict += strings.Repeat(" ", pad) + "\n"
	b := []byte("\x93NUMPY")
	if pre == 10 {
		b = append(b, 1, 0)
		b = binary.LittleEndian.AppendUint16(b, uint16(len(dict)))
	} else {
		b = append(b, 2, 0)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(dict)))
	}
	return append(b, dict...)
}
