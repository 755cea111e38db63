#!/usr/bin/env bash
# External oracles (numpy notebook, torch, ONNX vectors in testdata/oracle).
# `go test ./...` already checks them on the host. This script adds:
#   1. the oracle and calibration tests cross-compiled for arm64 and run
#      under qemu-user (arm64 is where Go fuses x*y+z into FMA: the
#      calibration and percentile arithmetic must still match numpy/torch);
#   2. with --regen, a check that testdata/oracle/gen.py reproduces the
#      committed vectors byte for byte. That needs Debian bookworm's
#      python3-numpy (1.24.2) and python3-torch (1.13): a large install, so
#      it is opt-in.
set -euo pipefail
cd "$(dirname "$0")/.."
need() { command -v "$1" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }

need qemu-aarch64-static qemu-user-static
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
GOARCH=arm64 go test -c -o "$tmp/quant.arm64.test" .
qemu-aarch64-static "$tmp/quant.arm64.test" -test.run 'Oracle|Calibrate|Percentile|Params|ONNXSymmetric'

if [ "${1:-}" = "--regen" ]; then
	/usr/bin/python3 -c 'import numpy, torch' 2>/dev/null ||
		{ apt-get update -qq && apt-get install -y -qq python3-numpy python3-torch >/dev/null; }
	/usr/bin/python3 testdata/oracle/gen.py
	git diff --exit-code --stat -- testdata/oracle
	test -z "$(git status --porcelain -- testdata/oracle)"
fi
