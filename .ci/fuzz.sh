#!/usr/bin/env bash
# Bounded fuzzing of every kernel target (go test accepts one -fuzz target
# per invocation). Needs only Go. FUZZTIME (default 5s) bounds each target;
# a failure leaves the crashing input in testdata/fuzz/<Target>/ and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-5s}
for t in FuzzQuantizeU8 FuzzQuantizeI8 FuzzDequantizeU8 FuzzDequantizeI8 \
	FuzzMinMax FuzzAbsMax FuzzQuantError FuzzSquaredError; do
	echo "== $t ($FUZZTIME)"
	timeout 300 go test -run='^$' -fuzz="^${t}\$" -fuzztime="$FUZZTIME" .
done
