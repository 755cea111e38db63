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
# Go 1.26's fuzz coordinator can fail a duration-bounded run with a spurious
# "context deadline exceeded" at the deadline (golang/go#75804) on this
# loaded machine. Such a run found nothing (a real failure prints "Failing
# input written to ..."), so it is run again, up to twice; anything else
# fails at once.
fuzz() {
	local dir=$1 t=$2 out
	for try in 1 2 3; do
		if out=$(timeout 300 go test -run='^$' -fuzz="^${t}\$" -fuzztime="$FUZZTIME" "$dir" 2>&1); then
			echo "$out"
			return 0
		fi
		echo "$out"
		if ! grep -q 'context deadline exceeded' <<<"$out" || grep -q 'Failing input written' <<<"$out"; then
			return 1
		fi
		echo "fuzz.sh: $t: spurious deadline at the end of the run (golang/go#75804), try $((try + 1))"
	done
	return 1
}
while read -r dir t; do
	echo "== $dir $t ($FUZZTIME)"
	fuzz "$dir" "$t"
done <<<"$targets"
