//go:build !(linux && amd64)

package main

// loadGGMLPeer: the npm package's libraries are linux x86-64 only.
func loadGGMLPeer() (ggmlPeer, string) {
	return nil, "ggml's npm libraries are linux/amd64 only"
}
