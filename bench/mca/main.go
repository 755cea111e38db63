// Command mca models the NEON kernels' loops on Arm Neoverse cores with
// llvm-mca, since no arm64 machine is at hand and emulated timings mean
// nothing.
//
// It cross-builds the package for linux/arm64, disassembles its assembly
// objects (go tool objdump), and for each kernel of the table below takes
// the instructions one pass of its loop executes: it starts at a loop's
// first instruction (the loop named by its label in the .s file), walks
// forward, resolves each conditional branch by the kernel's list of
// decisions (taken or not) and stops at the loop's back edge. A per-tensor
// kernel's pass is one iteration of its main loop (16 elements); a
// blocked kernel's pass is one whole block, its per-block prologue
// included. The words are turned back into ARM assembly by llvm-mc and
// simulated by llvm-mca on each -mcpu.
//
// The C NEON intrinsics peers of the per-tensor kernels
// (testdata/mca/peers.c) are compiled by clang for the same -mcpu and
// their loops (the one inner loop of each function) modelled the same way.
//
// It prints a table per core (cycles per 16 elements, elements per cycle,
// the busiest pipe and its share of the cycles, the C peer and the ratio
// C cycles / Go cycles, so > 1 means the Go loop is faster), and compares
// the cycles with a baseline file: any kernel slower than its baseline by
// more than -tolerance fails the run. -update rewrites the baseline.
//
// The model is a model: L1 hits only, no front-end or memory-system
// effects beyond what LLVM's scheduling models describe.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// kernel is one modelled loop.
type kernel struct {
	name  string // as printed and in the baseline
	sym   string // TEXT symbol, without the package
	loop  string // label of the loop in the .s file
	walk  string // decisions for the conditional branches met: T taken, N not
	elems int    // elements one pass handles
	peer  string // C peer function, "" if none
}

// kernels is the table of modelled loops. Seed and ONNX quantize are the
// loops of scales in exactDivScale's domain (the quotient by reciprocal);
// "(FDIV)" are those of the other scales; Seed "(NaN redo)" is the loop
// that zeroes NaN inputs, which a Seed call runs only when its first pass
// met a NaN. The blocked forms are modelled at block 32 (two groups of 16
// and the per-block prologue).
var kernels = []kernel{
	{"QuantizeU8 Seed", "neonQuantize8", "u8seedfl", "", 16, "quantize_u8_seed"},
	{"QuantizeU8 ONNX", "neonQuantize8", "u8onnxr", "", 16, "quantize_u8_onnx"},
	{"QuantizeU8 PyTorch", "neonQuantize8", "u8torch", "", 16, "quantize_u8_torch"},
	{"QuantizeI8 Seed", "neonQuantize8", "i8seedfl", "", 16, "quantize_i8_seed"},
	{"QuantizeI8 ONNX", "neonQuantize8", "i8onnxr", "", 16, "quantize_i8_onnx"},
	{"QuantizeI8 PyTorch", "neonQuantize8", "i8torch", "", 16, "quantize_i8_torch"},
	{"QuantizeU8 Seed (NaN redo)", "neonQuantize8", "u8seedr", "", 16, "quantize_u8_seed"},
	{"QuantizeI8 Seed (NaN redo)", "neonQuantize8", "i8seedr", "", 16, "quantize_i8_seed"},
	{"QuantizeU8 Seed (FDIV)", "neonQuantize8", "u8seed", "", 16, "quantize_u8_seed"},
	{"QuantizeU8 ONNX (FDIV)", "neonQuantize8", "u8onnx", "", 16, "quantize_u8_onnx"},
	{"QuantizeI8 Seed (FDIV)", "neonQuantize8", "i8seed", "", 16, "quantize_i8_seed"},
	{"QuantizeI8 ONNX (FDIV)", "neonQuantize8", "i8onnx", "", 16, "quantize_i8_onnx"},
	{"DequantizeU8", "neonDequantize8", "du8nloop", "", 16, "dequantize_u8"},
	{"DequantizeI8", "neonDequantize8", "di8nloop", "", 16, "dequantize_i8"},
	{"DequantizeU8 (z > 255)", "neonDequantize8", "du8loop", "", 16, "dequantize_u8"},
	{"DequantizeI8 (z outside int8)", "neonDequantize8", "di8loop", "", 16, "dequantize_i8"},
	{"MinMax", "neonMinMaxFast", "mmfloop", "", 16, "minmax"},
	{"MinMax (NaN pass)", "neonMinMaxNaN", "mmnloop", "", 16, ""},
	{"AbsMax", "neonAbsMax", "amloop", "", 16, "absmax"},
	{"SquaredError", "neonSquaredError", "seloop", "", 16, "squared_error"},
	{"QuantError Seed", "neonQuantError", "qeseed", "", 16, "quant_error_seed"},
	{"QuantError ONNX", "neonQuantError", "qeonnx", "", 16, "quant_error_onnx"},
	{"QuantError PyTorch", "neonQuantError", "qetorch", "", 16, "quant_error_torch"},
}

// blockedKernels are the grouped loops. The walks of the blocked kernels
// are one block of 32 from the block loop's label: the per-block
// dispatch (unsigned flag, convention), two passes of the group loop and
// the block loop's end; PyTorch blocks have Lo, Hi the codes' full range
// (no clamp), "(clamped)" narrower ones. "B=1" is QuantizeBlocks with
// block 1 (one row, the Params gathered in the loop); "per column" is the
// per-column quantize over rows of QuantizeLayout (the Params' records
// loaded in the row loop), one group of 16 columns.
var blockedKernels = []kernel{
	{"QuantizeBlocksU8 PyTorch B=32", "neonQuantizeBlocks8", "q8block", "NNTTNT", 32, ""},
	{"QuantizeBlocksI8 PyTorch B=32", "neonQuantizeBlocks8", "q8block", "NNNTNT", 32, ""},
	{"QuantizeBlocksI8 PyTorch (clamped) B=32", "neonQuantizeBlocks8", "q8block", "TNNNTNT", 32, ""},
	{"QuantizeBlocksI8 ONNX B=32", "neonQuantizeBlocks8", "q8block", "NTNNNTNT", 32, ""},
	{"QuantizeBlocksI8 ONNX (clamped) B=32", "neonQuantizeBlocks8", "q8block", "TNNTNTNT", 32, ""},
	{"QuantizeBlocksI8 Seed B=32", "neonQuantizeBlocks8", "q8block", "NTTNNNTNT", 32, ""},
	{"QuantizeBlocksI8 Seed (clamped) B=32", "neonQuantizeBlocks8", "q8block", "TNTNNTNT", 32, ""},
	{"QuantizeBlocksI8 Seed (NaN redo) B=32", "neonQuantizeBlocks8", "q8block", "NTTNTNTNTTNT", 32, ""},
	{"QuantizeBlocksI8 ONNX (FDIV) B=32", "neonQuantizeBlocks8", "q8block", "NTNTNNTTTNT", 32, ""},
	{"QuantizeBlocksI8 Seed (FDIV) B=32", "neonQuantizeBlocks8", "q8block", "NTTTNTTTNT", 32, ""},
	{"QuantizeBlocksI4 PyTorch B=32", "neonQuantizeBlocksI4", "qi4block", "NNTNT", 32, ""},
	{"QuantizeBlocksI4 ONNX B=32", "neonQuantizeBlocksI4", "qi4block", "NTNTNT", 32, ""},
	{"QuantizeBlocksI4 ONNX (FDIV) B=32", "neonQuantizeBlocksI4", "qi4block", "NTTTNT", 32, ""},
	{"DequantizeBlocksU8 B=32", "neonDequantizeBlocks8", "d8block", "TTNT", 32, ""},
	{"DequantizeBlocksI8 B=32", "neonDequantizeBlocks8", "d8block", "NTNT", 32, ""},
	{"DequantizeBlocksI4 B=32", "neonDequantizeBlocksI4", "di4block", "TNT", 32, ""},
	{"QuantizeBlocksU8 B=1 PyTorch", "neonQuantizeCols", "qcu8torch", "", 16, ""},
	{"QuantizeBlocksU8 B=1 ONNX", "neonQuantizeCols", "qcu8onnx", "", 16, ""},
	{"QuantizeBlocksU8 B=1 Seed", "neonQuantizeCols", "qcu8seed", "", 16, ""},
	{"QuantizeLayoutU8 per column PyTorch", "neonQuantizeColumns", "qcolu8torch", "", 16, ""},
	{"QuantizeLayoutU8 per column ONNX", "neonQuantizeColumns", "qcolu8onnxr", "", 16, ""},
	{"QuantizeLayoutU8 per column Seed", "neonQuantizeColumns", "qcolu8seedr", "", 16, ""},
	{"QuantizeLayoutU8 per column ONNX (FDIV)", "neonQuantizeColumns", "qcolu8onnx", "", 16, ""},
	{"QuantizeLayoutU8 per column Seed (FDIV)", "neonQuantizeColumns", "qcolu8seed", "", 16, ""},
	{"MinMaxColumns", "neonMinMaxColumns", "mmcloop", "", 16, ""},
}

var (
	baseline  = flag.String("baseline", "testdata/mca/baseline.txt", "baseline file (kernel, core, cycles per 16 elements)")
	update    = flag.Bool("update", false, "rewrite the baseline with this run's figures")
	tolerance = flag.Float64("tolerance", 0.05, "allowed slowdown against the baseline")
	cpus      = flag.String("cpus", "neoverse-n1,neoverse-n2,neoverse-v1,neoverse-v2", "llvm-mca -mcpu values")
	mcaCmd    = flag.String("mca", "llvm-mca-22", "llvm-mca command")
	mcCmd     = flag.String("mc", "llvm-mc-22", "llvm-mc command (disassembler)")
	clangCmd  = flag.String("clang", "clang-22", "clang command (C peers)")
	peersC    = flag.String("peers", "testdata/mca/peers.c", "C peers")
	iters     = flag.Int("iterations", 200, "llvm-mca iterations")
	listing   = flag.String("dump", "", "write each modelled loop's assembly into this directory")
	only      = flag.String("run", "", "model only the kernels whose name matches this regexp")
)

func main() {
	flag.Parse()
	if err := run(os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "mca:", err)
		os.Exit(1)
	}
}

// result is one kernel (or peer) on one core.
type result struct {
	cycles16 float64 // cycles per 16 elements
	perCycle float64 // elements per cycle
	pipe     string  // busiest resource
	share    float64 // its pressure over the cycles
	insns    int     // instructions per 16 elements
}

func run(w io.Writer) error {
	tmp, err := os.MkdirTemp("", "quant-mca")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	syms, err := disassemble(tmp)
	if err != nil {
		return err
	}
	var re *regexp.Regexp
	if *only != "" {
		if re, err = regexp.Compile(*only); err != nil {
			return err
		}
	}
	all := append(slices.Clone(kernels), blockedKernels...)
	var todo []kernel
	for _, k := range all {
		if re == nil || re.MatchString(k.name) {
			todo = append(todo, k)
		}
	}
	// The Go loops, as ARM assembly.
	loops := map[string]string{}
	ninsn := map[string]int{}
	for _, k := range todo {
		words, err := walk(syms, k)
		if err != nil {
			return fmt.Errorf("%s: %w", k.name, err)
		}
		text, err := disasmWords(words)
		if err != nil {
			return fmt.Errorf("%s: %w", k.name, err)
		}
		loops[k.name] = text
		ninsn[k.name] = len(words)
	}
	cores := strings.Split(*cpus, ",")
	goRes := map[string]map[string]result{}
	peerRes := map[string]map[string]result{}
	for _, cpu := range cores {
		goRes[cpu] = map[string]result{}
		peerRes[cpu] = map[string]result{}
		peers, err := peerLoops(tmp, cpu)
		if err != nil {
			return err
		}
		for _, k := range todo {
			r, err := model(cpu, loops[k.name], k.elems)
			if err != nil {
				return fmt.Errorf("%s on %s: %w", k.name, cpu, err)
			}
			r.insns = ninsn[k.name] * 16 / k.elems
			goRes[cpu][k.name] = r
			if *listing != "" {
				if err := dump(k.name, "", loops[k.name]); err != nil {
					return err
				}
			}
			if k.peer == "" {
				continue
			}
			p, ok := peers[k.peer]
			if !ok {
				return fmt.Errorf("the C peer %s: no loop found", k.peer)
			}
			pr, err := model(cpu, p, 16)
			if err != nil {
				return fmt.Errorf("the C peer %s on %s: %w", k.peer, cpu, err)
			}
			pr.insns = strings.Count(p, "\n") - 1
			peerRes[cpu][k.name] = pr
			if *listing != "" {
				if err := dump(k.name, cpu, p); err != nil {
					return err
				}
			}
		}
	}
	printTables(w, todo, cores, goRes, peerRes)
	return checkBaseline(w, todo, cores, goRes, re != nil)
}

func dump(name, cpu, text string) error {
	if err := os.MkdirAll(*listing, 0o755); err != nil {
		return err
	}
	f := strings.NewReplacer(" ", "_", "(", "", ")", "", "=", "").Replace(name)
	if cpu != "" {
		f += ".C." + cpu
	}
	return os.WriteFile(filepath.Join(*listing, f+".s"), []byte(text), 0o644)
}

// insn is one disassembled instruction of an assembly object.
type insn struct {
	file string
	line int
	word uint32
}

var (
	textRE  = regexp.MustCompile(`^TEXT \S+\.(neon\w+)\(SB\)`)
	instrRE = regexp.MustCompile(`^\s+([a-z0-9_]+\.s):(\d+)\s+0x[0-9a-f]+\s+([0-9a-f]{8})\s`)
)

// disassemble cross-builds the package for arm64 and returns the
// instructions of each neon* TEXT symbol, in address order.
func disassemble(tmp string) (map[string][]insn, error) {
	build := exec.Command("go", "build", "-o", filepath.Join(tmp, "quant.a"), ".")
	build.Env = append(os.Environ(), "GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go build for arm64: %v\n%s", err, out)
	}
	list := exec.Command("go", "tool", "pack", "t", "quant.a")
	list.Dir = tmp
	members, err := list.Output()
	if err != nil {
		return nil, fmt.Errorf("go tool pack t: %v", err)
	}
	x := exec.Command("go", "tool", "pack", "x", "quant.a")
	x.Dir = tmp
	if out, err := x.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go tool pack x: %v\n%s", err, out)
	}
	syms := map[string][]insn{}
	for _, m := range strings.Fields(string(members)) {
		if m == "__.PKGDEF" || m == "_go_.o" {
			continue
		}
		out, err := exec.Command("go", "tool", "objdump", "-s", `quant\.neon`, filepath.Join(tmp, m)).Output()
		if err != nil {
			return nil, fmt.Errorf("go tool objdump %s: %v", m, err)
		}
		cur := ""
		sc := bufio.NewScanner(bytes.NewReader(out))
		for sc.Scan() {
			l := sc.Text()
			if t := textRE.FindStringSubmatch(l); t != nil {
				cur = t[1]
				continue
			}
			if i := instrRE.FindStringSubmatch(l); i != nil && cur != "" {
				line, _ := strconv.Atoi(i[2])
				word, _ := strconv.ParseUint(i[3], 16, 32)
				syms[cur] = append(syms[cur], insn{i[1], line, uint32(word)})
			}
		}
	}
	if len(syms) == 0 {
		return nil, errors.New("no neon* symbols in the arm64 build")
	}
	return syms, nil
}

// branch decodes an A64 branch: whether w is one, whether it is
// conditional, and its offset in instructions.
func branch(w uint32) (isBranch, cond bool, off int) {
	sext := func(v uint32, bits uint) int { return int(int32(v<<(32-bits)) >> (32 - bits)) }
	switch {
	case w&0xfc000000 == 0x14000000: // B
		return true, false, sext(w&0x3ffffff, 26)
	case w&0xff000010 == 0x54000000: // B.cond
		return true, true, sext((w>>5)&0x7ffff, 19)
	case w&0x7e000000 == 0x34000000: // CBZ, CBNZ
		return true, true, sext((w>>5)&0x7ffff, 19)
	case w&0x7e000000 == 0x36000000: // TBZ, TBNZ
		return true, true, sext((w>>5)&0x3fff, 14)
	}
	return false, false, 0
}

var (
	labelLineRE = regexp.MustCompile(`^([A-Za-z_]\w*):`)
	loopMacroRE = regexp.MustCompile(`^\s*[A-Z0-9_]+_LOOP\(\s*(\w+)\s*,`)
)

var sources = map[string][]string{}

// label names the loop whose first instruction comes from line of file:
// the first argument of a *_LOOP macro called on that line, or else the
// label on the nearest line above.
func label(file string, line int) (string, error) {
	src, ok := sources[file]
	if !ok {
		data, err := os.ReadFile(file)
		if err != nil {
			return "", err
		}
		src = strings.Split(string(data), "\n")
		sources[file] = src
	}
	if line < 1 || line > len(src) {
		return "", fmt.Errorf("%s:%d: no such line", file, line)
	}
	if m := loopMacroRE.FindStringSubmatch(src[line-1]); m != nil {
		return m[1], nil
	}
	for l := line - 2; l >= 0; l-- {
		if m := labelLineRE.FindStringSubmatch(src[l]); m != nil {
			return m[1], nil
		}
		if strings.HasPrefix(src[l], "TEXT") {
			break
		}
	}
	return "", nil
}

// walk returns the words of one pass of k's loop (see the package doc).
func walk(syms map[string][]insn, k kernel) ([]uint32, error) {
	code, ok := syms[k.sym]
	if !ok {
		return nil, fmt.Errorf("no symbol %s", k.sym)
	}
	start, end := -1, -1
	for i, in := range code {
		isB, cond, off := branch(in.word)
		if !isB || !cond || off >= 0 {
			continue
		}
		t := i + off
		name, err := label(code[t].file, code[t].line)
		if err != nil {
			return nil, err
		}
		// A loop macro's expansion ends with NEXT_GROUP, whose only
		// backward conditional branch is the loop's back edge.
		if name == k.loop && start < 0 {
			start, end = t, i
		}
	}
	if start < 0 {
		return nil, fmt.Errorf("%s: no loop %q", k.sym, k.loop)
	}
	var words []uint32
	decisions := k.walk
	for pc := start; ; {
		if pc < 0 || pc >= len(code) || len(words) > 4096 {
			return nil, fmt.Errorf("%s: the walk left the function", k.sym)
		}
		w := code[pc].word
		words = append(words, w)
		if pc == end {
			break
		}
		isB, cond, off := branch(w)
		switch {
		case !isB:
			pc++
		case !cond:
			pc += off
		default:
			if decisions == "" {
				return nil, fmt.Errorf("%s: out of decisions at a branch (%d instructions in)", k.sym, len(words))
			}
			d := decisions[0]
			decisions = decisions[1:]
			if d == 'T' {
				pc += off
			} else {
				pc++
			}
		}
	}
	if decisions != "" {
		return nil, fmt.Errorf("%s: decisions %q left over", k.sym, decisions)
	}
	return words, nil
}

// disasmWords turns words back into ARM assembly with llvm-mc.
func disasmWords(words []uint32) (string, error) {
	var in strings.Builder
	for _, w := range words {
		fmt.Fprintf(&in, "0x%02x 0x%02x 0x%02x 0x%02x\n", w&0xff, w>>8&0xff, w>>16&0xff, w>>24)
	}
	cmd := exec.Command(*mcCmd, "--disassemble", "-triple=aarch64", "-mattr=+neon,+fullfp16")
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%s: %v\n%s", *mcCmd, err, out)
	}
	var b strings.Builder
	n := 0
	for _, l := range strings.Split(string(out), "\n") {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, ".") || strings.HasPrefix(t, "//") {
			continue
		}
		if strings.Contains(l, "invalid instruction") || strings.Contains(l, "warning") {
			return "", fmt.Errorf("llvm-mc cannot decode: %s", l)
		}
		b.WriteString("\t" + t + "\n")
		n++
	}
	if n != len(words) {
		return "", fmt.Errorf("llvm-mc decoded %d of %d words:\n%s", n, len(words), out)
	}
	return b.String(), nil
}

var (
	funcRE       = regexp.MustCompile(`^([a-z_0-9]+):`)
	loopHeaderRE = regexp.MustCompile(`^(\.LBB\w+):.*Loop Header`)
)

// peerLoops compiles the C peers for cpu and returns each function's
// inner loop, with its label, as clang wrote it.
func peerLoops(tmp, cpu string) (map[string]string, error) {
	out := filepath.Join(tmp, "peers."+cpu+".s")
	cc := exec.Command(*clangCmd, "--target=aarch64-linux-gnu", "-ffreestanding", "-O2", "-mcpu="+cpu, "-S", "-o", out, *peersC)
	if b, err := cc.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s: %v\n%s", *clangCmd, err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	loops := map[string]string{}
	fn, lbl := "", ""
	var body strings.Builder
	for _, l := range strings.Split(string(data), "\n") {
		if m := funcRE.FindStringSubmatch(l); m != nil {
			fn, lbl = m[1], ""
			continue
		}
		if m := loopHeaderRE.FindStringSubmatch(l); m != nil && fn != "" {
			if _, done := loops[fn]; done {
				return nil, fmt.Errorf("the C peer %s (%s): more than one loop", fn, cpu)
			}
			lbl = m[1]
			body.Reset()
			body.WriteString(lbl + ":\n")
			continue
		}
		if lbl == "" {
			continue
		}
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, ".") || strings.HasPrefix(t, "//") {
			continue
		}
		if i := strings.Index(t, "//"); i >= 0 {
			t = strings.TrimSpace(t[:i])
		}
		body.WriteString("\t" + t + "\n")
		if strings.HasSuffix(t, ", "+lbl) || strings.HasSuffix(t, "\t"+lbl) || strings.HasSuffix(t, " "+lbl) {
			loops[fn] = body.String()
			lbl = ""
		}
	}
	return loops, nil
}

var (
	totalRE  = regexp.MustCompile(`(?m)^Total Cycles:\s+(\d+)`)
	itersRE  = regexp.MustCompile(`(?m)^Iterations:\s+(\d+)`)
	resRE    = regexp.MustCompile(`^\[([0-9.]+)\]\s+-\s+(\S+)`)
	pressHdr = "Resource pressure per iteration:"
)

// model runs llvm-mca on one loop of elems elements.
func model(cpu, asm string, elems int) (result, error) {
	cmd := exec.Command(*mcaCmd, "-mtriple=aarch64", "-mcpu="+cpu, "-iterations="+strconv.Itoa(*iters),
		"-resource-pressure", "-instruction-info=false")
	cmd.Stdin = strings.NewReader(asm)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return result{}, fmt.Errorf("%s: %v\n%s", *mcaCmd, err, out)
	}
	s := string(out)
	tm, im := totalRE.FindStringSubmatch(s), itersRE.FindStringSubmatch(s)
	if tm == nil || im == nil {
		return result{}, fmt.Errorf("cannot read llvm-mca's summary:\n%s", s)
	}
	total, _ := strconv.ParseFloat(tm[1], 64)
	it, _ := strconv.ParseFloat(im[1], 64)
	perPass := total / it
	r := result{cycles16: perPass * 16 / float64(elems), perCycle: float64(elems) / perPass}
	// Resources and their pressure per iteration.
	names := map[string]string{}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if m := resRE.FindStringSubmatch(l); m != nil {
			names[m[1]] = m[2]
		}
		if strings.TrimSpace(l) == pressHdr && i+2 < len(lines) {
			hdr := strings.Fields(lines[i+1])
			val := strings.Fields(lines[i+2])
			for j := range min(len(hdr), len(val)) {
				v, err := strconv.ParseFloat(val[j], 64)
				if err != nil || v <= r.share*perPass {
					continue
				}
				r.share = v / perPass
				r.pipe = names[strings.Trim(hdr[j], "[]")]
			}
			break
		}
	}
	return r, nil
}

// shortCPU is the column name of a core.
func shortCPU(cpu string) string {
	return strings.ToUpper(strings.TrimPrefix(cpu, "neoverse-"))
}

func printTables(w io.Writer, ks []kernel, cores []string, goRes, peerRes map[string]map[string]result) {
	fmt.Fprintf(w, "llvm-mca (%s), per 16 elements; C = clang intrinsics peer, ratio = C cycles / Go cycles (> 1: Go faster)\n", *mcaCmd)
	for _, cpu := range cores {
		fmt.Fprintf(w, "\n%s\n\n", cpu)
		fmt.Fprintln(w, "| kernel | insns | cycles | elements/cycle | busiest pipe | C insns | C cycles | ratio |")
		fmt.Fprintln(w, "|---|---:|---:|---:|---|---:|---:|---:|")
		for _, k := range ks {
			r := goRes[cpu][k.name]
			fmt.Fprintf(w, "| %s | %d | %.2f | %.2f | %s %.0f%% |", k.name, r.insns, r.cycles16, r.perCycle, r.pipe, 100*r.share)
			if p, ok := peerRes[cpu][k.name]; ok {
				fmt.Fprintf(w, " %d | %.2f | %.2f× |\n", p.insns, p.cycles16, p.cycles16/r.cycles16)
			} else {
				fmt.Fprintln(w, " | | |")
			}
		}
	}
	// The summary grid, as in the README.
	fmt.Fprintf(w, "\nCycles per 16 elements (ratio to the C peer)\n\n| kernel |")
	for _, cpu := range cores {
		fmt.Fprintf(w, " %s |", shortCPU(cpu))
	}
	fmt.Fprintf(w, "\n|---|%s\n", strings.Repeat("---:|", len(cores)))
	for _, k := range ks {
		fmt.Fprintf(w, "| %s |", k.name)
		for _, cpu := range cores {
			r := goRes[cpu][k.name]
			if p, ok := peerRes[cpu][k.name]; ok {
				fmt.Fprintf(w, " %.1f (%.2f×) |", r.cycles16, p.cycles16/r.cycles16)
			} else {
				fmt.Fprintf(w, " %.1f |", r.cycles16)
			}
		}
		fmt.Fprintln(w)
	}
}

// checkBaseline compares the cycles with the baseline file, or rewrites
// it with -update (only for a run of every kernel).
func checkBaseline(w io.Writer, ks []kernel, cores []string, goRes map[string]map[string]result, partial bool) error {
	if *update {
		if partial {
			return errors.New("-update needs a run of every kernel (no -run)")
		}
		var b strings.Builder
		b.WriteString("# kernel\tcore\tcycles per 16 elements (llvm-mca); written by: go run ./bench/mca -update\n")
		for _, k := range ks {
			for _, cpu := range cores {
				fmt.Fprintf(&b, "%s\t%s\t%.2f\n", k.name, cpu, goRes[cpu][k.name].cycles16)
			}
		}
		return os.WriteFile(*baseline, []byte(b.String()), 0o644)
	}
	data, err := os.ReadFile(*baseline)
	if err != nil {
		return err
	}
	base := map[[2]string]float64{}
	for _, l := range strings.Split(string(data), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		f := strings.Split(l, "\t")
		if len(f) != 3 {
			return fmt.Errorf("%s: bad line %q", *baseline, l)
		}
		v, err := strconv.ParseFloat(f[2], 64)
		if err != nil {
			return fmt.Errorf("%s: bad line %q", *baseline, l)
		}
		base[[2]string{f[0], f[1]}] = v
	}
	var bad []string
	for _, k := range ks {
		for _, cpu := range cores {
			b, ok := base[[2]string{k.name, cpu}]
			got := goRes[cpu][k.name].cycles16
			switch {
			case !ok:
				bad = append(bad, fmt.Sprintf("%s on %s: not in the baseline (%.2f cycles)", k.name, cpu, got))
			case got > b*(1+*tolerance):
				bad = append(bad, fmt.Sprintf("%s on %s: %.2f cycles per 16 elements, baseline %.2f (+%.1f%%)", k.name, cpu, got, b, 100*(got/b-1)))
			}
		}
	}
	if len(bad) > 0 {
		fmt.Fprintf(w, "\nregressions against %s (tolerance %.0f%%):\n", *baseline, 100**tolerance)
		for _, b := range bad {
			fmt.Fprintln(w, "  "+b)
		}
		return fmt.Errorf("%d kernel/core figures regressed or are missing from the baseline", len(bad))
	}
	fmt.Fprintf(w, "\nno kernel regressed by more than %.0f%% against %s\n", 100**tolerance, *baseline)
	return nil
}
