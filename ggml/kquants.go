package ggml

import (
	"encoding/binary"
	"math"
)

// The k-quants, one 256-element super-block at a time, as
// quantize_row_q{4,5,6,8}_K_ref and dequantize_row_q{4,5,6,8}_K in
// ggml-quants.c compute them. Every C expression is float (no double),
// evaluated left to right; each product is rounded on its own.

// groupMaxEps is GROUP_MAX_EPS: make_qx_quants treats a group whose
// largest magnitude is below it as all zero.
const groupMaxEps = float32(1e-15)

// makeQkx2Quants is ggml's make_qkx2_quants with use_mad = false: an
// affine fit x ≈ scale·L - min, L in 0..nmax, searched over nstep+1
// candidate inverse scales (rmin + rdelta·is + nmax)/(max - min), keeping
// the one with the smallest weighted squared error. It returns scale and
// the_min (-min, >= 0). ggml returns before the search when nstep < 1;
// the callers here pass 20 and 15, so that branch is left out.
func makeQkx2Quants(nmax int32, x, weights []float32, L, Laux []uint8, rmin, rdelta float32, nstep int) (float32, float32) {
	n := len(x)
	min, max := x[0], x[0]
	sumW := weights[0]
	sumX := float32(sumW * x[0])
	for i := 1; i < n; i++ {
		if x[i] < min {
			min = x[i]
		}
		if x[i] > max {
			max = x[i]
		}
		w := weights[i]
		sumW += w
		sumX += float32(w * x[i])
	}
	if min > 0 {
		min = 0
	}
	if max == min {
		for i := range n {
			L[i] = 0
		}
		return 0, -min
	}
	fnmax := float32(nmax)
	iscale := fnmax / (max - min)
	scale := 1 / iscale
	var bestError float32
	for i := range n {
		l := nearestInt(float32(iscale * (x[i] - min)))
		L[i] = uint8(cmax(0, cmin(nmax, l)))
		diff := float32(float32(scale*float32(L[i]))+min) - x[i]
		diff = float32(diff * diff)
		bestError += float32(weights[i] * diff)
	}
	for is := 0; is <= nstep; is++ {
		iscale = qkx2Num(fnmax, rmin, rdelta, is) / (max - min)
		var sumL, sumL2, sumXL float32
		for i := range n {
			l := nearestInt(float32(iscale * (x[i] - min)))
			l = cmax(0, cmin(nmax, l))
			Laux[i] = uint8(l)
			w := weights[i]
			wl := float32(w * float32(l))
			sumL += wl
			sumL2 += float32(wl * float32(l))
			sumXL += float32(wl * x[i])
		}
		D := float32(sumW*sumL2) - float32(sumL*sumL)
		if D > 0 {
			thisScale := (float32(sumW*sumXL) - float32(sumX*sumL)) / D
			thisMin := (float32(sumL2*sumX) - float32(sumL*sumXL)) / D
			if thisMin > 0 {
				thisMin = 0
				thisScale = sumXL / sumL2
			}
			var curError float32
			for i := range n {
				diff := float32(float32(thisScale*float32(Laux[i]))+thisMin) - x[i]
				diff = float32(diff * diff)
				curError += float32(weights[i] * diff)
			}
			if curError < bestError {
				copy(L[:n], Laux[:n])
				bestError = curError
				scale = thisScale
				min = thisMin
			}
		}
	}
	return scale, -min
}

// qkx2Num is the numerator of make_qkx2_quants' inverse scale at step is:
// rmin + rdelta·is + nmax, left to right in float32.
func qkx2Num(fnmax, rmin, rdelta float32, is int) float32 {
	return float32(rmin+float32(rdelta*float32(is))) + fnmax
}

// qxNum is the numerator of make_qx_quants' inverse scale at step is:
// -(nmax + 0.1·is) in float32.
func qxNum(fnmax float32, is int) float32 {
	return -(fnmax + float32(float32(0.1)*float32(is)))
}

// makeQxQuants is ggml's make_qx_quants with rmse_type = 1 and no
// importance weights (the form quantize_row_q6_K_ref uses): a symmetric
// fit x ≈ scale·(L - nmax), L in 0..2·nmax-1, weights x², searched over
// the inverse scales -(nmax + 0.1·is)/max, is = -9..9. It returns scale.
func makeQxQuants(nmax int32, x []float32, L []int8) float32 {
	n := len(x)
	var max, amax float32
	for i := range n {
		if ax := abs32(x[i]); ax > amax {
			amax, max = ax, x[i]
		}
	}
	if amax < groupMaxEps {
		for i := range n {
			L[i] = 0
		}
		return 0
	}
	fnmax := float32(nmax)
	iscale := -fnmax / max
	var sumlx, suml2 float32
	for i := range n {
		l := nearestInt(float32(iscale * x[i]))
		l = cmax(-nmax, cmin(nmax-1, l))
		L[i] = int8(l + nmax)
		w := float32(x[i] * x[i])
		fl := float32(l)
		sumlx += float32(float32(w*x[i]) * fl)
		suml2 += float32(float32(w*fl) * fl)
	}
	var scale float32
	if suml2 != 0 {
		scale = sumlx / suml2
	}
	best := float32(scale * sumlx)
	for is := -9; is <= 9; is++ {
		if is == 0 {
			continue
		}
		iscale = qxNum(fnmax, is) / max
		sumlx, suml2 = 0, 0
		for i := range n {
			l := nearestInt(float32(iscale * x[i]))
			l = cmax(-nmax, cmin(nmax-1, l))
			w := float32(x[i] * x[i])
			fl := float32(l)
			sumlx += float32(float32(w*x[i]) * fl)
			suml2 += float32(float32(w*fl) * fl)
		}
		if suml2 > 0 && float32(sumlx*sumlx) > float32(best*suml2) {
			for i := range n {
				l := nearestInt(float32(iscale * x[i]))
				L[i] = int8(nmax + cmax(-nmax, cmin(nmax-1, l)))
			}
			scale = sumlx / suml2
			best = float32(scale * sumlx)
		}
	}
	return scale
}

// scaleMinK4 is get_scale_min_k4: the 6-bit scale and min of sub-block j
// from the 12 packed bytes q.
func scaleMinK4(j int, q []byte) (d, m uint8) {
	if j < 4 {
		return q[j] & 63, q[j+4] & 63
	}
	return q[j+4]&0xF | (q[j-4]>>6)<<4, q[j+4]>>4 | (q[j]>>6)<<4
}

// kScalesMins fits the eight 32-element sub-blocks of x with
// fitScalesMins, then packs them with packScalesMins.
func kScalesMins(b, sc []byte, x []float32, L *[QKK]uint8, nmax int32, rmin float32, nstep int) {
	var scales, mins [QKK / 32]float32
	fitScalesMins(x, L, &scales, &mins, nmax, rmin, nstep)
	packScalesMins(b, sc, x, L, nmax, &scales, &mins)
}

// fitScalesMins fits each 32-element sub-block j of x with
// make_qkx2_quants (weights av_x + |x|, av_x = sqrt(Σx²/32), rdelta 0.1)
// into L[32j:32j+32], scales[j] and mins[j].
func fitScalesMins(x []float32, L *[QKK]uint8, scales, mins *[QKK / 32]float32, nmax int32, rmin float32, nstep int) {
	var weights [32]float32
	var Laux [32]uint8
	for j := range QKK / 32 {
		xs := x[32*j : 32*j+32]
		var sumX2 float32
		for _, v := range xs {
			sumX2 += float32(v * v)
		}
		avX := float32(math.Sqrt(float64(sumX2 / 32)))
		for l, v := range xs {
			weights[l] = avX + abs32(v)
		}
		scales[j], mins[j] = makeQkx2Quants(nmax, xs, weights[:], L[32*j:32*j+32], Laux[:], rmin, 0.1, nstep)
	}
}

// packScalesMins packs the fitted scales and mins of the eight sub-blocks
// as 6-bit values relative to their maxima (taken in sub-block order)
// into sc (12 bytes), writes fp16(max_scale/63) and fp16(max_min/63) to
// b[0:4], and requantizes L with the stored values: L =
// clamp(nearest_int((x + dmin·m)/(d·sc)), 0, nmax), skipping sub-blocks
// whose d·sc is 0 (their L stays from the fit).
func packScalesMins(b, sc []byte, x []float32, L *[QKK]uint8, nmax int32, scales, mins *[QKK / 32]float32) {
	var maxScale, maxMin float32
	for j := range QKK / 32 {
		if scales[j] > maxScale {
			maxScale = scales[j]
		}
		if mins[j] > maxMin {
			maxMin = mins[j]
		}
	}
	var invScale, invMin float32
	if maxScale > 0 {
		invScale = 63 / maxScale
	}
	if maxMin > 0 {
		invMin = 63 / maxMin
	}
	for j := range QKK / 32 {
		ls := uint8(nearestInt(float32(invScale * scales[j])))
		lm := uint8(nearestInt(float32(invMin * mins[j])))
		ls = min(63, ls)
		lm = min(63, lm)
		if j < 4 {
			sc[j] = ls
			sc[j+4] = lm
		} else {
			sc[j+4] = ls&0xF | (lm&0xF)<<4
			sc[j-4] |= (ls >> 4) << 6
			sc[j] |= (lm >> 4) << 6
		}
	}
	putF16(b, maxScale/63)
	putF16(b[2:], maxMin/63)
	dd, dmin := getF16(b), getF16(b[2:])
	for j := range QKK / 32 {
		s, m := scaleMinK4(j, sc)
		d := float32(dd * float32(s))
		if d == 0 {
			continue
		}
		dm := float32(dmin * float32(m))
		xs, Ls := (*[32]float32)(x[32*j:]), (*[32]uint8)(L[32*j:])
		for ii, v := range xs {
			Ls[ii] = uint8(cmax(0, cmin(nmax, nearestInt((v+dm)/d))))
		}
	}
}

// quantQ4_K: block_q4_K from kScalesMins with nmax 15, rmin -1, 20 steps;
// byte l of each 32-byte group g holds L[64g+l] | L[64g+l+32]<<4.
func quantQ4_K(b []byte, x []float32) {
	var L [QKK]uint8
	kScalesMins(b, b[4:16], x, &L, 15, -1, 20)
	packQ4_K(b, &L)
}

// packQ4_K writes the nibbles of block_q4_K from L.
func packQ4_K(b []byte, L *[QKK]uint8) {
	q := b[16 : 16+QKK/2]
	for j := 0; j < QKK; j += 64 {
		for l := range 32 {
			q[l] = L[j+l] | L[j+l+32]<<4
		}
		q = q[32:]
	}
}

// quantQ5_K: block_q5_K from kScalesMins with nmax 31, rmin -0.5, 15
// steps; low nibbles as Q4_K, bit 4 of L[64g+l] in bit 2g of qh[l] and of
// L[64g+l+32] in bit 2g+1.
func quantQ5_K(b []byte, x []float32) {
	var L [QKK]uint8
	kScalesMins(b, b[4:16], x, &L, 31, -0.5, 15)
	packQ5_K(b, &L)
}

// packQ5_K writes qh and the nibbles of block_q5_K from L (every L is
// in 0..31, so ggml's "if (l > 15) { l -= 16; qh |= m; }" is bit 4 of l
// moved to qh and l & 15 kept, here without a branch).
func packQ5_K(b []byte, L *[QKK]uint8) {
	qh := (*[QKK / 8]byte)(b[16:])
	ql := (*[QKK / 2]byte)(b[48:])
	for j := range QKK / 8 {
		var h uint8
		for g := range 4 {
			l1, l2 := L[64*g+j], L[64*g+j+32]
			h |= (l1>>4)<<(2*g) | (l2>>4)<<(2*g+1)
			ql[32*g+j] = l1&0xF | l2<<4
		}
		qh[j] = h
	}
}

// quantQ6_K: sixteen 16-element sub-blocks fitted by make_qx_quants
// (nmax 32); the signed scale of largest magnitude max_scale gives
// iscale = -128/max_scale, d = fp16(1/iscale), scales = MIN(127,
// nearest_int(iscale·scale)); L = clamp(nearest_int(x/(d·sc)), -32, 31)
// + 32 (sub-blocks with d·sc = 0 keep the fit's L). A block whose
// scales are all below 1e-15 in magnitude is all zero bytes.
func quantQ6_K(b []byte, x []float32) {
	var L [QKK]int8
	var scales [QKK / 16]float32
	fitQ6_K(x, &L, &scales)
	packQ6_K(b, x, &L, &scales)
}

// fitQ6_K fits each 16-element sub-block of x with make_qx_quants (nmax
// 32) into L and scales.
func fitQ6_K(x []float32, L *[QKK]int8, scales *[QKK / 16]float32) {
	for ib := range QKK / 16 {
		scales[ib] = makeQxQuants(32, x[16*ib:16*ib+16], L[16*ib:16*ib+16])
	}
}

// packQ6_K writes block_q6_K from the fitted L and scales of the sixteen
// sub-blocks, as quantQ6_K describes.
func packQ6_K(b []byte, x []float32, L *[QKK]int8, scales *[QKK / 16]float32) {
	var maxScale, maxAbsScale float32
	for ib := range QKK / 16 {
		s := scales[ib]
		if as := abs32(s); as > maxAbsScale {
			maxAbsScale, maxScale = as, s
		}
	}
	blk := b[:210]
	if maxAbsScale < groupMaxEps {
		clear(blk)
		return
	}
	iscale := -128 / maxScale
	putF16(blk[208:], 1/iscale)
	sc := blk[192:208]
	for ib := range QKK / 16 {
		sc[ib] = uint8(cmin(127, nearestInt(float32(iscale*scales[ib]))))
	}
	dd := getF16(blk[208:])
	for j := range QKK / 16 {
		d := float32(dd * float32(int8(sc[j])))
		if d == 0 {
			continue
		}
		xs, Ls := (*[16]float32)(x[16*j:]), (*[16]int8)(L[16*j:])
		for ii, v := range xs {
			Ls[ii] = int8(cmax(-32, cmin(31, nearestInt(v/d))) + 32)
		}
	}
	for h := range 2 {
		Lh := (*[128]int8)(L[128*h:])
		ql := (*[64]byte)(blk[64*h:])
		qh := (*[32]byte)(blk[128+32*h:])
		for l := range 32 {
			q1, q2, q3, q4 := uint8(Lh[l]), uint8(Lh[l+32]), uint8(Lh[l+64]), uint8(Lh[l+96])
			ql[l] = q1&0xF | q3<<4
			ql[l+32] = q2&0xF | q4<<4
			qh[l] = q1>>4 | (q2>>4)<<2 | (q3>>4)<<4 | (q4>>4)<<6
		}
	}
}

// quantQ8_K: max = the first element of largest |x|; all zero gives
// d = 0 and zero quants; otherwise iscale = -127/max, q = MIN(127,
// nearest_int(iscale·x)), bsums the int16 sums of each 16 quants,
// d = 1/iscale stored as float32.
func quantQ8_K(b []byte, x []float32) {
	amax, max := absMaxSigned(x[:QKK])
	blk := b[:292]
	if amax == 0 {
		clear(blk[:4+QKK])
		// bsums are left as they are by ggml; write zeros here so that
		// every output byte is defined (the oracle tests check this case).
		clear(blk[4+QKK:])
		return
	}
	iscale := -127 / max
	q := blk[4 : 4+QKK]
	for j := range QKK {
		q[j] = uint8(cmin(127, nearestInt(float32(iscale*x[j]))))
	}
	for j := range QKK / 16 {
		var sum int32
		for _, v := range q[16*j : 16*j+16] {
			sum += int32(int8(v))
		}
		binary.LittleEndian.PutUint16(blk[4+QKK+2*j:], uint16(sum))
	}
	binary.LittleEndian.PutUint32(blk, math.Float32bits(1/iscale))
}

// subScales returns d·sc and dmin·m (mulx: x86's NaN bits) of the eight
// 32-element sub-blocks of the Q4_K or Q5_K block b, in ggml's float32.
func subScales(b []byte) (ds, ms [8]float32) {
	d, dmin := getF16(b), getF16(b[2:])
	for is := range 8 {
		s, m := scaleMinK4(is, b[4:16])
		ds[is], ms[is] = mulx(d, float32(s)), mulx(dmin, float32(m))
	}
	return ds, ms
}

// dequantQ4_K: y = d·sc·q - dmin·m, as (d·sc)·q - (dmin·m).
func dequantQ4_K(y []float32, b []byte) {
	ds, ms := subScales(b)
	q := b[16 : 16+QKK/2]
	is := 0
	for j := 0; j < QKK; j += 64 {
		d1, m1, d2, m2 := ds[is], ms[is], ds[is+1], ms[is+1]
		if finite(d1, m1, d2, m2) {
			for l := range 32 {
				y[j+l] = float32(d1*float32(q[l]&0xF)) - m1
				y[j+32+l] = float32(d2*float32(q[l]>>4)) - m2
			}
		} else {
			for l := range 32 {
				y[j+l] = subx(mulx(d1, float32(q[l]&0xF)), m1)
				y[j+32+l] = subx(mulx(d2, float32(q[l]>>4)), m2)
			}
		}
		q = q[32:]
		is += 2
	}
}

// dequantQ5_K: as Q4_K with q = low nibble + 16·high bit.
func dequantQ5_K(y []float32, b []byte) {
	ds, ms := subScales(b)
	qh := b[16 : 16+QKK/8]
	ql := b[48 : 48+QKK/2]
	is := 0
	u1, u2 := uint8(1), uint8(2)
	for j := 0; j < QKK; j += 64 {
		d1, m1, d2, m2 := ds[is], ms[is], ds[is+1], ms[is+1]
		fin := finite(d1, m1, d2, m2)
		for l := range 32 {
			q1 := int32(ql[l] & 0xF)
			if qh[l]&u1 != 0 {
				q1 += 16
			}
			q2 := int32(ql[l] >> 4)
			if qh[l]&u2 != 0 {
				q2 += 16
			}
			if fin {
				y[j+l] = float32(d1*float32(q1)) - m1
				y[j+32+l] = float32(d2*float32(q2)) - m2
			} else {
				y[j+l] = subx(mulx(d1, float32(q1)), m1)
				y[j+32+l] = subx(mulx(d2, float32(q2)), m2)
			}
		}
		ql = ql[32:]
		is += 2
		u1 <<= 2
		u2 <<= 2
	}
}

// dequantQ6_K: y = (d·scale)·(q - 32).
func dequantQ6_K(y []float32, b []byte) {
	d := getF16(b[208:])
	ql := b[0:128]
	qh := b[128:192]
	sc := b[192:208]
	fin := finite(d)
	for n := 0; n < QKK; n += 128 {
		for l := range 32 {
			is := l / 16
			q1 := int32(ql[l]&0xF|(qh[l]>>0&3)<<4) - 32
			q2 := int32(ql[l+32]&0xF|(qh[l]>>2&3)<<4) - 32
			q3 := int32(ql[l]>>4|(qh[l]>>4&3)<<4) - 32
			q4 := int32(ql[l+32]>>4|(qh[l]>>6&3)<<4) - 32
			if fin {
				y[n+l] = float32(float32(d*float32(int8(sc[is]))) * float32(q1))
				y[n+l+32] = float32(float32(d*float32(int8(sc[is+2]))) * float32(q2))
				y[n+l+64] = float32(float32(d*float32(int8(sc[is+4]))) * float32(q3))
				y[n+l+96] = float32(float32(d*float32(int8(sc[is+6]))) * float32(q4))
			} else {
				y[n+l] = mulx(mulx(d, float32(int8(sc[is]))), float32(q1))
				y[n+l+32] = mulx(mulx(d, float32(int8(sc[is+2]))), float32(q2))
				y[n+l+64] = mulx(mulx(d, float32(int8(sc[is+4]))), float32(q3))
				y[n+l+96] = mulx(mulx(d, float32(int8(sc[is+6]))), float32(q4))
			}
		}
		ql = ql[64:]
		qh = qh[32:]
		sc = sc[8:]
	}
}

// dequantQ8_K: y = d·q with the float32 d.
func dequantQ8_K(y []float32, b []byte) {
	d := math.Float32frombits(binary.LittleEndian.Uint32(b))
	if finite(d) {
		for j, v := range b[4 : 4+QKK] {
			y[j] = float32(d * float32(int8(v)))
		}
		return
	}
	for j, v := range b[4 : 4+QKK] {
		y[j] = mulx(d, float32(int8(v)))
	}
}
