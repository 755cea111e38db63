package diffcheck

import "github.com/quantkernel/quant"

// ref is the generic reference implementation every other one is compared
// with. Lookup cannot fail for it: generic is always registered and
// supported.
var ref = func() *quant.Impl {
	m, err := quant.Lookup("generic")
	if err != nil {
		panic(err)
	}
	return m
}()
