package main

// The exact-difference QuantError terms, a measurement only (README,
// "Seed and ONNX without the divider"): `go run . -qe-exact-diff -out
// ../kernel_amd64.s` emits avx2QuantError{Seed,ONNX,PyTorch} with them;
// the committed file does not (it measured 0.83–0.88× the reference's
// steps). Their fused instructions are not in .ci/fma.txt.
//
// mid also computes t = RN32(y - x) = -RN32(x - y) and tests each lane
// with exactDiff; when every lane of a block passes, back adds each term
// as VFMADD231PD(t, t, acc) = RN(acc + t*t) with t converted to float64:
// t is then -(x - y) exactly, so float64(t) is the reference's
// d = float64(x) - float64(y) up to sign, t*t (at most 48 significant
// bits, |t|^2 within 2^-298..2^256) is exact in float64, and the FMA
// rounds once, as the reference's l + float64(d*d) does. A block with a
// failing lane takes the reference's steps out of line.

import (
	"flag"
	"fmt"

	. "github.com/mmcloughlin/avo/build"
	. "github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

var qeExactDiff = flag.Bool("qe-exact-diff", false, "emit the exact-difference QuantError terms (measurement only)")

// exactDiffTerms is the state of one kernel's exact-difference terms.
type exactDiffTerms struct {
	qe   Mem
	tl   Mem            // t of the block between mid and back
	fail reg.VecVirtual // mid: the lanes that failed so far
	slow reg.GPVirtual  // some lane of the block failed
	outs []func()       // the out-of-line slow paths
	n    int            // vectors per block
}

var qeConstMem *Mem

func newExactDiffTerms(n int) *exactDiffTerms {
	if qeConstMem == nil {
		m := GLOBL("qeConst", RODATA|NOPTR)
		for i, v := range []uint32{0x80000000, 0x7FFFFFFF, 0x7F7FFFFF} {
			for l := range 8 {
				DATA(32*i+4*l, U32(v))
			}
		}
		qeConstMem = &m
	}
	return &exactDiffTerms{qe: *qeConstMem, tl: AllocLocal(32 * n), slow: GP8(), n: n}
}

// mid computes t = RN32(y - x) for vector j (x in memory, y stored
// already, clobbered), stores t and adds its failing lanes (exactDiff) to
// the block's mask.
func (e *exactDiffTerms) mid(j int, x Mem, y reg.VecVirtual) {
	t := YMM()
	VSUBPS(x, y, t) // t = RN(y - x)
	VMOVUPS(t, e.tl.Offset(32*j))
	f := exactDiff(t, y, e.qe) // y is stored: clobbered
	if j == 0 {
		e.fail = f
	} else {
		VPOR(f, e.fail, e.fail)
	}
}

// flag sets the slow flag from the block's mask.
func (e *exactDiffTerms) flag() {
	VPTEST(e.fail, e.fail)
	SETNE(e.slow.As8())
}

// back adds the block's terms: the fused ones, or slow() out of line.
func (e *exactDiffTerms) back(acc [4]reg.VecVirtual, slow func()) {
	label := fmt.Sprintf("exact%d", len(e.outs))
	resume := fmt.Sprintf("terms%d", len(e.outs))
	TESTB(e.slow.As8(), e.slow.As8())
	JNZ(LabelRef(label))
	for j := range e.n {
		for h := range 2 {
			td := YMM()
			VCVTPS2PD(e.tl.Offset(32*j+16*h), td)
			VFMADD231PD(td, td, acc[2*j+h]) // RN(acc + t*t), t*t exact
		}
	}
	Label(resume)
	e.outs = append(e.outs, func() {
		Label(label)
		slow()
		JMP(LabelRef(resume))
	})
}

// emitSlow emits the slow paths after the function's RET.
func (e *exactDiffTerms) emitSlow() {
	for _, f := range e.outs {
		f()
	}
}

// exactDiff returns a mask of the lanes where t = RN32(y - x) may be
// inexact (t and y are clobbered). A lane passes when
//
//	bits(|t|) < bits(|y|) - 2^23   (unsigned, mod 2^32)
//
// computed as the signed (bits(t) OR 2^31) <= (bits(|y|) + 0x7F7FFFFF).
// Passing implies t exact. y = float32(q - z) * s is ±0, normal (|q - z|
// >= 1 and s >= 2^-126) or ±Inf:
//   - y = 0: the threshold wraps to 0xFF800000 and every lane passes;
//     t = -x exactly (also for x = ±Inf or NaN, whose terms are then the
//     reference's Inf or NaN).
//   - y = ±Inf: t is ±Inf or NaN and fails.
//   - y normal, t normal: bits(|t|) + 2^23 is the bits of 2|t|, so
//     2|t| < |y|. If |y|/2 is a float, |x - y| <= |y|/2 (else, RN being
//     monotone, |t| >= |y|/2), so x has y's sign and y/2 <= x <= 3y/2:
//     Sterbenz's lemma makes x - y exact. Otherwise |y| < 2^-125 and
//     |t| < 2^-126, so |x - y| <= 2^-126 (a float): a multiple of 2^-149
//     of that size is a float32.
//   - t subnormal or zero: |t| < 2^-126 and the same last argument.
//   - t ±Inf or NaN with y finite nonzero: fails.
func exactDiff(t, y reg.VecVirtual, qe Mem) reg.VecVirtual {
	VPOR(qe, t, t)              // bits(t) OR 2^31 = bits(|t|) XOR 2^31
	VPAND(qe.Offset(32), y, y)  // bits(|y|)
	VPADDD(qe.Offset(64), y, y) // bits(|y|) - 2^23 - 1 + 2^31
	VPCMPGTD(y, t, t)           // fails: bits(|t|) >= bits(|y|) - 2^23 (unsigned)
	return t
}
