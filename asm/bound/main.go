// Command bound generates internal/bound/bound_amd64.s: the VDIVPS
// throughput loop that benchmarks compare the division kernels with.
package main

import (
	"math"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

func main() {
	ConstraintExpr("gc,!purego")

	TEXT("DivPS", NOSPLIT, "func(iters int)")
	Doc("DivPS runs iters iterations of 8 independent VDIVPS on YMM registers.")
	n := Load(Param("iters"), GP64())
	// Operands like those of quantization (a value of order one divided by
	// a small scale), the same in every iteration; the eight quotients go
	// to eight different registers, so no division waits for another.
	num, den := YMM(), YMM()
	t := GP32()
	MOVL(U32(math.Float32bits(1.2345678)), t)
	VMOVD(t, num.AsX())
	VPBROADCASTD(num.AsX(), num)
	MOVL(U32(math.Float32bits(0.0123457)), t)
	VMOVD(t, den.AsX())
	VPBROADCASTD(den.AsX(), den)
	q := make([]reg.VecVirtual, 8)
	for i := range q {
		q[i] = YMM()
	}
	TESTQ(n, n)
	JLE(LabelRef("done"))
	Label("loop")
	for i := range q {
		VDIVPS(den, num, q[i])
	}
	DECQ(n)
	JNZ(LabelRef("loop"))
	Label("done")
	VZEROUPPER()
	RET()

	faddPD()
	Generate()
}

// faddPD emits FAddPD: per iteration, the float64 work of 16 SquaredError
// elements that runs on the floating-point add pipes (8 VCVTPS2PD from
// memory, 4 VSUBPD, 4 VADDPD), all independent, and nothing else.
func faddPD() {
	buf := GLOBL("faddSrc", RODATA|NOPTR)
	for i := 0; i < 32; i++ {
		DATA(4*i, U32(math.Float32bits(1+float32(i)/8)))
	}
	TEXT("FAddPD", NOSPLIT, "func(iters int)")
	n := Load(Param("iters"), GP64())
	p := GP64()
	LEAQ(buf, p)
	c := YMM()
	VBROADCASTSD(buf, c)
	TESTQ(n, n)
	JLE(LabelRef("done"))
	Label("loop")
	var t [8]reg.VecVirtual
	for i := range t {
		t[i] = YMM()
		VCVTPS2PD(Mem{Base: p, Disp: 16 * i}, t[i])
	}
	for i := 0; i < 4; i++ {
		VSUBPD(c, t[i], t[i])
		VADDPD(c, t[4+i], t[4+i])
	}
	DECQ(n)
	JNZ(LabelRef("loop"))
	Label("done")
	VZEROUPPER()
	RET()
}
