//go:build gc && !purego

package ggml

import "unsafe"

//go:generate go run -C ../asm . -kquants -out ../ggml/kquants_amd64.s

// The k-quant searches on AVX2, generated from asm/ggml_kquants.go: eight
// sub-blocks of a super-block in the eight lanes, each lane computing
// exactly what the scalar search computes for its sub-block (bit for bit,
// for every finite input). The output is transposed: lt[8i+j] is element
// i of sub-block j.

// qkx2AVX2 is makeQkx2Quants of the eight 32-element sub-blocks of a
// super-block, with kScalesMins' weights (sqrt(Σx²/32) + |x|), rdelta
// 0.1 and nstep = nn-2: num[0] is float32(nmax) and num[1+is] =
// qkx2Num(nmax, rmin, 0.1, is) for is = 0..nstep. It writes L as floats to
// lt, the scales to res[0:8] and the mins (the_min, returned as -min) to
// res[8:16].
//
//go:noescape
func qkx2AVX2(x, lt *[256]float32, res *[16]float32, num *float32, nn int, nmax int32)

// qxAVX2 is makeQxQuants with nmax 32 of eight 16-element sub-blocks:
// num[0] is -32 and num[1:] are qxNum(32, is) for is = -9..9 except 0
// (nn = 19). It writes l = L - 32 as floats to lt and the scales to res.
//
//go:noescape
func qxAVX2(x, lt *[128]float32, res *[8]float32, num *float32, nn int)

// kquantNums are the num arrays of the kernels: Q4_K (nmax 15, rmin -1,
// nstep 20), Q5_K (nmax 31, rmin -0.5, nstep 15), Q6_K.
var q4KNum, q5KNum, q6KNum = qkx2Nums(15, -1, 20), qkx2Nums(31, -0.5, 15), qxNums(32)

func qkx2Nums(nmax int32, rmin float32, nstep int) []float32 {
	fnmax := float32(nmax)
	num := []float32{fnmax}
	for is := 0; is <= nstep; is++ {
		num = append(num, qkx2Num(fnmax, rmin, 0.1, is))
	}
	return num
}

func qxNums(nmax int32) []float32 {
	fnmax := float32(nmax)
	num := []float32{-fnmax}
	for is := -9; is <= 9; is++ {
		if is != 0 {
			num = append(num, qxNum(fnmax, is))
		}
	}
	return num
}

func init() {
	if !hasAVX2 {
		return
	}
	simdKQuant[Q4_K] = superBlocks(Q4_K, scalesMinsAVX2(15, q4KNum, packQ4_K))
	simdKQuant[Q5_K] = superBlocks(Q5_K, scalesMinsAVX2(31, q5KNum, packQ5_K))
	simdKQuant[Q6_K] = superBlocks(Q6_K, func(b []byte, x *[QKK]float32) {
		var L [QKK]int8
		var scales [QKK / 16]float32
		fitQ6_KAVX2(x, &L, &scales)
		packQ6_K(b, x[:], &L, &scales)
	})
}

// superBlocks runs quant on each super-block of a row (a whole number of
// them, as the callers have checked).
func superBlocks(t Type, quant func(b []byte, x *[QKK]float32)) func(dst []byte, src []float32) {
	ts := t.TypeSize()
	return func(dst []byte, src []float32) {
		for i, o := 0, 0; i+QKK <= len(src); i, o = i+QKK, o+ts {
			quant(dst[o:o+ts:o+ts], (*[QKK]float32)(src[i:i+QKK]))
		}
	}
}

// scalesMinsAVX2 is quantQ4_K (nmax 15, q4KNum, packQ4_K) or quantQ5_K
// (31, q5KNum, packQ5_K) with the fit done by fitScalesMinsAVX2.
func scalesMinsAVX2(nmax int32, num []float32, pack func(b []byte, L *[QKK]uint8)) func(b []byte, x *[QKK]float32) {
	return func(b []byte, x *[QKK]float32) {
		var L [QKK]uint8
		var scales, mins [QKK / 32]float32
		fitScalesMinsAVX2(x, &L, &scales, &mins, nmax, num)
		packScalesMins(b, b[4:16], x[:], &L, nmax, &scales, &mins)
		pack(b, &L)
	}
}

// fitScalesMinsAVX2 is fitScalesMins with qkx2AVX2 (num: q4KNum or
// q5KNum for nmax 15 or 31).
func fitScalesMinsAVX2(x *[QKK]float32, L *[QKK]uint8, scales, mins *[QKK / 32]float32, nmax int32, num []float32) {
	var lt [QKK]float32
	var res [16]float32
	qkx2AVX2(x, &lt, &res, unsafe.SliceData(num), len(num), nmax)
	for j := range QKK / 32 {
		for i := range 32 {
			L[32*j+i] = uint8(lt[8*i+j])
		}
	}
	*scales = [8]float32(res[:8])
	*mins = [8]float32(res[8:])
}

// fitQ6_KAVX2 is fitQ6_K with qxAVX2, sub-blocks 0-7 and then 8-15.
func fitQ6_KAVX2(x *[QKK]float32, L *[QKK]int8, scales *[QKK / 16]float32) {
	var lt [128]float32
	var res [8]float32
	for h := range 2 {
		qxAVX2((*[128]float32)(x[128*h:]), &lt, &res, unsafe.SliceData(q6KNum), len(q6KNum))
		for j := range 8 {
			for i := range 16 {
				L[128*h+16*j+i] = int8(int32(lt[8*i+j]) + 32)
			}
		}
		copy(scales[8*h:], res[:])
	}
}
