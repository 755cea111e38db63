package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/quantkernel/quant"
	"github.com/quantkernel/quant/internal/cpuinfo"
)

// row is one measurement. Ratios are 0 where they do not apply.
type row struct {
	Kernel      string  `json:"kernel"`
	Impl        string  `json:"impl"`
	N           int     `json:"elements"`
	InputBytes  int     `json:"input_bytes"` // 4*N: the float32 working set the x axis shows
	SecPerCall  float64 `json:"sec_per_call"`
	ElemsPerSec float64 `json:"elements_per_sec"`
	GBPerSec    float64 `json:"gb_per_sec"` // bytes read + written per second, 1e9
	XGeneric    float64 `json:"x_generic,omitempty"`
	PctCopy     float64 `json:"pct_of_copy,omitempty"`
	XNumpy      float64 `json:"x_numpy,omitempty"`
}

// report is everything a run produced.
type report struct {
	CPU      cpuinfo.Info `json:"cpu"`
	Go       string       `json:"go"`
	Arch     string       `json:"arch"`
	Impls    []string     `json:"implementations"`
	Command  string       `json:"command"`
	MinTime  string       `json:"min_time"`
	Reps     int          `json:"reps"`
	Sizes    []int        `json:"sizes"`
	DivBound float64      `json:"vdivps_div_per_sec,omitempty"`
	Numpy    string       `json:"numpy"` // version, or why it was skipped
	Rows     []row        `json:"rows"`
	GGMLPeer string       `json:"ggml_peer"` // what the ggml section compared with, or why not
	GGML     []ggmlRow    `json:"ggml,omitempty"`
}

const (
	copyName  = "copy"
	numpyName = "numpy"
)

func run(cfg config, stdout, stderr io.Writer) error {
	if err := os.MkdirAll(cfg.out, 0o755); err != nil {
		return err
	}
	impls := quant.Supported()
	rep := &report{CPU: cpuinfo.CPU(), Go: runtime.Version(), Arch: runtime.GOARCH, Command: "go run ./bench " + strings.Join(os.Args[1:], " "),
		MinTime: cfg.minTime.String(), Reps: cfg.reps, Sizes: cfg.sizes}
	for _, m := range impls {
		rep.Impls = append(rep.Impls, m.Name())
	}
	meas := func(f func()) float64 { return measure(f, cfg.minTime, cfg.reps) }
	start := time.Now()
	total := len(cfg.sizes) * (1 + len(cfg.kernels)*len(impls))
	done := 0
	progress := func(what string, n int, sec float64) {
		done++
		fmt.Fprintf(stderr, "bench: [%d/%d] %-26s n=%-9d %8.1f Melem/s  (%.0fs)\n", done, total, what, n, float64(n)/sec/1e6, time.Since(start).Seconds())
	}
	for _, n := range cfg.sizes {
		b := newBuffers(n)
		// Both buffers are written first: an untouched allocation maps every
		// page to the kernel's one zero page, and copy() would read from cache.
		src := make([]byte, 4*n)
		dst := make([]byte, 4*n)
		for i := range src {
			src[i], dst[i] = byte(i), byte(i>>8)
		}
		sec := meas(func() { copy(dst, src) })
		rep.Rows = append(rep.Rows, newRow(copyName, "go", n, 8, sec))
		progress("copy", n, sec)
		for _, k := range cfg.kernels {
			for _, m := range impls {
				sec := meas(func() { k.run(m, b) })
				rep.Rows = append(rep.Rows, newRow(k.name, m.Name(), n, k.bytes, sec))
				progress(m.Name()+" "+k.name, n, sec)
			}
		}
	}
	if perSec, ok := divBound(meas); ok {
		rep.DivBound = perSec
	}
	rep.Numpy = "not run (-numpy=false or no " + roundTrip + " kernel selected)"
	if cfg.numpy && hasKernel(cfg.kernels, roundTrip) {
		fmt.Fprintf(stderr, "bench: timing the notebook's numpy code with %s\n", cfg.python)
		secs, version, err := numpyTimes(cfg.python, cfg.sizes, cfg.minTime, cfg.reps)
		if err != nil {
			rep.Numpy = "skipped: " + err.Error()
			fmt.Fprintf(stderr, "bench: note: numpy %s\n", rep.Numpy)
		} else {
			rep.Numpy = "numpy " + version
			for _, n := range cfg.sizes {
				rep.Rows = append(rep.Rows, newRow(roundTrip, numpyName, n, 14, secs[n]))
			}
		}
	}
	if cfg.ggml {
		peer, why := loadGGMLPeer()
		rep.GGMLPeer = "ggml (libggml-base.so from $GGML_LIBDIR)"
		if peer == nil {
			rep.GGMLPeer = "nothing: " + why
			fmt.Fprintf(stderr, "bench: note: ggml peer skipped: %s\n", why)
		}
		rep.GGML = benchGGML(peer, cfg.ggmlN, meas, func(what string, n int, sec float64) {
			fmt.Fprintf(stderr, "bench: %-34s n=%-9d %8.1f Melem/s  (%.0fs)\n", what, n, float64(n)/sec/1e6, time.Since(start).Seconds())
		})
	}
	rep.sortRows(cfg.kernels)
	rep.ratios()
	printTable(stdout, rep)
	if cfg.ggml {
		printGGML(stdout, rep)
	}
	if err := writeJSON(filepath.Join(cfg.out, "results.json"), rep); err != nil {
		return err
	}
	if err := writeCSV(filepath.Join(cfg.out, "results.csv"), rep); err != nil {
		return err
	}
	if err := plotReport(filepath.Join(cfg.out, "throughput.png"), rep); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "bench: wrote results.csv, results.json, throughput.png to %s (%.0fs)\n", cfg.out, time.Since(start).Seconds())
	return nil
}

func hasKernel(ks []kernel, name string) bool {
	for _, k := range ks {
		if k.name == name {
			return true
		}
	}
	return false
}

func newRow(kernel, impl string, n, bytesPerElem int, sec float64) row {
	return row{Kernel: kernel, Impl: impl, N: n, InputBytes: 4 * n, SecPerCall: sec,
		ElemsPerSec: float64(n) / sec, GBPerSec: float64(n*bytesPerElem) / sec / 1e9}
}

// sortRows orders the rows by kernel (copy first, then the table order),
// size, and implementation (registry order, numpy last).
func (r *report) sortRows(ks []kernel) {
	rank := func(x row) (int, int) {
		k := 0
		for i, kk := range ks {
			if kk.name == x.Kernel {
				k = i + 1
			}
		}
		m := slices.Index(r.Impls, x.Impl)
		if m < 0 {
			m = len(r.Impls)
		}
		return k, m
	}
	sort.SliceStable(r.Rows, func(i, j int) bool {
		ki, mi := rank(r.Rows[i])
		kj, mj := rank(r.Rows[j])
		if ki != kj {
			return ki < kj
		}
		if r.Rows[i].N != r.Rows[j].N {
			return r.Rows[i].N < r.Rows[j].N
		}
		return mi < mj
	})
}

// ratios fills × generic, % of copy and × numpy from rows of the same size.
func (r *report) ratios() {
	find := func(kernel, impl string, n int) *row {
		for i := range r.Rows {
			if x := &r.Rows[i]; x.Kernel == kernel && x.Impl == impl && x.N == n {
				return x
			}
		}
		return nil
	}
	for i := range r.Rows {
		x := &r.Rows[i]
		if x.Kernel == copyName {
			continue
		}
		if g := find(x.Kernel, "generic", x.N); g != nil {
			x.XGeneric = x.ElemsPerSec / g.ElemsPerSec
		}
		if c := find(copyName, "go", x.N); c != nil {
			x.PctCopy = 100 * x.GBPerSec / c.GBPerSec
		}
		if np := find(x.Kernel, numpyName, x.N); np != nil && x.Impl != numpyName {
			x.XNumpy = x.ElemsPerSec / np.ElemsPerSec
		}
	}
}

func sizeString(b int) string {
	switch {
	case b >= 1<<20 && b%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", b>>20)
	case b >= 1<<10 && b%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", b>>10)
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(b)/(1<<10))
	}
	return fmt.Sprintf("%d B", b)
}

func ratio(x float64, format string) string {
	if x == 0 {
		return "-"
	}
	return fmt.Sprintf(format, x)
}

func printTable(w io.Writer, r *report) {
	c := r.CPU
	fmt.Fprintf(w, "CPU: %s  (L1d %s, L2 %s, L3 %s)\n", c.Brand, sizeString(c.L1D), sizeString(c.L2), sizeString(c.L3))
	fmt.Fprintf(w, "%s %s; implementations: %s; median of %d repetitions of >= %s each\n", r.Go, r.Arch, strings.Join(r.Impls, ", "), r.Reps, r.MinTime)
	if r.DivBound > 0 {
		fmt.Fprintf(w, "VDIVPS bound: %.2f Gdiv/s (float32 divisions; the quantize kernels divide once per element)\n", r.DivBound/1e9)
	} else {
		fmt.Fprintln(w, "VDIVPS bound: n/a")
	}
	fmt.Fprintf(w, "numpy: %s\n\n", r.Numpy)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "kernel\timpl\telements\tinput\tMelem/s\tGB/s\t× generic\t% of copy\t× numpy\t")
	for _, x := range r.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%.1f\t%.2f\t%s\t%s\t%s\t\n", x.Kernel, x.Impl, x.N, sizeString(x.InputBytes),
			x.ElemsPerSec/1e6, x.GBPerSec, ratio(x.XGeneric, "%.2f"), ratio(x.PctCopy, "%.0f%%"), ratio(x.XNumpy, "%.1f"))
	}
	tw.Flush()
}

// writeFile writes through a temporary file renamed into place.
func writeFile(path string, write func(w io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		os.Remove(f.Name())
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return err
	}
	os.Chmod(f.Name(), 0o644)
	return os.Rename(f.Name(), path)
}

func writeJSON(path string, r *report) error {
	return writeFile(path, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	})
}

func writeCSV(path string, r *report) error {
	return writeFile(path, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		cw.Write([]string{"kernel", "impl", "elements", "input_bytes", "sec_per_call", "elements_per_sec", "gb_per_sec", "x_generic", "pct_of_copy", "x_numpy"})
		f := func(x float64) string { return strconv.FormatFloat(x, 'g', 6, 64) }
		for _, x := range r.Rows {
			cw.Write([]string{x.Kernel, x.Impl, strconv.Itoa(x.N), strconv.Itoa(x.InputBytes), f(x.SecPerCall), f(x.ElemsPerSec),
				f(x.GBPerSec), f(x.XGeneric), f(x.PctCopy), f(x.XNumpy)})
		}
		cw.Flush()
		return cw.Error()
	})
}
