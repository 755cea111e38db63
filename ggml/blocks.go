package ggml

// Block structs with the field order, sizes and offsets of ggml-common.h.
// On a little-endian machine a []BlockQ4_K has exactly the bytes of a
// GGUF Q4_K tensor; Quantize and Dequantize work on []byte with explicit
// little-endian fields, so they are correct on any machine. Scales named D,
// M, S and Dmin are binary16 bits (see FP16ToFP32).

// QK is the block size of Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 and Q8_1; QKK the
// super-block size of the k-quants (QK_K).
const (
	QK  = 32
	QKK = 256
)

// BlockQ8_0 is block_q8_0 (34 bytes): x = D·Qs.
type BlockQ8_0 struct {
	D  uint16
	Qs [QK]int8
}

// BlockQ8_1 is block_q8_1 (36 bytes): x = D·Qs, S = fp16(D·ΣQs).
type BlockQ8_1 struct {
	D, S uint16
	Qs   [QK]int8
}

// BlockQ4_0 is block_q4_0 (18 bytes): element j < 16 is the low nibble of
// Qs[j], element j+16 the high nibble; x = D·(q-8).
type BlockQ4_0 struct {
	D  uint16
	Qs [QK / 2]uint8
}

// BlockQ4_1 is block_q4_1 (20 bytes): nibbles as Q4_0; x = D·q + M.
type BlockQ4_1 struct {
	D, M uint16
	Qs   [QK / 2]uint8
}

// BlockQ5_0 is block_q5_0 (22 bytes): nibbles as Q4_0, bit j of the
// little-endian Qh is bit 4 of element j; x = D·(q-16).
type BlockQ5_0 struct {
	D  uint16
	Qh [4]uint8
	Qs [QK / 2]uint8
}

// BlockQ5_1 is block_q5_1 (24 bytes): as Q5_0 with x = D·q + M.
type BlockQ5_1 struct {
	D, M uint16
	Qh   [4]uint8
	Qs   [QK / 2]uint8
}

// BlockQ4_K is block_q4_K (144 bytes): 8 sub-blocks of 32 with 6-bit
// scales and mins packed in Scales (get_scale_min_k4); x = D·sc·q - Dmin·m.
type BlockQ4_K struct {
	D, Dmin uint16
	Scales  [12]uint8
	Qs      [QKK / 2]uint8
}

// BlockQ5_K is block_q5_K (176 bytes): as Q4_K with a fifth bit per
// element in Qh.
type BlockQ5_K struct {
	D, Dmin uint16
	Scales  [12]uint8
	Qh      [QKK / 8]uint8
	Qs      [QKK / 2]uint8
}

// BlockQ6_K is block_q6_K (210 bytes): 16 sub-blocks of 16 with int8
// scales; 4 low bits in Ql, 2 high bits in Qh; x = D·Scales·(q-32).
type BlockQ6_K struct {
	Ql     [QKK / 2]uint8
	Qh     [QKK / 4]uint8
	Scales [QKK / 16]int8
	D      uint16
}

// BlockQ8_K is block_q8_K (292 bytes): float32 D, x = D·Qs, Bsums[i] the
// sum of Qs[16i:16i+16].
type BlockQ8_K struct {
	D     float32
	Qs    [QKK]int8
	Bsums [QKK / 16]int16
}
