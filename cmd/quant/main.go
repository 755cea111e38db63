// Command quant runs the notebook's quantization experiment and applies
// the quant kernels to .npy, .safetensors and GGUF files.
//
// With no arguments it runs the demo (the notebook's experiment on its
// embedded data). Subcommands:
//
//	quant info                              CPU, SIMD features, caches, implementations
//	quant info FILE.gguf                    metadata and tensors of a GGUF file
//	quant convert -type TYPE [-o OUT.gguf] IN.safetensors   to GGUF (ggml types)
//	quant calibrate [flags] FILE            Params of a .npy, .safetensors or GGUF file
//	quant quantize -o OUT.npy [flags] FILE.npy      float -> uint8/int8 .npy + OUT.npy.json
//	quant dequantize -o OUT.npy [flags] FILE.npy    uint8/int8 -> float32 .npy
//	quant report [flags] FILE               every scheme's (and ggml type's) MSE and SQNR per tensor
//	quant verify [-full] [-duration 30s]    every implementation against generic, bitwise
//	quant verify -exhaustive [flags]        every float32 input through the quantize kernels
//
// Errors are one line on stderr naming the file and the problem; the exit
// status is 1 for a failure and 2 for wrong usage. Outputs are written to
// temporary files in the target directory and renamed into place together;
// a command that fails changes no existing file (see output.go).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

// usageError is wrong usage: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

// env is what a subcommand writes to.
type env struct {
	stdout, stderr io.Writer
	stderrTTY      bool
}

func (e *env) note(s string) { fmt.Fprintln(e.stderr, "quant: note: "+s) }

type command struct {
	name    string
	summary string
	run     func(e *env, args []string) error
}

var commands []command

func init() {
	commands = []command{
		{"info", "show the CPU, its SIMD features and caches, and the kernel implementations", runInfo},
		{"calibrate", "print the quantization Params of a .npy, .safetensors or GGUF file", runCalibrate},
		{"quantize", "quantize a float .npy file to a uint8/int8 .npy file and a Params JSON", runQuantize},
		{"dequantize", "dequantize a uint8/int8 .npy file to a float32 .npy file", runDequantize},
		{"convert", "convert a .safetensors model to a GGUF file of ggml types", runConvert},
		{"report", "compare the quantization schemes on every tensor of a file", runReport},
		{"verify", "check every implementation this CPU supports against generic, bitwise", runVerify},
		{"demo", "run the notebook's experiment (the default with no arguments)", runDemo},
	}
}

func mainUsage(w io.Writer) {
	fmt.Fprint(w, `quant runs the notebook's quantization experiment and quantizes real tensors.

Usage:
  quant                  run the notebook's experiment on its embedded data
  quant COMMAND [flags]  (quant COMMAND -h for the flags and an example)

Commands:
`)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
}

func main() {
	e := &env{stdout: os.Stdout, stderr: os.Stderr, stderrTTY: isTerminal(os.Stderr)}
	// An interrupt removes the temporary outputs (SIGKILL cannot be
	// caught: it may leave a hidden .OUT.tmpN or .OUT.bakN file, never a
	// partial OUT).
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sigs
		if !interrupted() {
			return // the outputs are in place: finish normally
		}
		fmt.Fprintf(os.Stderr, "quant: %v: interrupted; temporary outputs removed, existing files unchanged\n", s)
		os.Exit(1)
	}()
	os.Exit(run(e, os.Args[1:]))
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// run executes one command line and returns the exit status.
func run(e *env, args []string) int {
	name := "demo"
	if len(args) > 0 {
		name, args = args[0], args[1:]
	}
	switch name {
	case "-h", "-help", "--help", "help":
		mainUsage(e.stdout)
		return 0
	}
	for _, c := range commands {
		if c.name == name {
			return exitStatus(e, name, c.run(e, args))
		}
	}
	fmt.Fprintf(e.stderr, "quant: unknown command %q (run quant -h for the list)\n", name)
	return 2
}

func exitStatus(e *env, name string, err error) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(e.stderr, "quant %s: %v (run quant %s -h)\n", name, ue.msg, name)
		return 2
	}
	var ve *verifyFailed
	if errors.As(err, &ve) {
		fmt.Fprintf(e.stderr, "quant %s: %v\n", name, err)
		return 1
	}
	fmt.Fprintf(e.stderr, "quant %s: %s\n", name, oneLine(err.Error()))
	return 1
}

func oneLine(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ") }

// newFlags makes the flag set of a subcommand; its -h prints the synopsis,
// the flags and the example.
func newFlags(e *env, name, synopsis, example string) *flag.FlagSet {
	fs := flag.NewFlagSet("quant "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse reports errors in one line
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: quant %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
		fmt.Fprintf(w, "\nExample:\n%s\n", example)
	}
	return fs
}

// parse parses flags placed before, between or after the positional
// arguments and returns the positional ones. -h sends the usage to stdout.
func parse(fs *flag.FlagSet, e *env, args []string) ([]string, error) {
	for _, a := range args {
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(e.stdout)
			fs.Usage()
			return nil, flag.ErrHelp
		}
	}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usagef("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// oneFile checks that exactly one positional argument was given.
func oneFile(pos []string) (string, error) {
	switch len(pos) {
	case 1:
		return pos[0], nil
	case 0:
		return "", usagef("missing FILE")
	}
	return "", usagef("want one FILE, got %d arguments: %s", len(pos), strings.Join(pos, " "))
}
