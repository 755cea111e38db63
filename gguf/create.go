package gguf

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
)

// FileWriter writes a GGUF file atomically: into a temporary file in the
// target's directory, renamed to the target by Close once all tensor data
// is written. Abort (or a failed Close) removes the temporary file, so the
// target is never half-written.
type FileWriter struct {
	*Writer
	f    *os.File
	bw   *bufio.Writer
	path string
}

// Create starts the GGUF file path with the given metadata and tensor
// infos (see NewWriter); write the tensor data through Write, then Close.
func Create(path string, kv []KV, tensors []TensorInfo) (*FileWriter, error) {
	if _, _, err := Layout(kv, tensors); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w, err := NewWriter(bw, kv, tensors)
	if err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &FileWriter{Writer: w, f: f, bw: bw, path: path}, nil
}

// Close checks that all tensor data was written, flushes, and renames the
// temporary file to the target (mode 0644). On any failure the temporary
// file is removed and the target is untouched.
func (fw *FileWriter) Close() error {
	if fw.f == nil {
		return errors.New("gguf: FileWriter already closed")
	}
	err := fw.Writer.Close()
	if err == nil {
		err = fw.bw.Flush()
	}
	if err == nil {
		err = fw.f.Chmod(0o644)
	}
	if err == nil {
		err = fw.f.Sync()
	}
	if cerr := fw.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(fw.f.Name(), fw.path)
	}
	if err != nil {
		os.Remove(fw.f.Name())
	}
	fw.f = nil
	return err
}

// Abort removes the temporary file; the target is untouched. It does
// nothing after Close.
func (fw *FileWriter) Abort() {
	if fw.f == nil {
		return
	}
	fw.f.Close()
	os.Remove(fw.f.Name())
	fw.f = nil
}
