// Command fmacount checks where the assembly of package quant fuses a
// multiply and an add. It counts the fused instructions in each TEXT
// function of the given .s files and compares the counts with a list of
// expected ones (lines "<file> <symbol> <count>", # comments); every
// function not listed must have none. It prints each difference and exits
// with status 1 if there is any.
//
//	go run ./internal/fmacount -expect .ci/fma.txt $(git ls-files '*.s')
//
// Fused instructions: on amd64 the mnemonics VFMADD*, VFMSUB*, VFNMADD*,
// VFNMSUB* (which include VFMADDSUB* and VFMSUBADD*); on arm64 FMADD*,
// FMSUB*, FNMADD*, FNMSUB*, FMLA*, FMLS*, VFMLA*, VFMLS*, any WORD whose
// constant encodes one of them (FMLA/FMLS by vector or by element, and
// the scalar fused multiply-add group), and any macro whose name contains
// FMLA or FMLS or whose body holds fused instructions (#define in the .s
// file or in a .h file it includes): a macro call is expanded, with its
// arguments substituted for its parameters, so a macro passed as an
// argument counts once per use in the body it is passed to.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

func main() {
	expect := flag.String("expect", ".ci/fma.txt", "the expected counts")
	flag.Parse()
	want, err := readExpect(*expect)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fmacount:", err)
		os.Exit(2)
	}
	got := map[string]int{}
	for _, f := range flag.Args() {
		counts, err := countFile(f)
		if err != nil {
			fmt.Fprintln(os.Stderr, "fmacount:", err)
			os.Exit(2)
		}
		for sym, n := range counts {
			got[f+" "+sym] = n
		}
	}
	var keys []string
	for k := range got {
		keys = append(keys, k)
	}
	for k := range want {
		if _, ok := got[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	bad := 0
	for _, k := range keys {
		g, w := got[k], want[k]
		if _, ok := got[k]; !ok {
			fmt.Printf("%s: listed with %d fused instructions, but no such function\n", k, w)
			bad++
		} else if g != w {
			fmt.Printf("%s: %d fused instructions, expected %d\n", k, g, w)
			bad++
		}
	}
	if bad > 0 {
		fmt.Printf("fmacount: %d difference(s) from %s\n", bad, *expect)
		os.Exit(1)
	}
}

func readExpect(name string) (map[string]int, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	want := map[string]int{}
	sc := bufio.NewScanner(f)
	for ln := 1; sc.Scan(); ln++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fs := strings.Fields(line)
		n, err := 0, error(nil)
		if len(fs) == 3 {
			n, err = strconv.Atoi(fs[2])
		}
		if len(fs) != 3 || err != nil || n < 0 {
			return nil, fmt.Errorf("%s:%d: want \"<file> <symbol> <count>\"", name, ln)
		}
		want[fs[0]+" "+fs[1]] = n
	}
	return want, sc.Err()
}

var (
	textRE    = regexp.MustCompile(`^TEXT\s+[^·(]*·?([A-Za-z0-9_]+)\(SB\)`)
	defineRE  = regexp.MustCompile(`^#define\s+([A-Za-z0-9_]+)`)
	includeRE = regexp.MustCompile(`^#include\s+"([^"]+)"`)
	wordRE    = regexp.MustCompile(`^WORD\s+\$\(?\s*(0x[0-9a-fA-F]+)`)
)

// source is a file's logical lines: comments removed, continuation lines
// joined.
func source(name string) ([]string, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	var out []string
	cur := ""
	for _, l := range strings.Split(string(b), "\n") {
		if i := strings.Index(l, "//"); i >= 0 {
			l = l[:i]
		}
		l = strings.TrimSpace(l)
		if strings.HasSuffix(l, `\`) {
			cur += strings.TrimSuffix(l, `\`) + ";"
			continue
		}
		out = append(out, cur+l)
		cur = ""
	}
	return out, nil
}

// macros collects the #define macros: their parameters and body (its
// statements joined by ";").
type macros map[string]macro

type macro struct {
	params []string
	body   string
}

func (m macros) define(line string) {
	d := defineRE.FindStringSubmatch(line)
	body := line[len(d[0]):]
	var params []string
	if strings.HasPrefix(body, "(") { // a function-like macro
		if i := strings.Index(body, ")"); i >= 0 {
			for _, p := range strings.Split(body[1:i], ",") {
				params = append(params, strings.TrimSpace(p))
			}
			body = body[i+1:]
		}
	}
	m[d[1]] = macro{params, strings.TrimSpace(body)}
}

// maxExpansion bounds the nesting of macro expansions (a macro that
// expands to itself is an error of the source, not an infinite loop).
const maxExpansion = 32

// fused returns the number of fused instructions in one statement: a
// macro call is expanded, its arguments substituted for its parameters
// (so a macro passed as an argument counts once per use in the body),
// and its statements counted in turn.
func (m macros) fused(st string) int { return m.fusedDepth(st, 0) }

func (m macros) fusedDepth(st string, depth int) int {
	st = strings.TrimSpace(st)
	if i := strings.Index(st, ":"); i >= 0 && !strings.ContainsAny(st[:i], " \t(") {
		st = strings.TrimSpace(st[i+1:]) // a label
	}
	if st == "" {
		return 0
	}
	if w := wordRE.FindStringSubmatch(st); w != nil {
		v, err := strconv.ParseUint(w[1], 0, 32)
		if err == nil && fusedWord(uint32(v)) {
			return 1
		}
		return 0
	}
	op := st
	if i := strings.IndexAny(op, " \t("); i >= 0 {
		op = op[:i]
	}
	if mac, ok := m[op]; ok {
		if depth >= maxExpansion {
			panic(fmt.Sprintf("fmacount: macro %s nested more than %d deep", op, maxExpansion))
		}
		body := mac.body
		if len(mac.params) > 0 {
			args := macroArgs(st[len(op):])
			for i, p := range mac.params {
				a := ""
				if i < len(args) {
					a = args[i]
				}
				body = regexp.MustCompile(`\b`+regexp.QuoteMeta(p)+`\b`).ReplaceAllLiteralString(body, a)
			}
		}
		n := 0
		for _, s := range strings.Split(body, ";") {
			n += m.fusedDepth(s, depth+1)
		}
		if n == 0 && (strings.Contains(op, "FMLA") || strings.Contains(op, "FMLS")) {
			n = 1
		}
		return n
	}
	for _, p := range []string{"VFMADD", "VFMSUB", "VFNMADD", "VFNMSUB", "FMADD", "FMSUB", "FNMADD", "FNMSUB", "FMLA", "FMLS", "VFMLA", "VFMLS"} {
		if strings.HasPrefix(op, p) {
			return 1
		}
	}
	return 0
}

// macroArgs splits the parenthesized argument list that starts s (after
// optional space) at its top-level commas.
func macroArgs(s string) []string {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "(") {
		return nil
	}
	var args []string
	depth, start := 0, 1
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return append(args, strings.TrimSpace(s[start:i]))
			}
		case ',':
			if depth == 1 {
				args = append(args, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return append(args, strings.TrimSpace(s[start:]))
}

// fusedWord reports whether an arm64 instruction word is a fused
// multiply-add: FMLA/FMLS (vector, any arrangement), FMLA/FMLS (by
// element), or FMADD/FMSUB/FNMADD/FNMSUB (scalar).
func fusedWord(w uint32) bool {
	switch {
	case w&0xBFA0FC00 == 0x0E20CC00, w&0xBFA0FC00 == 0x0EA0CC00: // FMLA, FMLS vector
		return true
	case w&0xBF80F400 == 0x0F801000, w&0xBF80F400 == 0x0F805000: // FMLA, FMLS by element
		return true
	case w&0xFF000000 == 0x1F000000: // FMADD, FMSUB, FNMADD, FNMSUB
		return true
	}
	return false
}

// countFile returns the fused instructions per TEXT function of an
// assembly file (every function present, zero or not).
func countFile(name string) (map[string]int, error) {
	lines, err := source(name)
	if err != nil {
		return nil, err
	}
	m := macros{}
	counts := map[string]int{}
	sym := ""
	for _, l := range lines {
		switch {
		case includeRE.MatchString(l) && includeRE.FindStringSubmatch(l)[1] == "textflag.h":
			// Go's own flags header (in GOROOT): no instructions.
		case includeRE.MatchString(l):
			inc, err := source(filepath.Join(filepath.Dir(name), includeRE.FindStringSubmatch(l)[1]))
			if err != nil {
				return nil, err
			}
			for _, il := range inc {
				if defineRE.MatchString(il) {
					m.define(il)
				}
			}
		case defineRE.MatchString(l):
			m.define(l)
		case textRE.MatchString(l):
			sym = textRE.FindStringSubmatch(l)[1]
			counts[sym] += 0
		case sym != "":
			for _, st := range strings.Split(l, ";") {
				counts[sym] += m.fused(st)
			}
		default:
			for _, st := range strings.Split(l, ";") {
				if m.fused(st) > 0 {
					return nil, fmt.Errorf("%s: fused instruction outside any TEXT function: %q", name, l)
				}
			}
		}
	}
	return counts, nil
}
