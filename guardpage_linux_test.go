//go:build linux

package quant

import (
	"testing"

	"github.com/quantkernel/quant/internal/guardpage"
)

// Adapters from the architecture tests (which call raw kernels and
// assembly, so they live in package quant) to the one guard-page helper,
// internal/guardpage, which the differential suites use too.

// guarded maps pages of read-write memory between two PROT_NONE pages for
// the test's duration and returns the read-write part; any access outside
// it faults.
func guarded(t testing.TB, pages int) []byte {
	t.Helper()
	g := newGuardRegion(t, pages*4096)
	return g.Data[:len(g.Data):len(g.Data)]
}

// newGuardRegion maps a region of at least size bytes, freed at the end
// of the test.
func newGuardRegion(t testing.TB, size int) *guardpage.Region {
	t.Helper()
	g, err := guardpage.New(size)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { g.Free() })
	return g
}
