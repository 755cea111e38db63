//go:build arm64 && gc && !purego

package quant

import (
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/cpu"
)

// The NEON selection test. The NEON kernels are compared with generic by
// the harness (harness_test.go, internal/diffcheck) like every
// implementation's, the raw blocked kernels at guard pages included
// (TestBlocksGuardPages, with blocks around the assembly's minimum).

func TestNEONSelection(t *testing.T) {
	neon := neonImpl
	if !slices.Contains(Implementations(), neon) {
		t.Fatal("neon is not registered in this arm64 build")
	}
	if neon.Supported() != cpu.ARM64.HasASIMD {
		t.Fatalf("neon.Supported() = %v, cpu.ARM64.HasASIMD = %v", neon.Supported(), cpu.ARM64.HasASIMD)
	}
	off := strings.Contains(os.Getenv("GODEBUG"), "cpu.asimd=off") || strings.Contains(os.Getenv("GODEBUG"), "cpu.all=off")
	if off && neon.Supported() {
		t.Fatal("GODEBUG disables ASIMD but neon is still supported")
	}
	want := "neon"
	if !neon.Supported() {
		want = "generic"
	}
	if f := os.Getenv(EnvKernel); f != "" {
		if _, err := Lookup(f); err == nil {
			want = f
		}
	}
	if Active().Name() != want {
		t.Fatalf("Active() = %s (%s), want %s", Active().Name(), Selection(), want)
	}
}
