module github.com/quantkernel/quant/asm

go 1.26.0

replace github.com/quantkernel/quant => ../

require (
	github.com/mmcloughlin/avo v0.5.0
	github.com/quantkernel/quant v0.0.0-00010101000000-000000000000
)

require (
	github.com/klauspost/cpuid/v2 v2.4.2 // indirect
	golang.org/x/mod v0.41.0 // indirect
	golang.org/x/sync v0.23.0 // indirect
	golang.org/x/sys v0.50.0 // indirect
	golang.org/x/tools v0.51.0 // indirect
)
