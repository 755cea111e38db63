//go:build linux

package quant

import (
	"fmt"
	"testing"

	"github.com/quantkernel/quant/internal/guardpage"
)

// Adapters from the architecture tests (which call raw kernels and
// assembly, so they live in package quant) to the one guard-page helper,
// internal/guardpage, which the differential suites use too.

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

// call runs f and turns a panic (a fault, with debug.SetPanicOnFault)
// into an error.
func call(f func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			if f, ok := r.(interface{ Addr() uintptr }); ok {
				err = fmt.Errorf("panic: %v (fault address %#x)", r, f.Addr())
				return
			}
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	f()
	return nil
}
