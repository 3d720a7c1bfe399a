package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/modfile"

	"example.com/tasks/impl/gotooltest"
)

// TestGeneratedResourcesPass is make resource's acceptance, end to end. In a
// copy of the repository it adds a top-level resource and a nested one, as
// docs/FORKING.md shows:
//
//	make resource NAME=project FIELDS="name:string:1..100,archived:boolean?"
//	make resource NAME=comment PARENT=task FIELDS="body:text:1..2000"
//
// then regenerates gen/ with the pinned oapi-codegen (the Go half of `make
// generate`: a test needs Go only, no npm), and in the copy
//
//   - go vet ./... passes;
//   - go run ./cmd/speclint openapi.yaml (make lint-spec's own check) passes;
//   - go test ./impl/... ./cmd/speclint/... passes, with nothing skipped:
//     the new resources' store tests on every engine (PostgreSQL included)
//     and their HTTP tests, and the conformance suite, which reaches every
//     operation through the spec's links.
//
// Every go command has module state of its own (gotooltest.Env). It is slow:
// on two cores, about 80 s with a warm build cache (the copy's tests are the
// repository's), and over 10 minutes, go test's default -timeout, with a
// cold one (every dependency compiled for -trimpath): make unit gives it 30.
func TestGeneratedResourcesPass(t *testing.T) {
	t.Parallel()
	root := copyRepo(t)
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	module := modfile.ModulePath(gomod)
	env := append(os.Environ(), gotooltest.Env(t, module, nil)...)

	for _, vars := range []map[string]string{
		{"name": "project", "fields": "name:string:1..100,archived:boolean?"},
		{"name": "comment", "parent": "task", "fields": "body:text:1..2000"},
	} {
		if out, err := generate(t, root, vars); err != nil {
			t.Fatalf("make resource %v: %v\n%s", vars, err, out)
		}
	}

	// goIn runs the go command in the copy and returns its output and
	// error.
	goIn := func(args ...string) (string, error) {
		t.Helper()
		start := time.Now()
		cmd := exec.Command("go", args...)
		cmd.Dir, cmd.Env = root, env
		out, err := cmd.CombinedOutput()
		t.Logf("go %s: %.1fs", strings.Join(args, " "), time.Since(start).Seconds())
		return string(out), err
	}
	mustGo := func(args ...string) {
		t.Helper()
		if out, err := goIn(args...); err != nil {
			t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}

	// The Makefile's generate target runs $(OAPI_CODEGEN) -config
	// gen/oapi-codegen.yaml openapi.yaml, OAPI_CODEGEN being this go run.
	before, err := os.ReadFile(filepath.Join(root, "gen", "gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	mustGo("run", "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen", "-config", "gen/oapi-codegen.yaml", "openapi.yaml")
	after, err := os.ReadFile(filepath.Join(root, "gen", "gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	for _, method := range []string{"ListProjects(", "CreateComment("} {
		if bytes.Contains(before, []byte(method)) || !bytes.Contains(after, []byte(method)) {
			t.Fatalf("gen/gen.go was not regenerated: it should have gained %s", method)
		}
	}

	mustGo("vet", "./...")
	mustGo("run", "./cmd/speclint", "openapi.yaml")

	out, err := goIn("test", "-count=1", "-json", "./impl/...", "./cmd/speclint/...")
	results, failures := testResults(t, out, module)
	if err != nil {
		if failures == "" {
			failures = out // not go test's JSON: the go command's own error
		}
		t.Fatalf("go test in the copy: %v\n%s", err, failures)
	}
	for _, name := range []string{
		// The store contract, on each engine.
		"impl/store TestProjects/memory", "impl/store TestProjects/sqlite", "impl/store TestProjects/postgres",
		"impl/store TestComments/memory", "impl/store TestComments/sqlite", "impl/store TestComments/postgres",
		"impl/store TestComments/postgres/DeletingParentCascades",
		// The resources through the real handler, and the conformance suite.
		"impl/httpapi TestProjectLifecycle", "impl/httpapi TestProjectFieldRules", "impl/httpapi TestProjectAccess",
		"impl/httpapi TestCommentLifecycle", "impl/httpapi TestCommentFieldRules", "impl/httpapi TestCommentAccess",
		"impl/httpapi TestCommentCascadeWithParent",
		"impl/httpapi TestConformance",
	} {
		if got := results[name]; got != "pass" {
			t.Errorf("%s: %q, want pass", name, got)
		}
	}
	var skipped []string
	for name, result := range results {
		if result == "skip" {
			skipped = append(skipped, name)
		}
	}
	if len(skipped) > 0 {
		slices.Sort(skipped)
		t.Errorf("tests were skipped: %v", skipped)
	}
}

// testResults reads the output of go test -json: each test's result (pass,
// fail, skip), by its package (relative to module) and name; and the
// output of what failed (tests, packages, builds), to show.
func testResults(t *testing.T, out, module string) (map[string]string, string) {
	t.Helper()
	results := map[string]string{}
	outputs := map[string]*strings.Builder{} // by package and test
	var failures strings.Builder
	scanner := bufio.NewScanner(strings.NewReader(out))
	scanner.Buffer(nil, 1<<24)
	for scanner.Scan() {
		var e struct{ ImportPath, Action, Package, Test, Output string }
		if err := json.Unmarshal(scanner.Bytes(), &e); err != nil {
			continue
		}
		key := strings.TrimPrefix(e.Package+e.ImportPath, module+"/") + " " + e.Test
		if outputs[key] == nil {
			outputs[key] = &strings.Builder{}
		}
		switch e.Action {
		case "output", "build-output":
			outputs[key].WriteString(e.Output)
		case "fail", "build-fail":
			failures.WriteString(outputs[key].String())
			fallthrough
		case "pass", "skip":
			if e.Test != "" {
				results[key] = e.Action
			}
		}
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	return results, failures.String()
}
