//go:build linux

package guardpage

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Region is an mmap'd region: a PROT_NONE page, Data (a whole number of
// read-write pages), a PROT_NONE page.
type Region struct {
	mem  []byte // the whole mapping
	Data []byte // the read-write part
}

// New maps a region with at least size bytes of data (at least a page).
func New(size int) (*Region, error) {
	page := unix.Getpagesize()
	size = (size + page - 1) / page * page
	if size == 0 {
		size = page
	}
	mem, err := unix.Mmap(-1, 0, size+2*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANON)
	if err != nil {
		return nil, fmt.Errorf("guardpage: mmap: %w", err)
	}
	if err := unix.Mprotect(mem[:page], unix.PROT_NONE); err != nil {
		unix.Munmap(mem)
		return nil, fmt.Errorf("guardpage: mprotect: %w", err)
	}
	if err := unix.Mprotect(mem[page+size:], unix.PROT_NONE); err != nil {
		unix.Munmap(mem)
		return nil, fmt.Errorf("guardpage: mprotect: %w", err)
	}
	return &Region{mem: mem, Data: mem[page : page+size]}, nil
}

// Free unmaps the region; no slice of it may be used afterwards.
func (g *Region) Free() error { return unix.Munmap(g.mem) }

// Tail returns n elements of T ending exactly at the trailing PROT_NONE
// page (n*sizeof(T) must fit in Data).
func Tail[T any](g *Region, n int) []T {
	var z T
	size := int(unsafe.Sizeof(z))
	p := unsafe.Add(unsafe.Pointer(unsafe.SliceData(g.Data)), len(g.Data)-n*size)
	return unsafe.Slice((*T)(p), n)
}

// Head returns n elements of T starting exactly after the leading
// PROT_NONE page.
func Head[T any](g *Region, n int) []T {
	return unsafe.Slice((*T)(unsafe.Pointer(unsafe.SliceData(g.Data))), n)
}

// Place is Tail if atTail, else Head.
func Place[T any](g *Region, n int, atTail bool) []T {
	if atTail {
		return Tail[T](g, n)
	}
	return Head[T](g, n)
}
