package gguf_test

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/quantkernel/quant/gguf"
)

// Write a file tensor by tensor, then read its metadata and a tensor back.
func Example() {
	dir, _ := os.MkdirTemp("", "gguf-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.gguf")

	kv := []gguf.KV{
		{Key: "general.architecture", Value: "llama"},
		{Key: "tokenizer.ggml.tokens", Value: []string{"<s>", "</s>"}},
	}
	tensors := []gguf.TensorInfo{
		{Name: "output_norm.weight", Shape: []uint64{4}, Type: gguf.F32}, // 16 bytes
		{Name: "output.weight", Shape: []uint64{32, 2}, Type: gguf.Q8_0}, // 2 blocks of 34 bytes
	}
	fw, err := gguf.Create(path, kv, tensors)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range fw.Tensors() {
		fw.Write(make([]byte, t.Size)) // each tensor's data in turn, from anywhere
	}
	if err := fw.Close(); err != nil { // renames the finished file into place
		fmt.Println(err)
		return
	}

	f, err := gguf.Open(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	arch, _ := f.Lookup("general.architecture")
	fmt.Println(arch, f.Alignment, f.DataOffset)
	for i, t := range f.Tensors {
		n, _ := io.Copy(io.Discard, f.TensorReader(i))
		fmt.Println(t.Name, t.Type, t.Shape, t.Offset, n)
	}
	// Output:
	// llama 32 256
	// output_norm.weight f32 [4] 0 16
	// output.weight q8_0 [32 2] 32 68
}
