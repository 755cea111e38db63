// C NEON intrinsics peers of the per-tensor NEON kernels, for the llvm-mca
// model (.ci/mca.sh, bench/mca): each function is the loop a C programmer
// would write with <arm_neon.h> for the same arithmetic, 16 elements per
// iteration with n a multiple of 16 and no unrolling, so that clang's loop
// and the Go assembly's are compared per 16 elements. They are compiled,
// never run: only their loops are modelled.
#include <arm_neon.h>
#include <stddef.h>
#include <stdint.h>

#define LOOP _Pragma("clang loop unroll(disable) vectorize(disable)") for (size_t i = 0; i < n; i += 16)

static inline float32x4_t zero_nan(float32x4_t x) {
	return vreinterpretq_f32_u32(vandq_u32(vreinterpretq_u32_f32(x), vceqq_f32(x, x)));
}

static inline int16x8_t narrow16(int32x4_t a, int32x4_t b) {
	return vcombine_s16(vqmovn_s32(a), vqmovn_s32(b));
}

#define STORE_U8(dst, i0, i1, i2, i3) do { \
	uint8x16_t b = vcombine_u8(vqmovun_s16(narrow16(i0, i1)), vqmovun_s16(narrow16(i2, i3))); \
	vst1q_u8(dst, vminq_u8(vmaxq_u8(b, vlo), vhi)); \
} while (0)

#define STORE_I8(dst, i0, i1, i2, i3) do { \
	int8x16_t b = vcombine_s8(vqmovn_s16(narrow16(i0, i1)), vqmovn_s16(narrow16(i2, i3))); \
	vst1q_s8(dst, vminq_s8(vmaxq_s8(b, vlo), vhi)); \
} while (0)

// Quantize, Seed: fcvtns(x'/s + zf), x' = 0 for NaN; ONNX: fcvtns(x/s) + z;
// PyTorch: fcvtns(x*inv) + z (saturating); then narrow and clamp.
#define QUANT(name, T, VT, dup, STORE, conv) \
void name(T *dst, const float *src, size_t n, float k, float zf, int32_t z, T lo, T hi) { \
	float32x4_t vk = vdupq_n_f32(k), vzf = vdupq_n_f32(zf); \
	int32x4_t vz = vdupq_n_s32(z); \
	VT vlo = dup(lo), vhi = dup(hi); \
	LOOP { \
		float32x4x4_t x = vld1q_f32_x4(src + i); \
		int32x4_t q[4]; \
		for (int j = 0; j < 4; j++) { conv } \
		STORE(dst + i, q[0], q[1], q[2], q[3]); \
	} \
}

#define SEED q[j] = vcvtnq_s32_f32(vaddq_f32(vdivq_f32(zero_nan(x.val[j]), vk), vzf));
#define ONNX q[j] = vqaddq_s32(vcvtnq_s32_f32(vdivq_f32(x.val[j], vk)), vz);
#define TORCH q[j] = vqaddq_s32(vcvtnq_s32_f32(vmulq_f32(x.val[j], vk)), vz);

QUANT(quantize_u8_seed, uint8_t, uint8x16_t, vdupq_n_u8, STORE_U8, SEED)
QUANT(quantize_u8_onnx, uint8_t, uint8x16_t, vdupq_n_u8, STORE_U8, ONNX)
QUANT(quantize_u8_torch, uint8_t, uint8x16_t, vdupq_n_u8, STORE_U8, TORCH)
QUANT(quantize_i8_seed, int8_t, int8x16_t, vdupq_n_s8, STORE_I8, SEED)
QUANT(quantize_i8_onnx, int8_t, int8x16_t, vdupq_n_s8, STORE_I8, ONNX)
QUANT(quantize_i8_torch, int8_t, int8x16_t, vdupq_n_s8, STORE_I8, TORCH)

// Dequantize: float32(int32(q) - z) * s.
static inline void dequant4(float *dst, int32x4_t q, int32x4_t vz, float32x4_t vs) {
	vst1q_f32(dst, vmulq_f32(vcvtq_f32_s32(vsubq_s32(q, vz)), vs));
}

void dequantize_u8(float *dst, const uint8_t *src, size_t n, int32_t z, float s) {
	int32x4_t vz = vdupq_n_s32(z);
	float32x4_t vs = vdupq_n_f32(s);
	LOOP {
		uint8x16_t b = vld1q_u8(src + i);
		uint16x8_t h0 = vmovl_u8(vget_low_u8(b)), h1 = vmovl_high_u8(b);
		dequant4(dst + i, vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(h0))), vz, vs);
		dequant4(dst + i + 4, vreinterpretq_s32_u32(vmovl_high_u16(h0)), vz, vs);
		dequant4(dst + i + 8, vreinterpretq_s32_u32(vmovl_u16(vget_low_u16(h1))), vz, vs);
		dequant4(dst + i + 12, vreinterpretq_s32_u32(vmovl_high_u16(h1)), vz, vs);
	}
}

void dequantize_i8(float *dst, const int8_t *src, size_t n, int32_t z, float s) {
	int32x4_t vz = vdupq_n_s32(z);
	float32x4_t vs = vdupq_n_f32(s);
	LOOP {
		int8x16_t b = vld1q_s8(src + i);
		int16x8_t h0 = vmovl_s8(vget_low_s8(b)), h1 = vmovl_high_s8(b);
		dequant4(dst + i, vmovl_s16(vget_low_s16(h0)), vz, vs);
		dequant4(dst + i + 4, vmovl_high_s16(h0), vz, vs);
		dequant4(dst + i + 8, vmovl_s16(vget_low_s16(h1)), vz, vs);
		dequant4(dst + i + 12, vmovl_high_s16(h1), vz, vs);
	}
}

// MinMax (the NaN-propagating pass): running FMIN/FMAX in 4+4 registers.
void minmax(const float *src, size_t n, float *lo, float *hi) {
	float32x4_t mn[4], mx[4];
	for (int j = 0; j < 4; j++) {
		mn[j] = vdupq_n_f32(__builtin_inff());
		mx[j] = vdupq_n_f32(-__builtin_inff());
	}
	LOOP {
		float32x4x4_t x = vld1q_f32_x4(src + i);
		for (int j = 0; j < 4; j++) {
			mn[j] = vminq_f32(mn[j], x.val[j]);
			mx[j] = vmaxq_f32(mx[j], x.val[j]);
		}
	}
	*lo = vminvq_f32(vminq_f32(vminq_f32(mn[0], mn[1]), vminq_f32(mn[2], mn[3])));
	*hi = vmaxvq_f32(vmaxq_f32(vmaxq_f32(mx[0], mx[1]), vmaxq_f32(mx[2], mx[3])));
}

// AbsMax: running FMAXNM of |x| = FABD(x, 0).
float absmax(const float *src, size_t n) {
	float32x4_t m[4], zero = vdupq_n_f32(0);
	for (int j = 0; j < 4; j++) m[j] = zero;
	LOOP {
		float32x4x4_t x = vld1q_f32_x4(src + i);
		for (int j = 0; j < 4; j++) m[j] = vmaxnmq_f32(m[j], vabdq_f32(x.val[j], zero));
	}
	return vmaxnmvq_f32(vmaxnmq_f32(vmaxnmq_f32(m[0], m[1]), vmaxnmq_f32(m[2], m[3])));
}

// The sums: d = float64(a) - float64(b), lanes[i%16] += d*d (no FMA).
static inline void sqerr4(float64x2_t *acc, float32x4_t a, float32x4_t b) {
	float64x2_t d0 = vsubq_f64(vcvt_f64_f32(vget_low_f32(a)), vcvt_f64_f32(vget_low_f32(b)));
	float64x2_t d1 = vsubq_f64(vcvt_high_f64_f32(a), vcvt_high_f64_f32(b));
	acc[0] = vaddq_f64(acc[0], vmulq_f64(d0, d0));
	acc[1] = vaddq_f64(acc[1], vmulq_f64(d1, d1));
}

void squared_error(const float *a, const float *b, size_t n, double *lanes) {
	float64x2_t acc[8];
	for (int j = 0; j < 8; j++) acc[j] = vdupq_n_f64(0);
	LOOP {
		float32x4x4_t x = vld1q_f32_x4(a + i), y = vld1q_f32_x4(b + i);
		for (int j = 0; j < 4; j++) sqerr4(acc + 2 * j, x.val[j], y.val[j]);
	}
	for (int j = 0; j < 8; j++) vst1q_f64(lanes + 2 * j, acc[j]);
}

// QuantError: y = dequantize(quantize(x)) in float32, then as squared_error.
#define QERR(name, Y) \
void name(const float *src, size_t n, double *lanes, float k, float s, float zf, float lo, float hi) { \
	float64x2_t acc[8]; \
	for (int j = 0; j < 8; j++) acc[j] = vdupq_n_f64(0); \
	float32x4_t vk = vdupq_n_f32(k), vs = vdupq_n_f32(s), vzf = vdupq_n_f32(zf); \
	float32x4_t vlo = vdupq_n_f32(lo), vhi = vdupq_n_f32(hi); \
	LOOP { \
		float32x4x4_t x = vld1q_f32_x4(src + i); \
		for (int j = 0; j < 4; j++) { \
			float32x4_t v = x.val[j], y; \
			Y \
			sqerr4(acc + 2 * j, v, y); \
		} \
	} \
	for (int j = 0; j < 8; j++) vst1q_f64(lanes + 2 * j, acc[j]); \
}

#define CLAMP(c) vminq_f32(vmaxq_f32(c, vlo), vhi)
QERR(quant_error_seed, y = vmulq_f32(vsubq_f32(CLAMP(vrndnq_f32(vaddq_f32(vdivq_f32(v, vk), vzf))), vzf), vs);)
QERR(quant_error_onnx, y = vmulq_f32(CLAMP(vrndnq_f32(vdivq_f32(v, vk))), vs);)
QERR(quant_error_torch, y = vmulq_f32(CLAMP(vrndnq_f32(vmulq_f32(v, vk))), vs);)
