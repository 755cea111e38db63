#!/usr/bin/env bash
# The external oracles are real: regenerate the committed test vectors with
# Debian's numpy (1.24) and PyTorch (1.13) and fail if a single byte
# changes. The Go tests compare against the committed files without Python.
#   testdata/oracle/gen.py   notebook (numpy), torch observers and quantizers, ONNX
#   testdata/blocked/gen.py  ONNX opset-21 blocked QuantizeLinear (numpy)
#   testdata/gguf/oracle.py  ggml's GGUF reader and writer (libggml-base.so from
#                            the npm package @node-llama-cpp/linux-x64, pinned)
#   testdata/ggml/gen.py     ggml's block quantizers: libggml-base.so and
#                            libggml-cpu-haswell.so from the same package
#                            (x86-64 with AVX2)
set -euo pipefail
cd "$(dirname "$0")/.."
if ! /usr/bin/python3 -c 'import numpy, torch' 2>/dev/null; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-numpy python3-torch >/dev/null
fi
/usr/bin/python3 testdata/oracle/gen.py
git diff --exit-code --stat -- testdata/oracle
test -z "$(git status --porcelain -- testdata/oracle)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp testdata/blocked/gen.py "$tmp"
(cd "$tmp" && /usr/bin/python3 gen.py)
for f in testdata/blocked/*.npy; do
	cmp "$f" "$tmp/$(basename "$f")"
done

# ggml itself, from npm (installed here, never committed): node's npm from
# Debian if missing, then the pinned @node-llama-cpp/linux-x64.
if ! command -v npm >/dev/null; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
fi
mkdir -p "$tmp/npm" "$tmp/gguf"
(cd "$tmp/npm" && npm install --no-save --ignore-scripts --no-audit --no-fund --silent @node-llama-cpp/linux-x64@3.22.1 >/dev/null)
export NODE_MODULES="$tmp/npm/node_modules"
bins="$NODE_MODULES/@node-llama-cpp/linux-x64/bins/linux-x64"

# GGUF: ggml's own reader and writer. (a) ggml-written files and ggml's
# reading of them reproduce byte for byte; (b) ggml reads the files of the
# Go writer as the Go tests describe them; (c) ggml loads the output of
# quant convert and its tensors equal ggml's conversion of the same input.
/usr/bin/python3 testdata/gguf/oracle.py gen testdata/gguf
git diff --exit-code --stat -- testdata/gguf
test -z "$(git status --porcelain -- testdata/gguf)"
QUANT_GGUF_ORACLE_DIR="$tmp/gguf" go test -count=1 -run '^TestOracleFiles$' ./gguf
/usr/bin/python3 testdata/gguf/oracle.py check "$tmp/gguf"
QUANT_GGUF_ORACLE_DIR="$tmp/gguf" go test -count=1 -run '^TestConvertOracleFiles$' ./cmd/quant
for g in "$tmp"/gguf/convert_*.gguf; do
	case $(basename "$g") in
	convert_specials_*) src=convert_specials ;;
	*) src=convert_in ;;
	esac
	/usr/bin/python3 testdata/gguf/oracle.py convert "$tmp/gguf/$src.safetensors" "$g"
done

# ggml's block formats: the committed vectors back byte for byte through
# ctypes, the exhaustive fp16/bf16 sweep (all 2^32 inputs) of package ggml,
# and the same libraries through purego on random rows and blocks.
grep -qw avx2 /proc/cpuinfo || { echo "oracles.sh: testdata/ggml/gen.py needs an x86-64 CPU with AVX2"; exit 1; }
/usr/bin/python3 testdata/ggml/gen.py "$bins"
git diff --exit-code --stat -- testdata/ggml
test -z "$(git status --porcelain -- testdata/ggml)"
QUANT_GGML_SWEEP=1 go test -count=1 -run 'TestFP16Sweep|Oracle' ./ggml
GGML_LIBDIR="$bins" go test -count=1 ./internal/ggmlpeer
echo "oracles.sh: vectors reproduce byte for byte"
