//go:build (amd64 || arm64) && gc && !purego

package quant

// convRun returns the end j1 of the run ps[j:j1] (j1 <= n) of consecutive
// Params sharing ps[j]'s Convention: the SIMD grouped kernels make one
// assembly call per run.
func convRun(ps []Params, j, n int) int {
	c := ps[j].Convention
	j1 := j + 1
	for j1 < n && ps[j1].Convention == c {
		j1++
	}
	return j1
}
