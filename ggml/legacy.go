package ggml

import (
	"encoding/binary"
	"math"
)

// One block of the 32-element formats, as quantize_row_<type>_ref and
// dequantize_row_<type> in ggml-quants.c compute it. x has QK elements and
// b the type's TypeSize bytes; x is finite (checked by the callers).

// quantQ8_0: amax = max|x|, d = amax/127, id = d ? 1/d : 0,
// q = (int8)roundf(x·id), stored fp16(d).
func quantQ8_0(b []byte, x []float32) {
	var amax float32
	for _, v := range x[:QK] {
		if a := abs32(v); !(amax > a) {
			amax = a
		}
	}
	d := amax / 127
	var id float32
	if d != 0 {
		id = 1 / d
	}
	putF16(b, d)
	q := b[2 : 2+QK]
	for j, v := range x[:QK] {
		q[j] = byte(cvtt(roundf(float32(v * id))))
	}
}

// quantQ8_1: as Q8_0, plus s = fp16(float(Σq)·d).
func quantQ8_1(b []byte, x []float32) {
	var amax float32
	for _, v := range x[:QK] {
		if a := abs32(v); !(amax > a) {
			amax = a
		}
	}
	d := amax / 127
	var id float32
	if d != 0 {
		id = 1 / d
	}
	putF16(b, d)
	q := b[4 : 4+QK]
	var sum int32
	for j, v := range x[:QK] {
		q[j] = byte(cvtt(roundf(float32(v * id))))
		sum += int32(int8(q[j]))
	}
	putF16(b[2:], float32(float32(sum)*d))
}

// absMaxSigned returns the first element of largest magnitude (ggml's
// `if (amax < fabsf(v))` scan) and its magnitude.
func absMaxSigned(x []float32) (amax, max float32) {
	for _, v := range x {
		if a := abs32(v); amax < a {
			amax, max = a, v
		}
	}
	return amax, max
}

// quantQ4_0: max = the first element of largest |x|, d = max/-8,
// id = d ? 1/d : 0, q = MIN(15, (int8)(x·id + 8.5)).
func quantQ4_0(b []byte, x []float32) {
	_, max := absMaxSigned(x[:QK])
	d := max / -8
	var id float32
	if d != 0 {
		id = 1 / d
	}
	putF16(b, d)
	q := b[2 : 2+QK/2]
	for j := range QK / 2 {
		x0 := float32(x[j] * id)
		x1 := float32(x[QK/2+j] * id)
		xi0 := uint8(cmin(15, int32(int8(cvtt(x0+8.5)))))
		xi1 := uint8(cmin(15, int32(int8(cvtt(x1+8.5)))))
		q[j] = xi0 | xi1<<4
	}
}

// minMax is ggml's min/max scan starting from ±FLT_MAX.
func minMax(x []float32) (min, max float32) {
	min, max = math.MaxFloat32, -math.MaxFloat32
	for _, v := range x {
		if v < min {
			min = v
		}
		if v > max {
			max = v
		}
	}
	return min, max
}

// quantQ4_1: d = (max-min)/15, id = d ? 1/d : 0,
// q = MIN(15, (int8)((x-min)·id + 0.5)), stored fp16(d), fp16(min).
func quantQ4_1(b []byte, x []float32) {
	min, max := minMax(x[:QK])
	d := (max - min) / 15
	var id float32
	if d != 0 {
		id = 1 / d
	}
	putF16(b, d)
	putF16(b[2:], min)
	q := b[4 : 4+QK/2]
	for j := range QK / 2 {
		x0 := float32((x[j] - min) * id)
		x1 := float32((x[QK/2+j] - min) * id)
		xi0 := uint8(cmin(15, int32(int8(cvtt(x0+0.5)))))
		xi1 := uint8(cmin(15, int32(int8(cvtt(x1+0.5)))))
		q[j] = xi0 | xi1<<4
	}
}

// quantQ5_0: d = max/-16 (max as Q4_0), q = MIN(31, (int8)(x·id + 16.5)).
func quantQ5_0(b []byte, x []float32) {
	_, max := absMaxSigned(x[:QK])
	d := max / -16
	var id float32
	if d != 0 {
		id = 1 / d
	}
	putF16(b, d)
	q := b[6 : 6+QK/2]
	var qh uint32
	for j := range QK / 2 {
		x0 := float32(x[j] * id)
		x1 := float32(x[QK/2+j] * id)
		xi0 := uint8(cmin(31, int32(int8(cvtt(x0+16.5)))))
		xi1 := uint8(cmin(31, int32(int8(cvtt(x1+16.5)))))
		q[j] = xi0&0x0F | (xi1&0x0F)<<4
		qh |= uint32(xi0&0x10) >> 4 << j
		qh |= uint32(xi1&0x10) >> 4 << (j + QK/2)
	}
	binary.LittleEndian.PutUint32(b[2:], qh)
}

// quantQ5_1: d = (max-min)/31, q = (uint8)((x-min)·id + 0.5) (no clamp,
// as in ggml).
func quantQ5_1(b []byte, x []float32) {
	min, max := minMax(x[:QK])
	d := (max - min) / 31
	var id float32
	if d != 0 {
		id = 1 / d
	}
	putF16(b, d)
	putF16(b[2:], min)
	q := b[8 : 8+QK/2]
	var qh uint32
	for j := range QK / 2 {
		x0 := float32((x[j] - min) * id)
		x1 := float32((x[QK/2+j] - min) * id)
		xi0 := uint8(cvtt(x0 + 0.5))
		xi1 := uint8(cvtt(x1 + 0.5))
		q[j] = xi0&0x0F | (xi1&0x0F)<<4
		qh |= uint32(xi0&0x10) >> 4 << j
		qh |= uint32(xi1&0x10) >> 4 << (j + QK/2)
	}
	binary.LittleEndian.PutUint32(b[4:], qh)
}

// dequantQ8_0 (and Q8_1, whose S is not used): y = float(q)·d.
func dequantQ8(y []float32, d float32, q []byte) {
	if finite(d) {
		for j := range QK {
			y[j] = float32(float32(int8(q[j])) * d)
		}
		return
	}
	for j := range QK {
		y[j] = mulx(float32(int8(q[j])), d)
	}
}

func dequantQ8_0(y []float32, b []byte) { dequantQ8(y, getF16(b), b[2:2+QK]) }
func dequantQ8_1(y []float32, b []byte) { dequantQ8(y, getF16(b), b[4:4+QK]) }

// dequantQ4_0: y = float(q-8)·d.
func dequantQ4_0(y []float32, b []byte) {
	d := getF16(b)
	q := b[2 : 2+QK/2]
	if finite(d) {
		for j := range QK / 2 {
			y[j] = float32(float32(int32(q[j]&0x0F)-8) * d)
			y[j+QK/2] = float32(float32(int32(q[j]>>4)-8) * d)
		}
		return
	}
	for j := range QK / 2 {
		y[j] = mulx(float32(int32(q[j]&0x0F)-8), d)
		y[j+QK/2] = mulx(float32(int32(q[j]>>4)-8), d)
	}
}

// dequantQ4_1: y = float(q)·d + m.
func dequantQ4_1(y []float32, b []byte) {
	d, m := getF16(b), getF16(b[2:])
	q := b[4 : 4+QK/2]
	if finite(d, m) {
		for j := range QK / 2 {
			y[j] = float32(float32(q[j]&0x0F)*d) + m
			y[j+QK/2] = float32(float32(q[j]>>4)*d) + m
		}
		return
	}
	for j := range QK / 2 {
		y[j] = addx(mulx(float32(q[j]&0x0F), d), m)
		y[j+QK/2] = addx(mulx(float32(q[j]>>4), d), m)
	}
}

// dequantQ5_0: y = float(q-16)·d.
func dequantQ5_0(y []float32, b []byte) {
	d := getF16(b)
	qh := binary.LittleEndian.Uint32(b[2:])
	q := b[6 : 6+QK/2]
	fin := finite(d)
	for j := range QK / 2 {
		h0 := int32(qh>>j<<4) & 0x10
		h1 := int32(qh>>(j+12)) & 0x10
		if fin {
			y[j] = float32(float32((int32(q[j]&0x0F)|h0)-16) * d)
			y[j+QK/2] = float32(float32((int32(q[j]>>4)|h1)-16) * d)
		} else {
			y[j] = mulx(float32((int32(q[j]&0x0F)|h0)-16), d)
			y[j+QK/2] = mulx(float32((int32(q[j]>>4)|h1)-16), d)
		}
	}
}

// dequantQ5_1: y = float(q)·d + m.
func dequantQ5_1(y []float32, b []byte) {
	d, m := getF16(b), getF16(b[2:])
	qh := binary.LittleEndian.Uint32(b[4:])
	q := b[8 : 8+QK/2]
	fin := finite(d, m)
	for j := range QK / 2 {
		h0 := int32(qh>>j<<4) & 0x10
		h1 := int32(qh>>(j+12)) & 0x10
		if fin {
			y[j] = float32(float32(int32(q[j]&0x0F)|h0)*d) + m
			y[j+QK/2] = float32(float32(int32(q[j]>>4)|h1)*d) + m
		} else {
			y[j] = addx(mulx(float32(int32(q[j]&0x0F)|h0), d), m)
			y[j+QK/2] = addx(mulx(float32(int32(q[j]>>4)|h1), d), m)
		}
	}
}
