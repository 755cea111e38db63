#!/usr/bin/env bash
# Runs the package tests (the differential harness included) for arm64
# under qemu user-mode emulation with -short: the NEON kernels against the
# generic reference, plus GODEBUG=cpu.asimd=off fallback. Installs
# qemu-user-static if missing. About a minute on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v qemu-aarch64-static >/dev/null; then
	apt-get update -qq
	apt-get install -y -qq qemu-user-static >/dev/null
fi
bin=$(mktemp -d)/quant_arm64.test
GOARCH=arm64 go test -c -o "$bin" .
# The test binary reads testdata/ relative to the working directory.
qemu-aarch64-static "$bin" -test.short -test.count=1
