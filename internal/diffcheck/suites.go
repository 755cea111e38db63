package diffcheck

import (
	"math/rand/v2"
	"slices"
	"strings"
	"sync"

	"github.com/quantkernel/quant"
	"github.com/quantkernel/quant/internal/cpuinfo"
)

// Suite is one differential check: Run compares an implementation with
// generic and returns every mismatch found (at most a few in detail).
type Suite struct {
	Name    string
	Kernels []string // the operations it covers (method names of *quant.Impl)
	Run     func(m *quant.Impl) error
}

// Operation groups, as the method names of *quant.Impl.
var (
	floatOps   = []string{"QuantizeU8", "QuantizeI8", "QuantError", "MinMax", "AbsMax", "SquaredError"}
	dequantOps = []string{"DequantizeU8", "DequantizeI8"}
	packedOps  = []string{"QuantizeI4", "QuantizeU4", "DequantizeI4", "DequantizeU4"}
	layoutOps  = []string{"QuantizeLayoutI8", "QuantizeLayoutU8", "QuantizeLayoutI4", "QuantizeLayoutU4",
		"DequantizeLayoutI8", "DequantizeLayoutU8", "DequantizeLayoutI4", "DequantizeLayoutU4"}
	calibrateOps = []string{"CalibrateLayout", "QuantizeDynamicI8", "QuantizeDynamicU8", "QuantizeDynamicI4", "QuantizeDynamicU4"}
)

// Operations lists every operation the suites cover.
func Operations() []string {
	return slices.Concat(floatOps[:2], dequantOps, floatOps[2:], packedOps, layoutOps, calibrateOps)
}

// Suites lists every differential suite covering kernel (every suite if
// kernel is ""), with the short (representative, for emulators and a
// quick check) or full sweeps; the cheap, targeted ones first. Every
// implementation must pass all of them; a new operation adds its suite
// here and is then checked by the tests and by quant verify alike.
func Suites(short bool, kernel string) []Suite {
	c := sweep(short)
	covers := func(ops ...string) bool { return kernel == "" || slices.Contains(ops, kernel) }
	var s []Suite
	for _, k := range floatKernels {
		if covers(k.name) {
			s = append(s,
				Suite{"SpecialLanes/" + k.name, []string{k.name}, func(m *quant.Impl) error { return suitePerKernel(m, k, c, runSpecialLanes) }},
				Suite{"LengthsOffsets/" + k.name, []string{k.name}, func(m *quant.Impl) error { return suitePerKernel(m, k, c, runLengthsOffsets) }})
		}
	}
	if covers(dequantOps...) {
		s = append(s,
			Suite{"DequantizeParams", dequantOps, func(m *quant.Impl) error { return suiteDequantizeParams(m) }},
			Suite{"DequantizeLengthsOffsets", dequantOps, func(m *quant.Impl) error { return suiteDequantizeLengthsOffsets(m, c) }})
	}
	if covers(floatOps...) {
		only := kernel
		s = append(s,
			Suite{"RandomBits", floatOps, func(m *quant.Impl) error { return suiteRandomBits(m, short, only) }},
			Suite{"Params", floatOps[:3], func(m *quant.Impl) error { return suiteParams(m, short, only) }},
			Suite{"Constants", floatOps, func(m *quant.Impl) error { return suiteConstants(m, only) }})
	}
	if covers("QuantizeI8", "QuantizeU8") {
		only := kernel
		s = append(s, Suite{"Bounds", floatOps[:2], func(m *quant.Impl) error { return suiteBounds(m, only) }})
	}
	if covers("QuantError", "SquaredError") {
		only := kernel
		s = append(s, Suite{"WideSums", []string{"QuantError", "SquaredError"}, func(m *quant.Impl) error { return suiteWideSums(m, only) }})
	}
	if covers(packedOps...) {
		s = append(s, Suite{"PackedI4", packedOps, func(m *quant.Impl) error { return suitePackedI4(m, c, 5) }})
	}
	if covers(layoutOps...) {
		s = append(s, Suite{"Layout", layoutOps, func(m *quant.Impl) error { return suiteLayout(m, short, 1, false) }})
	}
	if covers(calibrateOps...) {
		s = append(s, Suite{"CalibrateDynamic", calibrateOps, func(m *quant.Impl) error { return suiteLayout(m, short, 2, true) }})
	}
	if guardPagesAvailable && (kernel == "" || slices.Contains(guardOps, kernel)) {
		s = append(s, Suite{"GuardPages", guardOps, func(m *quant.Impl) error { return SuiteGuardPages(m, GuardLengths(short)) }})
	}
	if kernel == "" {
		s = append(s, Suite{"Concurrent", slices.Concat(floatOps, dequantOps[:1], layoutOps), func(m *quant.Impl) error { return suiteConcurrent(m, short) }})
		if !short {
			s = append(s, Suite{"Huge", append(floatOps[:2:2], dequantOps...), suiteHuge})
		}
	}
	return s
}

// SuiteNames lists the names of suites, for messages.
func SuiteNames(s []Suite) string {
	var n []string
	for _, x := range s {
		n = append(n, x.Name)
	}
	return strings.Join(n, ", ")
}

// HugeLen is a length whose traffic (4 bytes in and 1 out, or 1 in and 4
// out, per element) exceeds the last-level cache, so that elementwise
// kernels that switch to non-temporal stores (or other large-input paths)
// beyond the cache size take them.
func HugeLen() int {
	return max(cpuinfo.LastLevelCache(), 1<<20)/5 + 1031
}

// suiteHuge runs the elementwise kernels (every convention) once on an
// input larger than the last-level cache, aligned and with src and dst
// misaligned.
func suiteHuge(m *quant.Impl) error {
	n := HugeLen()
	var e errs
	rp := representativeParams()
	tile, _ := masterInputs(rp[0], 65536+7, 1)
	mixed := make([]float32, n)
	for i := 0; i < n; i += len(tile) {
		copy(mixed[i:], tile)
	}
	u := make([]uint8, n)
	s := make([]int8, n)
	for i := range u {
		u[i] = uint8(i*131 + i>>9)
		s[i] = int8(u[i] ^ 0x5A)
	}
	for _, off := range [][2]int{{0, 0}, {3, 31}} {
		src := srcBuf(mixed, off[0])
		for ci := range conventions {
			e.add(diffQuantizeU8(m, src, rp[4*ci], off[1], uint32(ci)))
			e.add(diffQuantizeI8(m, src, rp[4*ci+1], off[1], uint32(ci)))
		}
		e.add(diffDequantizeU8(m, srcBuf(u, off[0]), rp[0], off[1], 1))
		e.add(diffDequantizeI8(m, srcBuf(s, off[0]), rp[0], off[1], 2))
	}
	return e.err()
}

// suiteConcurrent runs the kernels of one implementation from several
// goroutines at once (different inputs, Params and offsets): a kernel
// with shared scratch state or a non-reentrant path fails here.
func suiteConcurrent(m *quant.Impl, short bool) error {
	const workers = 4
	rounds := 60
	if short {
		rounds = 15
	}
	res := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 99))
			rp := representativeParams()
			var e errs
			for r := range rounds {
				n := rng.IntN(2000)
				a, b := randBits(rng, n), randFloats(rng, n, 3)
				p := rp[rng.IntN(len(rp))]
				for _, k := range floatKernels {
					if k.params && !k.fits(p) {
						continue
					}
					e.add(k.check(m, b, a, rng.IntN(64), rng.IntN(64), p, uint32(r)))
				}
				q := make([]uint8, n)
				for i := range q {
					q[i] = uint8(rng.Uint32())
				}
				e.add(diffDequantizeU8(m, srcBuf(q, rng.IntN(64)), p, rng.IntN(64), uint32(r)))
				if r%4 == 0 {
					sh := [][2]int{{1, n}, {3, n / 3}, {n / 7, 7}}[rng.IntN(3)]
					ls := layoutsFor(sh[0], sh[1])
					e.add(diffLayout(m, rng, ls[rng.IntN(len(ls))], rng.IntN(8), rng.IntN(8)))
				}
			}
			res[w] = e.err()
		}()
	}
	wg.Wait()
	var e errs
	for _, err := range res {
		e.add(err)
	}
	return e.err()
}
