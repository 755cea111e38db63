//go:build generatedeps

package main

// The generator reads the Go declarations of the root package with
// go/packages (build.Package). This import, in a file no build selects,
// keeps that module and its dependencies in go.mod and go.sum for go mod
// tidy without linking the package (whose assembly is being generated)
// into the generator.
import _ "github.com/quantkernel/quant"
