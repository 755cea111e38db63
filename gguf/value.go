package gguf

import "fmt"

// ValueType is a GGUF metadata value type (enum gguf_type).
type ValueType uint32

// The 13 metadata value types.
const (
	TypeUint8   ValueType = 0
	TypeInt8    ValueType = 1
	TypeUint16  ValueType = 2
	TypeInt16   ValueType = 3
	TypeUint32  ValueType = 4
	TypeInt32   ValueType = 5
	TypeFloat32 ValueType = 6
	TypeBool    ValueType = 7
	TypeString  ValueType = 8
	TypeArray   ValueType = 9
	TypeUint64  ValueType = 10
	TypeInt64   ValueType = 11
	TypeFloat64 ValueType = 12
)

var valueTypeNames = [...]string{"uint8", "int8", "uint16", "int16", "uint32", "int32", "float32", "bool", "string", "array", "uint64", "int64", "float64"}

// valueSizes is the encoded size of the fixed-size types; 0 for string and
// array.
var valueSizes = [...]int{1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8}

func (t ValueType) valid() bool { return int(t) < len(valueTypeNames) }

func (t ValueType) String() string {
	if !t.valid() {
		return fmt.Sprintf("value_type(%d)", uint32(t))
	}
	return valueTypeNames[t]
}

// minEncoded is the fewest bytes one value of type t takes in a file: its
// fixed size, 8 for a string (the length), 12 for an array (element type
// and count).
func (t ValueType) minEncoded() uint64 {
	switch t {
	case TypeString:
		return 8
	case TypeArray:
		return 12
	}
	return uint64(valueSizes[t])
}

// KV is one metadata key-value pair.
//
// Value holds one of the Go types uint8, int8, uint16, int16, uint32,
// int32, float32, bool, string, uint64, int64, float64 (the scalar
// types), a slice of one of them (an array of that type; []byte is an
// array of uint8), or a []any whose elements are each such a slice or a
// []any (a nested array: GGUF arrays of arrays, which the spec allows and
// ggml's reader rejects). The reader returns exactly these types, and an
// empty array keeps its element type (an empty []any is an empty array of
// arrays).
type KV struct {
	Key   string
	Value any
}

// TypeOf returns the GGUF type of a Value (TypeArray for a slice), or false
// if v is not one of the types KV lists.
func TypeOf(v any) (ValueType, bool) {
	switch v.(type) {
	case uint8:
		return TypeUint8, true
	case int8:
		return TypeInt8, true
	case uint16:
		return TypeUint16, true
	case int16:
		return TypeInt16, true
	case uint32:
		return TypeUint32, true
	case int32:
		return TypeInt32, true
	case float32:
		return TypeFloat32, true
	case bool:
		return TypeBool, true
	case string:
		return TypeString, true
	case uint64:
		return TypeUint64, true
	case int64:
		return TypeInt64, true
	case float64:
		return TypeFloat64, true
	case []uint8, []int8, []uint16, []int16, []uint32, []int32, []float32, []bool, []string, []uint64, []int64, []float64, []any:
		return TypeArray, true
	}
	return 0, false
}

// ElemType returns the element type of an array Value (TypeArray for a
// []any), or false if v is not an array.
func ElemType(v any) (ValueType, bool) {
	switch v.(type) {
	case []uint8:
		return TypeUint8, true
	case []int8:
		return TypeInt8, true
	case []uint16:
		return TypeUint16, true
	case []int16:
		return TypeInt16, true
	case []uint32:
		return TypeUint32, true
	case []int32:
		return TypeInt32, true
	case []float32:
		return TypeFloat32, true
	case []bool:
		return TypeBool, true
	case []string:
		return TypeString, true
	case []uint64:
		return TypeUint64, true
	case []int64:
		return TypeInt64, true
	case []float64:
		return TypeFloat64, true
	case []any:
		return TypeArray, true
	}
	return 0, false
}
