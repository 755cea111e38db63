package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/quantkernel/quant/ggml"
	"github.com/x448/float16"
)

// tensor is one array of an input file. The data stays in the file and is
// read chunk by chunk (readFloats, readBytes), so that memory does not grow
// with the file; load reads it all, for the commands that need the whole
// tensor at once (percentiles, report) and for the tests.
type tensor struct {
	Name  string // the tensor's name in a .safetensors file; the file name for .npy
	DType string // as stored: float32, float64, float16, bfloat16, uint8, int8
	Shape []int
	N     int // number of elements

	path string   // the file, for messages
	f    *os.File // nil for a tensor built in memory
	off  int64    // offset of the data in f
	big  bool     // big-endian data (.npy '>f4', '>f8')
	// blocks: the data is ggml blocks of type gt (a GGUF tensor), decoded
	// by ggml.Dequantize; DType is then the type's name, e.g. "q4_K".
	blocks bool
	gt     ggml.Type

	// Filled by load (or set directly for data built in memory).
	F32 []float32
	U8  []uint8
	I8  []int8
}

// elemSize is the size of one stored element in bytes.
func (t *tensor) elemSize() int {
	switch t.DType {
	case "float64":
		return 8
	case "float32":
		return 4
	case "float16", "bfloat16":
		return 2
	}
	return 1
}

// rawBytes is the size in bytes of n stored elements (for block data, n
// is a multiple of the block size).
func (t *tensor) rawBytes(n int) int {
	if t.blocks {
		return n / t.gt.BlockSize() * t.gt.TypeSize()
	}
	return n * t.elemSize()
}

// float reports whether the tensor holds floating-point data.
func (t *tensor) float() bool { return t.DType != "uint8" && t.DType != "int8" }

// chunkElems is the number of elements the commands read, convert and
// write at a time (1 MiB of float32).
const chunkElems = 1 << 18

// readRaw reads the stored bytes of elements i..i+n-1 into buf.
func (t *tensor) readRaw(buf []byte, i int) error {
	_, err := t.f.ReadAt(buf, t.off+int64(t.rawBytes(i)))
	if errors.Is(err, io.EOF) {
		return fileErr(t.path, "the file became shorter while being read")
	}
	if err != nil {
		return fileErr(t.path, "reading data: %v", unwrapPath(err))
	}
	return nil
}

// readFloats decodes elements i..i+len(dst)-1 of a float tensor into dst
// (float64 rounded to float32, float16 and bfloat16 widened exactly, ggml
// blocks dequantized: i and len(dst) are then multiples of the block
// size); raw is scratch of at least rawBytes(len(dst)) bytes.
func (t *tensor) readFloats(dst []float32, i int, raw []byte) error {
	if t.F32 != nil {
		copy(dst, t.F32[i:])
		return nil
	}
	raw = raw[:t.rawBytes(len(dst))]
	if err := t.readRaw(raw, i); err != nil {
		return err
	}
	if t.blocks {
		if err := ggml.Dequantize(t.gt, dst, raw); err != nil {
			return fileErr(t.path, "tensor %q: %v", t.Name, err)
		}
		return nil
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if t.big {
		bo = binary.BigEndian
	}
	decodeFloats(dst, raw, t.DType, bo)
	return nil
}

// decodeFloats decodes len(dst) stored values of a float dtype ("float32",
// "float64", "float16", "bfloat16") in byte order bo into dst: float64
// rounded to float32, float16 and bfloat16 widened exactly.
func decodeFloats(dst []float32, raw []byte, dtype string, bo binary.ByteOrder) {
	switch dtype {
	case "float32":
		for k := range dst {
			dst[k] = math.Float32frombits(bo.Uint32(raw[4*k:]))
		}
	case "float64":
		for k := range dst {
			dst[k] = float32(math.Float64frombits(bo.Uint64(raw[8*k:])))
		}
	case "float16":
		for k := range dst {
			dst[k] = float16.Frombits(bo.Uint16(raw[2*k:])).Float32()
		}
	case "bfloat16":
		for k := range dst {
			dst[k] = math.Float32frombits(uint32(bo.Uint16(raw[2*k:])) << 16)
		}
	default:
		panic(errors.New("decodeFloats: not a float dtype: " + dtype))
	}
}

// readBytes reads elements i..i+len(dst)-1 of a uint8 or int8 tensor.
func (t *tensor) readBytes(dst []byte, i int) error {
	switch {
	case t.U8 != nil:
		copy(dst, t.U8[i:])
		return nil
	case t.I8 != nil:
		for k := range dst {
			dst[k] = byte(t.I8[i+k])
		}
		return nil
	}
	return t.readRaw(dst, i)
}

// eachFloat calls f on the float data in order, chunk by chunk; base is
// the index of x[0]. x is reused between calls.
func (t *tensor) eachFloat(f func(base int, x []float32) error) error {
	x := make([]float32, min(t.N, chunkElems))
	raw := make([]byte, t.rawBytes(len(x)))
	for base := 0; base < t.N; base += len(x) {
		x = x[:min(chunkElems, t.N-base)]
		if err := t.readFloats(x, base, raw); err != nil {
			return err
		}
		if err := f(base, x); err != nil {
			return err
		}
	}
	return nil
}

// eachByte is eachFloat for uint8 and int8 data.
func (t *tensor) eachByte(f func(base int, b []byte) error) error {
	b := make([]byte, min(t.N, chunkElems))
	for base := 0; base < t.N; base += len(b) {
		b = b[:min(chunkElems, t.N-base)]
		if err := t.readBytes(b, base); err != nil {
			return err
		}
		if err := f(base, b); err != nil {
			return err
		}
	}
	return nil
}

// loadFloats reads the whole float tensor into dst (len(dst) == N), in
// chunks, so that only dst grows with the tensor.
func (t *tensor) loadFloats(dst []float32) error {
	raw := make([]byte, t.rawBytes(min(t.N, chunkElems)))
	for base := 0; base < t.N; base += chunkElems {
		if err := t.readFloats(dst[base:min(base+chunkElems, t.N)], base, raw); err != nil {
			return err
		}
	}
	return nil
}

// load reads the whole tensor into F32, U8 or I8.
func (t *tensor) load() error {
	switch {
	case t.F32 != nil || t.U8 != nil || t.I8 != nil:
		return nil
	case t.DType == "uint8":
		b := make([]uint8, t.N)
		if err := t.readBytes(b, 0); err != nil {
			return err
		}
		t.U8 = b
		return nil
	case t.DType == "int8":
		b := make([]byte, t.N)
		if err := t.readBytes(b, 0); err != nil {
			return err
		}
		t.I8 = make([]int8, t.N)
		for i, v := range b {
			t.I8[i] = int8(v)
		}
		return nil
	}
	x := make([]float32, t.N)
	if err := t.loadFloats(x); err != nil {
		return err
	}
	t.F32 = x
	return nil
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

// unwrapPath drops the operation and path of an *fs.PathError (the
// message names the file itself).
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// osErr is the one-line message of an error opening or stating path.
func osErr(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fileErr(path, "no such file")
	case errors.Is(err, fs.ErrPermission):
		return fileErr(path, "permission denied")
	}
	return fileErr(path, "%v", unwrapPath(err))
}

// kindOf names a file type for messages.
func kindOf(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m.IsRegular():
		return "a regular file"
	}
	return "not a regular file"
}

// input is an opened input file.
type input struct {
	path string
	f    *os.File
	fi   fs.FileInfo
}

// openInput opens a regular file for reading (following symlinks). Other
// files are refused before they are opened: a FIFO would block, and
// /dev/zero never ends.
func openInput(path string) (*input, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, osErr(path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fileErr(path, "is %s, not a regular file (quant reads only regular files)", kindOf(fi.Mode()))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, osErr(path, err)
	}
	fi2, err := f.Stat()
	if err != nil || !fi2.Mode().IsRegular() || !os.SameFile(fi, fi2) {
		f.Close()
		return nil, fileErr(path, "changed while being opened")
	}
	return &input{path, f, fi2}, nil
}

// readAllInput reads the whole of an opened input, no more than the size
// it had when opened.
func readAllInput(in *input) ([]byte, error) {
	if uint64(in.fi.Size()) > math.MaxInt {
		return nil, fileErr(in.path, "too large for this platform (%d bytes)", in.fi.Size())
	}
	b := make([]byte, in.fi.Size())
	if _, err := io.ReadFull(in.f, b); err != nil {
		return nil, fileErr(in.path, "reading: %v", unwrapPath(err))
	}
	return b, nil
}

// readSmall reads a whole regular file of at most limit bytes (a Params
// JSON file).
func readSmall(path string, limit int64) ([]byte, *input, error) {
	in, err := openInput(path)
	if err != nil {
		return nil, nil, err
	}
	defer in.f.Close()
	if in.fi.Size() > limit {
		return nil, nil, fileErr(path, "too large (%d bytes; at most %d)", in.fi.Size(), limit)
	}
	b, err := io.ReadAll(io.LimitReader(in.f, limit+1))
	if err != nil {
		return nil, nil, fileErr(path, "reading: %v", unwrapPath(err))
	}
	if int64(len(b)) > limit {
		return nil, nil, fileErr(path, "too large (more than %d bytes)", limit)
	}
	return b, in, nil
}

// readTensors reads every tensor of a .npy or .safetensors file into
// memory (see openTensors).
func readTensors(path string, note func(string)) ([]tensor, error) {
	ts, in, err := openTensors(path, note)
	if err != nil {
		return nil, err
	}
	defer in.f.Close()
	for i := range ts {
		if err := ts[i].load(); err != nil {
			return nil, err
		}
	}
	return ts, nil
}

// openTensors opens a .npy (one tensor), .safetensors or GGUF file. note
// receives remarks for stderr (conversions, skipped tensors). The tensors
// read from the returned input's file, which the caller closes.
func openTensors(path string, note func(string)) ([]tensor, *input, error) {
	var ext = strings.ToLower(filepath.Ext(path))
	in, err := openInput(path)
	if ext != ".npy" && ext != ".safetensors" && ext != ".gguf" {
		if err == nil && hasGGUFMagic(in) {
			ext = ".gguf" // a GGUF file is known by its magic, whatever its name
		} else {
			if err == nil {
				in.f.Close()
			}
			return nil, nil, fileErr(path, "unknown file type (want .npy, .safetensors or .gguf)")
		}
	}
	if err != nil {
		return nil, nil, err
	}
	var ts []tensor
	switch ext {
	case ".npy":
		var t tensor
		t, err = npyTensor(in, note)
		ts = []tensor{t}
	case ".safetensors":
		ts, err = safetensorsTensors(in, note)
	default:
		ts, err = ggufTensors(in, note)
	}
	if err != nil {
		in.f.Close()
		return nil, nil, err
	}
	return ts, in, nil
}

// openNpy opens a .npy file as one tensor.
func openNpy(path string, note func(string)) (tensor, *input, error) {
	in, err := openInput(path)
	if err != nil {
		return tensor{}, nil, err
	}
	t, err := npyTensor(in, note)
	if err != nil {
		in.f.Close()
		return tensor{}, nil, err
	}
	return t, in, nil
}

// readNpy reads a whole .npy file into memory (F32, U8 or I8).
func readNpy(path string, note func(string)) (tensor, error) {
	t, in, err := openNpy(path, note)
	if err != nil {
		return t, err
	}
	defer in.f.Close()
	err = t.load()
	return t, err
}

// numElems multiplies the dimensions, rejecting negative ones and a
// product beyond limit.
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
