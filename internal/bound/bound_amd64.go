//go:build gc && !purego

package bound

import "golang.org/x/sys/cpu"

//go:generate go run -C ../../asm ./bound -out ../internal/bound/bound_amd64.s -pkg bound

// Available reports whether DivPS can run: the CPU has AVX2 (the kernels
// it is compared with need it; the loop itself uses AVX).
func Available() bool { return cpu.X86.HasAVX2 }

// DivPS executes iters iterations of 8 independent VDIVPS on YMM registers
// (LanesPerDiv float32 divisions per iteration) and nothing else but the
// loop counter, so its time per iteration is the VDIVPS throughput bound.
// It must only be called when Available reports true.
func DivPS(iters int)

// FAddPD executes iters iterations of the float64 work that 16 elements
// of SquaredError put on the floating-point add pipes (8 VCVTPS2PD from
// memory, 4 VSUBPD, 4 VADDPD, all independent; LanesPerFAdd elements per
// iteration): on CPUs where conversions and adds share those pipes, as on
// AMD Zen 4, its time per iteration bounds SquaredError. It must only be
// called when Available reports true.
func FAddPD(iters int)
