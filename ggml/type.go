package ggml

import (
	"fmt"
	"math"
	"strings"
)

// Type is a ggml tensor type, numbered as ggml's enum ggml_type
// (GGML_TYPE_*), the value stored in GGUF tensor infos.
type Type uint32

// The ggml types this package quantizes and dequantizes. Other ggml types
// have traits (Name, BlockSize, TypeSize) but no conversion.
const (
	F32  Type = 0
	F16  Type = 1
	Q4_0 Type = 2
	Q4_1 Type = 3
	Q5_0 Type = 6
	Q5_1 Type = 7
	Q8_0 Type = 8
	Q8_1 Type = 9
	Q4_K Type = 12
	Q5_K Type = 13
	Q6_K Type = 14
	Q8_K Type = 15
	BF16 Type = 30
)

// traits is ggml's type_traits table (ggml.c): name, elements per block,
// bytes per block. Removed ids (4, 5, 31-33, 36-38) are absent.
var traits = map[Type]struct {
	name       string
	blck, size int
}{
	0: {"f32", 1, 4}, 1: {"f16", 1, 2}, 2: {"q4_0", 32, 18}, 3: {"q4_1", 32, 20},
	6: {"q5_0", 32, 22}, 7: {"q5_1", 32, 24}, 8: {"q8_0", 32, 34}, 9: {"q8_1", 32, 36},
	10: {"q2_K", 256, 84}, 11: {"q3_K", 256, 110}, 12: {"q4_K", 256, 144},
	13: {"q5_K", 256, 176}, 14: {"q6_K", 256, 210}, 15: {"q8_K", 256, 292},
	16: {"iq2_xxs", 256, 66}, 17: {"iq2_xs", 256, 74}, 18: {"iq3_xxs", 256, 98},
	19: {"iq1_s", 256, 50}, 20: {"iq4_nl", 32, 18}, 21: {"iq3_s", 256, 110},
	22: {"iq2_s", 256, 82}, 23: {"iq4_xs", 256, 136}, 24: {"i8", 1, 1},
	25: {"i16", 1, 2}, 26: {"i32", 1, 4}, 27: {"i64", 1, 8}, 28: {"f64", 1, 8},
	29: {"iq1_m", 256, 56}, 30: {"bf16", 1, 2}, 34: {"tq1_0", 256, 54},
	35: {"tq2_0", 256, 66}, 39: {"mxfp4", 32, 17}, 40: {"nvfp4", 64, 36},
	41: {"q1_0", 128, 18}, 42: {"q2_0", 64, 18},
}

// Known reports whether t is a type of ggml's enum (one with traits).
func (t Type) Known() bool { _, ok := traits[t]; return ok }

// Supported reports whether Quantize and Dequantize handle t: F32, F16,
// BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q8_1, Q4_K, Q5_K, Q6_K and Q8_K.
func (t Type) Supported() bool { _, ok := codecs[t]; return ok }

// String returns ggml's name of t (ggml_type_name: "q8_0", "q4_K", "bf16",
// ...), or "ggml.Type(N)" for an unknown id.
func (t Type) String() string {
	if tr, ok := traits[t]; ok {
		return tr.name
	}
	return fmt.Sprintf("ggml.Type(%d)", uint32(t))
}

// BlockSize is the number of elements per block (ggml_blck_size): 32 for
// Q4_0..Q8_1, 256 for the k-quants, 1 for F32/F16/BF16. It is 0 for an
// unknown type.
func (t Type) BlockSize() int { return traits[t].blck }

// TypeSize is the number of bytes per block (ggml_type_size): 34 for Q8_0,
// 144 for Q4_K, ... It is 0 for an unknown type.
func (t Type) TypeSize() int { return traits[t].size }

// RowSize returns the bytes that n elements of t occupy, TypeSize *
// n/BlockSize (ggml_row_size). It panics if t is unknown, n is negative,
// n is not a multiple of BlockSize or the size overflows int (validate
// untrusted counts first, with BlockSize and TypeSize).
func (t Type) RowSize(n int) int {
	b, s := t.BlockSize(), t.TypeSize()
	if b == 0 || n < 0 || n%b != 0 || n/b > math.MaxInt/s {
		panic(fmt.Sprintf("ggml.Type.RowSize: %d elements of %v (block %d, %d bytes)", n, t, b, s))
	}
	return n / b * s
}

// ParseType returns the type named s, ggml's name compared without regard
// to case ("q4_k" and "Q4_K" both give Q4_K). An unknown name gives an
// error wrapping ErrType.
func ParseType(s string) (Type, error) {
	for t, tr := range traits {
		if strings.EqualFold(s, tr.name) {
			return t, nil
		}
	}
	return 0, fmt.Errorf("ggml: %w: unknown type name %q", ErrType, s)
}
