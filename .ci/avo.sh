#!/usr/bin/env bash
# CI step for the generated assembly: regenerate kernel_amd64.s and
# internal/bound/bound_amd64.s with avo (asm/ module) and fail if they
# differ from the committed files; count the fused multiply-adds of
# every assembly function against .ci/fma.txt; then check the Go declarations against
# the assembly (go vet's asmdecl) with and without the purego tag, and
# that the asm module itself vets.
set -euo pipefail
cd "$(dirname "$0")/.."
go generate ./...
if ! git diff --exit-code -- '*.s' '*.go'; then
	echo "avo.sh: generated assembly is out of date: run go generate ./... and commit" >&2
	exit 1
fi
# Fused multiply-add only where .ci/fma.txt allows it (Markstein's
# correction), counted per TEXT function in every committed .s file.
go run ./internal/fmacount -expect .ci/fma.txt $(git ls-files '*.s')
go vet ./...
go vet -tags purego ./...
(cd asm && go vet ./...)
GOARCH=amd64 go build -tags purego ./...
