package quant

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestNEONEncodings proves the WORD-encoded instructions of the NEON
// assembly (neonAsmFiles). Each macro, defined in kernel_arm64.h, is
// preceded by a comment with its ARM mnemonic, whose operands are named
// after the macro's parameters ("fdiv Vd.4s, Vn.4s, Vm.4s" above
// VFDIV_4S(d, n, m)). For every call site in the .s files the test derives
// the concrete instruction ("fdiv v0.4s, v0.4s, v16.4s"), cross-builds the
// package for arm64, disassembles each assembly object with go tool
// objdump and checks the word at that source line two ways:
//
//   - it equals the encoding LLVM's assembler gives for the instruction
//     (testdata/neon_encodings.txt, produced by llvm-mc -show-encoding;
//     regenerate with go test -run TestNEONEncodings -update-neon-encodings
//     when llvm-mc is installed, and it is re-checked against llvm-mc
//     whenever llvm-mc is on PATH);
//   - Go's own arm64 disassembler decodes it to the same instruction
//     (mnemonic and operands, in Go's reversed operand order).
//
// It runs on any host (the build is a cross-build) and skips only if the go
// command is not available.
func TestNEONEncodings(t *testing.T) {
	goCmd, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go command not on PATH; cannot cross-build the arm64 binary")
	}
	hdr, err := os.ReadFile(neonMacroFile)
	if err != nil {
		t.Fatal(err)
	}
	macros := parseNEONMacros(t, hdr)
	var sites []neonSite
	for _, f := range neonAsmFiles {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		s := parseNEONSites(t, f, src, macros)
		if len(s) == 0 {
			t.Fatalf("no macro call sites found in %s", f)
		}
		sites = append(sites, s...)
	}

	want := readEncodings(t)
	if mc := findLLVMMC(); mc != "" {
		fresh := llvmEncode(t, mc, siteTexts(sites))
		if *updateEncodings {
			writeEncodings(t, fresh)
			want = fresh
		}
		for text, enc := range fresh {
			if w, ok := want[text]; ok && w != enc {
				t.Errorf("testdata/neon_encodings.txt: %q is %08x, llvm-mc says %08x", text, w, enc)
			}
		}
	} else if *updateEncodings {
		t.Fatal("-update-neon-encodings needs llvm-mc on PATH (Debian package llvm) or LLVM_MC set")
	}

	// Build the package (not its tests, so that no other test file can
	// break this one) for arm64, take the assembly objects out of the
	// archive and disassemble them.
	dir := t.TempDir()
	build := exec.Command(goCmd, "build", "-o", filepath.Join(dir, "quant.a"), ".")
	build.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("cross-building the package for arm64: %v\n%s", err, out)
	}
	// The archive truncates member names to 16 bytes (kernel_blocked_a), so
	// extract every member and disassemble each assembly object; objdump
	// names the source file of every instruction.
	list := exec.Command(goCmd, "tool", "pack", "t", "quant.a")
	list.Dir = dir
	members, err := list.Output()
	if err != nil {
		t.Fatalf("go tool pack t: %v", err)
	}
	pack := exec.Command(goCmd, "tool", "pack", "x", "quant.a")
	pack.Dir = dir
	if out, err := pack.CombinedOutput(); err != nil {
		t.Fatalf("go tool pack x: %v\n%s", err, out)
	}
	var objdump []byte
	for _, m := range strings.Fields(string(members)) {
		if m == "__.PKGDEF" || m == "_go_.o" {
			continue
		}
		out, err := exec.Command(goCmd, "tool", "objdump", "-s", `quant\.neon`, filepath.Join(dir, m)).Output()
		if err != nil {
			t.Fatalf("go tool objdump %s: %v", m, err)
		}
		objdump = append(objdump, out...)
	}
	dis := map[string][]disInsn{}
	for _, f := range neonAsmFiles {
		parseObjdump(t, f, objdump, dis)
	}

	checked := 0
	for _, s := range sites {
		insns := dis[s.pos()]
		if len(insns) != 1 {
			t.Errorf("%s %s: %d instructions at this line in the binary, want 1", s.pos(), s.call, len(insns))
			continue
		}
		got := insns[0]
		enc, ok := want[s.text]
		if !ok {
			t.Errorf("%s: %q is not in testdata/neon_encodings.txt; regenerate it with -update-neon-encodings", s.pos(), s.text)
		} else if got.word != enc {
			t.Errorf("%s %s: assembled %08x, llvm-mc encodes %q as %08x", s.pos(), s.call, got.word, s.text, enc)
		}
		if g := goSyntax(s.text); !goSyntaxMatches(got.text, g) {
			t.Errorf("%s %s: Go's disassembler reads %08x as %q, want %q (%s)", s.pos(), s.call, got.word, got.text, g, s.text)
		}
		checked++
	}
	used := map[string]bool{}
	for _, s := range sites {
		used[s.macro] = true
	}
	for name := range macros {
		if !used[name] {
			t.Errorf("macro %s is defined but never used", name)
		}
	}
	t.Logf("checked %d WORD sites of %d macros", checked, len(macros))
}

var updateEncodings = flag.Bool("update-neon-encodings", false, "rewrite testdata/neon_encodings.txt with llvm-mc")

const encodingsFile = "testdata/neon_encodings.txt"

// neonMacroFile defines the WORD macros; neonAsmFiles use them.
const neonMacroFile = "kernel_arm64.h"

var neonAsmFiles = []string{"kernel_arm64.s", "kernel_blocked_arm64.s"}

type neonMacro struct {
	params   []string
	template string // e.g. "fdiv Vd.4s, Vn.4s, Vm.4s"
}

type neonSite struct {
	file  string
	line  int
	call  string // the source text
	macro string
	text  string // the concrete ARM instruction
}

func (s neonSite) pos() string { return fmt.Sprintf("%s:%d", s.file, s.line) }

var (
	defineRE = regexp.MustCompile(`^#define\s+(V[A-Z0-9_]+)\(([^)]*)\)\s+WORD\s+\$`)
	callRE   = regexp.MustCompile(`^\s*(V[A-Z0-9_]+)\(([^)]*)\)\s*$`)
	operRE   = regexp.MustCompile(`\b([VS])([a-z])\b`)
)

// parseNEONMacros reads the macro definitions of kernel_arm64.h.
func parseNEONMacros(t *testing.T, src []byte) map[string]neonMacro {
	macros := map[string]neonMacro{}
	lines := strings.Split(string(src), "\n")
	for i, l := range lines {
		if m := defineRE.FindStringSubmatch(l); m != nil {
			if i == 0 || !strings.HasPrefix(lines[i-1], "// ") {
				t.Fatalf("%s:%d: macro %s lacks its mnemonic comment on the line above", neonMacroFile, i+1, m[1])
			}
			var params []string
			for _, p := range strings.Split(m[2], ",") {
				params = append(params, strings.TrimSpace(p))
			}
			macros[m[1]] = neonMacro{params: params, template: strings.TrimPrefix(lines[i-1], "// ")}
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(l), "WORD") {
			t.Fatalf("%s:%d: bare WORD; use a macro with a mnemonic comment", neonMacroFile, i+1)
		}
	}
	return macros
}

// parseNEONSites finds the macro call sites of one assembly file, which
// must define no macro and hold no bare WORD of its own.
func parseNEONSites(t *testing.T, file string, src []byte, macros map[string]neonMacro) []neonSite {
	var sites []neonSite
	for i, l := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), "WORD") || defineRE.MatchString(l) {
			t.Fatalf("%s:%d: WORD outside a macro of %s", file, i+1, neonMacroFile)
		}
		m := callRE.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		mac, ok := macros[m[1]]
		if !ok {
			t.Fatalf("%s:%d: call of undefined macro %s", file, i+1, m[1])
		}
		args := strings.Split(m[2], ",")
		if len(args) != len(mac.params) {
			t.Fatalf("%s:%d: %s takes %d arguments", file, i+1, m[1], len(mac.params))
		}
		val := map[string]int{}
		for j, a := range args {
			n, err := strconv.Atoi(strings.TrimSpace(a))
			if err != nil || n < 0 || n > 31 {
				t.Fatalf("%s:%d: argument %q is not a register number 0..31", file, i+1, a)
			}
			val[mac.params[j]] = n
		}
		text := operRE.ReplaceAllStringFunc(mac.template, func(s string) string {
			n, ok := val[s[1:]]
			if !ok {
				t.Fatalf("macro %s: template operand %s is not a parameter", m[1], s)
			}
			return strings.ToLower(s[:1]) + strconv.Itoa(n)
		})
		sites = append(sites, neonSite{file: file, line: i + 1, call: strings.TrimSpace(l), macro: m[1], text: text})
	}
	return sites
}

func siteTexts(sites []neonSite) []string {
	var texts []string
	for _, s := range sites {
		texts = append(texts, s.text)
	}
	slices.Sort(texts)
	return slices.Compact(texts)
}

func readEncodings(t *testing.T) map[string]uint32 {
	data, err := os.ReadFile(encodingsFile)
	if err != nil {
		if *updateEncodings {
			return map[string]uint32{}
		}
		t.Fatalf("%v (regenerate with -update-neon-encodings)", err)
	}
	enc := map[string]uint32{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		l := sc.Text()
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		text, hex, ok := strings.Cut(l, "\t")
		w, err := strconv.ParseUint(hex, 16, 32)
		if !ok || err != nil {
			t.Fatalf("%s: bad line %q", encodingsFile, l)
		}
		enc[text] = uint32(w)
	}
	return enc
}

func writeEncodings(t *testing.T, enc map[string]uint32) {
	var b strings.Builder
	b.WriteString("# ARM instruction\tencoding (32-bit word, hex), from llvm-mc -triple=aarch64 -show-encoding.\n")
	b.WriteString("# Generated by: go test -run TestNEONEncodings -update-neon-encodings\n")
	var texts []string
	for text := range enc {
		texts = append(texts, text)
	}
	sort.Strings(texts)
	for _, text := range texts {
		fmt.Fprintf(&b, "%s\t%08x\n", text, enc[text])
	}
	if err := os.WriteFile(encodingsFile, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func findLLVMMC() string {
	if p := os.Getenv("LLVM_MC"); p != "" {
		return p
	}
	for _, name := range []string{"llvm-mc", "llvm-mc-19", "llvm-mc-18", "llvm-mc-17", "llvm-mc-16", "llvm-mc-15", "llvm-mc-14"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

var llvmEncRE = regexp.MustCompile(`encoding: \[0x([0-9a-f]{2}),0x([0-9a-f]{2}),0x([0-9a-f]{2}),0x([0-9a-f]{2})\]`)

// llvmEncode assembles each instruction with llvm-mc and returns its word.
func llvmEncode(t *testing.T, mc string, texts []string) map[string]uint32 {
	cmd := exec.Command(mc, "-triple=aarch64", "-show-encoding")
	cmd.Stdin = strings.NewReader(strings.Join(texts, "\n") + "\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", mc, err, out)
	}
	var words []uint32
	for _, l := range strings.Split(string(out), "\n") {
		if m := llvmEncRE.FindStringSubmatch(l); m != nil {
			w, _ := strconv.ParseUint(m[4]+m[3]+m[2]+m[1], 16, 32)
			words = append(words, uint32(w))
		}
	}
	if len(words) != len(texts) {
		t.Fatalf("llvm-mc encoded %d of %d instructions:\n%s", len(words), len(texts), out)
	}
	enc := map[string]uint32{}
	for i, text := range texts {
		enc[text] = words[i]
	}
	return enc
}

type disInsn struct {
	word uint32
	text string
}

var objdumpRE = regexp.MustCompile(`^\s+([a-z0-9_]+\.s):(\d+)\s+0x[0-9a-f]+\s+([0-9a-f]{8})\s+(.*?)\s*$`)

// parseObjdump adds to dis, keyed "file:line", the instructions assembled
// from each line of the assembly file, in address order.
func parseObjdump(t *testing.T, file string, out []byte, dis map[string][]disInsn) {
	n := 0
	for _, l := range strings.Split(string(out), "\n") {
		m := objdumpRE.FindStringSubmatch(l)
		if m == nil || m[1] != file {
			continue
		}
		w, _ := strconv.ParseUint(m[3], 16, 32)
		key := m[1] + ":" + m[2]
		dis[key] = append(dis[key], disInsn{uint32(w), m[4]})
		n++
	}
	if n == 0 {
		t.Fatalf("objdump shows no instructions from %s", file)
	}
}

// goSyntax rewrites an ARM instruction the way Go's arm64 disassembler
// prints it: upper-case mnemonic, operands reversed, v3.4s as V3.S4 and a
// scalar s3 as F3.
func goSyntax(arm string) string {
	mn, ops, _ := strings.Cut(arm, " ")
	var g []string
	for _, op := range strings.Split(ops, ",") {
		op = strings.TrimSpace(op)
		if reg, arr, ok := strings.Cut(op, "."); ok {
			// "4s" -> "S4": count then element letter becomes letter then count.
			g = append(g, "V"+reg[1:]+"."+strings.ToUpper(arr[len(arr)-1:])+arr[:len(arr)-1])
		} else {
			g = append(g, "F"+op[1:])
		}
	}
	slices.Reverse(g)
	return strings.ToUpper(mn) + " " + strings.Join(g, ", ")
}

// goSyntaxMatches compares a disassembled instruction with goSyntax's
// rendering; Go prefixes some vector mnemonics with V (VFCVTNS, VSQXTN)
// and not others (FDIV, FMUL).
func goSyntaxMatches(got, want string) bool {
	return got == want || got == "V"+want
}
