package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/quantkernel/quant"
)

func runCalibrate(e *env, args []string) error {
	fs := newFlags(e, "calibrate", "calibrate [-method minmax|absmax|percentile] [-bits N] [-p P] [-convention seed|onnx|pytorch] [-include-zero] [-narrow] [-json] FILE",
		"  quant calibrate -method percentile -p 99.9 weights.npy\n  quant calibrate -json model.safetensors")
	var sf schemeFlags
	sf.register(fs, true)
	asJSON := fs.Bool("json", false, "print JSON (for a .npy file, the Params file format that dequantize -params reads)")
	pos, err := parse(fs, e, args)
	if err != nil {
		return err
	}
	path, err := oneFile(pos)
	if err != nil {
		return err
	}
	sc, err := sf.scheme(path)
	if err != nil {
		return err
	}
	ts, err := readTensors(path, e.note)
	if err != nil {
		return err
	}
	type named struct {
		Name   string     `json:"name"`
		Params paramsJSON `json:"params"`
	}
	var out []named
	for _, t := range ts {
		t.load()
		if !t.float() {
			return fileErr(path, "dtype %s is already quantized (calibrate wants float data)", t.DType)
		}
		p, err := calibrate(path, t, sc)
		if err != nil {
			return err
		}
		j := toJSON(p)
		j.Method, j.Bits = sc.Method.String(), sc.Bits
		if sc.Method == quant.MethodPercentile {
			j.Percentile = sc.Percentile
		}
		out = append(out, named{t.Name, j})
	}
	if *asJSON {
		if strings.HasSuffix(strings.ToLower(path), ".npy") {
			return writeParamsJSON(e.stdout, out[0].Params)
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	for _, o := range out {
		j := o.Params
		fmt.Fprintf(e.stdout, "%s: scale=%v zero=%d lo=%d hi=%d convention=%s dtype=%s\n",
			o.Name, j.Scale, j.Zero, j.Lo, j.Hi, j.Convention, j.DType)
	}
	return nil
}

// calibrate checks t's data and calls quant.Calibrate.
func calibrate(path string, t tensor, sc quant.Scheme) (quant.Params, error) {
	if err := finiteCheck(path, t); err != nil {
		return quant.Params{}, err
	}
	if len(t.F32) == 0 {
		return quant.Params{}, fileErr(path, "tensor %q is empty: nothing to calibrate", t.Name)
	}
	p, err := quant.Calibrate(t.F32, sc)
	if err != nil {
		return p, fileErr(path, "%s", trimQuant(err.Error()))
	}
	return p, nil
}

func runQuantize(e *env, args []string) error {
	fs := newFlags(e, "quantize", "quantize -o OUT.npy [-method minmax|absmax|percentile] [-bits N] [-p P] [-convention C] [-include-zero] [-narrow] [-params P.json] FILE.npy",
		"  quant quantize -o w8.npy weights.npy               # asymmetric uint8, Params in w8.npy.json\n  quant quantize -method absmax -o w8.npy weights.npy  # symmetric int8\n  quant dequantize -o back.npy w8.npy                  # reads w8.npy.json")
	var sf schemeFlags
	sf.register(fs, true)
	out := fs.String("o", "", "output .npy file (required); the Params go to OUT.json, e.g. w8.npy.json")
	paramsPath := fs.String("params", "", "quantize with these Params (a JSON file) instead of calibrating")
	pos, err := parse(fs, e, args)
	if err != nil {
		return err
	}
	path, err := oneFile(pos)
	if err != nil {
		return err
	}
	if *out == "" {
		return usagef("missing -o OUT.npy")
	}
	sc, err := sf.scheme(path)
	if err != nil {
		return err
	}
	t, err := readNpy(path, e.note)
	if err != nil {
		return err
	}
	if !t.float() {
		return fileErr(path, "dtype %s is already quantized (quantize wants float32 or float64)", t.DType)
	}
	var p quant.Params
	j := paramsJSON{}
	if *paramsPath != "" {
		if err := finiteCheck(path, t); err != nil {
			return err
		}
		j, p, err = readParamsJSON(*paramsPath)
		if err != nil {
			return err
		}
	} else {
		if p, err = calibrate(path, t, sc); err != nil {
			return err
		}
		j = toJSON(p)
		j.Method, j.Bits = sc.Method.String(), sc.Bits
		if sc.Method == quant.MethodPercentile {
			j.Percentile = sc.Percentile
		}
	}
	j.DType = dtypeOf(p)
	var data any
	if p.Lo >= 0 {
		q := make([]uint8, len(t.F32))
		quant.QuantizeU8(q, t.F32, p)
		data = q
	} else {
		q := make([]int8, len(t.F32))
		quant.QuantizeI8(q, t.F32, p)
		data = q
	}
	return writeOutputs(*out, data, t.Shape, &j)
}

// writeOutputs writes the .npy (and the Params JSON next to it when j is
// not nil) through temporary files, renamed into place together.
func writeOutputs(out string, data any, shape []int, j *paramsJSON) error {
	npyOut, err := stageAtomic(out, func(w io.Writer) error { return writeNpy(w, data, shape) })
	if err != nil {
		return err
	}
	staged := []pending{npyOut}
	if j != nil {
		js, err := stageAtomic(out+".json", func(w io.Writer) error { return writeParamsJSON(w, *j) })
		if err != nil {
			discard(staged...)
			return err
		}
		staged = append(staged, js)
	}
	return commitAll(staged...)
}

func runDequantize(e *env, args []string) error {
	fs := newFlags(e, "dequantize", "dequantize -o OUT.npy [-params P.json | -scale S -zero Z [-lo L -hi H] [-convention C]] FILE.npy",
		"  quant dequantize -o back.npy w8.npy                       # Params from w8.npy.json\n  quant dequantize -o back.npy -params p.json w8.npy\n  quant dequantize -o back.npy -scale 0.0125 -zero 128 w8.npy")
	out := fs.String("o", "", "output float32 .npy file (required)")
	paramsPath := fs.String("params", "", "Params JSON file (default FILE.npy.json when no -scale is given)")
	scale := fs.Float64("scale", 0, "scale s (> 0): x = float32(q - zero) * s")
	zero := fs.Int("zero", 0, "zero point")
	lo := fs.Int("lo", 0, "lowest code (default: the dtype's, 0 or -128)")
	hi := fs.Int("hi", 0, "highest code (default: the dtype's, 255 or 127)")
	conv := fs.String("convention", "seed", "seed, onnx or pytorch (does not change dequantization)")
	pos, err := parse(fs, e, args)
	if err != nil {
		return err
	}
	path, err := oneFile(pos)
	if err != nil {
		return err
	}
	if *out == "" {
		return usagef("missing -o OUT.npy")
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	manual := set["scale"] || set["zero"] || set["lo"] || set["hi"] || set["convention"]
	if manual && *paramsPath != "" {
		return usagef("-params and -scale/-zero/-lo/-hi/-convention exclude each other")
	}
	if manual && !set["scale"] {
		return usagef("-scale is required with -zero/-lo/-hi/-convention")
	}
	t, err := readNpy(path, e.note)
	if err != nil {
		return err
	}
	if t.float() {
		return fileErr(path, "dtype %s is not quantized (dequantize wants uint8 or int8)", t.DType)
	}
	var p quant.Params
	if manual {
		c, err := quant.ParseConvention(*conv)
		if err != nil {
			return usagef("-convention %q: want seed, onnx or pytorch", *conv)
		}
		p = quant.Params{Scale: float32(*scale), Zero: int32(*zero), Convention: c}
		p.Lo, p.Hi = 0, 255
		if t.I8 != nil {
			p.Lo, p.Hi = -128, 127
		}
		if set["lo"] {
			p.Lo = int32(*lo)
		}
		if set["hi"] {
			p.Hi = int32(*hi)
		}
		if *scale <= 0 || *scale != *scale {
			return fileErr(path, "-scale %v: the scale must be positive", *scale)
		}
		if err := p.Validate(); err != nil {
			return fileErr(path, "%s", trimQuant(err.Error()))
		}
	} else {
		pp := *paramsPath
		if pp == "" {
			pp = path + ".json"
			if _, err := os.Stat(pp); err != nil {
				return usagef("no Params: give -params P.json or -scale S (looked for %s)", pp)
			}
		}
		var j paramsJSON
		j, p, err = readParamsJSON(pp)
		if err != nil {
			return err
		}
		if j.DType != "" && j.DType != t.DType {
			return fileErr(path, "dtype %s does not match the Params file %s (dtype %s)", t.DType, pp, j.DType)
		}
	}
	if t.U8 != nil && (p.Lo < 0 || p.Hi > 255) || t.I8 != nil && (p.Lo < -128 || p.Hi > 127) {
		return fileErr(path, "bounds %d..%d do not fit its dtype %s", p.Lo, p.Hi, t.DType)
	}
	var x []float32
	if t.U8 != nil {
		x = make([]float32, len(t.U8))
		quant.DequantizeU8(x, t.U8, p)
	} else {
		x = make([]float32, len(t.I8))
		quant.DequantizeI8(x, t.I8, p)
	}
	return writeOutputs(*out, x, t.Shape, nil)
}
