#!/usr/bin/python3
# Reference vectors for blocked int4/uint4 quantization, written from the
# ONNX opset-21 QuantizeLinear / DequantizeLinear definitions (blocked
# quantization along the last axis, INT4/UINT4 outputs packed two per byte,
# low nibble first, an odd count padded with a zero nibble), with numpy
# float32 arithmetic as the ONNX reference implementation uses it.
#
# Deterministic. Regenerate (Debian's python with numpy 1.24):
#   cd testdata/blocked && /usr/bin/python3 gen.py
#
# For each case NAME it writes NAME_x.npy (float32 rows x cols),
# NAME_scale.npy (float32 rows x ceil(cols/B)), NAME_zp.npy (int8 or uint8,
# same shape), NAME_y.npy (int8 or uint8 codes, rows x cols), NAME_packed.npy
# (uint8, ceil(rows*cols/2)) and NAME_deq.npy (float32 rows x cols).
import numpy as np

CASES = [
    # name, rows, cols, block, signed
    ("i4_3x64_b32", 3, 64, 32, True),
    ("i4_4x37_b16", 4, 37, 16, True),   # short last block, odd cols (rows start mid-byte)
    ("u4_5x7_b2", 5, 7, 2, False),
    ("u4_2x130_b64", 2, 130, 64, False),
    ("i4_1x9_b4", 1, 9, 4, True),       # odd total: last high nibble 0
    ("u4_6x1_b3", 6, 1, 3, False),       # block wider than the row
]


def blocked_expand(a, block, cols):
    """ONNX blocked broadcast: repeat each block's value block times along the last axis."""
    return np.repeat(a, block, axis=1)[:, :cols]


def quantize_linear(x, scale, zp, block, signed):
    s = blocked_expand(scale, block, x.shape[1])
    z = blocked_expand(zp, block, x.shape[1])
    xi = np.rint(x / s)                      # float32 division, round half to even
    xi = xi + z.astype(np.float32)           # zero point added after rounding
    lo, hi = (-8, 7) if signed else (0, 15)
    return np.clip(xi, lo, hi).astype(np.int8 if signed else np.uint8)


def dequantize_linear(y, scale, zp, block):
    s = blocked_expand(scale, block, y.shape[1])
    z = blocked_expand(zp, block, y.shape[1])
    return ((y.astype(np.float32) - z.astype(np.float32)) * s).astype(np.float32)


def pack4(y):
    flat = (y.reshape(-1).astype(np.int16) & 0xF).astype(np.uint8)
    if flat.size % 2:
        flat = np.append(flat, np.uint8(0))
    return (flat[0::2] | (flat[1::2] << 4)).astype(np.uint8)


def main():
    rng = np.random.default_rng(20260621)
    for name, rows, cols, block, signed in CASES:
        nb = -(-cols // block)
        scale = rng.choice(np.array([0.5, 0.25, 0.1, 0.0625, 1.5, 3e-3], dtype=np.float32), size=(rows, nb))
        if signed:
            zp = rng.integers(-3, 4, size=(rows, nb)).astype(np.int8)
        else:
            zp = rng.integers(4, 12, size=(rows, nb)).astype(np.uint8)
        x = (rng.standard_normal((rows, cols)) * 2).astype(np.float32)
        # salt with exact ties (k + 0.5) * scale and values far outside the range
        s = blocked_expand(scale, block, cols)
        k = rng.integers(-6, 6, size=(rows, cols)).astype(np.float32)
        ties = ((k + np.float32(0.5)) * s).astype(np.float32)
        mask = rng.random((rows, cols)) < 0.3
        x = np.where(mask, ties, x).astype(np.float32)
        x[rng.random((rows, cols)) < 0.05] = np.float32(1e6)
        x[rng.random((rows, cols)) < 0.05] = np.float32(-1e6)
        y = quantize_linear(x, scale, zp, block, signed)
        np.save(f"{name}_x.npy", x)
        np.save(f"{name}_scale.npy", scale.astype(np.float32))
        np.save(f"{name}_zp.npy", zp)
        np.save(f"{name}_y.npy", y)
        np.save(f"{name}_packed.npy", pack4(y))
        np.save(f"{name}_deq.npy", dequantize_linear(y, scale, zp, block))


if __name__ == "__main__":
    main()
