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
	"strconv"
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
		// The library reads Percentile 0 as the default; the flag does
		// not: every value, set or not, must lie in (50, 100].
		if !(s.p > 50 && s.p <= 100) {
			return sc, fileErr(path, "percentile %v outside (50, 100]", s.p)
		}
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

// maxParamsJSON bounds the size of a Params JSON file.
const maxParamsJSON = 1 << 20

// readParamsJSON reads and validates a Params JSON file.
func readParamsJSON(path string) (paramsJSON, quant.Params, error) {
	j, p, _, err := loadParamsJSON(path)
	return j, p, err
}

// loadParamsJSON is readParamsJSON that also returns the input (closed;
// for the same-file checks of the outputs).
func loadParamsJSON(path string) (paramsJSON, quant.Params, *input, error) {
	b, in, err := readSmall(path, maxParamsJSON)
	if err != nil {
		return paramsJSON{}, quant.Params{}, nil, err
	}
	j, err := parseParamsJSON(b)
	if err != nil {
		return j, quant.Params{}, nil, fileErr(path, "not a Params JSON file: %v", err)
	}
	p, err := j.params()
	if err != nil {
		return j, p, nil, fileErr(path, "%v", err)
	}
	return j, p, in, nil
}

// parseParamsJSON parses one JSON object with the required fields scale
// (a float32; Params.Validate then wants it positive and normal), zero (an integer within ±quant.MaxZero), lo and hi
// (integers within -128..255), convention (seed, onnx or pytorch) and the
// optional dtype (uint8 or int8), method, bits (2..8) and percentile
// (in (50, 100]). Unknown fields, a field given twice, and anything after
// the object are errors.
func parseParamsJSON(b []byte) (paramsJSON, error) {
	var j paramsJSON
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return j, errors.New("empty or not JSON")
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return j, errors.New("want a JSON object {\"scale\": ..., \"zero\": ..., ...}")
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return j, errors.New(jsonProblem(err))
		}
		key := tok.(string) // object keys are strings
		if seen[key] {
			return j, fmt.Errorf("field %q given twice", key)
		}
		seen[key] = true
		var v any
		if err := dec.Decode(&v); err != nil {
			return j, fmt.Errorf("field %q: %s", key, jsonProblem(err))
		}
		if err := j.set(key, v); err != nil {
			return j, err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return j, errors.New(jsonProblem(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return j, errors.New("data after the JSON object")
	}
	for _, k := range []string{"scale", "zero", "lo", "hi", "convention"} {
		if !seen[k] {
			return j, fmt.Errorf("missing required field %q", k)
		}
	}
	return j, nil
}

// set assigns one field of a Params JSON object, checking its type and
// range.
func (j *paramsJSON) set(key string, v any) error {
	integer := func(lo, hi int64) (int64, error) {
		n, ok := v.(json.Number)
		if !ok {
			return 0, fmt.Errorf("field %q: want an integer, got %s", key, jsonKind(v))
		}
		i, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("field %q: %s is not an integer in %d..%d", key, n, lo, hi)
		}
		if i < lo || i > hi {
			return 0, fmt.Errorf("field %q: %d is outside %d..%d", key, i, lo, hi)
		}
		return i, nil
	}
	str := func() (string, error) {
		s, ok := v.(string)
		if !ok {
			return "", fmt.Errorf("field %q: want a string, got %s", key, jsonKind(v))
		}
		return s, nil
	}
	var err error
	switch key {
	case "scale":
		n, ok := v.(json.Number)
		if !ok {
			return fmt.Errorf("field \"scale\": want a number, got %s", jsonKind(v))
		}
		f, perr := strconv.ParseFloat(string(n), 32)
		if perr != nil { // out of float32's range; the sign and size are checked by Params.Validate
			return fmt.Errorf("field \"scale\": %s does not fit a float32", n)
		}
		j.Scale = float32(f)
	case "zero":
		var i int64
		i, err = integer(-quant.MaxZero, quant.MaxZero)
		j.Zero = int32(i)
	case "lo", "hi":
		var i int64
		i, err = integer(-128, 255)
		if key == "lo" {
			j.Lo = int32(i)
		} else {
			j.Hi = int32(i)
		}
	case "bits":
		var i int64
		i, err = integer(2, 8)
		j.Bits = int(i)
	case "convention":
		j.Convention, err = str()
	case "dtype":
		if j.DType, err = str(); err == nil && j.DType != "uint8" && j.DType != "int8" {
			err = fmt.Errorf("field \"dtype\": %q is neither uint8 nor int8", j.DType)
		}
	case "method":
		if j.Method, err = str(); err == nil {
			if _, perr := quant.ParseMethod(j.Method); perr != nil {
				err = fmt.Errorf("field \"method\": %q is not minmax, absmax or percentile", j.Method)
			}
		}
	case "percentile":
		n, ok := v.(json.Number)
		f, perr := strconv.ParseFloat(string(n), 64)
		if !ok || perr != nil || !(f > 50 && f <= 100) {
			return fmt.Errorf("field \"percentile\": want a number in (50, 100], got %v", v)
		}
		j.Percentile = f
	default:
		return fmt.Errorf("unknown field %q", key)
	}
	return err
}

// jsonKind names the JSON type of a decoded value.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case []any:
		return "an array"
	}
	return "an object"
}

// notFinite returns the error naming the first NaN or ±Inf of x, the
// chunk of t starting at element base (flat index and, for arrays of rank
// > 1, the index along each axis), or nil.
func notFinite(path string, t *tensor, base int, x []float32) error {
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			where := fmt.Sprintf("element %d", base+i)
			if len(t.Shape) > 1 {
				where += fmt.Sprintf(" (index %v)", unravel(base+i, t.Shape))
			}
			if t.Name != "" && t.Name != filepath.Base(path) {
				where = fmt.Sprintf("tensor %q %s", t.Name, where)
			}
			return fileErr(path, "%s is %v (data must be finite)", where, v)
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
