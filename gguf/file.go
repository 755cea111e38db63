package gguf

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// File is a decoded GGUF file: its metadata and tensor infos. The tensor
// data stays in the file: TensorReader and TensorData give views on it.
type File struct {
	Version   uint32
	Alignment uint64
	KV        []KV
	Tensors   []TensorInfo
	// DataOffset is the byte offset of the data section in the file; a
	// tensor's data starts at DataOffset + TensorInfo.Offset.
	DataOffset int64
	// Size is the size of the file in bytes.
	Size int64

	keys  map[string]int
	names map[string]int
	ra    io.ReaderAt
	mm    []byte // the mapped file, if Open could map it
	close func() error
}

// rowLen is ne[0], 1 for a tensor of no dimensions.
func rowLen(ne []uint64) uint64 {
	if len(ne) == 0 {
		return 1
	}
	return ne[0]
}

// Open decodes the GGUF file at path. Where the platform allows it the file
// is memory-mapped (read-only) and TensorData returns slices of the
// mapping; otherwise TensorReader reads from the open file. Close releases
// it. As with any mapping, the file must not be truncated while open (an
// access past its new end faults).
func Open(path string) (*File, error) {
	osf, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := osf.Stat()
	if err != nil {
		osf.Close()
		return nil, err
	}
	if !st.Mode().IsRegular() {
		osf.Close()
		return nil, fmt.Errorf("gguf: %s is not a regular file", path)
	}
	size := st.Size()
	var ra io.ReaderAt = osf
	mm, err := mmapFile(osf, size)
	if err == nil && mm != nil {
		ra = bytesReaderAt(mm)
	}
	f, err := Decode(ra, size)
	if err != nil {
		munmap(mm)
		osf.Close()
		return nil, err
	}
	f.mm = mm
	f.close = func() error {
		err1 := munmap(mm)
		err2 := osf.Close()
		return errors.Join(err1, err2)
	}
	return f, nil
}

// Close releases the file of Open (the slices of TensorData become
// invalid). It does nothing for a File from Decode.
func (f *File) Close() error {
	if f.close == nil {
		return nil
	}
	c := f.close
	f.close, f.mm = nil, nil
	return c()
}

// Lookup returns the value of a metadata key.
func (f *File) Lookup(key string) (any, bool) {
	i, ok := f.keys[key]
	if !ok {
		return nil, false
	}
	return f.KV[i].Value, true
}

// Tensor returns the index of the tensor called name in Tensors.
func (f *File) Tensor(name string) (int, bool) {
	i, ok := f.names[name]
	return i, ok
}

// TensorReader returns a reader on the data of Tensors[i] (Size bytes).
func (f *File) TensorReader(i int) *io.SectionReader {
	t := &f.Tensors[i]
	return io.NewSectionReader(f.ra, f.DataOffset+int64(t.Offset), int64(t.Size))
}

// TensorData returns the data of Tensors[i] as a read-only slice of the
// mapped file, without copying; ok is false if the file is not mapped
// (Decode, or a platform without mmap). Writing to the slice faults. It is
// valid until Close.
func (f *File) TensorData(i int) (data []byte, ok bool) {
	if f.mm == nil {
		return nil, false
	}
	t := &f.Tensors[i]
	start := f.DataOffset + int64(t.Offset)
	return f.mm[start : start+int64(t.Size) : start+int64(t.Size)], true
}

// bytesReaderAt is an io.ReaderAt on a byte slice.
type bytesReaderAt []byte

func (b bytesReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("gguf: negative offset")
	}
	if off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
