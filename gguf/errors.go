package gguf

import (
	"errors"
	"fmt"
)

// The sentinel errors a *FormatError wraps; test with errors.Is.
var (
	// ErrTruncated: the file ends inside a field.
	ErrTruncated = errors.New("truncated")
	// ErrMagic: the file does not start with "GGUF".
	ErrMagic = errors.New("not a GGUF file")
	// ErrVersion: a version other than 2 or 3.
	ErrVersion = errors.New("unsupported version")
	// ErrType: an unknown metadata value type or ggml tensor type.
	ErrType = errors.New("unknown type")
	// ErrRange: a count, length, dimension or size that overflows or
	// cannot fit in the rest of the file, or a value outside its domain.
	ErrRange = errors.New("out of range")
	// ErrAlign: a misaligned tensor offset or an invalid general.alignment.
	ErrAlign = errors.New("misaligned")
	// ErrDuplicate: a metadata key or tensor name given twice.
	ErrDuplicate = errors.New("duplicate")
	// ErrBounds: tensor data past the end of the file or overlapping
	// another tensor's.
	ErrBounds = errors.New("out of bounds")
)

// FormatError is a malformed GGUF file (or, from the Writer, an invalid
// description of one): Field names the field (for example
// "tensor[3].offset" or `kv["general.alignment"]`), Offset is the byte
// offset of that field in the file (-1 if it has none, e.g. a tensor info
// given to the Writer), and Err is one of the sentinels above.
type FormatError struct {
	Field  string
	Offset int64
	Reason string
	Err    error
}

func (e *FormatError) Error() string {
	if e.Offset < 0 {
		return fmt.Sprintf("gguf: %s: %s", e.Field, e.Reason)
	}
	return fmt.Sprintf("gguf: %s at byte %d: %s", e.Field, e.Offset, e.Reason)
}

func (e *FormatError) Unwrap() error { return e.Err }

func formatErr(sentinel error, field string, off int64, format string, args ...any) *FormatError {
	return &FormatError{Field: field, Offset: off, Reason: fmt.Sprintf(format, args...), Err: sentinel}
}
