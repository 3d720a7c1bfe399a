package domain_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestLayers keeps the arrows pointing down (DESIGN.md, "Layers"): the
// domain and the storage engines below impl/store build without any HTTP
// code of the project (gen, impl/api, impl/httpapi, impl/auth, ...) and
// without the router or the OpenAPI libraries. Of the project, storage may
// import only impl/domain and impl/store/...; the domain imports no
// net/http at all. (An engine may still reach net/http through a library:
// OpenTelemetry's propagation package imports it.)
func TestLayers(t *testing.T) {
	t.Parallel()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go command to list imports with: %v", err)
	}
	out, err := exec.Command(goTool, "list", "-f", "{{.Module.Path}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	module := strings.TrimSpace(string(out)) // forks rename it
	domain, store := module+"/impl/domain", module+"/impl/store"

	// Third-party packages of the HTTP layers, by import path prefix.
	httpLibraries := []string{
		"github.com/go-chi/",
		"github.com/getkin/kin-openapi/",
		"github.com/oapi-codegen/",
	}
	allowed := func(pkg string) bool {
		return pkg == domain || pkg == store || strings.HasPrefix(pkg, store+"/")
	}

	for _, c := range []struct {
		root    string
		netHTTP bool // may net/http be among its dependencies?
	}{
		{domain, false},
		{store + "/...", true},
	} {
		deps, importers := listDeps(t, goTool, c.root)
		var bad []string
		for _, pkg := range deps {
			switch {
			case strings.HasPrefix(pkg, module+"/") && !allowed(pkg),
				slices.ContainsFunc(httpLibraries, func(p string) bool { return strings.HasPrefix(pkg, p) }),
				pkg == "net/http" && !c.netHTTP:
				bad = append(bad, pkg+" (imported by "+strings.Join(importers[pkg], ", ")+")")
			}
		}
		if len(bad) > 0 {
			t.Errorf("%s depends on HTTP code it must not know:\n\t%s", c.root, strings.Join(bad, "\n\t"))
		}
	}
}

// listDeps returns the packages pattern depends on, itself included, and
// for each the packages among them that import it directly.
func listDeps(t *testing.T, goTool, pattern string) (deps []string, importers map[string][]string) {
	t.Helper()
	cmd := exec.Command(goTool, "list", "-deps", "-f", "{{.ImportPath}}{{range .Imports}} {{.}}{{end}}", pattern)
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list -deps %s: %v\n%s", pattern, err, ee.Stderr)
		}
		t.Fatalf("go list -deps %s: %v", pattern, err)
	}
	importers = map[string][]string{}
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		deps = append(deps, fields[0])
		for _, imp := range fields[1:] {
			importers[imp] = append(importers[imp], fields[0])
		}
	}
	return deps, importers
}
