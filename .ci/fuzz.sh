#!/usr/bin/env bash
# Bounded fuzzing of every fuzz target (go test takes one -fuzz target per
# invocation). Needs only Go. FUZZTIME (default 5s) bounds each target; a
# failure leaves the crashing input in testdata/fuzz/<Target>/ and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZTIME=${FUZZTIME:-5s}
# Every package's targets, as "dir target" pairs (the root package and
# subpackages such as gguf/; not the asm/ module).
targets=$(grep -rHo --include='*_test.go' --exclude-dir=asm '^func Fuzz[A-Za-z0-9_]*' . |
	sed -E 's|^(.*)/[^/]*_test\.go:func (Fuzz.*)$|\1 \2|' | sort -u)
[ -n "$targets" ] || { echo "fuzz.sh: no fuzz targets found"; exit 1; }
while read -r dir t; do
	echo "== $dir $t ($FUZZTIME)"
	timeout 300 go test -run='^$' -fuzz="^${t}\$" -fuzztime="$FUZZTIME" "$dir"
done <<<"$targets"
