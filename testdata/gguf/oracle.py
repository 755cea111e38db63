#!/usr/bin/python3
"""GGUF oracle: ggml's own gguf reader and writer (libggml-base.so from the
npm package @node-llama-cpp/linux-x64), through ctypes.

  oracle.py gen OUTDIR
      Writes GGUF files with ggml's writer (gguf_write_to_file), and for each
      a JSON description read back with ggml's reader, plus types.txt (ggml's
      type table). The Go tests read the committed files with package gguf
      and compare with the descriptions.
  oracle.py check DIR
      Loads every DIR/*.gguf that has a DIR/*.json description (written by
      the Go tests from what they gave the Go writer) with gguf_init_from_file
      and fails unless ggml reads the same metadata, tensor infos, data
      offsets and tensor data.
  oracle.py convert SRC.safetensors OUT.gguf
      Loads OUT.gguf (written by `quant convert`) with gguf_init_from_file and
      checks each tensor against SRC: shape reversed, and data byte-equal to
      ggml's conversion of the source floats (raw F32,
      ggml_fp32_to_fp16_row, ggml_fp32_to_bf16_row_ref, or
      quantize_row_<type>_ref row by row); integer tensors byte-equal to
      the source.

The library is found through $GGML_LIB or under $NODE_MODULES
(default ./node_modules). Descriptions hold every scalar as a string
(integers in decimal, floats as their bit pattern in hex, strings in hex)
so that they compare exactly.
"""
import ctypes as C
import glob
import hashlib
import json
import os
import struct
import sys

GGUF_TYPES = ["uint8", "int8", "uint16", "int16", "uint32", "int32", "float32",
              "bool", "string", "array", "uint64", "int64", "float64"]
FMT = {"uint8": "<B", "int8": "<b", "uint16": "<H", "int16": "<h", "uint32": "<I",
       "int32": "<i", "float32": "<I", "bool": "<B", "uint64": "<Q", "int64": "<q",
       "float64": "<Q"}


def find_lib():
    p = os.environ.get("GGML_LIB")
    if p:
        return p
    nm = os.environ.get("NODE_MODULES", "node_modules")
    hits = sorted(glob.glob(os.path.join(nm, "@node-llama-cpp/linux-x64/bins/*/libggml-base.so")))
    if not hits:
        sys.exit("oracle.py: libggml-base.so not found (npm install @node-llama-cpp/linux-x64, or set GGML_LIB)")
    return hits[0]


L = C.CDLL(find_lib())


class InitParams(C.Structure):  # struct ggml_init_params
    _fields_ = [("mem_size", C.c_size_t), ("mem_buffer", C.c_void_p), ("no_alloc", C.c_bool)]


class GGUFInitParams(C.Structure):  # struct gguf_init_params
    _fields_ = [("no_alloc", C.c_bool), ("ctx", C.POINTER(C.c_void_p))]


def sig(name, res, *args):
    f = getattr(L, name)
    f.restype = res
    f.argtypes = list(args)


vp, cp, i64, sz = C.c_void_p, C.c_char_p, C.c_int64, C.c_size_t
sig("ggml_init", vp, InitParams)
sig("ggml_free", None, vp)
sig("ggml_new_tensor", vp, vp, C.c_int, C.c_int, C.POINTER(C.c_int64))
sig("ggml_set_name", vp, vp, cp)
sig("ggml_get_data", vp, vp)
sig("ggml_get_tensor", vp, vp, cp)
sig("ggml_nbytes", sz, vp)
sig("ggml_type_name", cp, C.c_int)
sig("ggml_blck_size", i64, C.c_int)
sig("ggml_type_size", sz, C.c_int)
sig("ggml_fp16_to_fp32_row", None, vp, vp, i64)
sig("ggml_fp32_to_fp16_row", None, vp, vp, i64)
sig("ggml_fp32_to_bf16_row_ref", None, vp, vp, i64)
sig("gguf_init_empty", vp)
sig("gguf_init_from_file", vp, cp, GGUFInitParams)
sig("gguf_free", None, vp)
sig("gguf_write_to_file", C.c_bool, vp, cp, C.c_bool)
sig("gguf_add_tensor", None, vp, vp)
sig("gguf_get_version", C.c_uint32, vp)
sig("gguf_get_alignment", sz, vp)
sig("gguf_get_data_offset", sz, vp)
sig("gguf_get_n_kv", i64, vp)
sig("gguf_get_key", cp, vp, i64)
sig("gguf_get_kv_type", C.c_int, vp, i64)
sig("gguf_get_arr_type", C.c_int, vp, i64)
sig("gguf_get_arr_n", sz, vp, i64)
sig("gguf_get_arr_data", vp, vp, i64)
sig("gguf_get_arr_str", cp, vp, i64, sz)
sig("gguf_get_val_str", cp, vp, i64)
sig("gguf_get_val_data", vp, vp, i64)
sig("gguf_get_n_tensors", i64, vp)
sig("gguf_get_tensor_name", cp, vp, i64)
sig("gguf_get_tensor_type", C.c_int, vp, i64)
sig("gguf_get_tensor_offset", sz, vp, i64)
sig("gguf_get_tensor_size", sz, vp, i64)
sig("gguf_get_tensor_ne", C.POINTER(C.c_int64), vp, i64)
for name, ct in [("u8", C.c_uint8), ("i8", C.c_int8), ("u16", C.c_uint16), ("i16", C.c_int16),
                 ("u32", C.c_uint32), ("i32", C.c_int32), ("f32", C.c_float), ("u64", C.c_uint64),
                 ("i64", C.c_int64), ("f64", C.c_double), ("bool", C.c_bool)]:
    sig("gguf_set_val_" + name, None, vp, cp, ct)
sig("gguf_set_val_str", None, vp, cp, cp)
sig("gguf_set_arr_data", None, vp, cp, C.c_int, vp, sz)
sig("gguf_set_arr_str", None, vp, cp, C.POINTER(cp), sz)


def scalar_str(t, raw):
    """A scalar's canonical string from its little-endian bytes."""
    (v,) = struct.unpack(FMT[t], raw)
    if t in ("float32", "float64"):
        return "0x%0*x" % (8 if t == "float32" else 16, v)
    if t == "bool":
        return "true" if v else "false"
    return str(v)


def describe(path, with_data=True):
    """Reads path with ggml's reader and returns its description."""
    gctx = C.c_void_p()
    ctx = L.gguf_init_from_file(path.encode(), GGUFInitParams(not with_data, C.pointer(gctx)))
    if not ctx:
        raise SystemExit("oracle.py: ggml's gguf_init_from_file rejected %s" % path)
    try:
        d = {"version": L.gguf_get_version(ctx), "alignment": L.gguf_get_alignment(ctx),
             "data_offset": L.gguf_get_data_offset(ctx), "kv": [], "tensors": []}
        for i in range(L.gguf_get_n_kv(ctx)):
            key = L.gguf_get_key(ctx, i).decode()
            t = GGUF_TYPES[L.gguf_get_kv_type(ctx, i)]
            kv = {"key": key, "type": t}
            if t == "array":
                et = GGUF_TYPES[L.gguf_get_arr_type(ctx, i)]
                n = L.gguf_get_arr_n(ctx, i)
                kv["elem"] = et
                if et == "string":
                    kv["value"] = [L.gguf_get_arr_str(ctx, i, j).hex() for j in range(n)]
                else:
                    size = struct.calcsize(FMT[et])
                    raw = C.string_at(L.gguf_get_arr_data(ctx, i), n * size) if n else b""
                    kv["value"] = [scalar_str(et, raw[j * size:(j + 1) * size]) for j in range(n)]
            elif t == "string":
                kv["value"] = L.gguf_get_val_str(ctx, i).hex()
            else:
                kv["value"] = scalar_str(t, C.string_at(L.gguf_get_val_data(ctx, i), struct.calcsize(FMT[t])))
            d["kv"].append(kv)
        for i in range(L.gguf_get_n_tensors(ctx)):
            name = L.gguf_get_tensor_name(ctx, i)
            ne = L.gguf_get_tensor_ne(ctx, i)
            td = {"name": name.hex(), "type": L.gguf_get_tensor_type(ctx, i),
                  "ne": [str(ne[j]) for j in range(4)],
                  "offset": L.gguf_get_tensor_offset(ctx, i), "size": L.gguf_get_tensor_size(ctx, i)}
            if with_data:
                t = L.ggml_get_tensor(gctx, name)
                n = L.ggml_nbytes(t)
                data = C.string_at(L.ggml_get_data(t), n) if n else b""
                td["sha256"] = hashlib.sha256(data).hexdigest()
            d["tensors"].append(td)
        return d
    finally:
        L.gguf_free(ctx)
        if gctx:
            L.ggml_free(gctx)


class LCG:
    """Deterministic bytes (no dependence on Python's random module)."""

    def __init__(self, seed):
        self.s = seed

    def bytes(self, n):
        out = bytearray(n)
        for i in range(n):
            self.s = (self.s * 6364136223846793005 + 1442695040888963407) % (1 << 64)
            out[i] = self.s >> 56
        return bytes(out)


def arr(ctx, key, t, fmt, values):
    raw = b"".join(struct.pack(fmt, v) for v in values)
    buf = C.create_string_buffer(raw, max(len(raw), 1))
    L.gguf_set_arr_data(ctx, key.encode(), GGUF_TYPES.index(t), buf, len(values))


def all_kv(ctx):
    """One key of every scalar type and one array of every element type."""
    b = lambda s: s.encode()
    L.gguf_set_val_str(ctx, b"general.architecture", b"test")
    L.gguf_set_val_u8(ctx, b"t.u8", 255)
    L.gguf_set_val_i8(ctx, b"t.i8", -128)
    L.gguf_set_val_u16(ctx, b"t.u16", 65535)
    L.gguf_set_val_i16(ctx, b"t.i16", -32768)
    L.gguf_set_val_u32(ctx, b"t.u32", 4294967295)
    L.gguf_set_val_i32(ctx, b"t.i32", -2147483648)
    L.gguf_set_val_f32(ctx, b"t.f32", -0.0)
    L.gguf_set_val_bool(ctx, b"t.bool", True)
    L.gguf_set_val_str(ctx, b"t.str", "h\u00e9llo, \u4e16\u754c".encode())
    L.gguf_set_val_str(ctx, b"t.str_empty", b"")
    L.gguf_set_val_u64(ctx, b"t.u64", 18446744073709551615)
    L.gguf_set_val_i64(ctx, b"t.i64", -9223372036854775808)
    L.gguf_set_val_f64(ctx, b"t.f64", 1e-310)  # subnormal
    arr(ctx, "a.u8", "uint8", "<B", [0, 1, 254, 255])
    arr(ctx, "a.i8", "int8", "<b", [-128, -1, 0, 127])
    arr(ctx, "a.u16", "uint16", "<H", [0, 65535])
    arr(ctx, "a.i16", "int16", "<h", [-32768, 32767, 7])
    arr(ctx, "a.u32", "uint32", "<I", [])
    arr(ctx, "a.i32", "int32", "<i", [-5, 5])
    # float32 bit patterns: 1, -0, +Inf, a NaN with payload, the smallest subnormal
    arr(ctx, "a.f32", "float32", "<I", [0x3F800000, 0x80000000, 0x7F800000, 0x7FC00123, 0x00000001])
    arr(ctx, "a.bool", "bool", "<B", [1, 0, 1])
    arr(ctx, "a.u64", "uint64", "<Q", [1 << 63, 3])
    arr(ctx, "a.i64", "int64", "<q", [-1, 1 << 40])
    arr(ctx, "a.f64", "float64", "<Q", [0x3FF0000000000000, 0xFFF0000000000000, 0x7FF8000000000001])
    strs = [b"", b"a", "\u00fc".encode(), b"tok en"]
    L.gguf_set_arr_str(ctx, b"a.str", (cp * len(strs))(*strs), len(strs))


def add_tensors(ctx, specs, seed):
    """specs: (name, ggml type, ne). Returns the ggml context holding them."""
    lcg = LCG(seed)
    gctx = L.ggml_init(InitParams(1 << 20, None, False))
    for name, typ, ne in specs:
        arr_ne = (C.c_int64 * len(ne))(*ne)
        t = L.ggml_new_tensor(gctx, typ, len(ne), arr_ne)
        L.ggml_set_name(t, name.encode())
        n = L.ggml_nbytes(t)
        if n:
            C.memmove(L.ggml_get_data(t), lcg.bytes(n), n)
        L.gguf_add_tensor(ctx, t)
    return gctx


def write(ctx, path):
    if not L.gguf_write_to_file(ctx, path.encode(), False):
        raise SystemExit("oracle.py: gguf_write_to_file failed for " + path)


def gen(out):
    os.makedirs(out, exist_ok=True)
    files = []

    # Every metadata type, tensors of several types, default alignment.
    ctx = L.gguf_init_empty()
    all_kv(ctx)
    g = add_tensors(ctx, [("token_embd.weight", 1, [8, 3]),       # F16
                          ("output_norm.weight", 0, [8]),         # F32
                          ("blk.0.ffn_up.weight", 8, [64, 2]),    # Q8_0
                          ("blk.0.attn_q.weight", 12, [256, 1, 2]),  # Q4_K
                          ("blk.0.ffn_down.weight", 14, [256, 2])], 1)  # Q6_K
    # (ggml's writer asserts on a tensor of no elements: not here.)
    write(ctx, os.path.join(out, "ggml_kv.gguf"))
    L.gguf_free(ctx)
    L.ggml_free(g)
    files.append("ggml_kv.gguf")

    # Alignment 64. ggml's writer pads with the context's alignment, which
    # only a context read from a file takes from general.alignment: write
    # the metadata alone, read it back, then add the tensors.
    ctx = L.gguf_init_empty()
    L.gguf_set_val_u32(ctx, b"general.alignment", 64)
    L.gguf_set_val_str(ctx, b"general.name", b"alignment test")
    tmp = os.path.join(out, "meta.tmp")
    write(ctx, tmp)
    L.gguf_free(ctx)
    ctx = L.gguf_init_from_file(tmp.encode(), GGUFInitParams(True, None))
    os.remove(tmp)
    g = add_tensors(ctx, [("a", 24, [5]),                 # I8
                          ("b", 0, [3, 1, 1, 2]),         # F32, 4-D
                          ("c", 2, [32, 3]),              # Q4_0
                          ("d", 30, [7]),                 # BF16
                          ("e", 9, [32])], 2)             # Q8_1
    write(ctx, os.path.join(out, "ggml_align64.gguf"))
    L.gguf_free(ctx)
    L.ggml_free(g)
    files.append("ggml_align64.gguf")

    # Metadata, no tensors; and nothing at all.
    ctx = L.gguf_init_empty()
    L.gguf_set_val_str(ctx, b"general.name", b"no tensors")
    L.gguf_set_val_u32(ctx, b"general.quantization_version", 2)
    write(ctx, os.path.join(out, "ggml_notensors.gguf"))
    L.gguf_free(ctx)
    files.append("ggml_notensors.gguf")
    ctx = L.gguf_init_empty()
    write(ctx, os.path.join(out, "ggml_empty.gguf"))
    L.gguf_free(ctx)
    files.append("ggml_empty.gguf")

    for f in files:
        p = os.path.join(out, f)
        with open(p[:-len(".gguf")] + ".json", "w") as w:
            json.dump(describe(p), w, indent=1, sort_keys=True)
            w.write("\n")

    with open(os.path.join(out, "types.txt"), "w") as w:
        w.write("# id name block_size type_size, from libggml-base.so (ggml_type_name, ggml_blck_size, ggml_type_size)\n")
        i = 0
        while True:
            bs = L.ggml_blck_size(i)
            name = L.ggml_type_name(i)
            if i >= 43 and (bs <= 0 or bs > 1024):
                break
            w.write("%d %s %d %d\n" % (i, name.decode(errors="replace").split()[0], bs, L.ggml_type_size(i)))
            i += 1
    print("oracle.py: wrote %s" % ", ".join(files))


def check(d):
    paths = sorted(glob.glob(os.path.join(d, "*.gguf")))
    n = 0
    for p in paths:
        j = p[:-len(".gguf")] + ".json"
        if not os.path.exists(j):
            continue
        with open(j) as f:
            want = json.load(f)
        got = describe(p)
        if got != want:
            print("oracle.py: %s: ggml reads\n%s\nthe Go writer was given\n%s" % (
                p, json.dumps(got, indent=1, sort_keys=True), json.dumps(want, indent=1, sort_keys=True)))
            sys.exit(1)
        n += 1
    if n == 0:
        sys.exit("oracle.py: no .gguf file with a .json description in " + d)
    print("oracle.py: ggml reads %d Go-written files as described" % n)


def read_safetensors(path):
    with open(path, "rb") as f:
        (hl,) = struct.unpack("<Q", f.read(8))
        hdr = json.loads(f.read(hl))
        base = 8 + hl
        out = {}
        for name, v in hdr.items():
            if name == "__metadata__":
                continue
            a, b = v["data_offsets"]
            f.seek(base + a)
            out[name] = (v["dtype"], v["shape"], f.read(b - a))
        return out


def to_f32(dtype, raw):
    """The source tensor as float32 bytes (exact widening)."""
    if dtype == "F32":
        return raw
    n = len(raw) // 2
    if dtype == "F16":
        dst = C.create_string_buffer(4 * n)
        L.ggml_fp16_to_fp32_row(C.c_char_p(raw), dst, n)
        return dst.raw
    if dtype == "BF16":
        return b"".join(b"\0\0" + raw[2 * i:2 * i + 2] for i in range(n))
    raise SystemExit("oracle.py: unsupported source dtype " + dtype)


# The integer dtypes quant convert copies, and their ggml types.
INT_TYPES = {"I8": 24, "I16": 25, "I32": 26, "I64": 27}


def convert_check(src, out):
    tensors = read_safetensors(src)
    gctx = C.c_void_p()
    ctx = L.gguf_init_from_file(out.encode(), GGUFInitParams(False, C.pointer(gctx)))
    if not ctx:
        sys.exit("oracle.py: ggml's gguf_init_from_file rejected " + out)
    checked = 0
    for i in range(L.gguf_get_n_tensors(ctx)):
        name = L.gguf_get_tensor_name(ctx, i)
        typ = L.gguf_get_tensor_type(ctx, i)
        ne = L.gguf_get_tensor_ne(ctx, i)
        dtype, shape, raw = tensors[name.decode()]
        want_ne = list(reversed(shape)) + [1] * (4 - len(shape))
        if [ne[j] for j in range(4)] != want_ne:
            sys.exit("oracle.py: %s: ne %s, want %s" % (name, [ne[j] for j in range(4)], want_ne))
        if dtype in INT_TYPES:
            if typ != INT_TYPES[dtype]:
                sys.exit("oracle.py: %s: %s tensor has ggml type %d" % (name, dtype, typ))
            want = raw
            f32 = b""
        else:
            f32 = to_f32(dtype, raw)
        n = len(f32) // 4
        if dtype in INT_TYPES:
            pass
        elif typ == 0:
            want = f32
        elif typ in (1, 30):
            dst = C.create_string_buffer(2 * n)
            (L.ggml_fp32_to_fp16_row if typ == 1 else L.ggml_fp32_to_bf16_row_ref)(C.c_char_p(f32), dst, n)
            want = dst.raw
        else:
            tname = L.ggml_type_name(typ).decode()
            q = getattr(L, "quantize_row_%s_ref" % tname)
            q.restype = None
            q.argtypes = [vp, vp, i64]
            row = ne[0]
            rows = n // row if row else 0
            rb = row // L.ggml_blck_size(typ) * L.ggml_type_size(typ)
            dst = C.create_string_buffer(max(rows * rb, 1))
            srcbuf = C.create_string_buffer(f32, max(len(f32), 1))
            for r in range(rows):
                q(C.addressof(srcbuf) + 4 * r * row, C.addressof(dst) + r * rb, row)
            want = dst.raw[:rows * rb]
        t = L.ggml_get_tensor(gctx, name)
        got = C.string_at(L.ggml_get_data(t), L.ggml_nbytes(t)) if L.ggml_nbytes(t) else b""
        if got != want:
            k = next((k for k in range(min(len(got), len(want))) if got[k] != want[k]), min(len(got), len(want)))
            sys.exit("oracle.py: %s (%s): data differs from ggml's conversion at byte %d (%d vs %d bytes)" % (
                name.decode(), L.ggml_type_name(typ).decode(), k, len(got), len(want)))
        checked += 1
    L.gguf_free(ctx)
    L.ggml_free(gctx)
    convertible = [k for k, v in tensors.items() if v[0] in ("F32", "F16", "BF16") or v[0] in INT_TYPES]
    if checked != len(convertible):
        sys.exit("oracle.py: %s has %d tensors, %s has %d" % (out, checked, src, len(tensors)))
    print("oracle.py: %s: ggml loads it; %d tensors equal ggml's conversion of %s" % (out, checked, src))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "gen":
        gen(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "check":
        check(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "convert":
        convert_check(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
