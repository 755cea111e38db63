#!/usr/bin/env bash
# The reference must never be fused into FMA: the Go compiler fuses x*y+z
# on arm64 always and on amd64 with GOAMD64=v3 unless an explicit
# conversion rounds the product. Compile the pure-Go code of the library
# for both and fail on any fused instruction in its assembly listing (the
# root package and package ggml, whose reference is ggml's arithmetic).
# (Hand-written .s files do not appear in -S output.)
set -euo pipefail
cd "$(dirname "$0")/.."
fail=0
check() {
	local what=$1; shift
	local hits
	hits=$(env "$@" go build -a -gcflags='github.com/quantkernel/quant/...=-S' . ./ggml 2>&1 |
		grep -E '\b(V?F(N)?M(ADD|SUB)[0-9]*(S|D|SS|SD|PS|PD)?|FMLA|FMLS)\b' || true)
	if [ -n "$hits" ]; then
		echo "FMA in the reference ($what):"
		echo "$hits"
		fail=1
	fi
}
check "GOAMD64=v3" GOARCH=amd64 GOAMD64=v3
check "arm64" GOARCH=arm64
check "ppc64le" GOARCH=ppc64le
check "s390x" GOARCH=s390x
check "riscv64" GOARCH=riscv64
exit $fail
