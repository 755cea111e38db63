#!/usr/bin/env bash
# Bounded fuzzing of every fuzz target (go test takes one -fuzz target per
# invocation). Needs only Go. FUZZTIME (default 5s) bounds each target; a
# failure leaves the crashing input in testdata/fuzz/<Target>/ and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-5s}
targets=$(grep -ho '^func Fuzz[A-Za-z0-9_]*' ./*_test.go | sed 's/^func //' | sort)
[ -n "$targets" ] || { echo "fuzz.sh: no fuzz targets found"; exit 1; }
for t in $targets; do
	echo "== $t ($FUZZTIME)"
	timeout 300 go test -run='^$' -fuzz="^${t}\$" -fuzztime="$FUZZTIME" .
done
