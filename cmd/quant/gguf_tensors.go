package main

import (
	"errors"
	"fmt"

	"github.com/quantkernel/quant/ggml"
	"github.com/quantkernel/quant/gguf"
)

// ggufFloatDTypes are the names the tool gives GGUF's float types (those
// of the .npy and .safetensors readers).
var ggufFloatDTypes = map[gguf.Type]string{gguf.F32: "float32", gguf.F16: "float16", gguf.BF16: "bfloat16"}

// hasGGUFMagic reports whether the opened input starts with "GGUF".
func hasGGUFMagic(in *input) bool {
	var magic [4]byte
	_, err := in.f.ReadAt(magic[:], 0)
	return err == nil && string(magic[:]) == gguf.Magic
}

// ggufErr is a gguf.Open or gguf.Decode error as one line naming the
// file: the field and byte offset for a malformed file.
func ggufErr(path string, err error) error {
	var fe *gguf.FormatError
	if errors.As(err, &fe) {
		return fileErr(path, "corrupt GGUF file: %s", trimGGUF(fe.Error()))
	}
	return fileErr(path, "%v", unwrapPath(err))
}

func trimGGUF(s string) string {
	if len(s) > 6 && s[:6] == "gguf: " {
		return s[6:]
	}
	return s
}

// ggufTensors decodes the header of an opened GGUF file (the data is not
// read) and returns its F32, F16 and BF16 tensors and those of the ggml
// block types package ggml decodes, in file order; the data is read by
// ReadAt in chunks, as for the other formats, block data dequantized
// chunk by chunk. Shape is row-major (ggml's ne reversed), as the other
// formats give it. Tensors of other types are skipped with a note; a file
// with none left is an error.
func ggufTensors(in *input, note func(string)) ([]tensor, error) {
	path := in.path
	f, err := gguf.Decode(in.f, in.fi.Size())
	if err != nil {
		return nil, ggufErr(path, err)
	}
	var ts []tensor
	for _, ti := range f.Tensors {
		t := tensor{Name: ti.Name, path: path, f: in.f, off: f.DataOffset + int64(ti.Offset)}
		if name, ok := ggufFloatDTypes[ti.Type]; ok {
			t.DType = name
		} else if gt := ggml.Type(ti.Type); gt.Supported() && gt.BlockSize() > 1 {
			t.DType, t.blocks, t.gt = gt.String(), true, gt
		} else {
			note(fmt.Sprintf("%s: skipping tensor %q: type %v is not one this tool reads", path, ti.Name, ti.Type))
			continue
		}
		t.Shape = make([]int, len(ti.Shape))
		n := ti.Elements() // the reader checked that the data fits in the file
		for i, d := range ti.Shape {
			t.Shape[len(ti.Shape)-1-i] = int(d)
		}
		t.N = int(n)
		ts = append(ts, t)
	}
	if len(ts) == 0 {
		return nil, fileErr(path, "no tensor of a type this tool reads (f32, f16, bf16, %s) in the file", ggmlBlockNames())
	}
	return ts, nil
}

// ggmlBlockNames lists the ggml block types package ggml decodes.
func ggmlBlockNames() string {
	s := ""
	for _, t := range []ggml.Type{ggml.Q8_0, ggml.Q8_1, ggml.Q4_0, ggml.Q4_1, ggml.Q5_0, ggml.Q5_1, ggml.Q4_K, ggml.Q5_K, ggml.Q6_K, ggml.Q8_K} {
		if t.Supported() {
			if s != "" {
				s += ", "
			}
			s += t.String()
		}
	}
	return s
}
