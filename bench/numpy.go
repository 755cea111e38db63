package main

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// numpyScript is the notebook's asymmetric quantize + dequantize with its
// timing loop.
//
//go:embed numpy_bench.py
var numpyScript string

// numpyTimes runs the notebook's numpy code at each size and returns the
// median seconds per call (quantize + dequantize) and numpy's version. An
// error says why it could not run (no interpreter, no numpy).
func numpyTimes(python string, sizes []int, minTime time.Duration, reps int) (map[int]float64, string, error) {
	if _, err := os.Stat(python); err != nil {
		return nil, "", fmt.Errorf("no %s", python)
	}
	if err := exec.Command(python, "-c", "import numpy").Run(); err != nil {
		return nil, "", fmt.Errorf("%s has no numpy", python)
	}
	args := []string{"-c", numpyScript, strconv.FormatFloat(minTime.Seconds(), 'g', -1, 64), strconv.Itoa(reps)}
	for _, n := range sizes {
		args = append(args, strconv.Itoa(n))
	}
	cmd := exec.Command(python, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, "", fmt.Errorf("%s failed: %v: %s", python, err, strings.TrimSpace(stderr.String()))
	}
	var res struct {
		Numpy      string             `json:"numpy"`
		SecPerCall map[string]float64 `json:"sec_per_call"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, "", fmt.Errorf("bad output from the numpy script: %v", err)
	}
	secs := map[int]float64{}
	for _, n := range sizes {
		s, ok := res.SecPerCall[strconv.Itoa(n)]
		if !ok || s <= 0 {
			return nil, "", errors.New("the numpy script did not time every size")
		}
		secs[n] = s
	}
	return secs, res.Numpy, nil
}
