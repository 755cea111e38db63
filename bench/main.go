// Command bench measures the throughput of every quant kernel on every
// implementation this CPU supports, over sizes from L1-resident to DRAM,
// against Go's copy() (the memory-bandwidth limit), the VDIVPS throughput
// bound (amd64) and the notebook's numpy code. It prints a table and
// writes results.csv, results.json and throughput.png to -out.
//
//	go run ./bench                                 # default sweep, about a minute at most
//	go run ./bench -kernels QuantizeU8,MinMax -sizes 4096,65536 -min-time 50ms -out /tmp/b
//
// A second table times package ggml's block formats (quantize,
// dequantize, per type) against ggml's own functions loaded from the npm
// package @node-llama-cpp/linux-x64 when GGML_LIBDIR points at its
// bins/linux-x64 directory (skipped with a note otherwise; -ggml=false
// leaves it out).
//
// Each figure is the median of -reps timed repetitions; a repetition calls
// the kernel in a loop for at least -min-time.
package main

import (
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/quantkernel/quant"
	"github.com/quantkernel/quant/internal/cpuinfo"
)

// config is the parsed command line.
type config struct {
	kernels []kernel
	sizes   []int
	minTime time.Duration
	reps    int
	out     string
	numpy   bool
	python  string
	ggml    bool
	ggmlN   int
}

func main() {
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	if err := run(cfg, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var names []string
	for _, k := range kernels {
		names = append(names, k.name)
	}
	kflag := fs.String("kernels", "", "comma-separated kernels (default all: "+strings.Join(names, ",")+")")
	sflag := fs.String("sizes", "", "comma-separated element counts (default: 1 KiB, L1/2, L2/2, L3/2, 2×L3 and 64 MiB of float32, from the CPU's caches)")
	minTime := fs.Duration("min-time", 20*time.Millisecond, "minimum duration of each timed repetition")
	reps := fs.Int("reps", 5, "timed repetitions per measurement (the median is reported)")
	out := fs.String("out", "bench/out", "directory for results.csv, results.json and throughput.png")
	numpy := fs.Bool("numpy", true, "also time the notebook's numpy code (needs -python with numpy)")
	python := fs.String("python", "/usr/bin/python3", "python interpreter with numpy")
	ggmlOn := fs.Bool("ggml", true, "also time package ggml's block formats against ggml itself (loaded from $GGML_LIBDIR when set)")
	ggmlN := fs.Int("ggml-n", 1<<20, "elements per call in the ggml section (rounded down to a multiple of 256)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	cfg := config{minTime: *minTime, reps: *reps, out: *out, numpy: *numpy, python: *python, ggml: *ggmlOn, ggmlN: *ggmlN}
	if *ggmlN < 256 {
		return cfg, fmt.Errorf("-ggml-n %d: want at least 256", *ggmlN)
	}
	if *reps < 1 {
		return cfg, fmt.Errorf("-reps %d: want at least 1", *reps)
	}
	if *minTime <= 0 {
		return cfg, fmt.Errorf("-min-time %v: want a positive duration", *minTime)
	}
	if *kflag == "" {
		cfg.kernels = kernels
	} else {
		for _, n := range strings.Split(*kflag, ",") {
			i := slices.IndexFunc(kernels, func(k kernel) bool { return strings.EqualFold(k.name, strings.TrimSpace(n)) })
			if i < 0 {
				return cfg, fmt.Errorf("-kernels: unknown kernel %q (have %s)", n, strings.Join(names, ", "))
			}
			cfg.kernels = append(cfg.kernels, kernels[i])
		}
	}
	if *sflag == "" {
		cfg.sizes = defaultSizes(cpuinfo.CPU())
	} else {
		for _, s := range strings.Split(*sflag, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || n < 1 {
				return cfg, fmt.Errorf("-sizes: %q is not a positive element count", s)
			}
			cfg.sizes = append(cfg.sizes, n)
		}
		sort.Ints(cfg.sizes)
		cfg.sizes = slices.Compact(cfg.sizes)
	}
	return cfg, nil
}

// defaultSizes returns element counts whose float32 input is 1 KiB, half
// of L1d, half of L2, half of L3 (each resident in its cache with room for
// the output), twice L3 (DRAM) and 64 MiB; unknown caches fall back to
// 32 KiB, 1 MiB and 32 MiB.
func defaultSizes(c cpuinfo.Info) []int {
	l1, l2, l3 := c.L1D, c.L2, c.L3
	if l1 <= 0 {
		l1 = 32 << 10
	}
	if l2 <= 0 {
		l2 = 1 << 20
	}
	if l3 <= 0 {
		l3 = 32 << 20
	}
	bytes := []int{1 << 10, l1 / 2, l2 / 2, l3 / 2, 2 * l3, 64 << 20}
	var sizes []int
	for _, b := range bytes {
		sizes = append(sizes, max(b/4, 1))
	}
	sort.Ints(sizes)
	return slices.Compact(sizes)
}

// newBuffers makes the inputs of one size: the notebook's data (uniform in
// [-50, 150] rounded to 2 decimals, fixed seed) and their Params.
func newBuffers(n int) *buffers {
	r := rand.New(rand.NewPCG(1, 2))
	b := &buffers{f32: make([]float32, n), f32b: make([]float32, n), out: make([]float32, n), u8: make([]uint8, n), i8: make([]int8, n)}
	for i := range b.f32 {
		b.f32[i] = float32(math.RoundToEven((-50+200*r.Float64())*100) / 100)
		b.f32b[i] = float32(-50 + 200*r.Float64())
	}
	var err error
	if b.pu, err = quant.Calibrate(b.f32, quant.Scheme{Method: quant.MethodMinMax, Bits: 8}); err != nil {
		panic(err)
	}
	if b.pi, err = quant.Calibrate(b.f32, quant.Scheme{Method: quant.MethodAbsMax, Bits: 8}); err != nil {
		panic(err)
	}
	quant.QuantizeU8(b.u8, b.f32, b.pu)
	quant.QuantizeI8(b.i8, b.f32, b.pi)
	return b
}

func roundEven(x float64) float64 { return math.RoundToEven(x) }

// measure returns the median time in seconds of one call of f over reps
// repetitions, each calling f in a loop for about minTime.
func measure(f func(), minTime time.Duration, reps int) float64 {
	f() // warm up: page in the buffers, fill the caches
	iters := 1
	for {
		start := time.Now()
		for range iters {
			f()
		}
		if el := time.Since(start); el >= minTime/4 || iters > 1<<30 {
			// scale to about minTime per repetition
			if el < minTime {
				iters = int(float64(iters) * float64(minTime) / float64(max(el, time.Microsecond)))
			}
			break
		}
		iters *= 4
	}
	iters = max(iters, 1)
	times := make([]float64, reps)
	for i := range times {
		start := time.Now()
		for range iters {
			f()
		}
		times[i] = time.Since(start).Seconds() / float64(iters)
	}
	sort.Float64s(times)
	return median(times)
}

func median(x []float64) float64 {
	n := len(x)
	if n%2 == 1 {
		return x[n/2]
	}
	return (x[n/2-1] + x[n/2]) / 2
}
