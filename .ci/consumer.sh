#!/usr/bin/env bash
# A library user's module must need none of the tools' dependencies (plot,
# progress bar, safetensors, npy, testify): build a throwaway consumer of
# the root package, let go mod tidy compute its requirements, and fail if
# any module other than the two the library itself uses appears.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
cat >go.mod <<MOD
module example.com/consumer

go 1.26.0

require github.com/quantkernel/quant v0.0.0

replace github.com/quantkernel/quant => $root
MOD
cat >main.go <<'GO'
package main

import (
	"fmt"

	"github.com/quantkernel/quant"
)

func main() {
	x := []float32{1, 2, 3}
	p, err := quant.Calibrate(x, quant.Scheme{Method: quant.MethodMinMax, Bits: 8})
	if err != nil {
		panic(err)
	}
	q := make([]uint8, len(x))
	quant.Active().Parallel(2).QuantizeU8(q, x, p)
	fmt.Println(q)
}
GO
GOFLAGS=-mod=mod go mod tidy
go run . >/dev/null
# What tidy required is what the consumer's builds and tests need.
reqs=$(go mod edit -json | sed -n 's/.*"Path": "\(.*\)".*/\1/p' | grep -v -x -e github.com/quantkernel/quant -e example.com/consumer -e "$root" | sort -u)
extra=$(echo "$reqs" | grep -v -x -e github.com/klauspost/cpuid/v2 -e golang.org/x/sys -e '' || true)
if [ -n "$extra" ]; then
	echo "consumer.sh: a library user's module needs: $extra" >&2
	exit 1
fi
echo "consumer.sh: a library user's module requires only:" $reqs
