#!/usr/bin/env bash
# Smoke test of the tools on the CI machine (needs only Go): the demo prints
# the notebook's error table, `quant verify` runs the differential suites and
# then 10 s of random cases on every implementation this CPU supports (exit 1
# on any mismatch), and a tiny bench sweep writes its table, CSV, JSON and
# PNG.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(go run ./cmd/quant)
grep -q "Asymmetric error: 1.41" <<<"$out" || { echo "cli.sh: demo error table changed:"; echo "$out"; exit 1; }
go run ./cmd/quant verify -duration 10s
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go run ./bench -sizes 1024,65536 -min-time 2ms -reps 3 -numpy=false -out "$tmp" >/dev/null 2>&1
for f in results.csv results.json throughput.png; do test -s "$tmp/$f" || { echo "cli.sh: bench wrote no $f"; exit 1; }; done
echo "cli.sh: demo, verify and bench OK"
