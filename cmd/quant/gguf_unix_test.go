//go:build unix

package main

import (
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGGUFFIFO: info and report refuse a FIFO named .gguf before opening
// it (opening one for reading blocks until a writer comes).
func TestGGUFFIFO(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "fifo.gguf"), 0o644))
	for _, cmd := range []string{"info", "report"} {
		requireFail(t, quantCmd(t, dir, cmd, "fifo.gguf"), 1, "fifo.gguf: is a FIFO, not a regular file")
	}
}
