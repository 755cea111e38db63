//go:build gc && !purego

package quant

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// This file wires the NEON (ASIMD) kernels of kernel_arm64.s into the
// registry. The assembly processes blocks of 16 float32 (or 16 bytes) per
// loop iteration; the Go wrappers below handle what the blocks cannot:
//
//   - Elementwise kernels (Quantize, Dequantize) and the min/max
//     reductions need len >= neonBlock; the assembly finishes a ragged end
//     by redoing the last 16 elements (an overlapping block: same inputs,
//     same outputs, so rewriting them is harmless). Shorter inputs go to
//     the generic kernel.
//   - The sums (QuantError, SquaredError) run the assembly over the
//     largest multiple of 16 elements, which fills the 16 float64 lanes
//     exactly as the reference does (element i into lane i%16), and finish
//     the remaining len%16 elements here in Go with the reference's
//     arithmetic, continuing the same lane assignment, then combineLanes.
//
// No kernel reads or writes outside its slices.

// neonBlock is the number of elements one iteration of every NEON loop
// consumes.
const neonBlock = 16

// neonImpl is the NEON implementation, supported when the CPU has ASIMD
// (every ARMv8-A CPU) unless GODEBUG=cpu.asimd=off.
var neonImpl = register("neon", "ASIMD", cpu.ARM64.HasASIMD, kernels{
	quantizeU8:   quantize8NEON[uint8],
	quantizeI8:   quantize8NEON[int8],
	dequantizeU8: dequantize8NEON[uint8],
	dequantizeI8: dequantize8NEON[int8],
	minMax:       minMaxNEON,
	absMax:       absMaxNEON,
	quantError:   quantErrorNEON,
	squaredError: squaredErrorNEON,

	// grouped kernels: kernel_blocked_arm64.go
	quantizeBlocksI8:   quantizeBlocks8NEON[int8],
	quantizeBlocksU8:   quantizeBlocks8NEON[uint8],
	dequantizeBlocksI8: dequantizeBlocks8NEON[int8],
	dequantizeBlocksU8: dequantizeBlocks8NEON[uint8],
	quantizeBlocksI4:   quantizeBlocksI4NEON,
	dequantizeBlocksI4: dequantizeBlocksI4NEON,
	minMaxColumns:      minMaxColumnsNEON,
	quantizeColumnsI8:  quantizeColumns8NEON[int8],
	quantizeColumnsU8:  quantizeColumns8NEON[uint8],
	quantizeI4: func(dst []uint8, src []float32, p Params, o NibbleOrder) {
		ps := [1]Params{p}
		quantizeBlocksI4NEON(dst, src, evenBlock(len(src)), ps[:min(len(src), 1)], o)
	},
	dequantizeI4: func(dst []float32, src []uint8, p Params, e nibbleExt, o NibbleOrder) {
		ps := [1]Params{p}
		dequantizeBlocksI4NEON(dst, src, evenBlock(len(dst)), ps[:min(len(dst), 1)], e, o)
	},
})

// Raw assembly kernels. Unless stated otherwise they require
// len(src) >= 16 and len(dst) >= len(src), and they touch exactly
// src[:len(src)] and dst[:len(src)].

// neonQuantize8 writes clamp(q, lo, hi) for each element of src into dst,
// as uint8 (unsigned; 0 <= lo <= hi <= 255) or int8 (-128 <= lo <= hi <=
// 127) bytes, where q is the rounded (FCVTNS, ties to even, saturating)
// value of:
//
//	conv 0 (Seed):    float32(float32(x'/k) + zf)  x' = 0 where x is NaN
//	conv 1 (ONNX):    float32(x/k), then + z (saturating int32 add)
//	conv 2 (PyTorch): float32(x*k), then + z (saturating int32 add)
//
// k is the scale s (Seed, ONNX) or inv = float32(1/s) (PyTorch), zf =
// float32(z). conv 3 and 4 are Seed and ONNX with the quotient x/s
// computed without the divider from y = RN(1/s) and c = s*2^25 by
// Markstein's correction (exactdiv.go): the same bits for
// exactDivScale(s). It clears the FPSR's cumulative exception flags
// (conv 3 reads FPSR.IOC to tell whether a NaN input needs its slower
// loop) and leaves them as its arithmetic sets them.
//
//go:noescape
func neonQuantize8(dst []byte, src []float32, conv int, k, zf float32, z, lo, hi int32, unsigned bool, y, c float32)

// neonRecip is added to the Seed and ONNX conv codes of neonQuantize8 for
// the quotient by reciprocal.
const neonRecip = 3

// neonDequantize8 writes float32(int32(q) - z) * s for each byte of src,
// q the byte zero-extended (unsigned) or sign-extended.
//
//go:noescape
func neonDequantize8(dst []float32, src []byte, z int32, s float32, unsigned bool)

// neonMinMaxFast returns the minimum and maximum of src by FMIN/FMAX,
// which propagate NaN: if src holds a NaN, both results are NaN. Zeros may
// come back as -0.
//
//go:noescape
func neonMinMaxFast(src []float32) (lo, hi float32)

// neonMinMaxNaN returns the minimum and maximum of the non-NaN elements of
// src (+Inf, -Inf if there is none): each element is first quieted by
// adding -0 (exact for every non-NaN value), then folded by FMINNM/FMAXNM,
// which skip quiet NaNs. Zeros may come back as -0.
//
//go:noescape
func neonMinMaxNaN(src []float32) (lo, hi float32)

// neonAbsMax returns the largest |x| over the non-NaN elements of src, +0
// if there is none. |x| is FABD(x, +0), which also quiets a signalling NaN
// so that FMAXNM skips it.
//
//go:noescape
func neonAbsMax(src []float32) float32

// neonSquaredError adds d*d, d = float64(a[i]) - float64(b[i]), into
// lanes[i%16] for i < len(a) rounded down to a multiple of 16, starting
// from zero lanes (it overwrites *lanes). len(b) >= len(a); any len(a).
//
//go:noescape
func neonSquaredError(a, b []float32, lanes *[sumLanes]float64)

// neonQuantError adds d*d, d = float64(x) - float64(y), y the dequantized
// quantized x, into lanes[i%16] for i < len(src) rounded down to a
// multiple of 16, starting from zero lanes (it overwrites *lanes). y is
// computed in float32 without leaving the float domain (exact, see
// quantErrorNEON):
//
//	conv 0 (Seed):    c = clamp(frintn(float32(x/k) + zf), lo, hi), y = (c - zf) * s
//	conv 1 (ONNX):    c = clamp(frintn(x/k), lo, hi),                 y = c * s
//	conv 2 (PyTorch): c = clamp(frintn(x*k), lo, hi),                 y = c * s
//
// with lo, hi = float32(Lo), float32(Hi) for Seed and float32(Lo-z),
// float32(Hi-z) otherwise. Any len(src).
//
//go:noescape
func neonQuantError(src []float32, lanes *[sumLanes]float64, conv int, k, s, zf, lo, hi float32)

// quantK is the quantization multiplier or divisor of the assembly: inv for
// PyTorch, s otherwise.
func quantK(p Params) float32 {
	if p.Convention == PyTorch {
		return pytorchInv(p.Scale)
	}
	return p.Scale
}

// quantize8NEON is QuantizeI8/U8: neonQuantize8 on 16 elements or more,
// the reference below.
func quantize8NEON[T int8 | uint8](dst []T, src []float32, p Params) {
	if len(src) < neonBlock {
		quantize8Generic(dst, src, p)
		return
	}
	dst = dst[:len(src)]
	conv := int(p.Convention)
	var y, c float32
	if p.Convention != PyTorch && exactDivScale(p.Scale) {
		conv += neonRecip
		y, c = 1/p.Scale, p.Scale*exactDivClamp
	}
	neonQuantize8(unsafe.Slice(bytePtr(&dst[0]), len(src)), src, conv, quantK(p), float32(p.Zero), p.Zero, p.Lo, p.Hi, isUnsigned[T](), y, c)
}

// dequantize8NEON is DequantizeI8/U8: neonDequantize8 on 16 elements or
// more, the reference below.
func dequantize8NEON[T int8 | uint8](dst []float32, src []T, p Params) {
	if len(src) < neonBlock {
		dequantize8Generic(dst, src, p)
		return
	}
	neonDequantize8(dst[:len(src)], unsafe.Slice(bytePtr(&src[0]), len(src)), p.Zero, p.Scale, isUnsigned[T]())
}

// minMaxNEON runs the fast NaN-propagating pass; only if it meets a NaN
// does it run the NaN-skipping pass (which is then also the answer to
// finite = false). Without NaN, finite is false exactly when an infinity
// reached lo or hi.
func minMaxNEON(src []float32) (lo, hi float32, finite bool) {
	if len(src) < neonBlock {
		return minMaxGeneric(src)
	}
	lo, hi = neonMinMaxFast(src)
	if hi != hi {
		lo, hi = neonMinMaxNaN(src)
		return lo + 0, hi + 0, false
	}
	finite = lo-lo == 0 && hi-hi == 0
	// -0 + +0 = +0: the reference's canonical zero.
	return lo + 0, hi + 0, finite
}

func absMaxNEON(src []float32) float32 {
	if len(src) < neonBlock {
		return absMaxGeneric(src)
	}
	return neonAbsMax(src)
}

func squaredErrorNEON(a, b []float32) float64 {
	var l [sumLanes]float64
	b = b[:len(a)]
	n := len(a) &^ (neonBlock - 1)
	if n > 0 {
		neonSquaredError(a[:n], b[:n], &l)
	}
	squaredErrorLanes(&l, a, b, n)
	return combineLanes(&l)
}

// quantErrorNEON: the assembly computes y = float32(q-z)*s from the
// clamped, rounded value in float32. This is exact: frintn(v) is an
// integer-valued float32 (or ±Inf), clamping it to integer bounds equals
// rounding the clamped v, and Lo-z, Hi-z, c-z are integers of magnitude
// below 2^24 (|z| <= MaxZero), hence exact float32 values; so c - zf (or c)
// is exactly float32(q - z). A NaN x gives a NaN y, but d = x - y is NaN
// whatever y is, as in the reference.
func quantErrorNEON(src []float32, p Params) float64 {
	c, s, z, lo, hi := p.Convention, p.Scale, p.Zero, p.Lo, p.Hi
	var l [sumLanes]float64
	n := len(src) &^ (neonBlock - 1)
	if n > 0 {
		flo, fhi := float32(lo), float32(hi)
		if c != Seed {
			flo, fhi = float32(lo-z), float32(hi-z)
		}
		neonQuantError(src[:n], &l, int(c), quantK(p), s, float32(z), flo, fhi)
	}
	quantErrorLanes(&l, src, n, p)
	return combineLanes(&l)
}
