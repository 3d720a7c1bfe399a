//go:build tools

// Package tools pins the versions of the code generator, linters and
// benchmark tools this module runs, so that `make generate`, `make lint` and
// `make bench` give the same result on every machine: go.mod records the
// versions and `go run` builds them.
package tools

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
	_ "github.com/oasdiff/oasdiff"
	_ "golang.org/x/perf/cmd/benchstat"
	_ "golang.org/x/tools/cmd/gonew"
	_ "honnef.co/go/tools/cmd/staticcheck"
)
