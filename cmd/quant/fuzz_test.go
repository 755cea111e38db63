package main

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzInputFiles: any bytes as a .npy or .safetensors file give a tensor
// list or an error naming the file, never a panic, and every tensor
// accepted can be read in full.
func FuzzInputFiles(f *testing.F) {
	var buf bytes.Buffer
	_ = writeNpy(&buf, []float32{1, 2, 3, 4}, []int{2, 2})
	f.Add(buf.Bytes(), false)
	buf.Reset()
	_ = writeNpy(&buf, []int8{1, -2, 3}, []int{3})
	f.Add(buf.Bytes(), false)
	f.Add(rawNpy("<f4", false, "(2, 1)", make([]byte, 8)), false)
	f.Add(rawNpy(">f8", false, "()", make([]byte, 8)), false)
	hdr := `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F8_E4M3","shape":[3],"data_offsets":[8,11]},"__metadata__":{"x":"y"}}`
	st := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	st = append(append(st, hdr...), make([]byte, 11)...)
	f.Add(st, true)
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte, safet bool) {
		path := filepath.Join(dir, "x.npy")
		if safet {
			path = filepath.Join(dir, "x.safetensors")
		}
		fuzzOpen(t, path, data)
	})
}

// fuzzOpen writes data to path and opens it as the commands do: an error
// must name the file and not be a recovered runtime error; every tensor
// accepted must lie in the file and read in full.
func fuzzOpen(t *testing.T, path string, data []byte) {
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ts, in, err := openTensors(path, func(string) {})
	if err != nil {
		if !strings.HasPrefix(err.Error(), path+": ") || strings.Contains(err.Error(), "runtime error") {
			t.Fatalf("bad message: %v", err)
		}
		return
	}
	defer in.f.Close()
	for _, tn := range ts {
		if tn.off+int64(tn.rawBytes(tn.N)) > int64(len(data)) {
			t.Fatalf("tensor %q: %d elements at byte %d in a file of %d bytes", tn.Name, tn.N, tn.off, len(data))
		}
		if err := tn.load(); err != nil {
			t.Fatalf("accepted tensor %q does not read: %v", tn.Name, err)
		}
	}
}

// FuzzGGUFTensors: any bytes as a .gguf file give a tensor list or an
// error naming the file, never a panic, and every tensor accepted (float
// or ggml blocks) lies in the file and can be read in full.
func FuzzGGUFTensors(f *testing.F) {
	for _, name := range []string{"ggml_kv.gguf", "ggml_align64.gguf", "ggml_empty.gguf"} {
		b, err := os.ReadFile(filepath.Join("../../testdata/gguf", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzOpen(t, filepath.Join(dir, "x.gguf"), data)
	})
}
