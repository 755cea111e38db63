package ggml

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/x448/float16"
)

// TestFP16Sweep converts float32 bit patterns (all 2^32 with
// QUANT_GGML_SWEEP=1, see sweepChunks) with FP32ToFP16 and
// FP32ToBF16 and compares the crc32 of each 2^24-input chunk with ggml's
// (ggml_fp32_to_fp16_row, ggml_fp32_to_bf16_row_ref; sweep.txt), and all
// 65536 halves with FP16ToFP32 against ggml_fp16_to_fp32_row. It also
// checks github.com/x448/float16 on every input: it agrees with ggml
// except on NaN, where ggml returns sign|0x7E00 and x448 keeps payload
// bits, which is why the package has its own conversion.
func TestFP16Sweep(t *testing.T) {
	type sums struct{ h, b uint32 }
	want := map[int]sums{}
	var wantF32 uint32
	sc := bufio.NewScanner(bytes.NewReader(readOracle(t, "sweep.txt")))
	for sc.Scan() {
		var c int
		var s sums
		if _, err := fmt.Sscanf(sc.Text(), "%d %x %x", &c, &s.h, &s.b); err == nil {
			want[c] = s
		} else if _, err := fmt.Sscanf(sc.Text(), "fp16_to_fp32 %x", &wantF32); err != nil {
			t.Fatalf("sweep.txt: %q", sc.Text())
		}
	}
	require.Len(t, want, 256)

	todo := sweepChunks()
	const n = 1 << 24
	var mu sync.Mutex
	got := map[int]sums{}
	x448Diff, x448NaN, nanSeen, nanBad := 0, 0, 0, 0
	chunks := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			h := make([]byte, 2*n)
			b := make([]byte, 2*n)
			for c := range chunks {
				diff, xnan, nans, bad := 0, 0, 0, 0
				for i := range n {
					u := uint32(c)<<24 | uint32(i)
					f := math.Float32frombits(u)
					v := FP32ToFP16(f)
					binary.LittleEndian.PutUint16(h[2*i:], v)
					binary.LittleEndian.PutUint16(b[2*i:], FP32ToBF16(f))
					if f != f {
						nans++
						if v != uint16(u>>16)&0x8000|0x7E00 {
							bad++ // a NaN not mapped to sign|0x7E00
						}
						if float16.Fromfloat32(f).Bits() != v {
							xnan++
						}
					} else if float16.Fromfloat32(f).Bits() != v {
						diff++
					}
				}
				mu.Lock()
				got[c] = sums{crc32.ChecksumIEEE(h), crc32.ChecksumIEEE(b)}
				x448Diff += diff
				nanSeen += nans
				nanBad += bad
				x448NaN += xnan
				mu.Unlock()
			}
		})
	}
	for _, c := range todo {
		chunks <- c
	}
	close(chunks)
	wg.Wait()
	for _, c := range todo {
		require.Equal(t, want[c], got[c], "chunk %d (inputs %#08x..): crc32 of fp16, bf16", c, c<<24)
	}
	require.Zero(t, x448Diff, "x448/float16 differs from ggml on a non-NaN input")
	require.Zero(t, nanBad, "NaN inputs not mapped to sign|0x7E00")
	if nanSeen > 0 {
		require.NotZero(t, x448NaN, "x448/float16 now agrees with ggml on NaN: it could replace FP32ToFP16")
	}
	if len(todo) == 256 {
		require.Equal(t, 2*(1<<23-1), nanSeen)
	}

	y := make([]byte, 4*65536)
	for h := range 65536 {
		binary.LittleEndian.PutUint32(y[4*h:], math.Float32bits(FP16ToFP32(uint16(h))))
	}
	require.Equal(t, wantF32, crc32.ChecksumIEEE(y), "crc32 of FP16ToFP32 over all halves")
}

// sweepChunks returns the chunks (top bytes of the float32 bits) to sweep:
// all 256 when QUANT_GGML_SWEEP=1 (set by .ci/oracles.sh; about 45 s of
// CPU); otherwise the chunks where binary16 results are not 0 or Inf
// (positive, exponents 2^-26..2^16: chunks 50..71), two of their negative
// twins, the NaN/Inf chunks 127 and 255 and every 32nd; in -short mode
// four of them.
func sweepChunks() []int {
	var cs []int
	switch {
	case os.Getenv("QUANT_GGML_SWEEP") == "1":
		for c := range 256 {
			cs = append(cs, c)
		}
	case testing.Short():
		cs = []int{56, 71, 127, 255}
	default:
		for c := range 256 {
			if c >= 50 && c <= 71 || c == 127 || c == 184 || c == 199 || c == 255 || c%32 == 0 {
				cs = append(cs, c)
			}
		}
	}
	return cs
}

func TestFP16Values(t *testing.T) {
	for _, c := range []struct {
		f float32
		h uint16
	}{
		{0, 0}, {float32(math.Copysign(0, -1)), 0x8000}, {1, 0x3C00}, {-2, 0xC000},
		{65504, 0x7BFF}, {65519.996, 0x7BFF}, {65520, 0x7C00}, {1e30, 0x7C00},
		{float32(math.Inf(-1)), 0xFC00}, {0x1p-24, 0x0001}, {0x1p-25, 0x0000}, // tie to even
		{0x1.000002p-25, 0x0001}, {0x3p-25, 0x0002}, // 1.5 ulp: tie to even (2)
		{0x1p-14, 0x0400}, {1 + 0x1p-11, 0x3C00}, {1 + 0x3p-11, 0x3C02},
		{math.Float32frombits(0x7FC12345), 0x7E00}, {math.Float32frombits(0xFF800001), 0xFE00},
	} {
		require.Equal(t, c.h, FP32ToFP16(c.f), "FP32ToFP16(%g)", c.f)
	}
	require.Equal(t, uint32(0x7FC02000), math.Float32bits(FP16ToFP32(0x7C01)), "sNaN is quieted")
	require.Equal(t, uint32(0x80000000), math.Float32bits(FP16ToFP32(0x8000)))
	require.Equal(t, float32(0x1p-24), FP16ToFP32(1))
	require.Equal(t, uint16(0x3F80), FP32ToBF16(1))
	require.Equal(t, uint16(0x3F80), FP32ToBF16(math.Float32frombits(0x3F808000)), "tie to even")
	require.Equal(t, uint16(0x3F82), FP32ToBF16(math.Float32frombits(0x3F818000)), "tie to even")
	require.Equal(t, uint16(0x7FC1), FP32ToBF16(math.Float32frombits(0x7F812345)), "NaN made quiet")
}
