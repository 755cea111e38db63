package ggml

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The vectors in testdata/ggml were written by ggml itself (gen.py, run
// by .ci/oracles.sh); these tests compare without ggml.

var oracleDir = filepath.Join("..", "testdata", "ggml")

var quantTypes = []Type{Q8_0, Q8_1, Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K, Q8_K}

func readOracle(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(oracleDir, name))
	require.NoError(t, err)
	return b
}

func floats(b []byte) []float32 {
	x := make([]float32, len(b)/4)
	for i := range x {
		x[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return x
}

func oracleInput(t testing.TB) []float32 { return floats(readOracle(t, "input.f32")) }

func TestTraitsOracle(t *testing.T) {
	sc := bufio.NewScanner(bytes.NewReader(readOracle(t, "traits.txt")))
	n := 0
	for sc.Scan() {
		var id, blck, size int
		var name string
		line := sc.Text()
		// Removed ids have names with spaces; only the id matters for them.
		if _, err := fmt.Sscanf(line, "%d %s", &id, &name); err != nil {
			t.Fatalf("traits.txt: %q: %v", line, err)
		}
		f := strings.Fields(line)
		fmt.Sscanf(f[len(f)-2]+" "+f[len(f)-1], "%d %d", &blck, &size)
		typ := Type(id)
		if blck == 0 {
			require.False(t, typ.Known(), "id %d is removed in ggml", id)
			continue
		}
		require.True(t, typ.Known(), "id %d", id)
		require.Equal(t, name, typ.String(), "id %d", id)
		require.Equal(t, blck, typ.BlockSize(), "%v", typ)
		require.Equal(t, size, typ.TypeSize(), "%v", typ)
		p, err := ParseType(strings.ToUpper(name))
		require.NoError(t, err)
		require.Equal(t, typ, p)
		n++
	}
	require.Equal(t, len(traits), n)
}

// blockKind returns which 256-element input block element i belongs to
// (gen.py's kinds, in order), for messages.
func blockKind(i int) int { return i / QKK }

func TestQuantizeOracle(t *testing.T) {
	x := oracleInput(t)
	for _, typ := range quantTypes {
		t.Run(typ.String(), func(t *testing.T) {
			want := readOracle(t, typ.String()+".q")
			got := make([]byte, typ.RowSize(len(x)))
			require.NoError(t, Quantize(typ, got, x))
			compareBlocks(t, typ, got, want)
		})
	}
}

func TestQuantizeQ8_0X86Oracle(t *testing.T) {
	x := oracleInput(t)
	want := readOracle(t, "q8_0_x86.q")
	got := make([]byte, len(want))
	require.NoError(t, QuantizeQ8_0X86(got, x))
	compareBlocks(t, Q8_0, got, want)
}

func compareBlocks(t *testing.T, typ Type, got, want []byte) {
	t.Helper()
	require.Equal(t, len(want), len(got))
	ts, bs := typ.TypeSize(), typ.BlockSize()
	bad := 0
	for o := 0; o < len(want); o += ts {
		if !bytes.Equal(got[o:o+ts], want[o:o+ts]) {
			if bad < 5 {
				t.Errorf("%v block %d (input kind %d): got\n%x\nwant\n%x", typ, o/ts, blockKind(o/ts*bs), got[o:o+ts], want[o:o+ts])
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%v: %d of %d blocks differ", typ, bad, len(want)/ts)
	}
}

func TestDequantizeOracle(t *testing.T) {
	for _, typ := range quantTypes {
		if typ == Q8_1 {
			continue // ggml has no dequantize_row_q8_1
		}
		t.Run(typ.String(), func(t *testing.T) {
			q := readOracle(t, typ.String()+".q")
			y := make([]float32, len(q)/typ.TypeSize()*typ.BlockSize())
			require.NoError(t, Dequantize(typ, y, q))
			h := sha256.New()
			binary.Write(h, binary.LittleEndian, y)
			want := strings.TrimSpace(string(readOracle(t, typ.String()+".deq.sha256")))
			require.Equal(t, want, hex.EncodeToString(h.Sum(nil)), "sha256 of dequantize_row_%v(%v.q)", typ, typ)

			r := readOracle(t, typ.String()+".rand")
			wantY := floats(readOracle(t, typ.String()+".rand.f32"))
			y = make([]float32, len(wantY))
			require.NoError(t, Dequantize(typ, y, r))
			bad := 0
			for i := range y {
				if math.Float32bits(y[i]) != math.Float32bits(wantY[i]) {
					if bad < 5 {
						blk := i / typ.BlockSize()
						t.Errorf("%v.rand element %d (block %d %x): got %08x want %08x", typ, i, blk,
							r[blk*typ.TypeSize():][:min(8, typ.TypeSize())], math.Float32bits(y[i]), math.Float32bits(wantY[i]))
					}
					bad++
				}
			}
			require.Zero(t, bad, "elements differing")
		})
	}
}
