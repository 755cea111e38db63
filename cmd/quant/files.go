package main

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"

	"codeberg.org/sbinet/npyio/npy"
	"github.com/nlpodyssey/safetensors"
	"github.com/x448/float16"
)

// tensor is one array read from a file. Exactly one of F32, U8, I8 and
// lazy is set: lazy decodes a .safetensors tensor to float32 on demand, so
// that a large model is widened one tensor at a time.
type tensor struct {
	Name  string // the tensor's name in a .safetensors file; the file name for .npy
	DType string // as stored: float32, float64, float16, bfloat16, uint8, int8
	Shape []int
	F32   []float32
	U8    []uint8
	I8    []int8
	lazy  func() []float32
}

// float reports whether the tensor holds floating-point data.
func (t *tensor) float() bool { return t.F32 != nil || t.lazy != nil }

// load decodes a lazy tensor into F32 (of this copy of the tensor).
func (t *tensor) load() {
	if t.F32 == nil && t.lazy != nil {
		t.F32 = t.lazy()
	}
}

// fileError is a problem with a named file: printed as "FILE: problem".
type fileError struct {
	path string
	err  error
}

func (e *fileError) Error() string { return e.path + ": " + e.err.Error() }
func (e *fileError) Unwrap() error { return e.err }

func fileErr(path, format string, args ...any) error {
	return &fileError{path, fmt.Errorf(format, args...)}
}

// readFile reads the whole file, with a short message for a missing file.
func readFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fileErr(path, "no such file")
	case errors.Is(err, fs.ErrPermission):
		return nil, fileErr(path, "permission denied")
	case err != nil:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, fileErr(path, "%v", pe.Err)
		}
		return nil, fileErr(path, "%v", err)
	}
	return b, nil
}

// readTensors reads a .npy (one tensor) or .safetensors file. note receives
// remarks for stderr (conversions, skipped tensors).
func readTensors(path string, note func(string)) ([]tensor, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".npy":
		t, err := readNpy(path, note)
		if err != nil {
			return nil, err
		}
		return []tensor{t}, nil
	case ".safetensors":
		return readSafetensors(path, note)
	}
	return nil, fileErr(path, "unknown file type (want .npy or .safetensors)")
}

// numElems multiplies the dimensions, rejecting negative ones and overflow
// beyond limit.
func numElems(shape []int, limit int) (int, bool) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, false
		}
		if d != 0 && n > limit/d {
			return 0, false
		}
		n *= d
	}
	return n, true
}

// npyDTypes maps the .npy descr strings this tool reads to a name and an
// element size.
var npyDTypes = map[string]struct {
	name string
	size int
}{
	"<f4": {"float32", 4}, ">f4": {"float32", 4},
	"<f8": {"float64", 8}, ">f8": {"float64", 8},
	"|u1": {"uint8", 1}, "<u1": {"uint8", 1}, ">u1": {"uint8", 1},
	"|i1": {"int8", 1}, "<i1": {"int8", 1}, ">i1": {"int8", 1},
}

// readNpy reads a C-order float32, float64 (converted to float32, with a
// note), uint8 or int8 .npy file.
func readNpy(path string, note func(string)) (t tensor, err error) {
	buf, err := readFile(path)
	if err != nil {
		return t, err
	}
	defer func() {
		// npyio may panic on some malformed headers; report it as corrupt.
		if r := recover(); r != nil {
			err = fileErr(path, "corrupt .npy header (%v)", r)
		}
	}()
	if err := npyPreamble(buf); err != nil {
		return t, fileErr(path, "%v", err)
	}
	br := bytes.NewReader(buf)
	r, err := npy.NewReader(br)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return t, fileErr(path, "truncated .npy header")
		}
		if errors.Is(err, npy.ErrInvalidNumPyFormat) {
			return t, fileErr(path, "not a .npy file (bad magic)")
		}
		return t, fileErr(path, "corrupt .npy header: %v", err)
	}
	h := r.Header.Descr
	h.Type = strings.Trim(h.Type, "'\"")
	dt, ok := npyDTypes[h.Type]
	if !ok {
		return t, fileErr(path, "unsupported dtype %q (want float32, float64, uint8 or int8)", h.Type)
	}
	if h.Fortran {
		return t, fileErr(path, "Fortran-order array not supported (save it with np.ascontiguousarray)")
	}
	n, ok := numElems(h.Shape, math.MaxInt/8)
	if !ok {
		return t, fileErr(path, "corrupt .npy header: bad shape %v", h.Shape)
	}
	if want := n * dt.size; br.Len() < want {
		return t, fileErr(path, "truncated data: shape %v needs %d bytes, file has %d", h.Shape, want, br.Len())
	} else if br.Len() > want {
		return t, fileErr(path, "corrupt file: %d bytes after the data of shape %v", br.Len()-want, h.Shape)
	}
	t = tensor{Name: filepath.Base(path), DType: dt.name, Shape: append([]int{}, h.Shape...)}
	switch dt.name {
	case "float32":
		t.F32 = make([]float32, n)
		err = r.Read(&t.F32)
	case "float64":
		f64 := make([]float64, n)
		err = r.Read(&f64)
		t.F32 = make([]float32, n)
		for i, x := range f64 {
			t.F32[i] = float32(x)
		}
		note(fmt.Sprintf("%s: float64 data converted to float32", path))
	case "uint8":
		t.U8 = make([]uint8, n)
		err = r.Read(&t.U8)
	case "int8":
		t.I8 = make([]int8, n)
		err = r.Read(&t.I8)
	}
	if err != nil {
		return t, fileErr(path, "reading data: %v", err)
	}
	return t, nil
}

// npyPreamble checks the magic, version and header length of a .npy file
// before npyio parses it (npyio panics on a header shorter than announced).
func npyPreamble(b []byte) error {
	const magic = "\x93NUMPY"
	if len(b) < len(magic) || string(b[:len(magic)]) != magic {
		if len(b) < len(magic) && strings.HasPrefix(magic, string(b)) {
			return errors.New("truncated .npy header")
		}
		return errors.New("not a .npy file (bad magic)")
	}
	if len(b) < 10 {
		return errors.New("truncated .npy header")
	}
	var start, hlen int
	switch b[6] {
	case 1:
		start, hlen = 10, int(binary.LittleEndian.Uint16(b[8:]))
	case 2, 3:
		if len(b) < 12 {
			return errors.New("truncated .npy header")
		}
		start, hlen = 12, int(binary.LittleEndian.Uint32(b[8:]))
	default:
		return fmt.Errorf("corrupt .npy header: unknown format version %d", b[6])
	}
	if hlen > len(b)-start {
		return fmt.Errorf("truncated .npy header: it announces %d bytes, file has %d", hlen, len(b)-start)
	}
	if hlen == 0 || b[start+hlen-1] != '\n' {
		return errors.New("corrupt .npy header: it does not end with a newline")
	}
	return nil
}

// readSafetensors reads the floating-point tensors of a .safetensors file,
// sorted by name: F32, F16 (widened exactly), BF16 (widened exactly by a
// 16-bit shift) and F64 (rounded to float32, with a note). Other dtypes are
// skipped with a note; a file with no floating-point tensor is an error.
func readSafetensors(path string, note func(string)) (ts []tensor, err error) {
	buf, err := readFile(path)
	if err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			err = fileErr(path, "corrupt .safetensors file (%v)", r)
		}
	}()
	if len(buf) < 8 {
		return nil, fileErr(path, "truncated .safetensors header (%d bytes)", len(buf))
	}
	if hl := binary.LittleEndian.Uint64(buf); hl > uint64(len(buf)-8) {
		return nil, fileErr(path, "truncated .safetensors header: it claims %d bytes, file has %d", hl, len(buf)-8)
	}
	st, err := safetensors.Deserialize(buf)
	if err != nil {
		return nil, fileErr(path, "corrupt .safetensors file: %v", err)
	}
	views := st.Tensors()
	sort.Slice(views, func(i, j int) bool { return views[i].Name < views[j].Name })
	converted := 0
	for _, v := range views {
		tv := v.TensorView
		shape := make([]int, len(tv.Shape()))
		for i, d := range tv.Shape() {
			shape[i] = int(d)
		}
		data := tv.Data()
		t := tensor{Name: v.Name, Shape: shape}
		switch tv.DType() {
		case safetensors.F32:
			t.DType = "float32"
			t.lazy = func() []float32 {
				x := make([]float32, len(data)/4)
				for i := range x {
					x[i] = math.Float32frombits(binary.LittleEndian.Uint32(data[4*i:]))
				}
				return x
			}
		case safetensors.F16:
			t.DType = "float16"
			t.lazy = func() []float32 {
				x := make([]float32, len(data)/2)
				for i := range x {
					x[i] = float16.Frombits(binary.LittleEndian.Uint16(data[2*i:])).Float32()
				}
				return x
			}
		case safetensors.BF16:
			t.DType = "bfloat16"
			t.lazy = func() []float32 {
				x := make([]float32, len(data)/2)
				for i := range x {
					x[i] = math.Float32frombits(uint32(binary.LittleEndian.Uint16(data[2*i:])) << 16)
				}
				return x
			}
		case safetensors.F64:
			t.DType = "float64"
			t.lazy = func() []float32 {
				x := make([]float32, len(data)/8)
				for i := range x {
					x[i] = float32(math.Float64frombits(binary.LittleEndian.Uint64(data[8*i:])))
				}
				return x
			}
			converted++
		default:
			note(fmt.Sprintf("%s: skipping tensor %q: dtype %v is not floating point", path, v.Name, tv.DType()))
			continue
		}
		ts = append(ts, t)
	}
	if converted > 0 {
		note(fmt.Sprintf("%s: %d float64 tensor(s) converted to float32", path, converted))
	}
	if len(ts) == 0 {
		return nil, fileErr(path, "no floating-point tensor (F32, F16, BF16, F64) in the file")
	}
	return ts, nil
}

// temps lists the temporary files not yet renamed or removed, so that an
// interrupt (SIGINT, SIGTERM) can remove them; see removeTemps.
var temps = struct {
	sync.Mutex
	names map[string]bool
}{names: map[string]bool{}}

func trackTemp(name string, on bool) {
	temps.Lock()
	defer temps.Unlock()
	if on {
		temps.names[name] = true
	} else {
		delete(temps.names, name)
	}
}

// removeTemps removes every tracked temporary file (on an interrupt).
func removeTemps() {
	temps.Lock()
	defer temps.Unlock()
	for n := range temps.names {
		os.Remove(n)
	}
}

// createTemp creates the temporary file for path in path's directory.
func createTemp(path string) (*os.File, error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fileErr(path, "cannot create output: %v", err)
	}
	trackTemp(f.Name(), true)
	return f, nil
}

// pending is an output written to a temporary file, not yet renamed.
type pending struct {
	tmp  string
	path string
}

// stageAtomic writes an output to a temporary file next to path and returns
// it unrenamed, so that several outputs can be committed together.
func stageAtomic(path string, write func(w io.Writer) error) (pending, error) {
	tmp, err := createTemp(path)
	if err != nil {
		return pending{}, err
	}
	name := tmp.Name()
	err = func() error {
		bw := bufio.NewWriterSize(tmp, 1<<20)
		if err := write(bw); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		if err := tmp.Chmod(0o644); err != nil {
			return err
		}
		return tmp.Close()
	}()
	if err != nil {
		tmp.Close()
		os.Remove(name)
		trackTemp(name, false)
		return pending{}, fileErr(path, "writing: %v", err)
	}
	return pending{name, path}, nil
}

// commitAll renames staged outputs into place; on the first failure it
// removes the temporary files not yet renamed.
func commitAll(ps ...pending) error {
	for i, p := range ps {
		if err := os.Rename(p.tmp, p.path); err != nil {
			discard(ps[i:]...)
			return fileErr(p.path, "renaming into place: %v", err)
		}
		trackTemp(p.tmp, false)
	}
	return nil
}

// discard removes staged outputs.
func discard(ps ...pending) {
	for _, p := range ps {
		os.Remove(p.tmp)
		trackTemp(p.tmp, false)
	}
}

// writeNpy writes data (a []float32, []uint8 or []int8) as a C-order
// .npy file (format 1.0, little-endian, header padded to 64 bytes as numpy
// writes it) with the given shape. The tool writes .npy itself instead of
// through npyio: npyio's writer visits every element through reflection to
// discover the dtype (about 0.65 µs per element, seconds for a weight
// matrix), and it derives the shape from slice nesting, which cannot express
// an empty array's shape. Reading goes through npyio, and the tests read
// every written file back with npyio (and numpy when installed).
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
		buf := make([]byte, min(len(x), 1<<16))
		for len(x) > 0 {
			n := min(len(x), len(buf))
			for i, v := range x[:n] {
				buf[i] = byte(v)
			}
			if _, err := w.Write(buf[:n]); err != nil {
				return err
			}
			x = x[n:]
		}
	case []float32:
		buf := make([]byte, 4*min(len(x), 1<<14))
		for len(x) > 0 {
			n := min(len(x), len(buf)/4)
			for i, v := range x[:n] {
				binary.LittleEndian.PutUint32(buf[4*i:], math.Float32bits(v))
			}
			if _, err := w.Write(buf[:4*n]); err != nil {
				return err
			}
			x = x[n:]
		}
	}
	return nil
}

// npyHeader returns the magic, version, header length and the header dict
// padded with spaces and a newline to a multiple of 64 bytes; version 2.0
// (4-byte length) if the dict does not fit 65535 bytes.
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
