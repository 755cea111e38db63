package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestVerifyExhaustiveTies(t *testing.T) {
	r := quantCmd(t, t.TempDir(), "verify", "-exhaustive", "-range", "ties", "-radius", "16",
		"-scale", "0.00214854861", "-zero", "128", "-unsigned", "-convention", "seed")
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	require.Contains(t, r.stdout, "Params: scale 0.0021485486")
	require.Contains(t, r.stdout, "seed; inputs: ties")
	require.NotContains(t, r.stdout, "MISMATCH")
	r = quantCmd(t, t.TempDir(), "verify", "-exhaustive", "-bits", "4", "-range", "ties", "-radius", "4")
	require.Equal(t, 0, r.code, "stderr: %s", r.stderr)
	require.Contains(t, r.stdout, "bounds -8..7 (signed 4-bit)")
}

func TestVerifyExhaustiveUsage(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-bits", "5"}, "-bits 5"},
		{[]string{"-convention", "tf"}, "-convention"},
		{[]string{"-scale", "0"}, "not positive"},
		{[]string{"-scale", "1e-40"}, "subnormal"},
		{[]string{"-zero", "9000000"}, "-zero"},
		{[]string{"-range", "some"}, "-range"},
		{[]string{"extra"}, "no arguments"},
	} {
		r := quantCmd(t, t.TempDir(), append([]string{"verify", "-exhaustive"}, c.args...)...)
		requireFail(t, r, 2, c.want)
	}
}
