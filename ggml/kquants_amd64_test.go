//go:build gc && !purego

package ggml

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestKQuantFitLanes: the fits of qkx2AVX2 and qxAVX2 against
// fitScalesMins and fitQ6_K, lane by lane: L, and the bits of every
// scale and min (the sign of a zero included, which the packed block
// does not show).
func TestKQuantFitLanes(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2")
	}
	r := rand.New(rand.NewPCG(19, 20))
	blocks := specialSuperBlocks(r)
	row := randomRow(r, 64*QKK)
	for i := 0; i < len(row); i += QKK {
		blocks = append(blocks, row[i:i+QKK])
	}
	same := func(a, b []float32) bool {
		for i := range a {
			if math.Float32bits(a[i]) != math.Float32bits(b[i]) {
				return false
			}
		}
		return true
	}
	for n, b := range blocks {
		x := (*[QKK]float32)(b)
		for _, k := range []struct {
			nmax  int32
			rmin  float32
			nstep int
			num   []float32
		}{{15, -1, 20, q4KNum}, {31, -0.5, 15, q5KNum}} {
			var L, L2 [QKK]uint8
			var sc, mn, sc2, mn2 [QKK / 32]float32
			fitScalesMins(x[:], &L, &sc, &mn, k.nmax, k.rmin, k.nstep)
			fitScalesMinsAVX2(x, &L2, &sc2, &mn2, k.nmax, k.num)
			if L != L2 || !same(sc[:], sc2[:]) || !same(mn[:], mn2[:]) {
				t.Fatalf("block %d, nmax %d: qkx2AVX2 L %v scales %v mins %v; reference L %v scales %v mins %v; x %v",
					n, k.nmax, L2, sc2, mn2, L, sc, mn, b)
			}
		}
		var L, L2 [QKK]int8
		var sc, sc2 [QKK / 16]float32
		fitQ6_K(x[:], &L, &sc)
		fitQ6_KAVX2(x, &L2, &sc2)
		if L != L2 || !same(sc[:], sc2[:]) {
			t.Fatalf("block %d: qxAVX2 L %v scales %v; reference L %v scales %v; x %v", n, L2, sc2, L, sc, b)
		}
	}
}
