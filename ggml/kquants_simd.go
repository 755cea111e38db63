package ggml

// simdKQuant holds this machine's row kernels for the k-quants (filled by
// kquants_amd64.go's init when the CPU has them), with simdQuant's
// contract: simdKQuant[t](dst, src) quantizes the whole super-blocks of
// src, finite as Quantize has checked, into exactly the bytes of
// codecs[t]. noSIMD turns them off as it does simdQuant.
var simdKQuant = map[Type]func(dst []byte, src []float32){}
