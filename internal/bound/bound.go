// Package bound measures hardware throughput limits that the kernels are
// compared with in benchmarks: the VDIVPS (vector float32 division)
// throughput bound on amd64.
package bound

// LanesPerDiv is the number of float32 divisions one DivPS iteration
// performs (8 independent VDIVPS on 8-lane YMM registers = 64).
const LanesPerDiv = 64
