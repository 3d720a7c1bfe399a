// Command speclint checks an OpenAPI document for the security mistakes no
// general linter catches: a secured operation that does not document 401, a
// 401 without its challenge, an error that is not a problem document, a scope
// no scheme declares, a required parameter with no example. Findings print
// like compiler errors and make it exit 1.
//
//	go run ./cmd/speclint openapi.yaml
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/getkin/kin-openapi/openapi3"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "speclint:", err)
		}
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("speclint", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, "usage: speclint openapi.yaml") }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("want exactly one document")
	}
	path := fs.Arg(0)
	loader := openapi3.NewLoader()
	loader.IncludeOrigin = true
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		return err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return fmt.Errorf("%s: invalid OpenAPI document: %w", path, err)
	}
	findings := Lint(doc)
	for _, f := range findings {
		fmt.Fprintf(stdout, "%s:%s\n", path, f)
	}
	if len(findings) > 0 {
		return fmt.Errorf("%s: %d finding(s)", path, len(findings))
	}
	fmt.Fprintf(stdout, "%s: security contract ok (%d paths)\n", path, len(doc.Paths.Map()))
	return nil
}
