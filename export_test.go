package quant

// Exports for the external tests (package quant_test), which run the
// differential suites of internal/diffcheck: that package uses only the
// public API, so it cannot be imported by the internal tests, and the
// implementations built from the unexported kernel table (mutants, the
// composed one, the raw grouped kernels) reach it through these.

// Mutant is a broken implementation and the operation whose suites must
// catch it ("" for the raw grouped kernels).
type Mutant struct {
	Name, Kernel string
	Impl         *Impl
}

func exportMutants(ms []mutant) []Mutant {
	var out []Mutant
	for _, m := range ms {
		out = append(out, Mutant{m.name, m.kernel, mutantImpl("mutant", m.edit)})
	}
	return out
}

// Mutants break the per-tensor kernels (mutants_test.go).
func Mutants() []Mutant { return exportMutants(mutants) }

// BlockMutants break the raw grouped kernels.
func BlockMutants() []Mutant { return exportMutants(blockMutants) }

// GuardMutants read or write just outside their slices.
func GuardMutants() []Mutant { return exportMutants(guardMutants) }

// BlockGuardMutants read or write just outside their slices in the raw
// grouped kernels.
func BlockGuardMutants() []Mutant { return exportMutants(blockGuardMutants) }

// Clone is a copy of generic under another name: every suite must pass it.
func Clone() *Impl { return mutantImpl("clone", func(*kernels) {}) }

// Composed is generic's per-tensor kernels with the grouped ones left to
// kernels.complete: the path an architecture takes before it has
// dedicated grouped kernels.
func Composed() *Impl { return newTestImpl("composed", withoutGrouped(genericKernels)) }

// BlockKernels is the raw grouped kernel table of an implementation; its
// fields are those of diffcheck.Blocks, so the external tests convert it.
type BlockKernels struct {
	Name          string
	QuantizeI8    func(dst []int8, src []float32, block int, ps []Params)
	QuantizeU8    func(dst []uint8, src []float32, block int, ps []Params)
	DequantizeI8  func(dst []float32, src []int8, block int, ps []Params)
	DequantizeU8  func(dst []float32, src []uint8, block int, ps []Params)
	QuantizeI4    func(dst []uint8, src []float32, block int, ps []Params, o NibbleOrder)
	DequantizeI4  func(dst []float32, src []uint8, block int, ps []Params, signed bool, o NibbleOrder)
	MinMaxColumns func(lo, hi, row []float32) (finite bool)
}

// KernelBlocks returns m's raw grouped kernels.
func KernelBlocks(m *Impl) BlockKernels {
	k := m.k
	return BlockKernels{
		Name: m.name, QuantizeI8: k.quantizeBlocksI8, QuantizeU8: k.quantizeBlocksU8,
		DequantizeI8: k.dequantizeBlocksI8, DequantizeU8: k.dequantizeBlocksU8,
		QuantizeI4: k.quantizeBlocksI4,
		DequantizeI4: func(dst []float32, src []uint8, block int, ps []Params, signed bool, o NibbleOrder) {
			e := zeroExtend
			if signed {
				e = signExtend
			}
			k.dequantizeBlocksI4(dst, src, block, ps, e, o)
		},
		MinMaxColumns: k.minMaxColumns,
	}
}

// ValidateCommon is the Params check of the Dequantize forms (scale and
// zero point only).
func ValidateCommon(p Params) error { return p.validateCommon() }
