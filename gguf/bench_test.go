package gguf

import (
	"bytes"
	"fmt"
	"testing"
)

// BenchmarkDecode reads the header of a llama-like file: a vocabulary of
// 128k tokens with scores and types, and 290 tensor infos.
func BenchmarkDecode(b *testing.B) {
	const vocab = 128 << 10
	toks := make([]string, vocab)
	scores := make([]float32, vocab)
	types := make([]int32, vocab)
	for i := range toks {
		toks[i] = fmt.Sprintf("tok%d", i)
		scores[i] = float32(i)
	}
	kv := []KV{{"general.architecture", "llama"}, {"tokenizer.ggml.tokens", toks},
		{"tokenizer.ggml.scores", scores}, {"tokenizer.ggml.token_type", types}}
	var ts []TensorInfo
	for i := range 290 {
		ts = append(ts, TensorInfo{Name: fmt.Sprintf("blk.%d.w", i), Shape: []uint64{256, 1}, Type: Q4_K})
	}
	var buf bytes.Buffer
	w, err := NewWriter(&buf, kv, ts)
	if err != nil {
		b.Fatal(err)
	}
	w.Write(make([]byte, 290*144))
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(w.DataOffset())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeBytes(data); err != nil {
			b.Fatal(err)
		}
	}
}
