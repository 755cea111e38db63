//go:build unix

package main

import (
	"math"
	"os"

	"golang.org/x/sys/unix"
)

// mapFile maps a file read-only, so that a model is paged in tensor by
// tensor instead of read whole; release unmaps it. An empty file, or one
// too large for the address space, is read instead.
func mapFile(path string) (data []byte, release func(), err error) {
	f, err := os.Open(path)
	if err != nil {
		_, err = readFile(path) // the same short messages as readFile
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, fileErr(path, "%v", err)
	}
	if st.IsDir() {
		return nil, nil, fileErr(path, "is a directory")
	}
	if st.Size() == 0 || uint64(st.Size()) > math.MaxInt {
		b, err := readFile(path)
		return b, func() {}, err
	}
	b, err := unix.Mmap(int(f.Fd()), 0, int(st.Size()), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		b, err := readFile(path)
		return b, func() {}, err
	}
	return b, func() { unix.Munmap(b) }, nil
}
