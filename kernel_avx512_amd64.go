//go:build gc && !purego

package quant

import (
	"math"
	"unsafe"

	"golang.org/x/sys/cpu"
)

//go:generate go run -C asm . -avx512 -out ../kernel_avx512_amd64.s

// The AVX-512 kernels. The assembly in kernel_avx512_amd64.s is generated
// by asm/avx512.go (run go generate); this file holds its declarations and
// the thin Go wrappers that compute the constants. Every kernel takes the
// whole length: a final partial block is loaded with zero-masking and
// stored with merge-masking (AVX-512 masked memory accesses do not fault
// on masked-out elements), so nothing outside the slices is read or
// written, nothing is recomputed and nothing is copied through the stack.
//
// Quantize, per 16 float32 lanes (ZMM), k = VCMPPS ordered(x, x):
//
//	Seed, ONNX, exactDivScale(s) (Markstein's correction, see exactdiv.go):
//	  x' = VRANGEPS{z}{k}(x, c)     imm 2: |x'| = min(|x|, c), sign of x; NaN lanes +0; c = s*2^25
//	  q0 = x' * y                   y = float32(1/s), computed once per call in Go
//	  r  = VFNMADD231PS: x' - q0*s  exact
//	  q  = VFMADD231PS: q0 + r*y    = RN(x'/s)
//	  Seed: v = cvt(q + zf), clamp Lo..Hi with VPMAXSD/VPMINSD
//	  ONNX: v = cvt(q), clamp Lo-z..Hi-z, + z
//	Seed, ONNX outside the domain:  v = VDIVPS{z}{k}(x, s), as the AVX2 kernels
//	PyTorch:                        v = VMULPS{z}{k}(x, inv)
//	  then [+ zf], VMINPS hi (float), cvt, VPMAXSD lo, [+ z]
//
// The pre-clamp bounds the quotient by 2^25(1+2^-23), so with Markstein
// the conversion cannot overflow and both bounds are clamped in integers;
// the other paths clamp the upper bound in float before converting, as the
// AVX2 kernels do. Four ZMM of int32 are narrowed to 64 bytes by
// VPACKSSDW, VPACKSSWB/VPACKUSWB and one VPERMD (4 shuffles per 64
// elements; VPMOVDB/VPMOVSDB would need 8, see README). When Lo..Hi is the
// whole output type (and |z| <= 32512 for ONNX and PyTorch) the Sat
// variants leave the clamp to the saturating packs and add z to 16-bit
// lanes with VPADDSW (asm/avx512.go says why that is exact).
//
// The fused instructions above are the only ones in the file: exactly two
// per quantize or QuantError body (.ci/fma.txt counts them per symbol).
//
// MinMax keeps a sticky opmask per accumulator, VCMPPS ordered(x, x) under
// itself as write mask: it stays all ones iff no element is NaN. ±Inf
// elements show in the result (lo = -Inf or hi = +Inf), so finite is
// "all ordered and neither result infinite", one instruction per 16
// elements instead of AVX2's subtract and OR.

// avx512Impl needs AVX-512 F (ZMM, opmasks, VRANGEPS's companions),
// BW (byte-granular masks, VMOVDQU8, KMOVQ), VL, DQ (VRANGEPS,
// VEXTRACTF32X8) and BMI2 (BZHI for the tail masks); its grouped kernels
// are the AVX2 ones, so it also requires avx2Impl to be supported
// (which orders its registration after avx2's: preferred when both run).
var avx512Impl = register("avx512", "AVX512F AVX512BW AVX512VL AVX512DQ BMI2 AVX2 FMA",
	avx2Impl.Supported() && cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL &&
		cpu.X86.HasAVX512DQ && cpu.X86.HasBMI2 && cpu.X86.HasFMA,
	kernels{
		quantizeU8:   quantize8AVX512[uint8],
		quantizeI8:   quantize8AVX512[int8],
		dequantizeU8: dequantize8AVX512[uint8],
		dequantizeI8: dequantize8AVX512[int8],
		minMax:       minMaxAVX512,
		absMax:       absMaxAVX512,
		quantError:   quantErrorAVX512,
		squaredError: squaredErrorAVX512,

		// The grouped kernels are the AVX2 ones (see README).
		quantizeBlocksI8:   quantizeBlocks8AVX512[int8],
		quantizeBlocksU8:   quantizeBlocks8AVX512[uint8],
		quantizeColumnsI8:  quantizeColumnsAVX512[int8],
		quantizeColumnsU8:  quantizeColumnsAVX512[uint8],
		dequantizeBlocksI8: dequantizeBlocks8AVX2[int8],
		dequantizeBlocksU8: dequantizeBlocks8AVX2[uint8],
		quantizeBlocksI4:   quantizeBlocksI4AVX512,
		dequantizeBlocksI4: dequantizeBlocksI4AVX512,
		minMaxColumns:      minMaxColumnsAVX2,
		quantizeI4: func(dst []uint8, src []float32, p Params, o NibbleOrder) {
			ps := [1]Params{p}
			quantizeBlocksI4AVX512(dst, src, evenBlock(len(src)), ps[:min(len(src), 1)], o)
		},
		dequantizeI4: func(dst []float32, src []uint8, p Params, e nibbleExt, o NibbleOrder) {
			ps := [1]Params{p}
			dequantizeBlocksI4AVX512(dst, src, evenBlock(len(dst)), ps[:min(len(dst), 1)], e, o)
		},
	})

// The quantize kernels: dst[i] = q(src[i]) for i < n (any n >= 0). k is s
// (Seed, ONNX) or float32(1/s) (PyTorch); y = float32(1/s) and c = s*2^25
// (exact variants only); zf = float32(z) (Seed); hf is the float upper
// bound (Hi for Seed, Hi-z otherwise; Div and PyTorch variants); lo, hi the
// integer bounds (Lo, Hi for Seed; Lo-z, Hi-z otherwise); z the zero point
// added after rounding (ONNX, PyTorch). With stream, the 64-byte aligned
// part of dst is written with VMOVNTDQ. The unused arguments are ignored.

//go:noescape
func avx512QuantizeU8Seed(dst *uint8, src *float32, n int, k, y, c, zf, hf float32, lo, hi, z int32, stream bool)

//go:noescape
func avx512QuantizeU8SeedDiv(dst *uint8, src *float32, n int, k, y, c, zf, hf float32, lo, hi, z int32, stream bool)

//go:noescape
func avx512QuantizeU8ONNX(dst *uint8, src *float32, n int, k, y, c, zf, hf float32, lo, hi, z int32, stream bool)

//go:noescape
func avx512QuantizeU8ONNXDiv(dst *uint8, src *float32, n int, k, y, c, zf, hf float32, lo, hi, z int32, stream bool)

//go:noescape
func avx512QuantizeU8PyTorch(dst *uint8, src *float32, n int, k, y, c, zf, hf float32, lo, hi, z int32, stream bool)

//go:noescape
func avx512QuantizeI8Seed(dst *int8, src *float32, n int, k, y, c, zf, hf float32, lo, hi, z int32, stream bool)

//go:noescape
func avx512QuantizeI8SeedDiv(dst *int8, src *float32, n int, k, y, c, zf, hf float32, lo, hi, z int32, stream bool)

//go:noescape
func avx512QuantizeI8ONNX(dst *int8, src *float32, n int, k, y, c, zf, hf float32, lo, hi, z int32, stream bool)

//go:noescape
func avx512QuantizeI8ONNXDiv(dst *int8, src *float32, n int, k, y, c, zf, hf float32, lo, hi, z int32, stream bool)

//go:noescape
func avx512QuantizeI8PyTorch(dst *int8, src *float32, n int, k, y, c, zf, hf float32, lo, hi, z int32, stream bool)

// The Sat variants (Seed and ONNX exact, PyTorch) are for Lo..Hi the
// whole output type and, for ONNX and PyTorch, |z| <= 32512 (z passed in
// both 16-bit halves, see z16Pair): the saturating packs clamp, and z is
// added to 16-bit lanes with saturation (see asm/avx512.go).

//go:noescape
func avx512QuantizeU8SeedSat(dst *uint8, src *float32, n int, k, y, c, zf, hf float32, lo, hi, z int32, stream bool)

//go:noescape
func avx512QuantizeU8ONNXSat(dst *uint8, src *float32, n int, k, y, c, zf, hf float32, lo, hi, z int32, stream bool)

//go:noescape
func avx512QuantizeU8PyTorchSat(dst *uint8, src *float32, n int, k, y, c, zf, hf float32, lo, hi, z int32, stream bool)

//go:noescape
func avx512QuantizeI8SeedSat(dst *int8, src *float32, n int, k, y, c, zf, hf float32, lo, hi, z int32, stream bool)

//go:noescape
func avx512QuantizeI8ONNXSat(dst *int8, src *float32, n int, k, y, c, zf, hf float32, lo, hi, z int32, stream bool)

//go:noescape
func avx512QuantizeI8PyTorchSat(dst *int8, src *float32, n int, k, y, c, zf, hf float32, lo, hi, z int32, stream bool)

// avx512DequantizeU8 writes float32(int32(q) - z) * s for src[:n] to
// dst[:n] (any n >= 0); with stream, the 64-byte aligned part of dst is
// written with VMOVNTPS.
//
//go:noescape
func avx512DequantizeU8(dst *float32, src *uint8, n int, s float32, z int32, stream bool)

//go:noescape
func avx512DequantizeI8(dst *float32, src *int8, n int, s float32, z int32, stream bool)

// avx512DequantizeVBMIU8 is avx512DequantizeU8 by one VPERMB per 16
// elements (AVX512VBMI): m must be float32(2^23 + z) and exact, i.e.
// z <= 2^23. avx512DequantizeVBMII8 takes m = float32(2^23 + z + 128),
// z + 128 <= 2^23.
//
//go:noescape
func avx512DequantizeVBMIU8(dst *float32, src *uint8, n int, s, m float32, stream bool)

//go:noescape
func avx512DequantizeVBMII8(dst *float32, src *int8, n int, s, m float32, stream bool)

// avx512VBMI reports whether the VPERMB kernels may run.
var avx512VBMI = cpu.X86.HasAVX512VBMI

// avx512MinMax reduces src[:n] (n >= 1) to its smallest out[0] and
// largest out[1] non-NaN elements (+Inf and -Inf if there is none; either
// sign for a zero result) and returns 0xffff iff no element is NaN.
//
//go:noescape
func avx512MinMax(src *float32, n int, out *[2]float32) (ord uint32)

// avx512AbsMax returns in out the largest |x| over src[:n], NaN skipped,
// +0 if there is none.
//
//go:noescape
func avx512AbsMax(src *float32, n int, out *float32)

// The QuantError kernels add, for i < n (any n >= 0), the float64 term
// d*d, d = float64(x) - float64(y), y = float32(q - z) * s, to
// lanes[i%16] in index order; arguments as for quantize (lo, hi, hf as
// there; z is subtracted from q for Seed only). NaN elements give NaN
// terms.

//go:noescape
func avx512QuantErrorSeed(src *float32, n int, k, y, c, zf, hf float32, lo, hi, z int32, s float32, lanes *[16]float64)

//go:noescape
func avx512QuantErrorSeedDiv(src *float32, n int, k, y, c, zf, hf float32, lo, hi, z int32, s float32, lanes *[16]float64)

//go:noescape
func avx512QuantErrorONNX(src *float32, n int, k, y, c, zf, hf float32, lo, hi, z int32, s float32, lanes *[16]float64)

//go:noescape
func avx512QuantErrorONNXDiv(src *float32, n int, k, y, c, zf, hf float32, lo, hi, z int32, s float32, lanes *[16]float64)

//go:noescape
func avx512QuantErrorPyTorch(src *float32, n int, k, y, c, zf, hf float32, lo, hi, z int32, s float32, lanes *[16]float64)

// avx512SquaredError adds, for i < n, (float64(a[i]) - float64(b[i]))^2
// to lanes[i%16] in index order.
//
//go:noescape
func avx512SquaredError(a, b *float32, n int, lanes *[16]float64)

// avx512Args are the constants of the quantize and QuantError kernels
// for p (see the declarations above).
type avx512Args struct {
	k, y, c, zf, hf float32
	lo, hi, z       int32
	exact           bool
}

func avx512ArgsOf(p *Params) avx512Args {
	a := avx512Args{k: p.Scale, lo: p.Lo - p.Zero, hi: p.Hi - p.Zero, z: p.Zero}
	switch p.Convention {
	case Seed:
		a.zf, a.lo, a.hi, a.z = float32(p.Zero), p.Lo, p.Hi, p.Zero
	case PyTorch:
		a.k = pytorchInv(p.Scale)
	}
	a.hf = float32(a.hi)
	if p.Convention != PyTorch && exactDivScale(p.Scale) {
		a.exact = true
		a.y = float32(1 / p.Scale)
		a.c = p.Scale * exactDivClamp // exact: a power-of-two multiple
	}
	return a
}

// quantize8AVX512 is QuantizeI8/U8.
func quantize8AVX512[T int8 | uint8](dst []T, src []float32, p Params) {
	if n := len(src); n > 0 {
		avx512Quantize8(&dst[0], &src[0], n, &p, 5*n >= streamBytes)
	}
}

// avx512Quantize8 calls the assembly of T and of p's variant directly (a
// call through a func value would make the pointers escape): the
// saturating ("Sat") kernels when Lo..Hi is T's whole range, the exact
// quotient on exactDivScale scales, VDIVPS otherwise.
func avx512Quantize8[T int8 | uint8](dst *T, s *float32, n int, p *Params, st bool) {
	a := avx512ArgsOf(p)
	u := isUnsigned[T]()
	full := p.Lo == -128 && p.Hi == 127
	if u {
		full = p.Lo == 0 && p.Hi == 255
	}
	d, i := bytePtr(dst), (*int8)(unsafe.Pointer(dst))
	if full && (p.Convention == Seed || p.Zero >= -32512 && p.Zero <= 32512) {
		z := z16Pair(a.z)
		switch {
		case p.Convention == Seed && a.exact && u:
			avx512QuantizeU8SeedSat(d, s, n, a.k, a.y, a.c, a.zf, a.hf, a.lo, a.hi, z, st)
			return
		case p.Convention == Seed && a.exact:
			avx512QuantizeI8SeedSat(i, s, n, a.k, a.y, a.c, a.zf, a.hf, a.lo, a.hi, z, st)
			return
		case p.Convention == ONNX && a.exact && u:
			avx512QuantizeU8ONNXSat(d, s, n, a.k, a.y, a.c, a.zf, a.hf, a.lo, a.hi, z, st)
			return
		case p.Convention == ONNX && a.exact:
			avx512QuantizeI8ONNXSat(i, s, n, a.k, a.y, a.c, a.zf, a.hf, a.lo, a.hi, z, st)
			return
		case p.Convention == PyTorch && u:
			avx512QuantizeU8PyTorchSat(d, s, n, a.k, a.y, a.c, a.zf, a.hf, a.lo, a.hi, z, st)
			return
		case p.Convention == PyTorch:
			avx512QuantizeI8PyTorchSat(i, s, n, a.k, a.y, a.c, a.zf, a.hf, a.lo, a.hi, z, st)
			return
		}
	}
	switch {
	case p.Convention == Seed && a.exact && u:
		avx512QuantizeU8Seed(d, s, n, a.k, a.y, a.c, a.zf, a.hf, a.lo, a.hi, a.z, st)
	case p.Convention == Seed && a.exact:
		avx512QuantizeI8Seed(i, s, n, a.k, a.y, a.c, a.zf, a.hf, a.lo, a.hi, a.z, st)
	case p.Convention == Seed && u:
		avx512QuantizeU8SeedDiv(d, s, n, a.k, a.y, a.c, a.zf, a.hf, a.lo, a.hi, a.z, st)
	case p.Convention == Seed:
		avx512QuantizeI8SeedDiv(i, s, n, a.k, a.y, a.c, a.zf, a.hf, a.lo, a.hi, a.z, st)
	case p.Convention == ONNX && a.exact && u:
		avx512QuantizeU8ONNX(d, s, n, a.k, a.y, a.c, a.zf, a.hf, a.lo, a.hi, a.z, st)
	case p.Convention == ONNX && a.exact:
		avx512QuantizeI8ONNX(i, s, n, a.k, a.y, a.c, a.zf, a.hf, a.lo, a.hi, a.z, st)
	case p.Convention == ONNX && u:
		avx512QuantizeU8ONNXDiv(d, s, n, a.k, a.y, a.c, a.zf, a.hf, a.lo, a.hi, a.z, st)
	case p.Convention == ONNX:
		avx512QuantizeI8ONNXDiv(i, s, n, a.k, a.y, a.c, a.zf, a.hf, a.lo, a.hi, a.z, st)
	case u:
		avx512QuantizeU8PyTorch(d, s, n, a.k, a.y, a.c, a.zf, a.hf, a.lo, a.hi, a.z, st)
	default:
		avx512QuantizeI8PyTorch(i, s, n, a.k, a.y, a.c, a.zf, a.hf, a.lo, a.hi, a.z, st)
	}
}

// dequantize8AVX512 is DequantizeI8/U8.
func dequantize8AVX512[T int8 | uint8](dst []float32, src []T, p Params) {
	n := len(src)
	if n == 0 {
		return
	}
	st := 5*n >= streamBytes
	if isUnsigned[T]() {
		avx512DequantizeU8Call(&dst[0], bytePtr(&src[0]), n, &p, st, avx512VBMI)
	} else {
		avx512DequantizeI8Call(&dst[0], (*int8)(unsafe.Pointer(&src[0])), n, &p, st, avx512VBMI)
	}
}

// avx512DequantizeU8Call runs the VPERMB kernel if vbmi and 2^23 + z is
// exact in float32, else the VPMOVZXBD one.
func avx512DequantizeU8Call(d *float32, s *uint8, n int, p *Params, st, vbmi bool) {
	if vbmi && p.Zero <= 1<<23 {
		avx512DequantizeVBMIU8(d, s, n, p.Scale, float32(1<<23+p.Zero), st)
		return
	}
	avx512DequantizeU8(d, s, n, p.Scale, p.Zero, st)
}

// avx512DequantizeI8Call is avx512DequantizeU8Call for int8 (z' = z+128).
func avx512DequantizeI8Call(d *float32, s *int8, n int, p *Params, st, vbmi bool) {
	if vbmi && p.Zero+128 <= 1<<23 {
		avx512DequantizeVBMII8(d, s, n, p.Scale, float32(1<<23+128+p.Zero), st)
		return
	}
	avx512DequantizeI8(d, s, n, p.Scale, p.Zero, st)
}

func minMaxAVX512(src []float32) (lo, hi float32, finite bool) {
	if len(src) == 0 {
		return minMaxGeneric(src)
	}
	var out [2]float32
	ord := avx512MinMax(&src[0], len(src), &out)
	lo, hi = out[0], out[1]
	// A ±Inf element makes lo = -Inf or hi = +Inf (it is not NaN, so it
	// was not skipped); lo = +Inf with no NaN means every element is +Inf.
	finite = ord == 0xffff && !math.IsInf(float64(lo), 0) && !math.IsInf(float64(hi), 0)
	// + 0 makes a zero result +0, as the reference does.
	return lo + 0, hi + 0, finite
}

func absMaxAVX512(src []float32) float32 {
	if len(src) == 0 {
		return 0
	}
	var m float32
	avx512AbsMax(&src[0], len(src), &m)
	return m
}

func quantErrorAVX512(src []float32, p Params) float64 {
	var l [sumLanes]float64
	n := len(src)
	if n == 0 {
		return 0
	}
	a := avx512ArgsOf(&p)
	s := &src[0]
	switch {
	case p.Convention == Seed && a.exact:
		avx512QuantErrorSeed(s, n, a.k, a.y, a.c, a.zf, a.hf, a.lo, a.hi, a.z, p.Scale, &l)
	case p.Convention == Seed:
		avx512QuantErrorSeedDiv(s, n, a.k, a.y, a.c, a.zf, a.hf, a.lo, a.hi, a.z, p.Scale, &l)
	case p.Convention == ONNX && a.exact:
		avx512QuantErrorONNX(s, n, a.k, a.y, a.c, a.zf, a.hf, a.lo, a.hi, a.z, p.Scale, &l)
	case p.Convention == ONNX:
		avx512QuantErrorONNXDiv(s, n, a.k, a.y, a.c, a.zf, a.hf, a.lo, a.hi, a.z, p.Scale, &l)
	default:
		avx512QuantErrorPyTorch(s, n, a.k, a.y, a.c, a.zf, a.hf, a.lo, a.hi, a.z, p.Scale, &l)
	}
	return combineLanes(&l)
}

func squaredErrorAVX512(a, b []float32) float64 {
	var l [sumLanes]float64
	n := len(a)
	if n == 0 {
		return 0
	}
	b = b[:n]
	avx512SquaredError(&a[0], &b[0], n, &l)
	return combineLanes(&l)
}

// The blocked int4 kernels: nblocks >= 1 blocks of block elements (a
// positive multiple of 32) with ps[0], ps[1], ... (one Convention per
// call), as avx2QuantizeBlocksI4Seed and avx2DequantizeBlocksI4U (Lo: the
// first element of a byte in its low nibble; Hi: in its high nibble).
// They use AVX512VBMI.

//go:noescape
func avx512QuantizeBlocksI4SeedLo(dst *uint8, src *float32, block, nblocks int, ps *Params)

//go:noescape
func avx512QuantizeBlocksI4SeedHi(dst *uint8, src *float32, block, nblocks int, ps *Params)

//go:noescape
func avx512QuantizeBlocksI4ONNXLo(dst *uint8, src *float32, block, nblocks int, ps *Params)

//go:noescape
func avx512QuantizeBlocksI4ONNXHi(dst *uint8, src *float32, block, nblocks int, ps *Params)

//go:noescape
func avx512QuantizeBlocksI4PyTorchLo(dst *uint8, src *float32, block, nblocks int, ps *Params)

//go:noescape
func avx512QuantizeBlocksI4PyTorchHi(dst *uint8, src *float32, block, nblocks int, ps *Params)

//go:noescape
func avx512DequantizeBlocksI4ULo(dst *float32, src *uint8, block, nblocks int, ps *Params)

//go:noescape
func avx512DequantizeBlocksI4UHi(dst *float32, src *uint8, block, nblocks int, ps *Params)

//go:noescape
func avx512DequantizeBlocksI4SLo(dst *float32, src *uint8, block, nblocks int, ps *Params)

//go:noescape
func avx512DequantizeBlocksI4SHi(dst *float32, src *uint8, block, nblocks int, ps *Params)

// avx512I4Block reports whether the AVX-512 int4 kernels take blocks of
// this size.
func avx512I4Block(block int) bool { return avx512VBMI && block > 0 && block%32 == 0 }

// quantizeBlocksI4AVX512 is QuantizeBlocksI4: one call per run of whole
// blocks sharing a Convention; the last short block, and block sizes the
// assembly does not take, go to the AVX2 kernel.
func quantizeBlocksI4AVX512(dst []uint8, src []float32, block int, ps []Params, o NibbleOrder) {
	if !avx512I4Block(block) {
		quantizeBlocksI4AVX2(dst, src, block, ps, o)
		return
	}
	n := len(src)
	nfull := n / block
	j := 0
	if block == 32 {
		j = quantizeB32I4AVX512(dst, src, ps[:nfull], o)
	}
	for j1 := j; j < nfull; j = j1 {
		j1 = convRun(ps, j, nfull)
		avx512QuantizeBlocksI4Asm(&dst[j*block/2], &src[j*block], block, j1-j, &ps[j], o)
	}
	if e := nfull * block; e < n {
		quantizeBlocksI4AVX2(dst[e/2:], src[e:], block, ps[nfull:], o)
	}
}

// quantizeB32I4AVX512 quantizes the whole groups of 16 blocks of 32 in
// ps (every block whole) with the group kernels, of the Convention of
// each group's first block; a group they refuse (mixed Conventions, a
// scale or zero point outside their domain) is done by the per-block
// kernels, run by run. It returns the number of blocks done (a multiple
// of 16).
func quantizeB32I4AVX512(dst []uint8, src []float32, ps []Params, o NibbleOrder) int {
	w := uint32(0x10011001) // VPMADDUBSW weights: code pair c0 + 16*c1
	if o == HighFirst {
		w = 0x01100110 // 16*c0 + c1
	}
	j := 0
	for ng := len(ps) / 16; ng > 0; {
		d, s, p := &dst[j*16], &src[j*32], &ps[j]
		var done int
		switch p.Convention {
		case Seed:
			done = avx512QuantizeB32I4Seed(d, s, ng, p, w)
		case ONNX:
			done = avx512QuantizeB32I4ONNX(d, s, ng, p, w)
		default:
			done = avx512QuantizeB32I4PyTorch(d, s, ng, p, w)
		}
		j, ng = j+16*done, ng-done
		if ng > 0 {
			for k, k1 := j, j; k < j+16; k = k1 {
				k1 = convRun(ps, k, j+16)
				avx512QuantizeBlocksI4Asm(&dst[k*16], &src[k*32], 32, k1-k, &ps[k], o)
			}
			j, ng = j+16, ng-1
		}
	}
	return j
}

// avx512QuantizeBlocksI4Asm calls the per-block assembly of ps[0]'s
// Convention and of o directly.
func avx512QuantizeBlocksI4Asm(d *uint8, s *float32, block, m int, p *Params, o NibbleOrder) {
	switch {
	case p.Convention == Seed && o == HighFirst:
		avx512QuantizeBlocksI4SeedHi(d, s, block, m, p)
	case p.Convention == Seed:
		avx512QuantizeBlocksI4SeedLo(d, s, block, m, p)
	case p.Convention == ONNX && o == HighFirst:
		avx512QuantizeBlocksI4ONNXHi(d, s, block, m, p)
	case p.Convention == ONNX:
		avx512QuantizeBlocksI4ONNXLo(d, s, block, m, p)
	case o == HighFirst:
		avx512QuantizeBlocksI4PyTorchHi(d, s, block, m, p)
	default:
		avx512QuantizeBlocksI4PyTorchLo(d, s, block, m, p)
	}
}

// dequantizeBlocksI4AVX512 is DequantizeBlocksI4, split as
// quantizeBlocksI4AVX512 (one call for all the whole blocks).
func dequantizeBlocksI4AVX512(dst []float32, src []uint8, block int, ps []Params, ext nibbleExt, o NibbleOrder) {
	if !avx512I4Block(block) {
		dequantizeBlocksI4AVX2(dst, src, block, ps, ext, o)
		return
	}
	n := len(dst)
	if nfull := n / block; nfull > 0 {
		d, s, p := &dst[0], &src[0], &ps[0]
		switch {
		case ext == signExtend && o == HighFirst:
			avx512DequantizeBlocksI4SHi(d, s, block, nfull, p)
		case ext == signExtend:
			avx512DequantizeBlocksI4SLo(d, s, block, nfull, p)
		case o == HighFirst:
			avx512DequantizeBlocksI4UHi(d, s, block, nfull, p)
		default:
			avx512DequantizeBlocksI4ULo(d, s, block, nfull, p)
		}
	}
	if e := n / block * block; e < n {
		dequantizeBlocksI4AVX2(dst[e:], src[e/2:], block, ps[n/block:], ext, o)
	}
}

// The blocked int8/uint8 quantize kernels: nblocks >= 1 blocks of block
// elements (a positive multiple of 32) with ps[0], ps[1], ... (one
// Convention per call), as avx2QuantizeBlocksI8Seed; the arithmetic of the
// int4 ones, the codes narrowed to bytes.

//go:noescape
func avx512QuantizeBlocksI8Seed(dst *int8, src *float32, block, nblocks int, ps *Params)

//go:noescape
func avx512QuantizeBlocksI8ONNX(dst *int8, src *float32, block, nblocks int, ps *Params)

//go:noescape
func avx512QuantizeBlocksI8PyTorch(dst *int8, src *float32, block, nblocks int, ps *Params)

//go:noescape
func avx512QuantizeBlocksU8Seed(dst *uint8, src *float32, block, nblocks int, ps *Params)

//go:noescape
func avx512QuantizeBlocksU8ONNX(dst *uint8, src *float32, block, nblocks int, ps *Params)

//go:noescape
func avx512QuantizeBlocksU8PyTorch(dst *uint8, src *float32, block, nblocks int, ps *Params)

// quantizeBlocks8AVX512 is QuantizeBlocksI8/U8: blocks of a multiple of
// 32 in one call per convention run, the last short block and other block
// sizes (per-column included) by the AVX2 kernel.
func quantizeBlocks8AVX512[T int8 | uint8](dst []T, src []float32, block int, ps []Params) {
	if block <= 0 || block%32 != 0 {
		quantizeBlocks8AVX2(dst, src, block, ps)
		return
	}
	n := len(src)
	e := blockSplit{min: n + 1, byConv: true}.run(n, block, ps, // no short-block call
		func(j0, j1 int) { quantizeBlocks8AVX512Asm(&dst[j0*block], &src[j0*block], block, j1-j0, &ps[j0]) },
		nil)
	if e < n {
		quantizeBlocks8AVX2(dst[e:], src[e:], block, ps[e/block:])
	}
}

// quantizeBlocks8AVX512Asm calls the assembly of T and of ps[0]'s
// Convention directly.
func quantizeBlocks8AVX512Asm[T int8 | uint8](dst *T, src *float32, block, nblocks int, ps *Params) {
	if isUnsigned[T]() {
		d := bytePtr(dst)
		switch ps.Convention {
		case Seed:
			avx512QuantizeBlocksU8Seed(d, src, block, nblocks, ps)
		case ONNX:
			avx512QuantizeBlocksU8ONNX(d, src, block, nblocks, ps)
		default:
			avx512QuantizeBlocksU8PyTorch(d, src, block, nblocks, ps)
		}
		return
	}
	d := (*int8)(unsafe.Pointer(dst))
	switch ps.Convention {
	case Seed:
		avx512QuantizeBlocksI8Seed(d, src, block, nblocks, ps)
	case ONNX:
		avx512QuantizeBlocksI8ONNX(d, src, block, nblocks, ps)
	default:
		avx512QuantizeBlocksI8PyTorch(d, src, block, nblocks, ps)
	}
}

// The int4 quantize kernels for blocks of exactly 32 elements, in groups
// of 16 blocks (512 elements, 256 packed bytes, 16 Params per group): the
// codes of avx512QuantizeBlocksI4Seed etc. for groups 0..ngroups-1, with
// w = 0x10011001 (low nibble first) or 0x01100110 (high nibble first),
// the VPMADDUBSW weights of a code pair. A kernel stops at the first
// group with a scale outside exactDivScale (Seed, ONNX) or a zero point
// outside -32512..32512 (ONNX, PyTorch), writing nothing of it, and
// returns the number of groups done (asm/avx512_b32.go says why). They
// also stop at a group whose blocks do not all have their Convention.

//go:noescape
func avx512QuantizeB32I4Seed(dst *uint8, src *float32, ngroups int, ps *Params, w uint32) (done int)

//go:noescape
func avx512QuantizeB32I4ONNX(dst *uint8, src *float32, ngroups int, ps *Params, w uint32) (done int)

//go:noescape
func avx512QuantizeB32I4PyTorch(dst *uint8, src *float32, ngroups int, ps *Params, w uint32) (done int)
