package diffcheck

import (
	"math"
	"testing"

	"github.com/quantkernel/quant"
)

// TestGeneratorsReachTies keeps the generators honest: for the
// representative Params most rounding boundaries near Lo, Hi and the zero
// point have an input landing exactly on the .5 tie (some ties are not
// reachable: x/s skips them), and at scale 1 every one does.
func TestGeneratorsReachTies(t *testing.T) {
	for _, p := range append(representativeParams(), quant.Params{Scale: 1, Zero: 3, Lo: 0, Hi: 255, Convention: quant.PyTorch},
		quant.Params{Scale: 1, Zero: -5, Lo: -128, Hi: 127, Convention: quant.Seed}) {
		zq := float32(0)
		if p.Convention != quant.Seed {
			zq = float32(p.Zero)
		}
		found, total := 0, 0
		for _, k := range []int32{p.Lo - 1, p.Lo, p.Hi - 1, p.Hi, p.Zero - 1, p.Zero} {
			total++
			x, ok := tieInput(float32(float64(k)+0.5-float64(zq)), p)
			if ok {
				found++
				v := preRound(x, p)
				if v-float32(math.Floor(float64(v))) != 0.5 {
					t.Errorf("%+v: tieInput returned %v whose pre-round value %v is not a tie", p, x, v)
				}
			}
		}
		if p.Scale == 1 && p.Zero < 1<<20 && p.Zero > -1<<20 && found != total || found < total/2 {
			t.Errorf("%+v: only %d of %d boundary ties reachable", p, found, total)
		}
	}
	// Every special appears, NaNs with distinct payloads.
	seen := map[uint32]bool{}
	for _, x := range specialValues() {
		seen[math.Float32bits(x)] = true
	}
	for _, b := range append(nanBits32, 0x80000000, 0xFF800000, 0x80000001, 0xFF7FFFFF) {
		if !seen[b] {
			t.Errorf("specialValues lacks %#08x", b)
		}
	}
}

// TestSuitesPassGeneric: generic compared with itself passes every short
// suite (a suite that reports mismatches there is broken).
func TestSuitesPassGeneric(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: package quant's TestHarnessPassesClone runs the same on a clone of generic")
	}
	for _, s := range Suites(true, "") {
		if err := s.Run(ref); err != nil {
			t.Errorf("%s: %v", s.Name, err)
		}
	}
}
