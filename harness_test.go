package quant_test

// The differential harness: every implementation this CPU supports is
// compared with generic, bit for bit, by the suites of internal/diffcheck
// (the same code quant verify runs on a user's machine), and every suite
// must catch the mutants of mutants_test.go. A new implementation needs
// nothing here: it is registered, so quant.Supported lists it. A new
// operation adds its suite to diffcheck.Suites and a mutant to
// mutants_test.go.

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quantkernel/quant"
	"github.com/quantkernel/quant/internal/diffcheck"
)

// forEachImpl runs fn as a subtest for every implementation this CPU
// supports other than generic (skipping, and saying why, if none).
func forEachImpl(t *testing.T, fn func(t *testing.T, m *quant.Impl)) {
	t.Helper()
	ran := false
	for _, m := range quant.Supported() {
		if m.Name() == "generic" {
			continue
		}
		ran = true
		t.Run(m.Name(), func(t *testing.T) { fn(t, m) })
	}
	if !ran {
		var names []string
		for _, m := range quant.Implementations() {
			names = append(names, fmt.Sprintf("%s(supported=%v)", m.Name(), m.Supported()))
		}
		t.Skipf("no implementation other than generic runs on this CPU; registered: %s", strings.Join(names, ", "))
	}
}

// TestDiff runs every differential suite (the full sweeps, or the short
// ones under -short) on every supported implementation: special values
// at every lane position, every length and src/dst offset, the Params
// sweep, random bits, the packed int4, Layout, calibrating and dynamic
// forms, guard pages (linux), concurrent calls, and inputs larger than
// the last-level cache (not under -short).
func TestDiff(t *testing.T) {
	forEachImpl(t, func(t *testing.T, m *quant.Impl) {
		for _, s := range diffcheck.Suites(testing.Short(), "") {
			t.Run(s.Name, func(t *testing.T) {
				if err := s.Run(m); err != nil {
					t.Error(err)
				}
			})
		}
	})
}

// TestHarnessCatchesMutants runs the short suites covering the mutated
// operation on every mutant, stopping at the first reported mismatch,
// and requires one.
func TestHarnessCatchesMutants(t *testing.T) {
	for _, mu := range quant.Mutants() {
		t.Run(mu.Name, func(t *testing.T) {
			start := time.Now()
			var caught error
			for _, s := range diffcheck.Suites(true, mu.Kernel) {
				if s.Name == "GuardPages" {
					continue // the mutants must be caught by the sweeps themselves
				}
				if err := diffcheck.FirstMismatch(func() error { return s.Run(mu.Impl) }); err != nil {
					caught = fmt.Errorf("%s: %w", s.Name, err)
					break
				}
			}
			require.Error(t, caught, "the harness passed a broken implementation")
			t.Logf("caught in %v by %v", time.Since(start).Round(time.Millisecond), caught)
		})
	}
}

// TestHarnessPassesClone runs the short suites on a copy of generic under
// another name (and on the composed grouped kernels): a harness that
// reports mismatches there is broken. It also exercises every suite when
// no SIMD implementation is supported. Under -short (emulators) it runs
// only if no SIMD implementation does.
func TestHarnessPassesClone(t *testing.T) {
	if testing.Short() && len(quant.Supported()) > 1 {
		t.Skip("-short: the supported SIMD implementations run the same suites")
	}
	for _, m := range []*quant.Impl{quant.Clone(), quant.Composed()} {
		for _, s := range diffcheck.Suites(true, "") {
			assert.NoError(t, s.Run(m), "%s %s", m.Name(), s.Name)
		}
	}
}

// TestGuardPagesCatchMutants checks the guard-page suite reports an
// over-read, an over-write and an under-read, and passes a clone of
// generic.
func TestGuardPagesCatchMutants(t *testing.T) {
	lengths := []int{0, 1, 2, 7, 8, 9, 31, 64, 100}
	if err := diffcheck.SuiteGuardPages(quant.Clone(), lengths); err != nil && strings.Contains(err.Error(), "need linux") {
		t.Skip(err)
	} else {
		require.NoError(t, err)
	}
	for _, mu := range quant.GuardMutants() {
		t.Run(mu.Name, func(t *testing.T) {
			err := diffcheck.SuiteGuardPages(mu.Impl, lengths)
			require.Error(t, err, "the guard-page suite passed a broken implementation")
			t.Log(err)
		})
	}
}

// blocksOf is m's raw grouped kernel table as diffcheck sees it.
func blocksOf(m *quant.Impl) diffcheck.Blocks { return diffcheck.Blocks(quant.KernelBlocks(m)) }

// blocksImpls are the implementations whose raw grouped kernels are
// compared with generic's: every supported one and the composed one.
func blocksImpls() []*quant.Impl {
	var s []*quant.Impl
	for _, m := range append(quant.Supported(), quant.Composed()) {
		if m.Name() != "generic" {
			s = append(s, m)
		}
	}
	return s
}

// TestBlocksHarness compares the raw grouped kernels (every length 0..70
// and some longer, blocks 1..n+1, source and destination offsets, the
// MinMaxColumns accumulators with arbitrary starting values) with
// generic's on guarded buffers.
func TestBlocksHarness(t *testing.T) {
	ref, _ := quant.Lookup("generic")
	for _, m := range blocksImpls() {
		t.Run(m.Name(), func(t *testing.T) {
			require.NoError(t, diffcheck.BlocksSweep(blocksOf(m), blocksOf(ref), 1))
		})
	}
}

// TestBlocksGuardPages runs the raw grouped kernels of every
// implementation with the source, the destination, the Params and the
// MinMaxColumns accumulators at guard pages: every length 0..300 (0..100
// under -short) and the blocks of diffcheck.GuardBlocks (around the SIMD
// kernels' minimum blocks, odd, n, n+1, n+2).
func TestBlocksGuardPages(t *testing.T) {
	ref, _ := quant.Lookup("generic")
	maxN := 300
	if testing.Short() {
		maxN = 100
	}
	for _, m := range blocksImpls() {
		t.Run(m.Name(), func(t *testing.T) {
			err := diffcheck.BlocksGuardPages(blocksOf(m), blocksOf(ref), maxN)
			if err != nil && strings.Contains(err.Error(), "need linux") {
				t.Skip(err)
			}
			require.NoError(t, err)
			require.NoError(t, diffcheck.MinMaxColumnsGuardPages(blocksOf(m), blocksOf(ref), 300))
		})
	}
}

// TestBlocksGuardPagesCatchMutants: raw grouped kernels that read a code
// or a Params just outside their slices, or write an accumulator past the
// end, fault at the guard pages and are reported.
func TestBlocksGuardPagesCatchMutants(t *testing.T) {
	ref, _ := quant.Lookup("generic")
	for _, mu := range quant.BlockGuardMutants() {
		t.Run(mu.Name, func(t *testing.T) {
			err := diffcheck.BlocksGuardPages(blocksOf(mu.Impl), blocksOf(ref), 20)
			if err != nil && strings.Contains(err.Error(), "need linux") {
				t.Skip(err)
			}
			if err == nil {
				err = diffcheck.MinMaxColumnsGuardPages(blocksOf(mu.Impl), blocksOf(ref), 20)
			}
			require.Error(t, err, "the grouped guard-page checks passed a broken implementation")
			t.Log(err)
		})
	}
}

// TestBlocksHarnessCatchesMutants: raw grouped kernels that over-write,
// read the wrong Params, drop the short block or replace a -0
// accumulator are reported.
func TestBlocksHarnessCatchesMutants(t *testing.T) {
	ref, _ := quant.Lookup("generic")
	for _, mu := range quant.BlockMutants() {
		err := diffcheck.BlocksSweep(blocksOf(mu.Impl), blocksOf(ref), 2)
		if err == nil {
			t.Errorf("mutant %q not caught", mu.Name)
			continue
		}
		t.Logf("%s: %v", mu.Name, err)
	}
}

// FuzzBlocks drives the raw grouped kernels of every implementation
// other than generic (plus composed) through the guarded comparison of
// diffcheck.BlocksCase.
func FuzzBlocks(f *testing.F) {
	for _, c := range [][4]uint16{{0, 1, 0, 0}, {33, 32, 1, 2}, {70, 16, 3, 1}, {257, 64, 2, 3}, {4100, 2050, 1, 0}} {
		f.Add(uint64(c[0]), c[0], c[1], uint8(c[2]), uint8(c[3]))
	}
	ref, _ := quant.Lookup("generic")
	f.Fuzz(func(t *testing.T, seed uint64, n, block uint16, sOff, dOff uint8) {
		nn := int(n % 5000)
		b := 1 + int(block)%(nn+2)
		for _, m := range blocksImpls() {
			rng := rand.New(rand.NewPCG(seed, 7))
			if err := diffcheck.BlocksCase(blocksOf(m), blocksOf(ref), rng, nn, b, int(sOff%8), int(dOff%8)); err != nil {
				t.Fatal(err)
			}
		}
	})
}

// TestKernelsDoNotAllocate checks the package contract that kernels never
// allocate, for every supported implementation (generic included), on a
// short input (below the SIMD blocks: the wrappers' stack buffers must not
// escape) and a long one.
func TestKernelsDoNotAllocate(t *testing.T) {
	for _, n := range []int{17, 1000} {
		kernelsDoNotAllocate(t, n)
	}
}

func kernelsDoNotAllocate(t *testing.T, n int) {
	src := diffcheck.RandomData(rand.New(rand.NewPCG(9, 9)), n, false)
	u8, i8, f := make([]uint8, len(src)), make([]int8, len(src)), make([]float32, len(src))
	for _, m := range quant.Supported() {
		for _, p := range diffcheck.RepresentativeParams() {
			u, i := p.ValidateU8() == nil, p.ValidateI8() == nil // a failed Validate allocates its error
			i4, u4 := p.ValidateI4() == nil, p.ValidateU4() == nil
			allocs := testing.AllocsPerRun(5, func() {
				if u {
					m.QuantizeU8(u8, src, p)
					m.DequantizeU8(f, u8, p)
				}
				if i {
					m.QuantizeI8(i8, src, p)
					m.DequantizeI8(f, i8, p)
				}
				if i4 {
					m.QuantizeI4(u8, src, p, quant.LowFirst)
					m.DequantizeI4(f, u8, len(src), p, quant.LowFirst)
				}
				if u4 {
					m.QuantizeU4(u8, src, p, quant.HighFirst)
					m.DequantizeU4(f, u8, len(src), p, quant.HighFirst)
				}
				m.MinMax(src)
				m.AbsMax(src)
				m.QuantError(src, p)
				m.SquaredError(src, f)
			})
			if allocs != 0 {
				t.Errorf("%s n=%d with %+v: %v allocations per run of every kernel", m.Name(), n, p, allocs)
			}
		}
	}
}
