//go:build !unix

package main

// mappedFile holds the file read whole (no mmap on this platform).
type mappedFile struct{ data []byte }

func mapFile(path string) (*mappedFile, error) {
	b, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return &mappedFile{b}, nil
}

func (m *mappedFile) drop([]byte) {}

func (m *mappedFile) close() {}
