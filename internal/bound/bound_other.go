//go:build !amd64 || !gc || purego

package bound

// Available reports whether DivPS measures anything on this build.
func Available() bool { return false }

// DivPS does nothing where no VDIVPS loop is built.
func DivPS(iters int) {}
