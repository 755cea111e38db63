//go:build !purego

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
