#!/usr/bin/env bash
# The external oracles are real: regenerate the committed test vectors with
# Debian's numpy (1.24) and PyTorch (1.13) and fail if a single byte
# changes. The Go tests compare against the committed files without Python.
#   testdata/oracle/gen.py   notebook (numpy), torch observers and quantizers, ONNX
#   testdata/blocked/gen.py  ONNX opset-21 blocked QuantizeLinear (numpy)
#   testdata/ggml/gen.py     ggml itself: libggml-base.so and libggml-cpu-haswell.so
#                            from npm @node-llama-cpp/linux-x64 (x86-64 with AVX2)
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

# ggml: install the prebuilt libraries from npm (never committed), call them
# through ctypes, and require the committed vectors back byte for byte; then
# the exhaustive fp16/bf16 sweep (all 2^32 inputs) of package ggml.
if ! command -v npm >/dev/null; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
fi
grep -qw avx2 /proc/cpuinfo || { echo "oracles.sh: testdata/ggml/gen.py needs an x86-64 CPU with AVX2"; exit 1; }
npm install --prefix "$tmp/nlc" --no-save --silent @node-llama-cpp/linux-x64@3.22.1 >/dev/null
/usr/bin/python3 testdata/ggml/gen.py "$tmp/nlc/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64"
git diff --exit-code --stat -- testdata/ggml
test -z "$(git status --porcelain -- testdata/ggml)"
QUANT_GGML_SWEEP=1 go test -count=1 -run 'TestFP16Sweep|Oracle' ./ggml
# and the same libraries through purego: random rows and random blocks
GGML_LIBDIR="$tmp/nlc/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64" go test -count=1 ./ggml/internal/ggmlpeer
echo "oracles.sh: vectors reproduce byte for byte"
