package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/quantkernel/quant"
)

// schemeFlags are the calibration flags shared by calibrate, quantize and
// report.
type schemeFlags struct {
	method      string
	bits        int
	p           float64
	convention  string
	includeZero bool
	narrow      bool
}

func (s *schemeFlags) register(fs *flag.FlagSet, withMethod bool) {
	if withMethod {
		fs.StringVar(&s.method, "method", "minmax", "calibration: minmax (asymmetric, uint8), absmax (symmetric, int8) or percentile (asymmetric, uint8)")
		fs.Float64Var(&s.p, "p", quant.DefaultPercentile, "percentile for -method percentile, in (50, 100]")
	}
	fs.IntVar(&s.bits, "bits", 8, "bits of the quantized values, 2..8")
	fs.StringVar(&s.convention, "convention", "seed", "formula: seed (the notebook), onnx or pytorch")
	fs.BoolVar(&s.includeZero, "include-zero", false, "extend the range to contain 0 (always on for onnx and pytorch)")
	fs.BoolVar(&s.narrow, "narrow", false, "narrow range: drop the lowest code (-127..127 for 8-bit int8)")
}

// scheme builds the quant.Scheme; a bad name is a usage error, a bad value
// (bits, percentile) an error about the file at path (exit 1).
func (s *schemeFlags) scheme(path string) (quant.Scheme, error) {
	sc := quant.Scheme{Bits: s.bits, IncludeZero: s.includeZero, NarrowRange: s.narrow}
	if s.method != "" {
		m, err := quant.ParseMethod(s.method)
		if err != nil {
			return sc, usagef("-method %q: want minmax, absmax or percentile", s.method)
		}
		sc.Method = m
		if m == quant.MethodPercentile {
			sc.Percentile = s.p
		}
	}
	c, err := quant.ParseConvention(s.convention)
	if err != nil {
		return sc, usagef("-convention %q: want seed, onnx or pytorch", s.convention)
	}
	sc.Convention = c
	if err := sc.Validate(); err != nil {
		return sc, fileErr(path, "%s", trimQuant(err.Error()))
	}
	return sc, nil
}

// trimQuant drops the library's "quant: " prefix (the CLI adds its own)
// and the sentinel's text after the detail ("...: quant: bits out of
// range").
func trimQuant(s string) string {
	s = strings.TrimPrefix(s, "quant: ")
	if i := strings.Index(s, ": quant: "); i >= 0 {
		s = s[:i]
	}
	return s
}

// paramsJSON is the file format of Params next to a quantized .npy
// (OUT.npy.json). Scale is written as the shortest decimal that parses
// back to the same float32.
type paramsJSON struct {
	Scale      float32 `json:"scale"`
	Zero       int32   `json:"zero"`
	Lo         int32   `json:"lo"`
	Hi         int32   `json:"hi"`
	Convention string  `json:"convention"`
	DType      string  `json:"dtype,omitempty"`  // uint8 or int8: the quantized array's type
	Method     string  `json:"method,omitempty"` // how the Params were calibrated (informative)
	Bits       int     `json:"bits,omitempty"`
	Percentile float64 `json:"percentile,omitempty"`
}

func toJSON(p quant.Params) paramsJSON {
	return paramsJSON{Scale: p.Scale, Zero: p.Zero, Lo: p.Lo, Hi: p.Hi, Convention: p.Convention.String(), DType: dtypeOf(p)}
}

// dtypeOf is the output type of Params: uint8 if Lo >= 0, else int8.
func dtypeOf(p quant.Params) string {
	if p.Lo >= 0 {
		return "uint8"
	}
	return "int8"
}

func (j paramsJSON) params() (quant.Params, error) {
	c, err := quant.ParseConvention(j.Convention)
	if err != nil {
		return quant.Params{}, fmt.Errorf("convention %q: want seed, onnx or pytorch", j.Convention)
	}
	p := quant.Params{Scale: j.Scale, Zero: j.Zero, Lo: j.Lo, Hi: j.Hi, Convention: c}
	if err := p.Validate(); err != nil {
		return p, errors.New(trimQuant(err.Error()))
	}
	return p, nil
}

func writeParamsJSON(w io.Writer, j paramsJSON) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(j)
}

// readParamsJSON reads and validates a Params JSON file.
func readParamsJSON(path string) (paramsJSON, quant.Params, error) {
	b, err := readFile(path)
	if err != nil {
		return paramsJSON{}, quant.Params{}, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var j paramsJSON
	if err := dec.Decode(&j); err != nil {
		return j, quant.Params{}, fileErr(path, "not a Params JSON file: %v", err)
	}
	if j.Scale == 0 && j.Convention == "" {
		return j, quant.Params{}, fileErr(path, "not a Params JSON file: no scale or convention")
	}
	p, err := j.params()
	if err != nil {
		return j, p, fileErr(path, "%v", err)
	}
	return j, p, nil
}

// finiteCheck returns an error naming the first NaN or ±Inf of t (flat
// index and, for arrays of rank > 1, the index along each axis).
func finiteCheck(path string, t tensor) error {
	for i, x := range t.F32 {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			where := fmt.Sprintf("element %d", i)
			if len(t.Shape) > 1 {
				where += fmt.Sprintf(" (index %v)", unravel(i, t.Shape))
			}
			if t.Name != "" && t.Name != filepath.Base(path) {
				where = fmt.Sprintf("tensor %q %s", t.Name, where)
			}
			return fileErr(path, "%s is %v (data must be finite)", where, x)
		}
	}
	return nil
}

// unravel turns a flat C-order index into one index per axis.
func unravel(i int, shape []int) []int {
	idx := make([]int, len(shape))
	for k := len(shape) - 1; k >= 0; k-- {
		if shape[k] > 0 {
			idx[k] = i % shape[k]
			i /= shape[k]
		}
	}
	return idx
}
