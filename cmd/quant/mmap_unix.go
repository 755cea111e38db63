//go:build unix

package main

import (
	"math"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// mappedFile is a file mapped read-only, so that a model is paged in
// tensor by tensor instead of read whole (or, where it cannot be mapped,
// read).
type mappedFile struct {
	data   []byte
	mapped bool
}

// mapFile maps the regular file at path (other files are refused, as
// every input is). An empty file, or one too large for the address space,
// is read instead. The *input is for planOutput's same-file check.
func mapFile(path string) (*mappedFile, *input, error) {
	in, err := openInput(path)
	if err != nil {
		return nil, nil, err
	}
	defer in.f.Close()
	size := in.fi.Size()
	if size > 0 && uint64(size) <= math.MaxInt {
		if b, err := unix.Mmap(int(in.f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED); err == nil {
			return &mappedFile{b, true}, in, nil
		}
	}
	b, err := readAllInput(in)
	if err != nil {
		return nil, nil, err
	}
	return &mappedFile{b, false}, in, nil
}

// drop tells the kernel that the pages wholly inside sub, a part of the
// mapping, are no longer needed, so that they leave the process's resident
// set (they stay in the page cache). The data stays readable.
func (m *mappedFile) drop(sub []byte) {
	if !m.mapped || len(sub) == 0 {
		return
	}
	page := uintptr(os.Getpagesize())
	base := uintptr(unsafe.Pointer(unsafe.SliceData(m.data)))
	start := uintptr(unsafe.Pointer(unsafe.SliceData(sub))) - base
	end := start + uintptr(len(sub))
	start = (start + page - 1) &^ (page - 1)
	end &^= page - 1
	if start < end {
		_ = unix.Madvise(m.data[start:end], unix.MADV_DONTNEED)
	}
}

func (m *mappedFile) close() {
	if m.mapped {
		_ = unix.Munmap(m.data)
	}
}
