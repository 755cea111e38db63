// Package cpuinfo describes the running CPU for the library's sizing
// decisions (chunk sizes, the streaming-store threshold) and for the
// tools' reports. It wraps github.com/klauspost/cpuid/v2.
package cpuinfo

import "github.com/klauspost/cpuid/v2"

// Info describes the running CPU for reports.
type Info struct {
	Brand    string   // e.g. "AMD EPYC 9R14 96-Core Processor"
	Features []string // SIMD features relevant to the kernels
	L1D      int      // bytes, -1 if unknown
	L2       int      // bytes, -1 if unknown
	L3       int      // bytes, -1 if unknown
}

// CPU reports the running CPU as github.com/klauspost/cpuid/v2 sees it.
func CPU() Info {
	c := cpuid.CPU
	info := Info{Brand: c.BrandName, L1D: c.Cache.L1D, L2: c.Cache.L2, L3: c.Cache.L3}
	for _, f := range []cpuid.FeatureID{cpuid.SSE2, cpuid.SSE4, cpuid.AVX, cpuid.AVX2, cpuid.FMA3, cpuid.F16C,
		cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512VL, cpuid.AVX512VNNI, cpuid.ASIMD, cpuid.ASIMDDP, cpuid.SVE} {
		if c.Supports(f) {
			info.Features = append(info.Features, f.String())
		}
	}
	return info
}

// L2Size returns the L2 cache size in bytes, or 1 MiB if cpuid cannot tell.
func L2Size() int {
	if l2 := cpuid.CPU.Cache.L2; l2 > 0 {
		return l2
	}
	return 1 << 20
}

// LastLevelCache returns the size in bytes of the largest cache cpuid
// reports (L3, else L2), or 32 MiB if it reports none.
func LastLevelCache() int {
	if c := cpuid.CPU.Cache.L3; c > 0 {
		return c
	}
	if c := cpuid.CPU.Cache.L2; c > 0 {
		return c
	}
	return 32 << 20
}
