package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestFusedWord(t *testing.T) {
	for _, c := range []struct {
		w     uint32
		fused bool
	}{
		{0x4e22cc20, true},  // fmla v0.4s, v1.4s, v2.4s
		{0x4ea2cc20, true},  // fmls v0.4s, v1.4s, v2.4s
		{0x4f821020, true},  // fmla v0.4s, v1.4s, v2.s[0]
		{0x1f020c20, true},  // fmadd s0, s1, s2, s3
		{0x1f228c20, true},  // fnmsub s0, s1, s2, s3
		{0x6e20dc00, false}, // fmul v0.4s
		{0x4e20d400, false}, // fadd v0.4s
		{0x6e20fc00, false}, // fdiv v0.4s
	} {
		if got := fusedWord(c.w); got != c.fused {
			t.Errorf("fusedWord(%#08x) = %v, want %v", c.w, got, c.fused)
		}
	}
}

func TestCountFile(t *testing.T) {
	dir := t.TempDir()
	h := "#define VFMLA_4S(d, n, m) WORD $(0x4e20cc00 | ((m)<<16) | ((n)<<5) | (d))\n" +
		"#define MYFMA(d) WORD $(0x1f000000 | (d))\n#define VFADD_4S(d, n, m) WORD $(0x4e20d400 | (d))\n"
	s := "#include \"textflag.h\"\n#include \"k.h\"\n" +
		"#define TWO(a) \\\n\tVFMADD231PS Y0, Y1, Y2; \\\n\tVFNMADD231PS Y0, Y1, Y2\n" +
		"TEXT ·a(SB), NOSPLIT, $0\n\tVFMADD231PS Y1, Y2, Y3 // a comment VFMADD\n\tVMULPS Y1, Y2, Y3\n\tTWO(1)\n\tRET\n" +
		"TEXT ·b(SB), NOSPLIT, $0\nloop:\n\tVFMLA_4S(1, 2, 3)\n\tMYFMA(1)\n\tVFADD_4S(1, 2, 3)\n\tWORD $0x4ea2cc20\n\tFMADDS F1, F2, F3, F4\n\tRET\n" +
		"TEXT ·c(SB), NOSPLIT, $0\n\t// VFMADD231PS in a comment\n\tRET\n" +
		"#define LOOP(l, BODY) \\\nl: \\\n\tBODY; \\\n\tVFADD_4S(1, 2, 3)\n" +
		"TEXT ·d(SB), NOSPLIT, $0\n\tLOOP(x, TWO(1))\n\tLOOP(y, VFADD_4S)\n\tRET\n" +
		// A body passed down through two macros and used twice: 2 × 2.
		"#define TWICE(B) \\\n\tB; \\\n\tB\n#define OUTER(l, B) \\\nl: \\\n\tTWICE(B)\n" +
		"TEXT ·e(SB), NOSPLIT, $0\n\tOUTER(z, TWO(1))\n\tRET\n"
	if err := os.WriteFile(filepath.Join(dir, "k.h"), []byte(h), 0o644); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, "k.s")
	if err := os.WriteFile(f, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	got, err := countFile(f)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"a": 3, "b": 4, "c": 0, "d": 2, "e": 4}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %d fused, want %d (all: %v)", k, got[k], v, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("functions %v, want %v", got, want)
	}
}
