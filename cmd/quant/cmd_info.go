package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/quantkernel/quant"
	"github.com/quantkernel/quant/internal/cpuinfo"
)

func runInfo(e *env, args []string) error {
	fs := newFlags(e, "info", "info [FILE.gguf]", "  quant info\n  QUANT_KERNEL=generic quant info   # force the pure-Go reference\n  quant info model.gguf             # the metadata and tensors of a GGUF file")
	pos, err := parse(fs, e, args)
	if err != nil {
		return err
	}
	if len(pos) == 1 && isGGUF(pos[0]) {
		return ggufInfo(e, pos[0])
	}
	if len(pos) > 0 {
		return usagef("info takes no arguments (got %s)", strings.Join(pos, " "))
	}
	c := cpuinfo.CPU()
	w := e.stdout
	fmt.Fprintf(w, "CPU:       %s\n", c.Brand)
	fmt.Fprintf(w, "Features:  %s\n", strings.Join(c.Features, " "))
	fmt.Fprintf(w, "Caches:    L1d %s, L2 %s, L3 %s\n", sizeString(c.L1D), sizeString(c.L2), sizeString(c.L3))
	fmt.Fprintln(w, "Implementations:")
	for _, m := range quant.Implementations() {
		status := "not supported by this CPU"
		if m.Supported() {
			status = "supported"
		}
		mark := " "
		if m == quant.Active() {
			mark = "*"
		}
		fmt.Fprintf(w, "  %s %-8s needs %-16s %s\n", mark, m.Name(), m.Features(), status)
	}
	fmt.Fprintf(w, "Active:    %s (%s)\n", quant.Active().Name(), quant.Selection())
	if v, ok := os.LookupEnv(quant.EnvKernel); ok {
		fmt.Fprintf(w, "           %s=%q\n", quant.EnvKernel, v)
	}
	return nil
}

// sizeString prints a byte count in KiB or MiB, "unknown" if negative.
func sizeString(b int) string {
	switch {
	case b < 0:
		return "unknown"
	case b >= 1<<20 && b%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", b>>20)
	case b >= 1<<10 && b%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", b>>10)
	}
	return fmt.Sprintf("%d B", b)
}
