#!/usr/bin/env bash
# The llvm-mca model of the NEON kernels (bench/mca): cross-builds the
# package for arm64, extracts each kernel's loop by its symbol, simulates it
# on Neoverse N1, N2, V1 and V2 next to the C intrinsics peers
# (testdata/mca/peers.c, compiled by clang), prints the tables, and fails
# if any kernel's modelled cycles per 16 elements regressed by more than 5%
# against testdata/mca/baseline.txt. Installs llvm-22 and clang-22 (Debian)
# when missing. Arguments are passed to the program (-update rewrites the
# baseline, -run REGEXP models a subset, -dump DIR writes the loops).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v llvm-mca-22 >/dev/null || ! command -v llvm-mc-22 >/dev/null || ! command -v clang-22 >/dev/null; then
	echo "installing llvm-22 and clang-22"
	sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends llvm-22 clang-22 >/dev/null
fi

go run ./bench/mca "$@"
