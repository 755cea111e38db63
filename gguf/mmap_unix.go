//go:build unix

package gguf

import (
	"math"
	"os"

	"golang.org/x/sys/unix"
)

// mmapFile maps size bytes of f read-only; nil for an empty file or one
// too large for the address space.
func mmapFile(f *os.File, size int64) ([]byte, error) {
	if size <= 0 || uint64(size) > math.MaxInt {
		return nil, nil
	}
	return unix.Mmap(int(f.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
}

func munmap(b []byte) error {
	if b == nil {
		return nil
	}
	return unix.Munmap(b)
}
