#!/usr/bin/env bash
# Grouped quantization (per-axis, blocked, int4, dynamic, parallel): the
# tests, a short run of each fuzz target, and a check that the committed
# ONNX reference vectors reproduce from testdata/blocked/gen.py.
set -euo pipefail
cd "$(dirname "$0")/.."
go test -count=1 -run 'Layout|Pack|Calibrate|Dynamic|Parallel|ONNX|Fuzz' .
for f in FuzzGroupedQuantize FuzzGroupedDynamic FuzzGroupedKernels FuzzPackUnpack; do
	go test -run '^$' -fuzz "^$f\$" -fuzztime 10s .
done
if ! /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
	apt-get update -qq && apt-get install -y -qq python3-numpy >/dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp testdata/blocked/gen.py "$tmp"
(cd "$tmp" && /usr/bin/python3 gen.py)
for f in testdata/blocked/*.npy; do
	cmp "$f" "$tmp/$(basename "$f")"
done
echo "blocked: ok"
