//go:build !unix

package main

// mappedFile holds the file read whole (no mmap on this platform).
type mappedFile struct{ data []byte }

func mapFile(path string) (*mappedFile, *input, error) {
	in, err := openInput(path)
	if err != nil {
		return nil, nil, err
	}
	defer in.f.Close()
	b, err := readAllInput(in)
	if err != nil {
		return nil, nil, err
	}
	return &mappedFile{b}, in, nil
}

func (m *mappedFile) drop([]byte) {}

func (m *mappedFile) close() {}
