package quant

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"maps"
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
// assembly of every package in neonPackages (this one's and ggml's). Each
// macro, defined in the package's kernel_arm64.h, is
// preceded by a comment with its ARM mnemonic, whose operands are named
// after the macro's parameters ("fdiv Vd.4s, Vn.4s, Vm.4s" above
// VFDIV_4S(d, n, m)); the header's multi-line macros (FDIV16, QUANTIZE8_LOOP,
// ...) are sequences of such calls and native instructions. The test
// expands every macro call of the .s files as the assembler does (the
// instructions of an expansion all carry the line of the call), derives
// each WORD's concrete instruction ("fdiv v0.4s, v0.4s, v16.4s"),
// cross-builds each package for arm64, disassembles each assembly object
// with go tool objdump, checks that each such line assembled to as many
// instructions as its expansion has, and checks each WORD, by its position
// in the line's instructions, two ways:
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
	type parsed struct {
		macros map[string]neonMacro
		sites  []neonSite
		counts map[string]int
		used   map[string]bool
	}
	var pkgs []parsed
	var sites []neonSite
	for _, p := range neonPackages {
		hdrFile := filepath.Join(p.dir, p.header)
		hdr, err := os.ReadFile(hdrFile)
		if err != nil {
			t.Fatal(err)
		}
		pp := parsed{macros: parseNEONMacros(t, hdrFile, hdr), counts: map[string]int{}, used: map[string]bool{}}
		for _, f := range p.files {
			f = filepath.Join(p.dir, f)
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			s, c := parseNEONSites(t, f, hdrFile, src, pp.macros, pp.used)
			if len(s) == 0 {
				t.Fatalf("no macro call sites found in %s", f)
			}
			pp.sites = append(pp.sites, s...)
			maps.Copy(pp.counts, c)
		}
		pkgs = append(pkgs, pp)
		sites = append(sites, pp.sites...)
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

	for i, p := range neonPackages {
		pp := pkgs[i]
		dis := disassembleNEON(t, goCmd, p)
		for where, n := range pp.counts {
			if got := len(dis[where]); got != n {
				t.Errorf("%s: %d instructions at this line in the binary, the expansion has %d", where, got, n)
			}
		}
		checked := 0
		for _, s := range pp.sites {
			insns := dis[s.pos()]
			if len(insns) != pp.counts[s.pos()] {
				continue // reported above
			}
			got := insns[s.idx]
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
		for name := range pp.macros {
			if !pp.used[name] {
				t.Errorf("%s: macro %s is defined but never used", p.header, name)
			}
		}
		words := 0
		for _, m := range pp.macros {
			if m.template != "" {
				words++
			}
		}
		t.Logf("%s: checked %d WORD instructions of %d WORD macros (%d macros in all) on %d lines", p.dir, checked, words, len(pp.macros), len(pp.counts))
	}
}

// disassembleNEON builds package p (not its tests, so that no other test
// file can break this one) for arm64, takes the assembly objects out of
// the archive and disassembles each, returning the instructions of each
// line of p's assembly files, keyed "dir/file:line".
func disassembleNEON(t *testing.T, goCmd string, p neonPackage) map[string][]disInsn {
	dir := t.TempDir()
	build := exec.Command(goCmd, "build", "-o", filepath.Join(dir, "pkg.a"), "./"+p.dir)
	build.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("cross-building %s for arm64: %v\n%s", p.dir, err, out)
	}
	// The archive truncates member names to 16 bytes (kernel_blocked_a), so
	// extract every member and disassemble each assembly object; objdump
	// names the source file of every instruction.
	list := exec.Command(goCmd, "tool", "pack", "t", "pkg.a")
	list.Dir = dir
	members, err := list.Output()
	if err != nil {
		t.Fatalf("go tool pack t: %v", err)
	}
	pack := exec.Command(goCmd, "tool", "pack", "x", "pkg.a")
	pack.Dir = dir
	if out, err := pack.CombinedOutput(); err != nil {
		t.Fatalf("go tool pack x: %v\n%s", err, out)
	}
	var objdump []byte
	for _, m := range strings.Fields(string(members)) {
		if m == "__.PKGDEF" || m == "_go_.o" {
			continue
		}
		out, err := exec.Command(goCmd, "tool", "objdump", "-s", p.symbols, filepath.Join(dir, m)).Output()
		if err != nil {
			t.Fatalf("go tool objdump %s: %v", m, err)
		}
		objdump = append(objdump, out...)
	}
	dis := map[string][]disInsn{}
	for _, f := range p.files {
		parseObjdump(t, filepath.Join(p.dir, f), objdump, dis)
	}
	return dis
}

var updateEncodings = flag.Bool("update-neon-encodings", false, "rewrite testdata/neon_encodings.txt with llvm-mc")

const encodingsFile = "testdata/neon_encodings.txt"

// neonPackage is a package with NEON assembly: its directory (relative
// to this one), the header defining its WORD macros and the multi-line
// macros built from them, its assembly files using them, and the objdump
// symbol pattern of its kernels.
type neonPackage struct {
	dir, header string
	files       []string
	symbols     string
}

var neonPackages = []neonPackage{
	{".", "kernel_arm64.h", []string{"kernel_arm64.s", "kernel_blocked_arm64.s", "kernel_columns_arm64.s"}, `quant\.neon`},
	{"ggml", "kernel_arm64.h", []string{"kernel_arm64.s"}, `ggml\.[A-Za-z0-9_]*NEON$`},
}

// neonMacro is a macro of kernel_arm64.h: a WORD macro (one instruction,
// template set) or a multi-line macro (body: statements separated by
// semicolons, which may call other macros and name their parameters).
type neonMacro struct {
	params   []string
	template string // WORD macros: e.g. "fdiv Vd.4s, Vn.4s, Vm.4s"
	body     []string
}

// neonSite is one WORD instruction of an assembly line: the idx-th of the
// instructions the line assembles to.
type neonSite struct {
	file  string
	line  int
	idx   int
	call  string // the source text of the line
	macro string // the WORD macro
	text  string // the concrete ARM instruction
}

func (s neonSite) pos() string { return fmt.Sprintf("%s:%d", s.file, s.line) }

var (
	defineRE = regexp.MustCompile(`^#define\s+([A-Z][A-Z0-9_]*)(\(([^)]*)\))?\s*(.*)$`)
	callRE   = regexp.MustCompile(`^([A-Z][A-Z0-9_]*)\s*(\((.*)\))?$`)
	labelRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*:\s*`)
	identRE  = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)
	operRE   = regexp.MustCompile(`\b([VS])([a-z])\b`)
)

// parseNEONMacros reads the macro definitions of a header (hdrFile).
func parseNEONMacros(t *testing.T, hdrFile string, src []byte) map[string]neonMacro {
	macros := map[string]neonMacro{}
	lines := strings.Split(string(src), "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if strings.HasPrefix(strings.TrimSpace(l), "WORD") {
			t.Fatalf("%s:%d: bare WORD; use a macro with a mnemonic comment", hdrFile, i+1)
		}
		if !strings.HasPrefix(l, "#define") {
			continue
		}
		first := i
		for strings.HasSuffix(l, "\\") && i+1 < len(lines) {
			i++
			l = strings.TrimSuffix(l, "\\") + " " + strings.TrimSpace(lines[i])
		}
		m := defineRE.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("%s:%d: cannot parse %q", hdrFile, first+1, l)
		}
		var params []string
		if m[2] != "" {
			for _, p := range strings.Split(m[3], ",") {
				params = append(params, strings.TrimSpace(p))
			}
		}
		body := strings.TrimSpace(m[4])
		if strings.HasPrefix(body, "WORD") {
			if first == 0 || !strings.HasPrefix(lines[first-1], "// ") {
				t.Fatalf("%s:%d: macro %s lacks its mnemonic comment on the line above", hdrFile, first+1, m[1])
			}
			if !strings.HasPrefix(body, "WORD $") || strings.Contains(body, ";") {
				t.Fatalf("%s:%d: macro %s: a WORD macro is one WORD $(...)", hdrFile, first+1, m[1])
			}
			macros[m[1]] = neonMacro{params: params, template: strings.TrimPrefix(lines[first-1], "// ")}
			continue
		}
		if strings.Contains(body, "WORD") {
			t.Fatalf("%s:%d: macro %s: WORD outside a WORD macro", hdrFile, first+1, m[1])
		}
		var stmts []string
		for _, st := range strings.Split(body, ";") {
			if st = strings.TrimSpace(st); st != "" {
				stmts = append(stmts, st)
			}
		}
		macros[m[1]] = neonMacro{params: params, body: stmts}
	}
	return macros
}

// splitArgs splits a macro call's argument list at its top-level commas.
func splitArgs(s string) []string {
	var args []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				args = append(args, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return append(args, strings.TrimSpace(s[start:]))
}

// evalReg evaluates a register argument: a sum of numbers, possibly in
// parentheses ("(4)+1"), which must lie in 0..31.
func evalReg(a string) (int, bool) {
	sum := 0
	for _, term := range strings.Split(strings.NewReplacer("(", "", ")", "", " ", "").Replace(a), "+") {
		n, err := strconv.Atoi(term)
		if err != nil {
			return 0, false
		}
		sum += n
	}
	return sum, sum >= 0 && sum <= 31
}

// expandedInsn is one instruction of an expanded line: a WORD macro call
// (macro and text set) or a native instruction (stmt only).
type expandedInsn struct {
	stmt  string
	macro string
	text  string
}

// expandNEON expands one statement into the instructions it assembles to,
// as the Go assembler's preprocessor does: a macro call's parameters are
// replaced by its arguments, then its statements are expanded in turn.
// Labels produce no instruction; a native statement is one instruction.
// used collects the names of the macros met.
func expandNEON(t *testing.T, where, stmt string, macros map[string]neonMacro, used map[string]bool, depth int) []expandedInsn {
	if depth > 16 {
		t.Fatalf("%s: macro expansion too deep at %q", where, stmt)
	}
	stmt = strings.TrimSpace(labelRE.ReplaceAllString(strings.TrimSpace(stmt), ""))
	if stmt == "" {
		return nil
	}
	m := callRE.FindStringSubmatch(stmt)
	if m == nil {
		return []expandedInsn{{stmt: stmt}}
	}
	mac, ok := macros[m[1]]
	if !ok {
		// A native instruction: without operands (RET) or with
		// operands in parentheses (FSTPQ (F5, F6), 32(R0)). An unknown
		// name is the assembler's to reject.
		return []expandedInsn{{stmt: stmt}}
	}
	used[m[1]] = true
	var args []string
	if m[2] != "" {
		args = splitArgs(m[3])
	}
	if len(args) != len(mac.params) {
		t.Fatalf("%s: %s takes %d arguments, %q has %d", where, m[1], len(mac.params), stmt, len(args))
	}
	if mac.template != "" {
		val := map[string]int{}
		for j, a := range args {
			n, ok := evalReg(a)
			if !ok {
				t.Fatalf("%s: %s: argument %q is not a register number 0..31", where, stmt, a)
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
		return []expandedInsn{{stmt: stmt, macro: m[1], text: text}}
	}
	sub := map[string]string{}
	for j, p := range mac.params {
		sub[p] = args[j]
	}
	var out []expandedInsn
	for _, st := range mac.body {
		st = identRE.ReplaceAllStringFunc(st, func(id string) string {
			if a, ok := sub[id]; ok {
				return a
			}
			return id
		})
		out = append(out, expandNEON(t, where, st, macros, used, depth+1)...)
	}
	return out
}

// parseNEONSites expands the macro calls of one assembly file, which must
// define no macro and hold no bare WORD of its own, and returns the WORD
// sites and, per line with a macro call, the number of instructions it
// assembles to.
func parseNEONSites(t *testing.T, file, hdrFile string, src []byte, macros map[string]neonMacro, used map[string]bool) ([]neonSite, map[string]int) {
	var sites []neonSite
	counts := map[string]int{}
	for i, l := range strings.Split(string(src), "\n") {
		code, _, _ := strings.Cut(l, "//")
		code = strings.TrimSpace(code)
		if strings.HasPrefix(code, "WORD") || strings.HasPrefix(code, "#define") {
			t.Fatalf("%s:%d: WORD or macro definition outside %s", file, i+1, hdrFile)
		}
		m := callRE.FindStringSubmatch(code)
		if m == nil || m[2] == "" && macros[m[1]].params != nil {
			continue
		}
		if _, ok := macros[m[1]]; !ok {
			continue // a native instruction
		}
		where := fmt.Sprintf("%s:%d", file, i+1)
		insns := expandNEON(t, where, code, macros, used, 0)
		counts[where] = len(insns)
		for k, in := range insns {
			if in.macro != "" {
				sites = append(sites, neonSite{file: file, line: i + 1, idx: k, call: code, macro: in.macro, text: in.text})
			}
		}
	}
	return sites, counts
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
// from each line of the assembly file (a path; objdump names its base), in
// address order.
func parseObjdump(t *testing.T, file string, out []byte, dis map[string][]disInsn) {
	n := 0
	for _, l := range strings.Split(string(out), "\n") {
		m := objdumpRE.FindStringSubmatch(l)
		if m == nil || m[1] != filepath.Base(file) {
			continue
		}
		w, _ := strconv.ParseUint(m[3], 16, 32)
		key := file + ":" + m[2]
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
