package main

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/quantkernel/quant"
	"github.com/schollz/progressbar/v3"
)

// reportPercentiles are the percentile schemes report compares by default.
var reportPercentiles = []float64{99.9, 99.99, 99.999}

// progressMin is the number of tensors from which report shows a progress
// bar (on a terminal only).
const progressMin = 8

type schemeResult struct {
	Scheme string  `json:"scheme"`
	Scale  float32 `json:"scale"`
	Zero   int32   `json:"zero"`
	Lo     int32   `json:"lo"`
	Hi     int32   `json:"hi"`
	MSE    float64 `json:"mse"`
	SQNR   float64 `json:"sqnr_db"` // 10 log10(mean x^2 / MSE); +Inf for a lossless scheme
	Best   bool    `json:"best"`
	// GGML marks a ggml block type ("ggml q4_K"): quantized by package
	// ggml and dequantized, with a scale per block, so Scale, Zero, Lo
	// and Hi do not apply (null in JSON).
	GGML bool `json:"ggml,omitempty"`
}

// MarshalJSON writes an infinite SQNR as null (JSON has no Inf), and the
// scale, zero, lo and hi of a ggml type, and its MSE if not finite, as
// null.
func (r schemeResult) MarshalJSON() ([]byte, error) {
	type plain schemeResult
	var sqnr *float64
	if !math.IsInf(r.SQNR, 0) && !math.IsNaN(r.SQNR) {
		sqnr = &r.SQNR
	}
	if r.GGML {
		// A ggml type whose fp16 block scale overflows (|x| beyond
		// ~65504 times its largest code) dequantizes to ±Inf or NaN, as
		// in ggml: its MSE is then null too.
		var mse *float64
		if !math.IsInf(r.MSE, 0) && !math.IsNaN(r.MSE) {
			mse = &r.MSE
		}
		return json.Marshal(struct {
			plain
			MSE   *float64 `json:"mse"`
			SQNR  *float64 `json:"sqnr_db"`
			Scale *float32 `json:"scale"`
			Zero  *int32   `json:"zero"`
			Lo    *int32   `json:"lo"`
			Hi    *int32   `json:"hi"`
		}{plain: plain(r), MSE: mse, SQNR: sqnr})
	}
	return json.Marshal(struct {
		plain
		SQNR *float64 `json:"sqnr_db"`
	}{plain(r), sqnr})
}

type tensorReport struct {
	Name    string         `json:"name"`
	DType   string         `json:"dtype"`
	Shape   []int          `json:"shape"`
	N       int            `json:"n"`
	Schemes []schemeResult `json:"schemes"`
}

func runReport(e *env, args []string) error {
	fs := newFlags(e, "report", "report [-bits N] [-convention C] [-include-zero] [-narrow] [-percentiles P,...] [-ggml] [-json] FILE",
		"  quant report weights.npy\n  quant report -percentiles 99,99.9 -bits 4 weights.npy\n  quant report -json model.safetensors > report.json\n"+
			"  quant report model.gguf            # also the ggml types q8_0 ... q6_K on each tensor")
	var sf schemeFlags
	sf.register(fs, false)
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	withGGML := fs.Bool("ggml", false, "also compare the ggml block types (q8_0 q4_0 q4_1 q5_0 q5_1 q4_K q5_K q6_K, where the row length is a multiple of the block); always on for a GGUF file")
	pflag := fs.String("percentiles", "99.9,99.99,99.999", "comma-separated percentiles of the percentile schemes, each in (50, 100]")
	pos, err := parse(fs, e, args)
	if err != nil {
		return err
	}
	path, err := oneFile(pos)
	if err != nil {
		return err
	}
	if _, err := sf.scheme(path); err != nil {
		return err
	}
	var pcts []float64
	for _, f := range strings.Split(*pflag, ",") {
		v, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil {
			return usagef("-percentiles: %q is not a number", f)
		}
		if !(v > 50 && v <= 100) {
			return fileErr(path, "percentile %v outside (50, 100]", v)
		}
		pcts = append(pcts, v)
	}
	ts, in, err := openTensors(path, e.note)
	if err != nil {
		return err
	}
	defer in.f.Close()
	if hasGGUFMagic(in) {
		*withGGML = true
	}
	var bar *progressbar.ProgressBar
	if e.stderrTTY && len(ts) >= progressMin {
		bar = progressbar.NewOptions(len(ts), progressbar.OptionSetWriter(e.stderr),
			progressbar.OptionSetDescription("report"), progressbar.OptionShowCount(), progressbar.OptionClearOnFinish())
	}
	for _, t := range ts {
		if !t.float() {
			return fileErr(path, "dtype %s is already quantized (report wants float data)", t.DType)
		}
	}
	var reps []tensorReport
	scratch := make([]float32, maxElems(ts)) // one buffer for every tensor: memory is the largest tensor's
	for _, t := range ts {
		r, err := reportTensor(path, &t, sf, pcts, *withGGML, scratch[:t.N])
		if err != nil {
			return err
		}
		reps = append(reps, r)
		if bar != nil {
			_ = bar.Add(1)
		}
	}
	if bar != nil {
		_ = bar.Finish()
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(reps)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "tensor\tdtype\tshape\tscheme\tscale\tzero\tMSE\tSQNR dB\tbest\t\n")
	for _, r := range reps {
		for _, s := range r.Schemes {
			best := ""
			if s.Best {
				best = "*"
			}
			scale, zero := fmt.Sprint(s.Scale), fmt.Sprint(s.Zero)
			if s.GGML {
				scale, zero = "-", "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.Name, r.DType, r.Shape, s.Scheme, scale, zero,
				strconv.FormatFloat(s.MSE, 'g', 4, 64), strconv.FormatFloat(s.SQNR, 'f', 2, 64), best)
		}
	}
	return tw.Flush()
}

// reportTensor runs every scheme on t: calibrate, then the fused
// QuantError kernel for the MSE. It holds one float32 copy of the tensor:
// the minimum, maximum and power stream; the percentiles select in the
// copy, which is then read again in the file's order for QuantError. With
// withGGML, the ggml types whose block divides the rows follow, their
// error streamed (ggmlErrors).
func reportTensor(path string, t *tensor, sf schemeFlags, pcts []float64, withGGML bool, x []float32) (tensorReport, error) {
	r := tensorReport{Name: t.Name, DType: t.DType, Shape: t.Shape, N: t.N}
	if t.N == 0 {
		return r, fileErr(path, "tensor %q is empty", t.Name)
	}
	var power float64 // mean of x^2
	lo, hi, err := scanRange(path, t, &power)
	if err != nil {
		return r, err
	}
	base, err := sf.scheme(path)
	if err != nil {
		return r, err
	}
	type named struct {
		name string
		s    quant.Scheme
	}
	var schemes []named
	add := func(name string, m quant.Method, p float64) {
		s := base
		s.Method, s.Percentile = m, p
		schemes = append(schemes, named{name, s})
	}
	add("asymmetric", quant.MethodMinMax, 0)
	add("symmetric", quant.MethodAbsMax, 0)
	for _, p := range pcts {
		add("percentile "+strconv.FormatFloat(p, 'f', -1, 64), quant.MethodPercentile, p)
	}
	ps := make([]quant.Params, len(schemes))
	reordered := false
	for i, sc := range schemes {
		if sc.s.Method == quant.MethodPercentile {
			if !reordered {
				if err := t.loadFloats(x); err != nil {
					return r, err
				}
				reordered = true
			}
			ps[i], err = quant.CalibrateInPlace(x, sc.s) // the percentile does not depend on the order
		} else {
			ps[i], err = quant.Calibrate([]float32{lo, hi}, sc.s)
		}
		if err != nil {
			return r, fileErr(path, "tensor %q, %s: %s", t.Name, sc.name, trimQuant(err.Error()))
		}
	}
	if err := t.loadFloats(x); err != nil { // the file's order: QuantError's sum is ordered
		return r, err
	}
	n := float64(t.N)
	power /= n
	best := -1
	for i, sc := range schemes {
		p := ps[i]
		mse := quant.QuantError(x, p) / n
		res := schemeResult{Scheme: sc.name, Scale: p.Scale, Zero: p.Zero, Lo: p.Lo, Hi: p.Hi, MSE: mse, SQNR: sqnr(power, mse)}
		r.Schemes = append(r.Schemes, res)
		if best < 0 || mse < r.Schemes[best].MSE {
			best = len(r.Schemes) - 1
		}
	}
	if withGGML {
		types := ggmlTypesFor(t)
		sums, err := ggmlErrors(t, types)
		if err != nil {
			return r, err
		}
		for k, gt := range types {
			mse := sums[k] / n
			r.Schemes = append(r.Schemes, schemeResult{Scheme: "ggml " + gt.String(), MSE: mse, SQNR: sqnr(power, mse), GGML: true})
			if mse < r.Schemes[best].MSE {
				best = len(r.Schemes) - 1
			}
		}
	}
	r.Schemes[best].Best = true
	return r, nil
}

// sqnr is 10 log10(power / mse) in dB: +Inf for mse 0 and a non-zero
// signal, 0 for an all-zero signal.
func sqnr(power, mse float64) float64 {
	switch {
	case power == 0:
		return 0
	case mse == 0:
		return math.Inf(1)
	}
	return 10 * math.Log10(power/mse)
}
