//go:build (!amd64 && !arm64) || !gc || purego

package ggml

func hasSIMD() bool { return false }
