#!/usr/bin/env bash
# Peak RSS of the quant commands on a 64 MiB float32 .npy (16 Mi elements,
# shape 4096×4096), measured with /usr/bin/time -v. Fails if a target is
# not met:
#   quantize, dequantize, calibrate  <= the output's size + 32 MiB
#   calibrate -method percentile     <= 1.1 × the input + 32 MiB
#   report                           <= 1.5 × the largest tensor + 32 MiB
# (and report and percentile calibration of a .safetensors file of two
# 32 MiB tensors, and report of it as GGUF F32 and Q8_0, against the same
# targets for its largest tensor).
# Then a 1 GiB input (sparse: zeros) is calibrated, quantized and
# dequantized within 64 MiB of peak RSS each: the commands that do not need
# the whole tensor at once work on files larger than RAM.
# QUANT_BIN=path measures another build (e.g. an older commit's).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/time ]; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bin=${QUANT_BIN:-$tmp/quant}
[ -n "${QUANT_BIN:-}" ] || go build -o "$bin" ./cmd/quant

# The input: a numpy-format header and 16 Mi float32 values in [-8, 8).
mkdir "$tmp/gen"
cat >"$tmp/gen/main.go" <<'GO'
package main

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
)

// usage: gen FILE ROWS COLS [sparse|safetensors]
func main() {
	if len(os.Args) > 4 && os.Args[4] == "safetensors" {
		safetensors()
		return
	}
	rows, _ := strconv.Atoi(os.Args[2])
	cols, _ := strconv.Atoi(os.Args[3])
	dict := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }", rows, cols)
	dict += strings.Repeat(" ", (64-(10+len(dict)+1)%64)%64) + "\n"
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("\x93NUMPY\x01\x00")
	binary.Write(w, binary.LittleEndian, uint16(len(dict)))
	w.WriteString(dict)
	w.Flush()
	n := int64(rows) * int64(cols)
	if len(os.Args) > 4 { // zeros, as a hole
		off, _ := f.Seek(0, 1)
		if err := f.Truncate(off + 4*n); err != nil {
			panic(err)
		}
		f.Close()
		return
	}
	values(w, n)
	w.Flush()
	f.Close()
}

// values writes n float32 values in [-8, 8) from an LCG.
func values(w *bufio.Writer, n int64) {
	var b [4]byte
	s := uint32(1)
	for i := int64(0); i < n; i++ {
		s = s*1664525 + 1013904223
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(float32(int32(s>>8)-(1<<23))/(1<<20)))
		w.Write(b[:])
	}
}

// safetensors writes two F32 tensors a and b of ROWS×COLS.
func safetensors() {
	rows, _ := strconv.Atoi(os.Args[2])
	cols, _ := strconv.Atoi(os.Args[3])
	n := int64(rows) * int64(cols)
	hdr := fmt.Sprintf(`{"a":{"dtype":"F32","shape":[%d,%d],"data_offsets":[0,%d]},"b":{"dtype":"F32","shape":[%d,%d],"data_offsets":[%d,%d]}}`,
		rows, cols, 4*n, rows, cols, 4*n, 8*n)
	f, err := os.Create(os.Args[1])
	if err != nil {
		panic(err)
	}
	w := bufio.NewWriter(f)
	binary.Write(w, binary.LittleEndian, uint64(len(hdr)))
	w.WriteString(hdr)
	values(w, n)
	values(w, n)
	w.Flush()
	f.Close()
}
GO
go run "$tmp/gen/main.go" "$tmp/w.npy" 4096 4096
"$bin" quantize -o "$tmp/q.npy" "$tmp/w.npy" 2>/dev/null

mib=$((1024 * 1024))
in=$(stat -c %s "$tmp/w.npy")
q=$(stat -c %s "$tmp/q.npy")
fail=0
echo "| command | peak RSS | target | × input |"
echo "|---|---|---|---|"
# measure NAME LIMIT_BYTES ARGS...: peak RSS of quant ARGS.
measure() {
	local name=$1 limit=$2
	shift 2
	if ! /usr/bin/time -v -o "$tmp/time" "$bin" "$@" >/dev/null 2>"$tmp/err"; then
		echo "mem.sh: quant $* failed:"
		cat "$tmp/err"
		exit 1
	fi
	local kib
	kib=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/time")
	local ok="" x
	x=$(awk -v r="$kib" -v i="$in" 'BEGIN { printf "%.2f", r * 1024 / i }')
	if [ $((kib * 1024)) -gt "$limit" ]; then
		ok=" **over**"
		fail=1
	fi
	echo "| $name | $((kib / 1024)) MiB | ≤ $((limit / mib)) MiB$ok | ${x}× |"
}
measure "quantize" $((q + 32 * mib)) quantize -o "$tmp/o.npy" "$tmp/w.npy"
measure "quantize, percentile" $((in * 11 / 10 + 32 * mib)) quantize -method percentile -o "$tmp/o.npy" "$tmp/w.npy"
measure "dequantize" $((in + 32 * mib)) dequantize -o "$tmp/d.npy" "$tmp/q.npy"
measure "calibrate" $((32 * mib)) calibrate "$tmp/w.npy"
measure "calibrate, percentile" $((in * 11 / 10 + 32 * mib)) calibrate -method percentile "$tmp/w.npy"
measure "report" $((in * 3 / 2 + 32 * mib)) report "$tmp/w.npy"
# Two tensors of 32 MiB: report holds the largest once.
go run "$tmp/gen/main.go" "$tmp/m.safetensors" 4096 2048 safetensors
measure "report, .safetensors 2×32 MiB" $((in / 2 * 3 / 2 + 32 * mib)) report "$tmp/m.safetensors"
measure "calibrate, percentile, .safetensors 2×32 MiB" $((in / 2 * 11 / 10 + 32 * mib)) calibrate -method percentile "$tmp/m.safetensors"
# The same two tensors as GGUF, F32 and Q8_0 (dequantized by report):
# report holds the largest tensor's floats once, as for .safetensors, and
# adds the ggml types' errors chunk by chunk.
"$bin" convert -type f32 -quantize-1d -o "$tmp/m.gguf" "$tmp/m.safetensors" >/dev/null
"$bin" convert -type q8_0 -o "$tmp/m8.gguf" "$tmp/m.safetensors" >/dev/null
measure "report, GGUF F32 2×32 MiB" $((in / 2 * 3 / 2 + 32 * mib)) report "$tmp/m.gguf"
measure "report, GGUF Q8_0 2×8.5 MiB" $((in / 2 * 3 / 2 + 32 * mib)) report "$tmp/m8.gguf"
rm -f "$tmp"/o.npy* "$tmp/d.npy" "$tmp/q.npy"* "$tmp"/m*.gguf

# Larger than RAM: memory must not grow with the input. A 1 GiB input
# (sparse: zeros) is calibrated, quantized (256 MiB of codes) and
# dequantized (1 GiB of floats) within 64 MiB of peak RSS each.
go run "$tmp/gen/main.go" "$tmp/big.npy" 16384 16384 sparse
in=$(stat -c %s "$tmp/big.npy")
echo
echo "1 GiB input (16384×16384 zeros):"
echo
echo "| command | peak RSS | target | × input |"
echo "|---|---|---|---|"
measure "calibrate" $((64 * mib)) calibrate "$tmp/big.npy"
measure "quantize" $((64 * mib)) quantize -o "$tmp/bq.npy" "$tmp/big.npy"
measure "dequantize" $((64 * mib)) dequantize -o "$tmp/bd.npy" "$tmp/bq.npy"
[ $fail = 0 ] || { echo "mem.sh: a memory target is not met"; exit 1; }
echo "mem.sh: every memory target met"
