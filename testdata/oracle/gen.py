#!/usr/bin/python3
"""Generate the external-oracle vectors that oracle_test.go checks bit for bit.

Regenerate (from the repository root, with Debian's python, which has
numpy 1.24.2 and torch 1.13.1; the `python3` of a pyenv has no numpy):

    /usr/bin/python3 testdata/oracle/gen.py

The script is deterministic (fixed seeds, no threads in the math that
matters): re-running it rewrites every file byte for byte. It refuses to
run under other numpy/torch versions, since the promotion rules it pins
(numpy 1.x value-based casting) and torch's quantize path are what the
vectors record. Files (all under testdata/oracle/, described again in
manifest.json):

  data.npy        float32  all data sets, concatenated (offsets in manifest.json)
  seed.npy        float64  [n, 10] notebook cases: ds, method, bits, pct,
                           scale64, scale32, zero, qoff, mismatch, scale_is_f64
  seed_qu8.npy    uint8    notebook quantized output of the asymmetric cases
  seed_qi8.npy    int8     notebook quantized output of the symmetric cases
  seed_f32u8.npy  uint8    the Seed formula in numpy float32, asymmetric cases,
  seed_f32i8.npy  int8     and symmetric: written only if some output differs
                           from the notebook's (mismatch column); today none do
  percentile.npy  float64  [n, 3] ds, p, np.percentile(data, p)
  torch.npy       float64  [n, 9] MinMaxObserver cases: ds, kind, bits,
                           narrow, pct, qmin, qmax, scale32, zero
  torchq.npy      float64  [n, 5] quantize_per_tensor cases: kind, scale32,
                           zero, xoff, n
  torchq_x.npy    float32  their inputs
  torchq_q.npy    int16    int_repr() of each input
  torchq_dq.npy   float32  dequantize() of each input
  torchq_odd.npy  float64  [n, 5] NaN, ±Inf, ±MaxFloat32: kind, scale32, zero,
                           x, torch's q (quant_min for all of them; ours
                           differs for NaN and the positive ones)
  onnx.npy        float64  [n, 7] DynamicQuantizeLinear cases: ds, bits,
                           pct, scale32, zero, xoff, n (n = 0: no outputs)
  onnx_x.npy      float32  QuantizeLinear inputs of the 8-bit cases
  onnx_q.npy      uint8    QuantizeLinear outputs
"""

import json
import os
import sys

import numpy as np
import torch

if np.__version__ != "1.24.2" or not torch.__version__.startswith("1.13"):
    sys.exit(f"gen.py pins numpy 1.24.2 and torch 1.13 (found {np.__version__}, {torch.__version__})")

torch.set_num_threads(1)
np.seterr(all="ignore")
f32 = np.float32
OUT = os.path.dirname(os.path.abspath(__file__))


# ---------------------------------------------------------------------------
# The notebook's functions, verbatim (000_0ea61a68fdf7098d.txt, cell In [15]).

def clamp(params_q: np.array, lower_bound: int, upper_bound: int) -> np.array:
    params_q[params_q < lower_bound] = lower_bound
    params_q[params_q > upper_bound] = upper_bound
    return params_q

def asymmetric_quantization(params: np.array, bits: int) -> tuple[np.array, float, int]:
    # Calculate the scale and zero point
    alpha =  np.max(params)
    beta = np.min(params)
    scale = (alpha - beta) / (2**bits - 1)
    zero = -1 * np.round(beta/scale)
    lower_bound, upper_bound = 0, 2**bits - 1

    # Quantize the parameters
    quantized = clamp(np.round(params/scale + zero), lower_bound, upper_bound).astype(np.int32)
    return quantized, scale, zero

# percentile strategy
def asymmetric_quantization_percentile(params: np.array, bits: int, percentile: float = 99.99) -> tuple[np.array, float, int]:
    # find the percentile value
    alpha = np.percentile(params, percentile)
    beta = np.percentile(params, 100 - percentile)
    scale = (alpha - beta) / (2**bits - 1)
    zero = -1 * np.round(beta / scale)
    lower_bound, upper_bound = 0, 2**bits - 1
    quantized = clamp(np.round(params / scale + zero), lower_bound, upper_bound).astype(np.int32)
    return quantized, scale, zero

def symmetric_quantization(params: np.array, bits: int) -> tuple[np.array, float]:
    # Calculate the scale and zero point
    alpha = np.max(np.abs(params))
    scale = alpha / (2**(bits-1) - 1)
    lower_bound = -2**(bits - 1)
    upper_bound = 2**(bits - 1) - 1

    # Quantize the parameters
    quantized = clamp(np.round(params/scale), lower_bound, upper_bound).astype(np.int32)
    return quantized, scale

# End of the notebook's code.
# ---------------------------------------------------------------------------


def datasets():
    """The float32 data sets, in a fixed order (their index is the ds column)."""
    out = []
    # The notebook's main data: 10,000 uniform in [-50, 150], outlier 1000 last,
    # rounded to 2 decimals (float64 in the notebook; float32 here).
    r = np.random.RandomState(20240601)
    p = r.uniform(low=-50, high=150, size=10000)
    p[-1] = 1000
    out.append(("notebook", np.round(p, 2).astype(f32)))
    # The notebook's first, 20-value example.
    p = r.uniform(low=-50, high=50, size=20)
    p[0] = p.max() + 1
    p[1] = p.min() - 1
    p[2] = 0
    out.append(("notebook20", np.round(p, 2).astype(f32)))
    g = np.random.default_rng(7)
    x = g.normal(0, 3, 2000).astype(f32)
    x[[17, 500, 1999]] = [f32(40.5), f32(-25.25), f32(100)]
    out.append(("normal_outliers", x))
    out.append(("all_positive", g.uniform(2, 9, 1000).astype(f32)))
    out.append(("all_negative", g.uniform(-7, -0.5, 1000).astype(f32)))
    x = g.uniform(1, 1 + 1e-3, 500).astype(f32)
    x[:2] = [f32(1), f32(1 + 1e-3)]
    out.append(("tiny_positive", x))
    x = g.uniform(-1e-3, 1e-3, 500).astype(f32)
    x[:2] = [f32(-1e-3), f32(1e-3)]
    out.append(("tiny_symmetric", x))
    # A grid of quarters: many exact .5 ties for power-of-two scales.
    x = np.arange(-64, 64.25, 0.25).astype(f32)
    g.shuffle(x)
    out.append(("quarter_grid", x))
    # Magnitudes 1e-6..1e6 with random signs.
    x = (10 ** g.uniform(-6, 6, 800) * g.choice([-1, 1], 800)).astype(f32)
    out.append(("log_wide", x))
    # Small integers: ranges whose scales are short binary fractions.
    out.append(("small_ints", g.integers(-3, 12, 300).astype(f32)))
    # Ranges whose zero point lands exactly on a .5 tie (min/scale = -(k+0.5)
    # for some bits and conventions), with points on the half steps of
    # several grids, where x/s + z or x/s can tie too.
    for lo, hi in ((-1, 1), (-1, 5), (-0.5, 2.5), (-3, 3), (-3, 7), (-0.25, 3.25)):
        v = [lo, hi]
        for q in (3, 7, 15, 255):
            v += [lo + (k + 0.5) * (hi - lo) / q for k in range(q)]
        amax = max(-lo, hi)
        for m in (1, 3, 7, 127):
            v += [sg * (k + 0.5) * amax / m for k in range(m) for sg in (1, -1)]
        x = np.array([t for t in v if lo <= t <= hi], dtype=f32)
        out.append((f"ties_{lo}_{hi}", x))
    return out


def as_f64(v):
    return float(np.float64(v))


def seed_cases(sets):
    rows, qu8, qi8, fu8, fi8 = [], [], [], [], []
    nu8 = ni8 = 0
    for ds, (_, x) in enumerate(sets):
        for bits in range(2, 9):
            variants = [(0, 0.0), (1, 0.0)] + [(2, p) for p in (90, 99, 99.9, 99.99, 99.9999, 100)]
            for method, pct in variants:
                if method == 0:
                    q, scale, zero = asymmetric_quantization(x.copy(), bits)
                elif method == 1:
                    q, scale = symmetric_quantization(x.copy(), bits)
                    zero = 0.0
                else:
                    q, scale, zero = asymmetric_quantization_percentile(x.copy(), bits, pct)
                is64 = 1.0 if np.asarray(scale).dtype == np.float64 else 0.0
                s64, s32, z = as_f64(scale), as_f64(f32(scale)), as_f64(zero)
                # The Seed formula, every operation in float32:
                # q = clamp(rne(float32(x / float32(s)) + float32(z)), lo, hi).
                v = np.rint((x / f32(scale)).astype(f32) + f32(zero)).astype(f32)
                if method == 1:
                    lo, hi = -2 ** (bits - 1), 2 ** (bits - 1) - 1
                else:
                    lo, hi = 0, 2 ** bits - 1
                ref = np.clip(v.astype(np.float64), lo, hi).astype(np.int64)
                mismatch = float(np.count_nonzero(ref != q))
                if method == 1:
                    off = ni8
                    ni8 += len(x)
                    qi8.append(q.astype(np.int8))
                    fi8.append(ref.astype(np.int8))
                else:
                    off = nu8
                    nu8 += len(x)
                    qu8.append(q.astype(np.uint8))
                    fu8.append(ref.astype(np.uint8))
                rows.append([ds, method, bits, pct, s64, s32, z, off, mismatch, is64])
    return (np.array(rows, dtype=np.float64), np.concatenate(qu8), np.concatenate(qi8),
            np.concatenate(fu8), np.concatenate(fi8))


PCTS = (0, 1e-4, 0.01, 1, 10, 25, 33.3, 50, 66.7, 75, 90, 99, 99.9, 99.99, 99.9999, 100)


def percentile_cases(sets):
    rows = []
    for ds, (_, x) in enumerate(sets):
        ps = sorted(set(PCTS) | {100 - p for p in PCTS})
        for p in ps:
            rows.append([ds, p, as_f64(np.percentile(x, p))])
    return np.array(rows, dtype=np.float64)


def observer(kind, bits, narrow):
    """MinMaxObserver for kind 0 (quint8 affine) or 1 (qint8 symmetric)."""
    if kind == 0:
        kw = dict(dtype=torch.quint8, qscheme=torch.per_tensor_affine)
        qmin, qmax = 0, 2 ** bits - 1
    else:
        kw = dict(dtype=torch.qint8, qscheme=torch.per_tensor_symmetric)
        qmin, qmax = -2 ** (bits - 1) + (1 if narrow else 0), 2 ** (bits - 1) - 1
    if bits != 8 or narrow:
        kw.update(quant_min=qmin, quant_max=qmax)
    return torch.ao.quantization.MinMaxObserver(**kw), qmin, qmax


def torch_cases(sets):
    rows, params = [], []
    for ds, (_, x) in enumerate(sets):
        for bits in range(2, 9):
            for kind, narrow in ((0, 0), (1, 0), (1, 1)):
                obs, qmin, qmax = observer(kind, bits, narrow)
                obs(torch.from_numpy(x.copy()))
                s, z = obs.calculate_qparams()
                assert s.dtype == torch.float32
                rows.append([ds, kind, bits, narrow, 0.0, qmin, qmax, as_f64(s.item()), float(z.item())])
                if bits == 8 and not narrow:
                    params.append((kind, f32(s.item()), int(z.item()), ds))
            # Percentile ranges: numpy's percentiles rounded to float32, then
            # the observer's own _calculate_qparams on that range.
            for pct in (90, 99, 99.99, 100):
                obs, qmin, qmax = observer(0, bits, 0)
                lo = torch.tensor(f32(np.percentile(x, 100 - pct)))
                hi = torch.tensor(f32(np.percentile(x, pct)))
                s, z = obs._calculate_qparams(lo, hi)
                rows.append([ds, 0, bits, 0, pct, qmin, qmax, as_f64(s.item()), float(z.item())])
    return np.array(rows, dtype=np.float64), params


def ties(s, z, mul, lo, hi):
    """float32 inputs x whose float32(x*mul) (mul = 1/s) or float32(x/s)
    (mul = None) is exactly k + 0.5, for q = k + z around lo..hi, plus the
    float32 neighbours of each."""
    out = []
    for k in range(lo - z - 3, hi - z + 3):
        t = f32(k + 0.5)
        x0 = f32(t / mul) if mul is not None else f32(t * s)
        cand = [x0]
        for _ in range(3):
            cand += [np.nextafter(cand[-1], f32(np.inf)), np.nextafter(cand[0], f32(-np.inf))]
        for c in cand:
            y = f32(c * mul) if mul is not None else f32(c / s)
            if y == t:
                out += [c, np.nextafter(c, f32(np.inf)), np.nextafter(c, f32(-np.inf))]
                break
    return np.array(out, dtype=f32)


def specials(s):
    """±0, subnormals, values far outside any range (|x/s| well below 2^62)."""
    v = [0.0, -0.0, 1e-45, -1e-45, 1e-40, -1e-40, 1.1754942e-38, -1.1754942e-38]
    for m in (300, 1e4, 1e6, 2.0 ** 40):
        v += [m * float(s), -m * float(s)]
    return np.array(v, dtype=f32)


def torch_quantize(sets, params):
    """torch.quantize_per_tensor on the data sets and on special inputs."""
    extra = [(0, f32(0.00214854861), 0), (0, f32(0.1), 128), (0, f32(3.0), 17),
             (0, f32(1e-3), 255), (1, f32(0.1), 0), (1, f32(7.874015748031496), 0),
             (1, f32(0.3), -5), (0, f32(0.25), 100), (1, f32(1 / 3), 0)]
    cases = [(k, s, z, sets[ds][1]) for k, s, z, ds in params] + [(k, s, z, None) for k, s, z in extra]
    rows, xs, qs, dqs = [], [], [], []
    off = 0
    for kind, s, z, data in cases:
        dtype = torch.quint8 if kind == 0 else torch.qint8
        lo, hi = (0, 255) if kind == 0 else (-128, 127)
        inv = f32(f32(1) / s)
        x = np.concatenate([ties(s, z, inv, lo, hi), ties(s, z, None, lo, hi), specials(s)]
                           + ([data] if data is not None else []))
        # torch maps |x*inv| >= 2^63 to qmin (see torchq_odd); keep them out.
        assert np.all(np.abs(x.astype(np.float64) * float(inv)) < 2.0 ** 62)
        qt = torch.quantize_per_tensor(torch.from_numpy(x.copy()), float(s), z, dtype)
        assert qt.q_scale() == float(s) and qt.q_zero_point() == z
        rows.append([kind, as_f64(s), z, off, len(x)])
        off += len(x)
        xs.append(x)
        qs.append(qt.int_repr().numpy().astype(np.int16))
        dqs.append(qt.dequantize().numpy().astype(f32))
    # Inputs torch 1.13 (ATen's scalar quantize_val, no FBGEMM in Debian's
    # build) maps differently from our kernels: NaN and anything with
    # |x*inv| >= 2^63 (±Inf, ±MaxFloat32) go through an out-of-range
    # float->int64 conversion and land on qmin. Ours: NaN -> clamp(z),
    # +huge/+Inf -> Hi. Recorded so the test pins the difference.
    odd = []
    for kind, s, z in [(0, f32(0.1), 10), (1, f32(0.1), 3), (0, f32(1.0), 200)]:
        dtype = torch.quint8 if kind == 0 else torch.qint8
        x = np.array([np.nan, np.inf, -np.inf, 3.4028235e38, -3.4028235e38], dtype=f32)
        q = torch.quantize_per_tensor(torch.from_numpy(x), float(s), z, dtype).int_repr().numpy()
        for xi, qi in zip(x, q):
            odd.append([kind, as_f64(s), z, as_f64(xi), float(qi)])
    return (np.array(rows, dtype=np.float64), np.concatenate(xs), np.concatenate(qs),
            np.concatenate(dqs), np.array(odd, dtype=np.float64))


def dynamic_quantize_linear(lo, hi, bits):
    """DynamicQuantizeLinear's scale and zero point in float32 (the ONNX
    function body: range adjusted to include 0, scale = range/(qmax-qmin),
    zero = round(saturate(qmin - min/scale)), round half to even). ONNX
    defines qmin, qmax = 0, 255; other bits use 0..2^bits-1."""
    qmin, qmax = f32(0), f32(2 ** bits - 1)
    xmin = np.minimum(f32(0), f32(lo))
    xmax = np.maximum(f32(0), f32(hi))
    scale = f32((xmax - xmin) / (qmax - qmin))
    izp = f32(qmin - f32(xmin / scale))
    zp = np.rint(np.clip(izp, qmin, qmax))
    return scale, zp


def quantize_linear(x, scale, zp):
    """QuantizeLinear to uint8: saturate(round(x / y_scale) + y_zero_point)."""
    y = np.rint((x / scale).astype(f32)).astype(np.float64) + float(zp)
    return np.clip(y, 0, 255).astype(np.uint8)


def onnx_cases(sets):
    rows, xs, qs = [], [], []
    off = 0
    for ds, (_, x) in enumerate(sets):
        for bits in range(2, 9):
            for pct in (0, 90, 99, 99.99, 100):
                if pct == 0:
                    lo, hi = np.min(x), np.max(x)
                else:
                    lo, hi = f32(np.percentile(x, 100 - pct)), f32(np.percentile(x, pct))
                scale, zp = dynamic_quantize_linear(lo, hi, bits)
                n = 0
                if bits == 8 and pct == 0:
                    xin = np.concatenate([ties(scale, int(zp), None, 0, 255), specials(scale),
                                          np.array([np.inf, -np.inf], dtype=f32), x])
                    xs.append(xin)
                    qs.append(quantize_linear(xin, scale, zp))
                    n = len(xin)
                rows.append([ds, bits, pct, as_f64(scale), as_f64(zp), off, n])
                off += n
    return np.array(rows, dtype=np.float64), np.concatenate(xs), np.concatenate(qs)


def main():
    sets = datasets()
    files = {}
    offs, o = [], 0
    for name, x in sets:
        offs.append({"name": name, "offset": o, "length": len(x)})
        o += len(x)
    files["data"] = np.concatenate([x for _, x in sets])
    (files["seed"], files["seed_qu8"], files["seed_qi8"],
     files["seed_f32u8"], files["seed_f32i8"]) = seed_cases(sets)
    files["percentile"] = percentile_cases(sets)
    files["torch"], params = torch_cases(sets)
    (files["torchq"], files["torchq_x"], files["torchq_q"],
     files["torchq_dq"], files["torchq_odd"]) = torch_quantize(sets, params)
    files["onnx"], files["onnx_x"], files["onnx_q"] = onnx_cases(sets)
    if files["seed"][:, 8].sum() == 0:
        # The float32 formula reproduces the notebook exactly: the outputs
        # would be copies of seed_qu8/seed_qi8, so they are not written.
        for k in ("seed_f32u8", "seed_f32i8"):
            del files[k]
            if os.path.exists(os.path.join(OUT, k + ".npy")):
                os.remove(os.path.join(OUT, k + ".npy"))
    for name, arr in files.items():
        np.save(os.path.join(OUT, name + ".npy"), arr, allow_pickle=False)
    manifest = {
        "generator": "testdata/oracle/gen.py",
        "command": "/usr/bin/python3 testdata/oracle/gen.py",
        "numpy": np.__version__,
        "torch": torch.__version__,
        "datasets": offs,
        "files": {k: {"dtype": str(v.dtype), "shape": list(v.shape)} for k, v in files.items()},
        "columns": {
            "seed": ["ds", "method (0 minmax, 1 absmax, 2 percentile)", "bits", "percentile",
                     "scale as numpy returned it, as float64", "float32(scale)", "zero",
                     "offset into seed_qu8/seed_f32u8 (methods 0, 2) or seed_qi8/seed_f32i8 (1)",
                     "elements where the notebook's output differs from the float32 Seed formula",
                     "1 if numpy returned the scale as float64"],
            "percentile": ["ds", "p", "np.percentile(data, p)"],
            "torch": ["ds", "kind (0 quint8 per_tensor_affine, 1 qint8 per_tensor_symmetric)", "bits",
                      "narrow", "percentile (0: observer on the data)", "quant_min", "quant_max",
                      "scale (float32)", "zero_point"],
            "torchq": ["kind (0 quint8, 1 qint8)", "scale (float32)", "zero_point",
                       "offset into torchq_x/_q/_dq", "count"],
            "torchq_odd": ["kind", "scale", "zero_point", "x", "torch's int_repr"],
            "onnx": ["ds", "bits", "percentile (0: min/max)", "y_scale (float32)", "y_zero_point",
                     "offset into onnx_x/onnx_q", "count (0: calibration only)"],
        },
    }
    with open(os.path.join(OUT, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(OUT, k + ".npy")) for k in files)
    seed = files["seed"]
    print(f"{len(files)} files, {total} bytes; seed cases {len(seed)}, notebook-vs-float32 "
          f"mismatches {int(seed[:, 8].sum())}; float64 scales {int(seed[:, 9].sum())}/{len(seed)}")


if __name__ == "__main__":
    main()
