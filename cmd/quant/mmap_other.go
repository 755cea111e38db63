//go:build !unix

package main

// mapFile reads the file (no mmap on this platform).
func mapFile(path string) ([]byte, func(), error) {
	b, err := readFile(path)
	return b, func() {}, err
}
