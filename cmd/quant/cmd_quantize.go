package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
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
	ts, in, err := openTensors(path, e.note)
	if err != nil {
		return err
	}
	defer in.f.Close()
	type named struct {
		Name   string     `json:"name"`
		Params paramsJSON `json:"params"`
	}
	var out []named
	for _, t := range ts {
		if !t.float() {
			return fileErr(path, "dtype %s is already quantized (calibrate wants float data)", t.DType)
		}
	}
	var scratch []float32 // a percentile's selection buffer, reused across tensors
	if sc.Method == quant.MethodPercentile {
		scratch = make([]float32, maxElems(ts))
	}
	for _, t := range ts {
		p, err := calibrate(path, &t, sc, scratch)
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

// calibrate checks t's data and returns its Params under sc, bitwise
// those of quant.Calibrate on the whole tensor. MinMax and AbsMax stream
// the data in chunks (the Params depend only on the minimum and the
// maximum, which combine exactly across chunks); a percentile reads the
// tensor into one float32 buffer (scratch if it is long enough) and
// selects in it.
func calibrate(path string, t *tensor, sc quant.Scheme, scratch []float32) (quant.Params, error) {
	if t.N == 0 {
		return quant.Params{}, fileErr(path, "tensor %q is empty: nothing to calibrate", t.Name)
	}
	var p quant.Params
	var err error
	if sc.Method == quant.MethodPercentile {
		x := scratch
		if len(x) < t.N {
			x = make([]float32, t.N)
		}
		x = x[:t.N]
		if err := t.loadFloats(x); err != nil {
			return p, err
		}
		if _, _, finite := quant.MinMax(x); !finite {
			return p, notFinite(path, t, 0, x)
		}
		p, err = quant.CalibrateInPlace(x, sc)
	} else {
		var lo, hi float32
		if lo, hi, err = scanRange(path, t, nil); err != nil {
			return p, err
		}
		p, err = quant.Calibrate([]float32{lo, hi}, sc)
	}
	if err != nil {
		return p, fileErr(path, "%s", trimQuant(err.Error()))
	}
	return p, nil
}

// maxElems is the largest number of elements of a tensor of ts.
func maxElems(ts []tensor) int {
	n := 0
	for _, t := range ts {
		n = max(n, t.N)
	}
	return n
}

// scanRange streams t's data: the error for the first NaN or ±Inf, else
// the minimum and maximum; and, if power is not nil, adds the sum of the
// squares (in float64, in order) to *power.
func scanRange(path string, t *tensor, power *float64) (lo, hi float32, err error) {
	lo, hi = float32(math.Inf(1)), float32(math.Inf(-1))
	err = t.eachFloat(func(base int, x []float32) error {
		l, h, finite := quant.MinMax(x)
		if !finite {
			return notFinite(path, t, base, x)
		}
		lo, hi = min(lo, l), max(hi, h)
		if power != nil {
			for _, v := range x {
				*power += float64(v) * float64(v)
			}
		}
		return nil
	})
	return lo, hi, err
}

func runQuantize(e *env, args []string) error {
	fs := newFlags(e, "quantize", "quantize -o OUT.npy [-method minmax|absmax|percentile] [-bits N] [-p P] [-convention C] [-include-zero] [-narrow] [-params P.json] FILE.npy",
		"  quant quantize -o w8.npy weights.npy               # asymmetric uint8, Params in w8.npy.json\n  quant quantize -method absmax -o w8.npy weights.npy  # symmetric int8\n  quant dequantize -o back.npy w8.npy                  # reads w8.npy.json")
	var sf schemeFlags
	sf.register(fs, true)
	out := fs.String("o", "", "output .npy file (required); the Params go to OUT.json, e.g. w8.npy.json. Each must be new or a regular file (FIFOs, devices and directories are refused) and not the input; a replaced file keeps its mode")
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
	t, in, err := openNpy(path, e.note)
	if err != nil {
		return err
	}
	defer in.f.Close()
	if !t.float() {
		return fileErr(path, "dtype %s is already quantized (quantize wants float32 or float64)", t.DType)
	}
	var p quant.Params
	j := paramsJSON{}
	var pin *input
	if *paramsPath != "" {
		if j, p, pin, err = loadParamsJSON(*paramsPath); err != nil {
			return err
		}
	}
	npyOut, err := planOutput(*out, in, pin)
	if err != nil {
		return err
	}
	jsonOut, err := planOutput(*out+".json", in, pin)
	if err != nil {
		return err
	}
	if npyOut.fi != nil && jsonOut.fi != nil && os.SameFile(npyOut.fi, jsonOut.fi) {
		return fileErr(jsonOut.path, "is the same file as the output %s: the two outputs must be different files", npyOut.path)
	}
	if pin != nil {
		if _, _, err := scanRange(path, &t, nil); err != nil {
			return err
		}
	} else {
		if p, err = calibrate(path, &t, sc, nil); err != nil {
			return err
		}
		j = toJSON(p)
		j.Method, j.Bits = sc.Method.String(), sc.Bits
		if sc.Method == quant.MethodPercentile {
			j.Percentile = sc.Percentile
		}
	}
	j.DType = dtypeOf(p)
	// The data streams from the input through the kernel to the output,
	// one chunk at a time.
	err = npyOut.stage(func(w io.Writer) error {
		descr := "|u1"
		if p.Lo < 0 {
			descr = "|i1"
		}
		if _, err := w.Write(npyHeader(descr, t.Shape)); err != nil {
			return err
		}
		q := make([]byte, min(t.N, chunkElems))
		qi := make([]int8, len(q))
		return t.eachFloat(func(_ int, x []float32) error {
			q := q[:len(x)]
			if p.Lo >= 0 {
				quant.QuantizeU8(q, x, p)
			} else {
				quant.QuantizeI8(qi[:len(x)], x, p)
				for i, v := range qi[:len(x)] {
					q[i] = byte(v)
				}
			}
			_, err := w.Write(q)
			return err
		})
	})
	if err != nil {
		return err
	}
	if err := jsonOut.stage(func(w io.Writer) error { return writeParamsJSON(w, j) }); err != nil {
		discardAll([]*output{npyOut})
		return err
	}
	// The sidecar first: the data file is renamed last, so only the
	// sidecar ever needs restoring.
	return commitAll(jsonOut, npyOut)
}

func runDequantize(e *env, args []string) error {
	fs := newFlags(e, "dequantize", "dequantize -o OUT.npy [-params P.json | -scale S -zero Z [-lo L -hi H] [-convention C]] FILE.npy",
		"  quant dequantize -o back.npy w8.npy                       # Params from w8.npy.json\n  quant dequantize -o back.npy -params p.json w8.npy\n  quant dequantize -o back.npy -scale 0.0125 -zero 128 w8.npy")
	out := fs.String("o", "", "output float32 .npy file (required): new or a regular file (FIFOs, devices and directories are refused), not the input; a replaced file keeps its mode")
	paramsPath := fs.String("params", "", "Params JSON file (default FILE.npy.json when no -scale is given)")
	scale := fs.Float64("scale", 0, "scale s, a positive normal float32: x = float32(q - zero) * s")
	zero := fs.Int("zero", 0, "zero point, within ±8388608 (2^23)")
	lo := fs.Int("lo", 0, "lowest code, within the dtype (default: the dtype's, 0 or -128)")
	hi := fs.Int("hi", 0, "highest code, within the dtype (default: the dtype's, 255 or 127)")
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
	t, in, err := openNpy(path, e.note)
	if err != nil {
		return err
	}
	defer in.f.Close()
	if t.float() {
		return fileErr(path, "dtype %s is not quantized (dequantize wants uint8 or int8)", t.DType)
	}
	dlo, dhi := 0, 255
	if t.DType == "int8" {
		dlo, dhi = -128, 127
	}
	var p quant.Params
	var pin *input
	if manual {
		c, err := quant.ParseConvention(*conv)
		if err != nil {
			return usagef("-convention %q: want seed, onnx or pytorch", *conv)
		}
		// Range checks before any conversion to int32 or float32.
		if !(*scale > 0) || float32(*scale) > math.MaxFloat32 || float32(*scale) < 0x1p-126 {
			return fileErr(path, "-scale %v: the scale must be a positive normal float32 (1.2e-38 to 3.4e38)", *scale)
		}
		if *zero < -quant.MaxZero || *zero > quant.MaxZero {
			return fileErr(path, "-zero %d is outside -%d..%d", *zero, quant.MaxZero, quant.MaxZero)
		}
		p = quant.Params{Scale: float32(*scale), Zero: int32(*zero), Lo: int32(dlo), Hi: int32(dhi), Convention: c}
		for _, b := range []struct {
			name string
			v    int
			dst  *int32
		}{{"lo", *lo, &p.Lo}, {"hi", *hi, &p.Hi}} {
			if !set[b.name] {
				continue
			}
			if b.v < dlo || b.v > dhi {
				return fileErr(path, "-%s %d is outside its dtype %s's range %d..%d", b.name, b.v, t.DType, dlo, dhi)
			}
			*b.dst = int32(b.v)
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
		j, p, pin, err = loadParamsJSON(pp)
		if err != nil {
			return err
		}
		if j.DType != "" && j.DType != t.DType {
			return fileErr(path, "dtype %s does not match the Params file %s (dtype %s)", t.DType, pp, j.DType)
		}
	}
	if p.Lo < int32(dlo) || p.Hi > int32(dhi) {
		return fileErr(path, "bounds %d..%d do not fit its dtype %s", p.Lo, p.Hi, t.DType)
	}
	o, err := planOutput(*out, in, pin)
	if err != nil {
		return err
	}
	err = o.stage(func(w io.Writer) error {
		if _, err := w.Write(npyHeader("<f4", t.Shape)); err != nil {
			return err
		}
		x := make([]float32, min(t.N, chunkElems))
		qi := make([]int8, len(x))
		buf := make([]byte, 4*len(x))
		return t.eachByte(func(_ int, b []byte) error {
			x := x[:len(b)]
			if t.DType == "uint8" {
				quant.DequantizeU8(x, b, p)
			} else {
				for i, v := range b {
					qi[i] = int8(v)
				}
				quant.DequantizeI8(x, qi[:len(b)], p)
			}
			return writeF32(w, x, buf)
		})
	})
	if err != nil {
		return err
	}
	return commitAll(o)
}
