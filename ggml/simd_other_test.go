//go:build !amd64 || !gc || purego

package ggml

func hasSIMD() bool { return false }
