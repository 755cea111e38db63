//go:build linux && amd64

package main

import (
	"os"

	"github.com/quantkernel/quant/internal/ggmlpeer"
	"golang.org/x/sys/cpu"
)

// loadGGMLPeer loads ggml from $GGML_LIBDIR (the npm package
// @node-llama-cpp/linux-x64's bins/linux-x64); nil and why when it cannot.
func loadGGMLPeer() (ggmlPeer, string) {
	dir := os.Getenv("GGML_LIBDIR")
	if dir == "" {
		return nil, "GGML_LIBDIR not set (npm install @node-llama-cpp/linux-x64 and point it at bins/linux-x64)"
	}
	l, err := ggmlpeer.Load(dir, cpu.X86.HasAVX2)
	if err != nil {
		return nil, err.Error()
	}
	return l, ""
}
