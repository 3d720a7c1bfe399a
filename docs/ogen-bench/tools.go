//go:build tools

// Pins the generator and benchstat to this module's go.mod, so that
// `go run` uses the recorded versions.
package ogenbench

import (
	_ "github.com/ogen-go/ogen/cmd/ogen"
	_ "golang.org/x/perf/cmd/benchstat"
)
