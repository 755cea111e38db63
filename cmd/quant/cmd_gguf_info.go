package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/quantkernel/quant/gguf"
)

// isGGUF reports whether path names a GGUF file: by its extension, or by
// its first four bytes (read only from a regular file: a FIFO would block).
func isGGUF(path string) bool {
	if strings.EqualFold(filepath.Ext(path), ".gguf") {
		return true
	}
	in, err := openInput(path)
	if err != nil {
		return false
	}
	defer in.f.Close()
	return hasGGUFMagic(in)
}

// ggufInfo lists the metadata and the tensors of a GGUF file.
func ggufInfo(e *env, path string) error {
	in, err := openInput(path) // regular files only, as every input
	if err != nil {
		return err
	}
	defer in.f.Close()
	f, err := gguf.Decode(in.f, in.fi.Size())
	if err != nil {
		return ggufErr(path, err)
	}
	w := e.stdout
	fmt.Fprintf(w, "%s: GGUF v%d, %d bytes, alignment %d, tensor data at byte %d\n", path, f.Version, f.Size, f.Alignment, f.DataOffset)
	fmt.Fprintf(w, "Metadata (%d):\n", len(f.KV))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, kv := range f.KV {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", kv.Key, valueTypeString(kv.Value), valueString(kv.Value, 8))
	}
	tw.Flush()
	fmt.Fprintf(w, "Tensors (%d):\n", len(f.Tensors))
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "  name\ttype\tne\toffset\tbytes\n")
	for _, t := range f.Tensors {
		fmt.Fprintf(tw, "  %s\t%s\t%v\t%d\t%d\n", t.Name, t.Type, t.Shape, t.Offset, t.Size)
	}
	return tw.Flush()
}

// valueTypeString is a metadata value's type: "uint32", "array[string]".
func valueTypeString(v any) string {
	t, _ := gguf.TypeOf(v)
	if t != gguf.TypeArray {
		return t.String()
	}
	et, _ := gguf.ElemType(v)
	return "array[" + et.String() + "]"
}

// valueString prints a value, arrays as their length and first max
// elements, strings quoted.
func valueString(v any, max int) string {
	switch x := v.(type) {
	case string:
		return strconv.Quote(x)
	case []byte:
		return arrayString(len(x), max, func(i int) string { return fmt.Sprint(x[i]) })
	case []string:
		return arrayString(len(x), max, func(i int) string { return strconv.Quote(x[i]) })
	case []any:
		return arrayString(len(x), max, func(i int) string { return valueString(x[i], 4) })
	case []int8:
		return arrayString(len(x), max, func(i int) string { return fmt.Sprint(x[i]) })
	case []uint16:
		return arrayString(len(x), max, func(i int) string { return fmt.Sprint(x[i]) })
	case []int16:
		return arrayString(len(x), max, func(i int) string { return fmt.Sprint(x[i]) })
	case []uint32:
		return arrayString(len(x), max, func(i int) string { return fmt.Sprint(x[i]) })
	case []int32:
		return arrayString(len(x), max, func(i int) string { return fmt.Sprint(x[i]) })
	case []float32:
		return arrayString(len(x), max, func(i int) string { return fmt.Sprint(x[i]) })
	case []bool:
		return arrayString(len(x), max, func(i int) string { return fmt.Sprint(x[i]) })
	case []uint64:
		return arrayString(len(x), max, func(i int) string { return fmt.Sprint(x[i]) })
	case []int64:
		return arrayString(len(x), max, func(i int) string { return fmt.Sprint(x[i]) })
	case []float64:
		return arrayString(len(x), max, func(i int) string { return fmt.Sprint(x[i]) })
	}
	return fmt.Sprint(v)
}

func arrayString(n, max int, elem func(int) string) string {
	parts := make([]string, 0, min(n, max)+1)
	for i := range min(n, max) {
		parts = append(parts, elem(i))
	}
	if n > max {
		parts = append(parts, fmt.Sprintf("... (%d in all)", n))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
