package main

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/quantkernel/quant"
	"github.com/quantkernel/quant/internal/cpuinfo"
	"github.com/schollz/progressbar/v3"
)

// exhaustiveRequested reports whether verify's arguments ask for the
// exhaustive sweep (-exhaustive, in any of the flag package's spellings).
func exhaustiveRequested(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		a = strings.TrimLeft(a, "-")
		if a == "exhaustive" || a == "exhaustive=true" || a == "exhaustive=1" {
			return true
		}
	}
	return false
}

// runVerifyExhaustive is quant verify -exhaustive: every float32 input (or
// the inputs near the rounding ties, -range ties) through the quantize
// kernels and QuantError of every implementation this CPU supports,
// compared with generic (quant.Impl.Sweep). Exit status 1 on any mismatch.
func runVerifyExhaustive(e *env, args []string) error {
	fs := newFlags(e, "verify", "verify -exhaustive [-scale S] [-zero Z] [-bits 8|4] [-unsigned] [-convention C] [-range all|ties]",
		"  quant verify -exhaustive                                   # int8, scale 0.1, ONNX, all 2^32 inputs\n"+
			"  quant verify -exhaustive -scale 0.00214854861 -zero 128 -unsigned -convention seed\n"+
			"  quant verify -exhaustive -bits 4 -range ties")
	fs.Bool("exhaustive", true, "sweep every float32 input (this mode)")
	scale := fs.Float64("scale", 0.1, "the scale s (a positive normal float32)")
	zero := fs.Int("zero", 0, "the zero point z")
	nbits := fs.Int("bits", 8, "code width: 8 (int8/uint8) or 4 (int4/uint4 bounds, also through the packed 4-bit kernel)")
	unsigned := fs.Bool("unsigned", false, "unsigned codes (0..255 or 0..15) instead of signed")
	conv := fs.String("convention", "onnx", "seed, onnx or pytorch")
	rng := fs.String("range", "all", "all: every float32 bit pattern; ties: the inputs within -radius floats of a rounding tie")
	radius := fs.Uint("radius", 4096, "with -range ties: floats on each side of each tie")
	pos, err := parse(fs, e, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("verify takes no arguments (got %s)", strings.Join(pos, " "))
	}
	c, err := quant.ParseConvention(*conv)
	if err != nil {
		return usagef("-convention %q: want seed, onnx or pytorch", *conv)
	}
	var lo, hi int32
	switch {
	case *nbits == 8 && *unsigned:
		lo, hi = 0, 255
	case *nbits == 8:
		lo, hi = -128, 127
	case *nbits == 4 && *unsigned:
		lo, hi = 0, 15
	case *nbits == 4:
		lo, hi = -8, 7
	default:
		return usagef("-bits %d: want 8 or 4", *nbits)
	}
	if *zero > quant.MaxZero || *zero < -quant.MaxZero {
		return usagef("-zero %d exceeds ±%d", *zero, quant.MaxZero)
	}
	p := quant.Params{Scale: float32(*scale), Zero: int32(*zero), Lo: lo, Hi: hi, Convention: c}
	if err := p.Validate(); err != nil {
		return usagef("%v", err)
	}
	if *radius > math.MaxUint32 {
		return usagef("-radius %d is too large", *radius)
	}
	var ranges []quant.BitRange
	switch *rng {
	case "all":
		ranges = quant.AllFloat32()
	case "ties":
		ranges = quant.TieRanges(p, uint32(*radius))
	default:
		return usagef("-range %q: want all or ties", *rng)
	}
	w := e.stdout
	sign := "signed"
	if *unsigned {
		sign = "unsigned"
	}
	fmt.Fprintf(w, "CPU: %s\n", cpuinfo.CPU().Brand)
	fmt.Fprintf(w, "Params: scale %v (%x), zero %d, bounds %d..%d (%s %d-bit), %s; inputs: %s\n",
		p.Scale, p.Scale, p.Zero, lo, hi, sign, *nbits, c, *rng)
	total := 0
	compared := 0
	for _, m := range quant.Supported() {
		if m.Name() == "generic" {
			continue
		}
		compared++
		var bar *progressbar.ProgressBar
		if e.stderrTTY {
			bar = progressbar.NewOptions64(1, progressbar.OptionSetWriter(e.stderr),
				progressbar.OptionSetDescription(m.Name()), progressbar.OptionSetPredictTime(true),
				progressbar.OptionShowIts(), progressbar.OptionSetItsString("inputs"),
				progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
		}
		start := time.Now()
		res, err := m.Sweep(p, !*unsigned, ranges, func(done, all uint64) {
			if bar != nil {
				bar.ChangeMax64(int64(all))
				_ = bar.Set64(int64(done))
			}
		})
		if bar != nil {
			_ = bar.Finish()
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%-8s %d inputs in %v: %d mismatches with generic\n", m.Name(), res.Checked,
			time.Since(start).Round(time.Second), res.Mismatches)
		for _, x := range res.First {
			fmt.Fprintf(w, "MISMATCH %s %v\n", m.Name(), x)
		}
		if uint64(len(res.First)) < res.Mismatches {
			fmt.Fprintf(w, "(%d more mismatches not shown)\n", res.Mismatches-uint64(len(res.First)))
		}
		total += int(res.Mismatches)
	}
	if compared == 0 {
		fmt.Fprintln(w, "No SIMD implementation is supported on this CPU: nothing to compare with generic.")
	}
	if total > 0 {
		return &verifyFailed{total}
	}
	return nil
}
