package gguf

import (
	"fmt"
	"strings"
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

// typeTraits is one row of ggml's type_traits: the name, the number of
// elements per block and the bytes per block.
type typeTraits struct {
	name       string
	blockSize  int
	blockBytes int
}

var types = [...]typeTraits{
	F32:     {"f32", 1, 4},
	F16:     {"f16", 1, 2},
	Q4_0:    {"q4_0", 32, 18},
	Q4_1:    {"q4_1", 32, 20},
	Q5_0:    {"q5_0", 32, 22},
	Q5_1:    {"q5_1", 32, 24},
	Q8_0:    {"q8_0", 32, 34},
	Q8_1:    {"q8_1", 32, 36},
	Q2_K:    {"q2_K", 256, 84},
	Q3_K:    {"q3_K", 256, 110},
	Q4_K:    {"q4_K", 256, 144},
	Q5_K:    {"q5_K", 256, 176},
	Q6_K:    {"q6_K", 256, 210},
	Q8_K:    {"q8_K", 256, 292},
	IQ2_XXS: {"iq2_xxs", 256, 66},
	IQ2_XS:  {"iq2_xs", 256, 74},
	IQ3_XXS: {"iq3_xxs", 256, 98},
	IQ1_S:   {"iq1_s", 256, 50},
	IQ4_NL:  {"iq4_nl", 32, 18},
	IQ3_S:   {"iq3_s", 256, 110},
	IQ2_S:   {"iq2_s", 256, 82},
	IQ4_XS:  {"iq4_xs", 256, 136},
	I8:      {"i8", 1, 1},
	I16:     {"i16", 1, 2},
	I32:     {"i32", 1, 4},
	I64:     {"i64", 1, 8},
	F64:     {"f64", 1, 8},
	IQ1_M:   {"iq1_m", 256, 56},
	BF16:    {"bf16", 1, 2},
	TQ1_0:   {"tq1_0", 256, 54},
	TQ2_0:   {"tq2_0", 256, 66},
	MXFP4:   {"mxfp4", 32, 17},
	NVFP4:   {"nvfp4", 64, 36},
	Q1_0:    {"q1_0", 128, 18},
	Q2_0:    {"q2_0", 64, 18},
}

// Valid reports whether t is a ggml type a GGUF file may hold (known and
// not removed).
func (t Type) Valid() bool { return int(t) < len(types) && types[t].blockSize > 0 }

// BlockSize is the number of elements in one block of t (1 for the
// unquantized types), 0 if t is not Valid.
func (t Type) BlockSize() int {
	if !t.Valid() {
		return 0
	}
	return types[t].blockSize
}

// BlockBytes is the number of bytes of one block of t, 0 if t is not Valid.
func (t Type) BlockBytes() int {
	if !t.Valid() {
		return 0
	}
	return types[t].blockBytes
}

// String is ggml's name of the type (ggml_type_name), or "type(N)".
func (t Type) String() string {
	if !t.Valid() {
		return fmt.Sprintf("type(%d)", uint32(t))
	}
	return types[t].name
}

// ParseType returns the type whose ggml name is s, ignoring case
// ("q4_k" and "Q4_K" both give Q4_K).
func ParseType(s string) (Type, bool) {
	for i, tt := range types {
		if tt.blockSize > 0 && strings.EqualFold(tt.name, s) {
			return Type(i), true
		}
	}
	return 0, false
}

// TensorBytes is the size in bytes of a tensor of type t with dimensions
// ne (ne[0] innermost). ok is false if t is not Valid, ne[0] is not a
// multiple of the block size, or the size overflows int64.
func TensorBytes(t Type, ne []uint64) (n uint64, ok bool) {
	if !t.Valid() {
		return 0, false
	}
	bs := uint64(types[t].blockSize)
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
	bb := uint64(types[t].blockBytes)
	if blocks > maxInt64/bb {
		return 0, false
	}
	return blocks * bb, true
}

const maxInt64 = 1<<63 - 1
