//go:build tools

// Package tools pins the versions of the code generators this module runs, so
// that `make generate` gives the same output on every machine (go.mod records
// the versions; `go run` builds them from the module cache).
package tools

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
)
