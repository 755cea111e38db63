#!/usr/bin/python3
# Oracle vectors for package ggml, computed by ggml itself: libggml-base.so
# (quantize_row_*_ref, dequantize_row_*, ggml_fp32_to_fp16_row, ...) and
# libggml-cpu-haswell.so (the AVX2 quantize_row_q8_0) from the npm package
# @node-llama-cpp/linux-x64, called through ctypes. Nothing of ggml is
# committed; the Go tests read only the files written here.
#
# Deterministic. Regenerate (Debian's python3 with numpy, x86-64 with AVX2):
#   npm install --prefix /tmp/nlc @node-llama-cpp/linux-x64@3.22.1
#   /usr/bin/python3 testdata/ggml/gen.py /tmp/nlc/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64
#
# Files (all little-endian):
#   traits.txt        ggml_type_name / ggml_blck_size / ggml_type_size of ids 0..42
#   input.f32         NBLK*256 float32 inputs of the quantizers (kinds below)
#   <type>.q          quantize_row_<type>_ref(input)
#   <type>.deq.sha256 sha256 of dequantize_row_<type>(<type>.q) as float32
#   q8_0_x86.q        the haswell build's quantize_row_q8_0(input)
#   <type>.rand       random blocks (some scales forced to ±Inf, NaN, subnormal, ±0)
#   <type>.rand.f32   dequantize_row_<type>(<type>.rand)
#   sweep.txt         crc32 of each 2^24-input chunk of ggml_fp32_to_fp16_row and
#                     ggml_fp32_to_bf16_row_ref over all 2^32 float32 bit patterns,
#                     and crc32 of ggml_fp16_to_fp32_row over all 65536 halves
import ctypes
import hashlib
import os
import sys
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
LIBDIR = sys.argv[1]
SWEEP = "--no-sweep" not in sys.argv[2:]  # development only: keeps sweep.txt as it is
base = ctypes.CDLL(os.path.join(LIBDIR, "libggml-base.so"), mode=ctypes.RTLD_GLOBAL)
cpu = ctypes.CDLL(os.path.join(LIBDIR, "libggml-cpu-haswell.so"))

QUANT = ["q8_0", "q8_1", "q4_0", "q4_1", "q5_0", "q5_1", "q4_K", "q5_K", "q6_K", "q8_K"]
SIZE = {"q8_0": (32, 34), "q8_1": (32, 36), "q4_0": (32, 18), "q4_1": (32, 20),
        "q5_0": (32, 22), "q5_1": (32, 24), "q4_K": (256, 144), "q5_K": (256, 176),
        "q6_K": (256, 210), "q8_K": (256, 292)}
# The byte offsets of each block's fp16 scales (float32 d for q8_K).
SCALES = {"q8_0": [0], "q8_1": [0, 2], "q4_0": [0], "q4_1": [0, 2], "q5_0": [0],
          "q5_1": [0, 2], "q4_K": [0, 2], "q5_K": [0, 2], "q6_K": [208], "q8_K": []}

P = ctypes.c_void_p
for fn in ("ggml_fp32_to_fp16_row", "ggml_fp32_to_bf16_row_ref", "ggml_fp16_to_fp32_row"):
    getattr(base, fn).argtypes = [P, P, ctypes.c_int64]
for t in QUANT:
    getattr(base, "quantize_row_%s_ref" % t).argtypes = [P, P, ctypes.c_int64]
    if t != "q8_1":
        getattr(base, "dequantize_row_%s" % t).argtypes = [P, P, ctypes.c_int64]
cpu.quantize_row_q8_0.argtypes = [P, P, ctypes.c_int64]
base.ggml_type_name.restype = ctypes.c_char_p
base.ggml_blck_size.restype = ctypes.c_int64
base.ggml_type_size.restype = ctypes.c_size_t


def ptr(a):
    return a.ctypes.data_as(P)


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


# A fixed PCG64 stream; only raw 64-bit outputs are used (stable across numpy
# versions), turned into values with plain float32 arithmetic.
rng = np.random.Generator(np.random.PCG64(20261129))


def raw(n):
    return rng.bit_generator.random_raw(n).astype(np.uint64)


def uniform(n):  # float32 in [0, 1), 24 random bits
    return ((raw(n) >> np.uint64(40)).astype(np.float32) * np.float32(2.0 ** -24)).astype(np.float32)


def gauss(n):  # sum of four uniforms, centred: bell-shaped, |x| < 2
    return (uniform(n) + uniform(n) + uniform(n) + uniform(n) - np.float32(2)).astype(np.float32)


def randint(n, lo, hi):  # integers in lo..hi
    return (lo + (raw(n) % np.uint64(hi - lo + 1)).astype(np.int64)).astype(np.int64)


def f32bits(u):
    return np.asarray(u, dtype=np.uint32).view(np.float32)


def finite_f16():
    while True:
        h = int(raw(1)[0] & np.uint64(0xFFFF))
        if h & 0x7C00 != 0x7C00:
            return h


def block_kinds():
    """Each kind yields one 256-element block (float32)."""
    B = 256
    out = []
    for s in (1.0, 1e-3, 1e3, 3.5e-5):
        out.append(gauss(B) * np.float32(s))
    out.append(np.zeros(B, np.float32))
    out.append(np.full(B, -0.0, np.float32))
    x = np.zeros(B, np.float32); x[int(randint(1, 0, B - 1)[0])] = 100; out.append(x)
    x = np.zeros(B, np.float32); x[37] = -7.25; out.append(x)
    x = gauss(B) * np.float32(0.01); x[int(randint(1, 0, B - 1)[0])] = -1000; out.append(x)
    x = gauss(B) * np.float32(0.01); x[5] = 1e6; x[200] = -1e6; out.append(x)
    # Ties of roundf (Q8_0/Q8_1): every group of 32 has amax 127 (d = 1,
    # id = 1) and half-integers elsewhere.
    x = (randint(B, -127, 126).astype(np.float32) + np.float32(0.5)).astype(np.float32)
    x[::32] = 127; x[16::32] = -127; out.append(x)
    # Q4_0/Q5_0: max -8 or -16 first (d = 1), then halves and the opposite sign.
    x = (randint(B, -8, 7).astype(np.float32) + np.float32(0.5)).astype(np.float32)
    x[::32] = -8; x[1::32] = 8; out.append(x)
    x = (randint(B, -16, 15).astype(np.float32) + np.float32(0.5)).astype(np.float32)
    x[::32] = 16; x[3::32] = -16; out.append(x)
    # Q4_1/Q5_1: min 0, max 15 or 31 (d = 1), halves between.
    x = (randint(B, 0, 14).astype(np.float32) + np.float32(0.5)).astype(np.float32)
    x[::32] = 0; x[1::32] = 15; out.append(x)
    x = (randint(B, 0, 30).astype(np.float32) + np.float32(0.5)).astype(np.float32)
    x[::32] = 0; x[1::32] = 31; out.append(x)
    # Integers and halves for the k-quants' nearest_int.
    out.append((randint(B, -64, 64).astype(np.float32) * np.float32(0.5)).astype(np.float32))
    out.append(randint(B, -3, 3).astype(np.float32))
    # Constant blocks (max == min in make_qkx2_quants).
    out.append(np.full(B, 0.75, np.float32))
    out.append(np.full(B, -2.5, np.float32))
    # Subnormals: random ones, the smallest, mixed with FLT_MIN, and small
    # normals around the 1/d overflow (amax < ~2^-121).
    u = (raw(B) & np.uint64(0x807FFFFF)).astype(np.uint32)
    out.append(f32bits(u))
    u = (raw(B) & np.uint64(0x8000000F)).astype(np.uint32)
    out.append(f32bits(u))
    x = f32bits((raw(B) & np.uint64(0x807FFFFF)).astype(np.uint32)).copy()
    x[::7] = np.float32(1.1754944e-38); x[3::11] = np.float32(-1.1754944e-38); out.append(x)
    for e in (-118, -121, -122, -126, -128, -133, -145):
        out.append((gauss(B) * np.float32(2.0 ** e)).astype(np.float32))
    x = np.zeros(B, np.float32); x[9] = f32bits([1])[0]; x[100] = -f32bits([3])[0]; out.append(x)
    # Values that overflow: fp16(d) = Inf, max - min = Inf, sums of squares = Inf.
    for s in (1e7, 1e10, 1e19, 1e30):
        out.append((gauss(B) * np.float32(s)).astype(np.float32))
    x = gauss(B); x[0] = np.float32(3.4e38); x[1] = np.float32(-3.4e38); out.append(x)
    x = gauss(B); x[40] = np.float32(3.4028235e38); x[70] = np.float32(-3.4028235e38); out.append(x)
    x = np.full(B, np.float32(65504), np.float32); x[1::2] = np.float32(-65520); out.append(x)
    # F16-derived: random finite halves over the whole range, and over a narrow one.
    h = np.array([finite_f16() for _ in range(B)], np.uint16)
    out.append(h.view(np.float16).astype(np.float32))
    h = (np.array([finite_f16() for _ in range(B)], np.uint16) & np.uint16(0x83FF)) | np.uint16(0x3800)
    out.append(h.view(np.float16).astype(np.float32))
    h = (np.array([finite_f16() for _ in range(B)], np.uint16) & np.uint16(0x83FF))  # f16 subnormals
    out.append(h.view(np.float16).astype(np.float32))
    # BF16-derived: random finite bfloat16 over the whole range, and |x| ~ 1.
    for mask, orv in ((0xFFFF, 0), (0x807F, 0x3F00)):
        u = ((raw(B) & np.uint64(mask)) | np.uint64(orv)).astype(np.uint32)
        u = np.where((u & 0x7F80) == 0x7F80, u & 0xBFFF, u)
        out.append(f32bits(u << np.uint32(16)))
    # k-quant corners: one zero sub-block, one sub-block below 1e-15, one
    # sub-block of one sign only, mins larger than scales.
    x = gauss(B); x[32:64] = 0; x[64:96] = gauss(32) * np.float32(1e-16); x[96:128] = np.abs(x[96:128]) + 5
    out.append(x)
    x = (gauss(B) * np.float32(0.1) + np.float32(10)).astype(np.float32); out.append(x)
    x = (gauss(B) * np.float32(0.1) - np.float32(10)).astype(np.float32); out.append(x)
    x = gauss(B); x[::16] *= np.float32(50); out.append(x)
    return [np.ascontiguousarray(b, np.float32) for b in out]


def random_blocks(t, nbytes):
    blck, size = SIZE[t]
    n = nbytes // size
    b = np.frombuffer(raw((n * size + 7) // 8).tobytes(), np.uint8)[: n * size].copy()
    b = b.reshape(n, size)
    specials = [0x7C00, 0xFC00, 0x7E00, 0x7C01, 0xFE01, 0x0001, 0x8000, 0x0000, 0x7BFF, 0x03FF]
    for i, h in enumerate(specials):
        for o in SCALES[t][:1]:
            b[i, o:o + 2] = np.frombuffer(np.uint16(h).tobytes(), np.uint8)
    if len(SCALES[t]) == 2:  # both scales NaN, both infinite
        for i, (h0, h1) in enumerate([(0x7E00, 0xFE01), (0x7C00, 0xFC00), (0xFC00, 0x7C00), (0x7D00, 0x7C00)]):
            b[len(specials) + i, 0:4] = np.frombuffer(np.array([h0, h1], np.uint16).tobytes(), np.uint8)
    if t == "q8_K":
        for i, w in enumerate([0x7F800000, 0xFF800000, 0x7FC00000, 0x7F800001, 0x00000001, 0x80000000]):
            b[i, 0:4] = np.frombuffer(np.uint32(w).tobytes(), np.uint8)
    return np.ascontiguousarray(b.reshape(-1))


def main():
    lines = []
    for i in range(43):
        lines.append("%d %s %d %d" % (i, base.ggml_type_name(i).decode(), base.ggml_blck_size(i), base.ggml_type_size(i)))
    write("traits.txt", ("\n".join(lines) + "\n").encode())

    blocks = block_kinds()
    x = np.concatenate(blocks).astype(np.float32)
    k = x.size
    write("input.f32", x.tobytes())
    for t in QUANT:
        blck, size = SIZE[t]
        q = np.zeros(k // blck * size, np.uint8)
        getattr(base, "quantize_row_%s_ref" % t)(ptr(x), ptr(q), k)
        write(t + ".q", q.tobytes())
        if t != "q8_1":
            y = np.zeros(k, np.float32)
            getattr(base, "dequantize_row_%s" % t)(ptr(q), ptr(y), k)
            write(t + ".deq.sha256", (hashlib.sha256(y.tobytes()).hexdigest() + "\n").encode())
            r = random_blocks(t, max(2048, 16 * size))
            n = r.size // size * blck
            y = np.zeros(n, np.float32)
            getattr(base, "dequantize_row_%s" % t)(ptr(r), ptr(y), n)
            write(t + ".rand", r.tobytes())
            write(t + ".rand.f32", y.tobytes())
    q = np.zeros(k // 32 * 34, np.uint8)
    cpu.quantize_row_q8_0(ptr(x), ptr(q), k)
    write("q8_0_x86.q", q.tobytes())

    if not SWEEP:
        return
    lines = []
    n = 1 << 24
    h16 = np.zeros(n, np.uint16)
    b16 = np.zeros(n, np.uint16)
    for c in range(256):
        u = np.arange(c * n, (c + 1) * n, dtype=np.uint64).astype(np.uint32)
        base.ggml_fp32_to_fp16_row(ptr(u), ptr(h16), n)
        base.ggml_fp32_to_bf16_row_ref(ptr(u), ptr(b16), n)
        lines.append("%d %08x %08x" % (c, zlib.crc32(h16.tobytes()), zlib.crc32(b16.tobytes())))
    h = np.arange(65536, dtype=np.uint32).astype(np.uint16)
    f = np.zeros(65536, np.float32)
    base.ggml_fp16_to_fp32_row(ptr(h), ptr(f), 65536)
    lines.append("fp16_to_fp32 %08x" % zlib.crc32(f.tobytes()))
    write("sweep.txt", ("\n".join(lines) + "\n").encode())


main()
