//go:build !unix

package gguf

import "os"

// mmapFile does not map: TensorReader reads from the file.
func mmapFile(*os.File, int64) ([]byte, error) { return nil, nil }

func munmap([]byte) error { return nil }
