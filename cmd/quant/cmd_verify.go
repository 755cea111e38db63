package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/quantkernel/quant"
	"github.com/quantkernel/quant/internal/cpuinfo"
	"github.com/quantkernel/quant/internal/diffcheck"
)

// verify runs the differential suites of internal/diffcheck — the same
// code the package's tests run — on every implementation this CPU
// supports, then random cases for -duration. A kernel added to the
// package is covered here as soon as its suite is in diffcheck.Suites.

// verifyFailed is the error of a verify run that found mismatches.
type verifyFailed struct{ mismatches int }

func (v *verifyFailed) Error() string {
	return fmt.Sprintf("%d checks found mismatches with generic", v.mismatches)
}

// verifySuites is diffcheck.Suites; a test replaces it.
var verifySuites = diffcheck.Suites

// maxExamples bounds the lines of mismatch detail printed per failure.
const maxExamples = 10

func runVerify(e *env, args []string) error {
	if exhaustiveRequested(args) {
		return runVerifyExhaustive(e, args) // cmd_verify_exhaustive.go
	}
	fs := newFlags(e, "verify", "verify [-full] [-duration 30s] [-seed N]",
		"  quant verify                  # the short suites, then 30 s of random cases\n"+
			"  quant verify -full -duration 5m -seed 7")
	dur := fs.Duration("duration", 30*time.Second, "how long to run random cases after the suites")
	seed := fs.Uint64("seed", 0, "seed of the random cases (0: from the clock)")
	full := fs.Bool("full", false, "run the full sweeps (minutes) instead of the short ones")
	pos, err := parse(fs, e, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("verify takes no arguments (got %s)", strings.Join(pos, " "))
	}
	if *dur <= 0 {
		return usagef("-duration %v must be positive", *dur)
	}
	if *seed == 0 {
		*seed = uint64(time.Now().UnixNano())
	}
	var impls []*quant.Impl
	for _, m := range quant.Supported() {
		if m.Name() != "generic" {
			impls = append(impls, m)
		}
	}
	w := e.stdout
	sweep := "short"
	if *full {
		sweep = "full"
	}
	fmt.Fprintf(w, "CPU: %s\n", cpuinfo.CPU().Brand)
	fmt.Fprintf(w, "Reference: generic. Compared with it: %s. %s suites, then random cases (seed %d) for %v.\n",
		namesOf(impls), sweep, *seed, *dur)
	failed := 0
	fail := func(what string, err error) {
		failed++
		lines := strings.Split(err.Error(), "\n")
		if len(lines) > maxExamples {
			lines = append(lines[:maxExamples], fmt.Sprintf("... %d more lines", len(lines)-maxExamples))
		}
		for _, l := range lines {
			fmt.Fprintf(w, "MISMATCH %s: %s\n", what, l)
		}
	}

	// The reference against its one-element formulas.
	if err := diffcheck.Reference(*seed, 200); err != nil {
		fail("generic vs Params", err)
	} else {
		fmt.Fprintf(w, "%-10s %-26s %-8s %s\n", "generic", "vs Params.Quantize", "ok", "QuantizeU8, QuantizeI8, DequantizeU8, DequantizeI8")
	}
	if len(impls) == 0 {
		fmt.Fprintln(w, "No SIMD implementation is supported on this CPU: only the reference's self-consistency was checked.")
	}

	// Every suite on every implementation.
	suites := verifySuites(!*full, "")
	for _, m := range impls {
		for _, s := range suites {
			start := time.Now()
			err := s.Run(m)
			status := "ok"
			if err != nil {
				status = "FAIL"
			}
			fmt.Fprintf(w, "%-10s %-26s %-8s %-7s %s\n", m.Name(), s.Name, status,
				time.Since(start).Round(time.Millisecond), strings.Join(s.Kernels, ", "))
			if err != nil {
				fail(m.Name()+" "+s.Name, err)
			}
		}
	}

	// Random cases, the duration shared by the implementations.
	for i, m := range impls {
		deadline := time.Now().Add(*dur / time.Duration(len(impls)))
		counts := map[string]int{}
		rounds, err := diffcheck.Random(m, *seed+uint64(i), deadline, counts)
		status := "ok"
		if err != nil {
			status = fmt.Sprintf("FAIL %v", counts)
		}
		fmt.Fprintf(w, "%-10s %-26s %-8s %d rounds of every operation\n", m.Name(), "random", status, rounds)
		if err != nil {
			fail(m.Name()+" random", err)
		}
	}
	if failed > 0 {
		return &verifyFailed{failed}
	}
	fmt.Fprintln(w, "OK: every result was bitwise identical.")
	return nil
}

func namesOf(ms []*quant.Impl) string {
	if len(ms) == 0 {
		return "none (no other implementation is supported here)"
	}
	var s []string
	for _, m := range ms {
		s = append(s, m.Name())
	}
	return strings.Join(s, ", ")
}
