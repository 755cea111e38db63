#!/usr/bin/env bash
# The external oracles are real: regenerate the committed test vectors with
# Debian's numpy (1.24) and PyTorch (1.13) and fail if a single byte
# changes. The Go tests compare against the committed files without Python.
#   testdata/oracle/gen.py   notebook (numpy), torch observers and quantizers, ONNX
#   testdata/blocked/gen.py  ONNX opset-21 blocked QuantizeLinear (numpy)
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
echo "oracles.sh: vectors reproduce byte for byte"
