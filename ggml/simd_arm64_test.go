//go:build gc && !purego

package ggml

func hasSIMD() bool { return hasNEON }
