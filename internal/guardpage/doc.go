// Package guardpage maps memory bounded by inaccessible (PROT_NONE) pages,
// so that a kernel reading or writing one element outside its slices
// faults instead of silently passing. With runtime/debug.SetPanicOnFault
// the fault becomes a panic that a test can recover and report. It is the
// one guard-page helper of the module: the differential suites
// (internal/diffcheck) and the architecture tests of package quant use it.
//
// The regions exist on linux only (guardpage_linux.go); elsewhere the
// package is empty and its users skip their guard-page checks.
package guardpage
