// Package ggmlpeer loads ggml itself (libggml-base.so and
// libggml-cpu-haswell.so from the npm package @node-llama-cpp/linux-x64)
// through github.com/ebitengine/purego, without cgo, to compare package
// ggml with it at test time: a differential test on random data and
// benchmarks side by side. Nothing here is part of the library; the
// libraries are never committed. Point GGML_LIBDIR at the package's
// bins/linux-x64 directory:
//
//	npm install --prefix /tmp/nlc @node-llama-cpp/linux-x64@3.22.1
//	GGML_LIBDIR=/tmp/nlc/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64 \
//	    go test -bench . ./internal/ggmlpeer
//
// Without GGML_LIBDIR the tests and benchmarks skip with that note. It
// builds on linux/amd64 only (the npm libraries are x86-64).
package ggmlpeer
