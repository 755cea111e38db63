//go:build gc && !purego

#include "textflag.h"
#include "kernel_arm64.h"

// Per-column quantize over rows: the contract is neonQuantizeColumns' in
// kernel_columns_arm64.go; per element the arithmetic of neonQuantize8
// (kernel_arm64.s) with that column's Params, bit for bit. The Params of
// each group of 16 columns were turned by the Go wrapper into a record of
// vectors (the quotient's constants, z, lo and hi per lane), so the row
// loop has only plain loads: no division of the Params, no gather, no
// FDIV at all for the quotient by reciprocal. The loop (an instance of
// QCOLUMNS_LOOP) is chosen once per call by conv and unsigned.
// R0 dst, R1 src (of the row), R2 n, R3 rows left, R4 stride, R5 records,
// R13 whole groups, R14 ragged last group (1) or not (0), R15/R16 the
// offsets of the last group in src/dst; R8-R12 the loop's (see
// QCOLUMNS_LOOP); V0-V3 data, V4-V7 x' or NaN masks, V8-V9 int16, V10
// bytes, V16-V31 the record's vectors.

// func neonQuantizeColumns(dst *byte, src *float32, n, rows, stride int, rec *uint32, conv int, unsigned bool)
TEXT ·neonQuantizeColumns(SB), NOSPLIT, $0-57
	MOVD	dst+0(FP), R0
	MOVD	src+8(FP), R1
	MOVD	n+16(FP), R2
	MOVD	rows+24(FP), R3
	MOVD	stride+32(FP), R4
	MOVD	rec+40(FP), R5
	MOVD	conv+48(FP), R6
	MOVBU	unsigned+56(FP), R7
	LSR	$4, R2, R13
	AND	$15, R2, R14
	CMP	$0, R14
	CSET	NE, R14
	SUB	$16, R2, R16
	LSL	$2, R16, R15
	CBNZ	R7, qcolu8
	CMP	$4, R6
	BEQ	qcoli8onnxrw
	CMP	$3, R6
	BEQ	qcoli8seedrw
	CMP	$2, R6
	BEQ	qcoli8torchw
	CMP	$1, R6
	BEQ	qcoli8onnxw
	QCOLUMNS_LOOP(qcoli8seed, qcoli8seedl, qcoli8seedw, qcoldone, COLUMNS_SEED16, NARROW16_I8)
	QCOLUMNS_LOOP(qcoli8onnx, qcoli8onnxl, qcoli8onnxw, qcoldone, COLUMNS_ONNX16, NARROW16_I8)
	QCOLUMNS_LOOP(qcoli8torch, qcoli8torchl, qcoli8torchw, qcoldone, COLUMNS_TORCH16, NARROW16_I8)
	QCOLUMNS_LOOP(qcoli8seedr, qcoli8seedrl, qcoli8seedrw, qcoldone, COLUMNS_SEEDR16, NARROW16_I8)
	QCOLUMNS_LOOP(qcoli8onnxr, qcoli8onnxrl, qcoli8onnxrw, qcoldone, COLUMNS_ONNXR16, NARROW16_I8)

qcolu8:
	CMP	$4, R6
	BEQ	qcolu8onnxrw
	CMP	$3, R6
	BEQ	qcolu8seedrw
	CMP	$2, R6
	BEQ	qcolu8torchw
	CMP	$1, R6
	BEQ	qcolu8onnxw
	QCOLUMNS_LOOP(qcolu8seed, qcolu8seedl, qcolu8seedw, qcoldone, COLUMNS_SEED16, NARROW16_U8)
	QCOLUMNS_LOOP(qcolu8onnx, qcolu8onnxl, qcolu8onnxw, qcoldone, COLUMNS_ONNX16, NARROW16_U8)
	QCOLUMNS_LOOP(qcolu8torch, qcolu8torchl, qcolu8torchw, qcoldone, COLUMNS_TORCH16, NARROW16_U8)
	QCOLUMNS_LOOP(qcolu8seedr, qcolu8seedrl, qcolu8seedrw, qcoldone, COLUMNS_SEEDR16, NARROW16_U8)
	QCOLUMNS_LOOP(qcolu8onnxr, qcolu8onnxrl, qcolu8onnxrw, qcoldone, COLUMNS_ONNXR16, NARROW16_U8)

qcoldone:
	RET
