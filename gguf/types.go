package gguf

import (
	"fmt"

	"github.com/quantkernel/quant/ggml"
)

// Type is a ggml tensor type id (enum ggml_type in ggml.h), stored as a
// uint32 in a GGUF tensor info.
//
// The table below is ggml's type_traits (ggml.c) for blck_size and
// type_size; testdata/gguf/types.txt holds the same table as read from
// libggml-base.so by testdata/gguf/oracle.py, and TestTypesOracle compares
// them. Package ggml will share this table once both are merged.
type Type uint32

// The ggml type ids. Ids 4, 5, 31-33 and 36-38 are removed types: a GGUF
// file may not use them.
const (
	F32     Type = 0
	F16     Type = 1
	Q4_0    Type = 2
	Q4_1    Type = 3
	Q5_0    Type = 6
	Q5_1    Type = 7
	Q8_0    Type = 8
	Q8_1    Type = 9
	Q2_K    Type = 10
	Q3_K    Type = 11
	Q4_K    Type = 12
	Q5_K    Type = 13
	Q6_K    Type = 14
	Q8_K    Type = 15
	IQ2_XXS Type = 16
	IQ2_XS  Type = 17
	IQ3_XXS Type = 18
	IQ1_S   Type = 19
	IQ4_NL  Type = 20
	IQ3_S   Type = 21
	IQ2_S   Type = 22
	IQ4_XS  Type = 23
	I8      Type = 24
	I16     Type = 25
	I32     Type = 26
	I64     Type = 27
	F64     Type = 28
	IQ1_M   Type = 29
	BF16    Type = 30
	TQ1_0   Type = 34
	TQ2_0   Type = 35
	MXFP4   Type = 39
	NVFP4   Type = 40
	Q1_0    Type = 41
	Q2_0    Type = 42
)

// The names and sizes of the types are ggml's type_traits, held once, in
// package ggml (ggml.Type's String, BlockSize and TypeSize).

// Valid reports whether t is a ggml type a GGUF file may hold (known and
// not removed).
func (t Type) Valid() bool { return ggml.Type(t).Known() }

// BlockSize is the number of elements in one block of t (1 for the
// unquantized types), 0 if t is not Valid.
func (t Type) BlockSize() int { return ggml.Type(t).BlockSize() }

// BlockBytes is the number of bytes of one block of t, 0 if t is not Valid.
func (t Type) BlockBytes() int { return ggml.Type(t).TypeSize() }

// String is ggml's name of the type (ggml_type_name), or "type(N)".
func (t Type) String() string {
	if !t.Valid() {
		return fmt.Sprintf("type(%d)", uint32(t))
	}
	return ggml.Type(t).String()
}

// ParseType returns the type whose ggml name is s, ignoring case
// ("q4_k" and "Q4_K" both give Q4_K).
func ParseType(s string) (Type, bool) {
	t, err := ggml.ParseType(s)
	return Type(t), err == nil
}

// TensorBytes is the size in bytes of a tensor of type t with dimensions
// ne (ne[0] innermost). ok is false if t is not Valid, ne[0] is not a
// multiple of the block size, or the size overflows int64.
func TensorBytes(t Type, ne []uint64) (n uint64, ok bool) {
	if !t.Valid() {
		return 0, false
	}
	bs := uint64(t.BlockSize())
	elems := uint64(1)
	for _, d := range ne {
		if d > maxInt64 {
			return 0, false
		}
		if d != 0 && elems > maxInt64/d {
			return 0, false
		}
		elems *= d
	}
	ne0 := uint64(1) // a missing dimension is 1
	if len(ne) > 0 {
		ne0 = ne[0]
	}
	if ne0%bs != 0 {
		return 0, false
	}
	blocks := elems / bs
	bb := uint64(t.BlockBytes())
	if blocks > maxInt64/bb {
		return 0, false
	}
	return blocks * bb, true
}

const maxInt64 = 1<<63 - 1
