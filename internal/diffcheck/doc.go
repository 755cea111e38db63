// Package diffcheck is the one place that knows how to compare an
// implementation of package quant with the generic reference: bit for
// bit, on every operation, through quant's public API only. The tests of
// package quant (harness_test.go and the fuzz targets) and the quant
// verify command both run it, so a new kernel is checked on a user's
// machine as soon as its suite is listed in Suites.
//
// What it provides:
//
//   - placed buffers (buf.go): inputs at any offset past a 64-byte
//     boundary inside poison (±Inf, ±MaxFloat32) that an over-reading
//     reduction would notice, outputs inside salted sentinels (signalling
//     NaNs for float32) that an over-write changes, both checked after
//     every call; on linux, inputs and outputs ending at or starting
//     after a PROT_NONE page (guard_linux.go, internal/guardpage);
//   - one diff function per operation (diff.go, layout.go): the per-tensor
//     quantizers, dequantizers and reductions, packed int4, the Layout
//     forms (per row, per column — the blocked kernels with block 1 —,
//     blocked, including short last blocks), CalibrateLayout (MinMax per
//     block, MinMaxColumns per column) and the dynamic forms; each returns
//     a descriptive error on the first mismatch (bits, guards, a modified
//     source, a panic or a fault);
//   - the input generators (inputs.go): special values (11 NaN payloads,
//     ±Inf, ±0, subnormals, limits), each Params' exact .5 ties, clamp
//     boundaries and ±2^31·s neighbours, random bit patterns, the Params
//     sweep (bits 2..8, every kind of bounds, zero points to ±MaxZero,
//     21 scales, three conventions);
//   - the suites (suites.go), which return errors rather than failing a
//     testing.T, so that the tests can prove each one catches broken
//     implementations (the mutants of package quant) and verify can
//     report them; Random (random.go) for a time-bounded run; Reference
//     for the reference's own consistency; Blocks (blocks.go) for the raw
//     grouped kernels, which only the tests of package quant can reach.
package diffcheck
