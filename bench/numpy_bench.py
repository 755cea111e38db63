# The notebook's asymmetric quantize + dequantize (seed notebook, cells 15
# and 16), timed with time.perf_counter inside Python. Called by bench with
# argv: min_time_seconds reps n1 n2 ...; prints one JSON object
# {"numpy": version, "sec_per_call": {"n": seconds}} (median of reps).
import json
import sys
import time

import numpy as np


def clamp(params_q, lower_bound, upper_bound):
    params_q[params_q < lower_bound] = lower_bound
    params_q[params_q > upper_bound] = upper_bound
    return params_q


def asymmetric_quantization(params, bits):
    alpha = np.max(params)
    beta = np.min(params)
    scale = (alpha - beta) / (2**bits - 1)
    zero = -1 * np.round(beta / scale)
    lower_bound, upper_bound = 0, 2**bits - 1
    quantized = clamp(np.round(params / scale + zero), lower_bound, upper_bound).astype(np.int32)
    return quantized, scale, zero


def asymmetric_dequantize(params_q, scale, zero):
    return (params_q - zero) * scale


def once(params):
    q, scale, zero = asymmetric_quantization(params, 8)
    return asymmetric_dequantize(q, scale, zero)


def main():
    min_time = float(sys.argv[1])
    reps = int(sys.argv[2])
    rng = np.random.default_rng(1)
    out = {}
    for n in map(int, sys.argv[3:]):
        params = np.round(rng.uniform(-50, 150, size=n), 2).astype(np.float32)
        once(params)
        iters = 1
        while True:
            t0 = time.perf_counter()
            for _ in range(iters):
                once(params)
            el = time.perf_counter() - t0
            if el >= min_time / 4:
                iters = max(1, int(iters * min_time / el)) if el < min_time else iters
                break
            iters *= 4
        times = []
        for _ in range(reps):
            t0 = time.perf_counter()
            for _ in range(iters):
                once(params)
            times.append((time.perf_counter() - t0) / iters)
        times.sort()
        out[str(n)] = times[len(times) // 2] if reps % 2 else (times[reps // 2 - 1] + times[reps // 2]) / 2
    print(json.dumps({"numpy": np.__version__, "sec_per_call": out}))


main()
