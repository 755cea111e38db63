//go:build !amd64 || !gc || purego

package bound

// FAddPD does nothing where no VCVTPS2PD loop is built.
func FAddPD(iters int) {}
