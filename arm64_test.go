//go:build arm64 && gc && !purego

package quant

import (
	"os"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/cpu"
)

// The NEON selection test. The NEON kernels are compared with generic by
// the Impl-level harness (harness_test.go, internal/diffcheck) like every
// implementation; the raw blocked kernels at guard pages, with blocks
// around the assembly's minimum, are in arm64_blocked_guard_test.go.

// neonOrSkip returns the NEON implementation. It skips only when ASIMD is
// disabled (GODEBUG=cpu.asimd=off); TestNEONSelection checks that case.
func neonOrSkip(t *testing.T) *Impl {
	t.Helper()
	m, err := Lookup("neon")
	if err != nil {
		if cpu.ARM64.HasASIMD {
			t.Fatalf("ASIMD present but neon unavailable: %v", err)
		}
		t.Skip("ASIMD disabled (GODEBUG=cpu.asimd=off): TestNEONSelection covers this run")
	}
	return m
}

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

// unsafeInt8 views b as []int8 (same size, same memory).
func unsafeInt8(b []byte) []int8 {
	return unsafe.Slice((*int8)(unsafe.Pointer(unsafe.SliceData(b))), len(b))
}
