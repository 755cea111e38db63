package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/quantkernel/quant"
)

// Demo data: the notebook's second experiment.
const (
	demoN       = 10000
	demoLow     = -50.0
	demoHigh    = 150.0
	demoOutlier = 1000
	demoSeed    = 2024
)

// demoData returns n values uniform in [low, high) rounded to 2 decimals
// (in float64, as np.round does, then to float32), the last one replaced by
// the outlier. The generator is math/rand/v2's PCG seeded with seed, so the
// data are the same on every machine and Go version.
func demoData(n int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	x := make([]float32, n)
	for i := range x {
		v := demoLow + (demoHigh-demoLow)*r.Float64()
		x[i] = float32(math.RoundToEven(v*100) / 100)
	}
	x[n-1] = demoOutlier
	return x
}

func runDemo(e *env, args []string) error {
	fs := newFlags(e, "demo", "demo [-bits N] [-seed S]", "  quant            # same as quant demo\n  quant demo -bits 4")
	bits := fs.Int("bits", 8, "bits of the quantized values, 2..8")
	seed := fs.Uint64("seed", demoSeed, "seed of the PCG generator of the data")
	pos, err := parse(fs, e, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("demo takes no FILE (got %s)", strings.Join(pos, " "))
	}
	src := demoData(demoN, *seed)
	n := len(src)
	asym, err := quant.Calibrate(src, quant.Scheme{Method: quant.MethodMinMax, Bits: *bits, Convention: quant.Seed})
	if err != nil {
		return fmt.Errorf("%s", trimQuant(err.Error()))
	}
	sym, err := quant.Calibrate(src, quant.Scheme{Method: quant.MethodAbsMax, Bits: *bits, Convention: quant.Seed})
	if err != nil {
		return fmt.Errorf("%s", trimQuant(err.Error()))
	}
	pct, err := quant.Calibrate(src, quant.Scheme{Method: quant.MethodPercentile, Bits: *bits, Percentile: 99.99, Convention: quant.Seed})
	if err != nil {
		return fmt.Errorf("%s", trimQuant(err.Error()))
	}

	qa := make([]uint8, n)
	qs := make([]int8, n)
	qp := make([]uint8, n)
	quant.QuantizeU8(qa, src, asym)
	quant.QuantizeI8(qs, src, sym)
	quant.QuantizeU8(qp, src, pct)
	da := make([]float32, n)
	ds := make([]float32, n)
	dp := make([]float32, n)
	quant.DequantizeU8(da, qa, asym)
	quant.DequantizeI8(ds, qs, sym)
	quant.DequantizeU8(dp, qp, pct)

	w := e.stdout
	fmt.Fprintf(w, "The notebook's experiment: %d float32 values uniform in [%g, %g] rounded to 2 decimals\n", n, demoLow, demoHigh)
	fmt.Fprintf(w, "(math/rand/v2 PCG, seed %d), the last one an outlier of %g; %d bits.\n", *seed, float64(demoOutlier), *bits)
	fmt.Fprintf(w, "Kernels: %s (%s); this CPU supports %s.\n\n", quant.Active().Name(), quant.Selection(), implNames(quant.Supported()))

	fmt.Fprintln(w, "Original parameters:")
	fmt.Fprintln(w, previewFloats(src))
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Asymmetric scale: %v, zero: %d\n", asym.Scale, asym.Zero)
	fmt.Fprintln(w, previewInts(qa))
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Asymmetric scale percentile: %v, zero: %d\n", pct.Scale, pct.Zero)
	fmt.Fprintln(w, previewInts(qp))
	fmt.Fprintln(w)
	fmt.Fprintf(w, "Symmetric scale: %v\n", sym.Scale)
	fmt.Fprintln(w, previewInts(qs))
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Dequantize Asymmetric:")
	fmt.Fprintln(w, previewFloats(da))
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Dequantize Asymmetric Percentile:")
	fmt.Fprintln(w, previewFloats(dp))
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Dequantize Symmetric:")
	fmt.Fprintln(w, previewFloats(ds))
	fmt.Fprintln(w)

	// Mean squared errors, from the fused kernel (sum of squared errors).
	rows := []struct {
		label string
		mse   float64
	}{
		{"Asymmetric error: ", quant.QuantError(src, asym) / float64(n)},
		{"Symmetric error: ", quant.QuantError(src, sym) / float64(n)},
		{"Asymmetric error percentile: ", quant.QuantError(src, pct) / float64(n)},
		{"Asymmetric error percentile w/o outlier: ", quant.QuantError(src[:n-1], pct) / float64(n-1)},
	}
	fmt.Fprintln(w, "Mean squared error (quant.QuantError / n):")
	for _, r := range rows {
		fmt.Fprintf(w, "%20s%s\n", r.label, strconv.FormatFloat(r.mse, 'f', 2, 64))
	}
	fmt.Fprintln(w, "(the notebook, on its own random draw: 1.41, 5.11, 72.34, 0.05)")
	return nil
}

func implNames(ms []*quant.Impl) string {
	names := make([]string, len(ms))
	for i, m := range ms {
		names[i] = m.Name()
	}
	return strings.Join(names, ", ")
}

// previewEdge is how many elements a preview shows at each end (numpy's 3).
const previewEdge = 3

// previewFloats formats like numpy with precision=2: values rounded to 2
// decimals, trailing zeros dropped, integer parts right-aligned and
// fractions left-aligned, the middle elided: [  15.86    8.67 ... 1000.  ].
func previewFloats(x []float32) string {
	idx := previewIndex(len(x))
	parts := make([][2]string, len(idx))
	wInt, wFrac := 0, 0
	for k, i := range idx {
		s := strconv.FormatFloat(float64(x[i]), 'f', 2, 32)
		if strings.ContainsAny(s, "NI") { // NaN, ±Inf
			parts[k] = [2]string{s, ""}
			wInt = max(wInt, len(s))
			continue
		}
		s = strings.TrimRight(s, "0")
		ip, fp, _ := strings.Cut(s, ".")
		if ip == "-0" && strings.Trim(fp, "0") == "" && !math.Signbit(float64(x[i])) {
			ip = "0"
		}
		parts[k] = [2]string{ip, "." + fp}
		wInt, wFrac = max(wInt, len(ip)), max(wFrac, len(fp)+1)
	}
	cells := make([]string, len(parts))
	for k, p := range parts {
		cells[k] = fmt.Sprintf("%*s%-*s", wInt, p[0], wFrac, p[1])
	}
	return joinPreview(cells, len(x))
}

// previewInts formats integers like numpy: right-aligned to the widest.
func previewInts[T uint8 | int8 | int32](x []T) string {
	idx := previewIndex(len(x))
	w := 0
	for _, i := range idx {
		w = max(w, len(strconv.Itoa(int(x[i]))))
	}
	cells := make([]string, len(idx))
	for k, i := range idx {
		cells[k] = fmt.Sprintf("%*d", w, x[i])
	}
	return joinPreview(cells, len(x))
}

// previewIndex lists the shown indices: all of a short array, else the
// first and last previewEdge.
func previewIndex(n int) []int {
	var idx []int
	if n <= 2*previewEdge {
		for i := range n {
			idx = append(idx, i)
		}
		return idx
	}
	for i := range previewEdge {
		idx = append(idx, i)
	}
	for i := n - previewEdge; i < n; i++ {
		idx = append(idx, i)
	}
	return idx
}

func joinPreview(cells []string, n int) string {
	if n <= 2*previewEdge {
		return "[" + strings.Join(cells, " ") + "]"
	}
	return "[" + strings.Join(cells[:previewEdge], " ") + " ... " + strings.Join(cells[previewEdge:], " ") + "]"
}
