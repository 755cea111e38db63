package gguf

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzRead: Decode never panics and never allocates beyond the input's
// size; a malformed input gets a *FormatError at an offset inside it; a
// well-formed one has every tensor inside the file, and writing it back
// with the Writer gives a file that decodes and writes back to the same
// bytes.
func FuzzRead(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join(testdata, "*.gguf"))
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	var nested bytes.Buffer
	w, err := NewWriter(&nested, []KV{{"n", []any{[]any{[]uint8{1}}, []string{"x"}}}, {"b", []bool{true}}},
		[]TensorInfo{{Name: "t", Shape: []uint64{32, 2}, Type: Q8_0}, {Name: "z", Shape: []uint64{0}, Type: F32}})
	if err != nil {
		f.Fatal(err)
	}
	w.Write(make([]byte, 68))
	f.Add(nested.Bytes())
	f.Add([]byte("GGUF\x03\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := decodeBytes(b)
		if err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("not a *FormatError: %v", err)
			}
			if fe.Offset < 0 || fe.Offset > int64(len(b)) {
				t.Fatalf("offset %d outside the %d-byte input: %v", fe.Offset, len(b), err)
			}
			return
		}
		for i, ti := range file.Tensors {
			if file.DataOffset+int64(ti.Offset)+int64(ti.Size) > int64(len(b)) || ti.Offset%file.Alignment != 0 {
				t.Fatalf("tensor %d outside the file or misaligned: %+v", i, ti)
			}
		}
		if file.Alignment > 1<<12 {
			return // a legal alignment of up to 2^31 pads by as much: not in a fuzz loop
		}
		once := rewrite(t, file)
		again, err := decodeBytes(once)
		if err != nil {
			t.Fatalf("the rewritten file does not decode: %v", err)
		}
		if twice := rewrite(t, again); !bytes.Equal(once, twice) {
			t.Fatal("rewriting is not stable")
		}
	})
}

func rewrite(t *testing.T, f *File) []byte {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, f.KV, f.Tensors)
	if err != nil {
		t.Fatalf("a decoded file does not write back: %v", err)
	}
	for i := range f.Tensors {
		if _, err := io.Copy(w, f.TensorReader(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
