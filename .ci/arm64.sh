#!/usr/bin/env bash
# arm64 and portability checks, for a fresh machine with only Go installed:
#   1. the whole test suite for GOARCH=arm64 under qemu-aarch64 user-mode
#      emulation (NEON kernels, differential tests, fuzz seed corpora),
#      then again with GODEBUG=cpu.asimd=off, and the selection tests with
#      QUANT_KERNEL=generic;
#   2. a short fuzz run of every fuzz target under qemu-aarch64;
#   3. the tests for linux/s390x (big-endian) under qemu-s390x;
#   4. the tests for linux/386 (32-bit) natively on an amd64 host;
#   5. a build of every port the pure-Go fallback serves, with and without
#      -tags purego (go vet where the tests compiled the dependencies).
# Environment: FUZZTIME per fuzz target (default 10000x: a count, not a
# duration — Go 1.26's coordinator can fail a duration-bounded run with a
# spurious "context deadline exceeded" at the deadline, golang/go#75804,
# which the slow emulated workers hit often; FUZZTIME=0 skips fuzzing);
# QEMU_SHORT=-short (default) passes -short to the emulated test runs.
set -euo pipefail
cd "$(dirname "$0")/.."

t0=$SECONDS
step() { echo "== [$((SECONDS - t0))s] $*"; }

if ! command -v qemu-aarch64-static >/dev/null || ! command -v qemu-s390x-static >/dev/null; then
	step "installing qemu-user-static"
	sudo=""
	[ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends qemu-user-static >/dev/null
fi

export CGO_ENABLED=0
short=${QEMU_SHORT--short}
fuzztime=${FUZZTIME:-10000x}
arm64=(env GOOS=linux GOARCH=arm64)

# Packages whose tests run under emulation: all but the commands, whose
# tests build the CLI and exec it, which user-mode qemu cannot follow
# without binfmt_misc ("exec format error"); the CLI's tests run natively
# in the main CI and for linux/386 below.
emu_pkgs=$(go list ./... | grep -v '/cmd/')
# The library itself: what the pure-Go fallback must serve on every port.
lib_pkgs=$(go list ./... | grep -v -e '/cmd/' -e '/bench$')
# Fuzz targets of the per-tensor kernels, and ggml's FuzzSIMD (its NEON
# block kernels against the reference) (FUZZ_TARGETS overrides).
fuzz_targets=${FUZZ_TARGETS:-'^Fuzz(QuantizeU8|QuantizeI8|DequantizeU8|DequantizeI8|MinMax|AbsMax|QuantError|SquaredError|SIMD)$'}

# go test -fuzz re-executes os.Args[0] for its workers, which fails with
# "exec format error" for an arm64 binary unless binfmt_misc is set up (it
# is not in containers). This -exec wrapper runs the binary under qemu with
# argv[0] set to the wrapper itself, so the workers come back through it.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
wrap=$tmp/qemu-aarch64-exec
cat >"$wrap" <<'WRAP'
#!/bin/sh
if [ -n "$QEMU_EXEC_BIN" ]; then exec qemu-aarch64-static -0 "$0" "$QEMU_EXEC_BIN" "$@"; fi
bin=$1
shift
QEMU_EXEC_BIN=$bin exec qemu-aarch64-static -0 "$0" "$bin" "$@"
WRAP
chmod +x "$wrap"

step "arm64: go vet (asmdecl checks the assembly frames against the Go declarations)"
"${arm64[@]}" go vet ./...

step "arm64: tests under qemu-aarch64 (neon)"
"${arm64[@]}" go test -exec qemu-aarch64-static $short -count=1 $emu_pkgs

# --- issue 11 (added by the div helper): the reduced exhaustive sweep of the
# --- NEON kernels, every input within 256 floats of a rounding tie.
step "arm64: reduced exhaustive sweep (inputs near the ties) under qemu-aarch64"
QUANT_EXHAUSTIVE=ties QUANT_EXHAUSTIVE_RADIUS=256 "${arm64[@]}" go test -exec qemu-aarch64-static -count=1 -timeout 0 -run '^TestExhaustive$' .

step "arm64: tests under qemu-aarch64 with GODEBUG=cpu.asimd=off (generic fallback)"
# The Go runtime's own GODEBUG parser does not know asimd and prints one
# "unknown cpu feature" line; golang.org/x/sys/cpu honours it.
GODEBUG=cpu.asimd=off "${arm64[@]}" go test -exec qemu-aarch64-static $short -count=1 $emu_pkgs 2>&1 |
	grep -v '^GODEBUG: unknown cpu feature "asimd"$'

step "arm64: QUANT_KERNEL=generic selects generic under qemu-aarch64"
# The kernels are then those of the asimd=off run above; only the selection
# differs.
QUANT_KERNEL=generic "${arm64[@]}" go test -exec qemu-aarch64-static -count=1 \
	-run '^(TestNEONSelection|TestDispatch.*)$' .

if [ "$fuzztime" != 0 ]; then
	step "arm64: fuzz each target for $fuzztime under qemu-aarch64"
	# go test -fuzz runs one package at a time; list the targets per package.
	for pkg in $emu_pkgs; do
		targets=$("${arm64[@]}" go test -exec "$wrap" -list "$fuzz_targets" "$pkg" | grep '^Fuzz' || true)
		for f in $targets; do
			step "fuzz $pkg $f"
			"${arm64[@]}" go test -exec "$wrap" -run '^$' -fuzz "^$f\$" -fuzztime "$fuzztime" "$pkg"
		done
	done
fi

step "s390x (big-endian): tests under qemu-s390x, vet"
GOOS=linux GOARCH=s390x go test -exec qemu-s390x-static $short -count=1 $emu_pkgs
GOOS=linux GOARCH=s390x go vet $lib_pkgs

# 32-bit: linux/386 binaries run natively on an amd64 host.
if [ "$(go env GOHOSTARCH)" = amd64 ] && [ "$(go env GOHOSTOS)" = linux ]; then
	step "linux/386 (32-bit int): tests, natively"
	GOARCH=386 go test $short -count=1 ./...
	GOARCH=386 go vet $lib_pkgs
fi

# Cross-builds: compiling the standard library for each new target is most
# of the cost, so the ports are built (with and without -tags purego; the
# purego build is a cache hit where no assembly exists) and vetted only
# where the test runs above already compiled the test dependencies.
ports="linux/386 linux/arm linux/arm64 linux/riscv64 linux/ppc64le linux/s390x linux/loong64 darwin/arm64 windows/amd64 js/wasm wasip1/wasm"
for port in $ports; do
	step "build $port, with and without -tags purego"
	GOOS=${port%/*} GOARCH=${port#*/} go build $lib_pkgs
	GOOS=${port%/*} GOARCH=${port#*/} go build -tags purego $lib_pkgs
done

step "done in $((SECONDS - t0))s"
