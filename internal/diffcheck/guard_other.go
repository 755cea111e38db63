//go:build !linux

package diffcheck

import (
	"errors"

	"github.com/quantkernel/quant"
)

// The guard-page suite needs mmap and mprotect; it runs on linux only.

const guardPagesAvailable = false

var guardOps []string

// GuardLengths are the lengths the guard-page suite runs.
func GuardLengths(short bool) []int { return nil }

// SuiteGuardPages reports that guard pages are not available here.
func SuiteGuardPages(m *quant.Impl, lengths []int) error {
	return errors.New("diffcheck: guard pages need linux")
}

// BlocksGuardPages reports that guard pages are not available here.
func BlocksGuardPages(m, ref Blocks, maxN int) error {
	return errors.New("diffcheck: guard pages need linux")
}

// MinMaxColumnsGuardPages reports that guard pages are not available here.
func MinMaxColumnsGuardPages(m, ref Blocks, maxN int) error {
	return errors.New("diffcheck: guard pages need linux")
}
