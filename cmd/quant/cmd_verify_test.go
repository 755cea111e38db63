package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/quantkernel/quant"
	"github.com/quantkernel/quant/internal/diffcheck"
)

func TestVerifyCommand(t *testing.T) {
	r := quantCmd(t, t.TempDir(), "verify", "-duration", "300ms", "-seed", "1")
	require.Equal(t, 0, r.code, r.stderr)
	require.Contains(t, r.stdout, "vs Params.Quantize")
	require.Contains(t, r.stdout, "OK: every result was bitwise identical")
	if len(quant.Supported()) > 1 {
		// Every suite is run and reported, with the operations it covers.
		for _, s := range diffcheck.Suites(true, "") {
			require.Contains(t, r.stdout, s.Name)
		}
		for _, op := range diffcheck.Operations() {
			require.Contains(t, r.stdout, op)
		}
		require.Contains(t, r.stdout, "rounds of every operation")
	}
}

// TestVerifyReportsMismatches: a failing suite is reported with its
// implementation, name and detail, and verify exits 1. (That the suites
// catch broken kernels is shown by the package's mutant tests, which run
// the same suites.)
func TestVerifyReportsMismatches(t *testing.T) {
	if len(quant.Supported()) < 2 {
		t.Skip("no implementation other than generic runs on this CPU: verify runs no suite")
	}
	saved := verifySuites
	t.Cleanup(func() { verifySuites = saved })
	verifySuites = func(short bool, kernel string) []diffcheck.Suite {
		return []diffcheck.Suite{{Name: "Broken", Kernels: []string{"QuantizeU8"}, Run: func(m *quant.Impl) error {
			return errors.Join(errors.New("dst[3] = 7, generic 8"), errors.New("dst[9] = 1, generic 2"))
		}}}
	}
	var out, errb strings.Builder
	code := run(&env{stdout: &out, stderr: &errb}, []string{"verify", "-duration", "100ms", "-seed", "1"})
	require.Equal(t, 1, code, out.String())
	require.Contains(t, out.String(), "Broken")
	require.Contains(t, out.String(), "MISMATCH")
	require.Contains(t, out.String(), "dst[9] = 1, generic 2")
	require.Contains(t, errb.String(), "mismatches with generic")
	require.NotContains(t, out.String(), "OK: every result")
}
