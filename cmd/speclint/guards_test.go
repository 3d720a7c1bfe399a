//go:build guards

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The guards that make test runs beside this command are tested here too:
// each edits the real openapi.yaml the way a careless change would and runs
// the make target on it. They need make and the npm packages, so they are
// behind the guards build tag: `make unit` (part of make test) provisions
// both and runs them with -tags guards, and `go test ./...` needs only Go.

// edit is one change to openapi.yaml and the rule that must fire for it.
type edit struct {
	name, from, to string
	want           string // the rule's name in the output; "" means the guard passes
}

// checkGuard applies each edit to openapi.yaml, runs `make target` with the
// arguments args gives for the edited file, and checks the guard's verdict.
func checkGuard(t *testing.T, target string, args func(edited string) []string, edits []edit) {
	t.Helper()
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatalf("make is not installed (apt-get install make): %v", err)
	}
	root := filepath.Join("..", "..")
	base, err := os.ReadFile(filepath.Join(root, "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, e := range edits {
		t.Run(e.name, func(t *testing.T) {
			spec := string(base)
			if e.from != "" {
				if !strings.Contains(spec, e.from) {
					t.Fatalf("test bug: %q is not in openapi.yaml", e.from)
				}
				spec = strings.Replace(spec, e.from, e.to, 1)
			}
			path := filepath.Join(dir, strings.ReplaceAll(e.name, " ", "-")+".yaml")
			if err := os.WriteFile(path, []byte(spec), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("make", append([]string{"-s", "-C", root, target}, args(path)...)...).CombinedOutput()
			switch {
			case e.want == "" && err != nil:
				t.Errorf("the guard rejected it: %v\n%s", err, out)
			case e.want != "" && err == nil:
				t.Errorf("the guard passed it:\n%s", out)
			case e.want != "" && !strings.Contains(string(out), e.want):
				t.Errorf("output does not name %s:\n%s", e.want, out)
			}
		})
	}
}

// TestSpecDiffGuard exercises `make spec-diff-files`, the breaking-change
// check behind `make spec-diff`. Security changes are breaking too: a scope
// added to an operation, a public operation made secured.
func TestSpecDiffGuard(t *testing.T) {
	base, err := filepath.Abs(filepath.Join("..", "..", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	checkGuard(t, "spec-diff-files", func(edited string) []string {
		return []string{"BASE_SPEC=" + base, "REV_SPEC=" + edited}
	}, []edit{
		{"unchanged", "", "", ""},
		{"added description is not breaking", "summary: Create a task\n", "summary: Create a task, now\n", ""},
		{"scope added", "          oauth2: [tasks:read]\n", "          oauth2: [tasks:read, tasks:write]\n", "api-security-scope-added"},
		{"public operation secured", "      tags: [system]\n      security: []\n", "      tags: [system]\n", "api-security-anonymous-access-removed"},
		{"operation removed", "    delete:\n      operationId: deleteTask", "    x-delete:\n      operationId: deleteTask", "api-removed-without-deprecation"},
	})
}

// TestRedoclyGuard exercises `make lint-spec-redocly`, the general OpenAPI
// linter (Redocly, with e2e/redocly.yaml) that runs before this command.
func TestRedoclyGuard(t *testing.T) {
	checkGuard(t, "lint-spec-redocly", func(edited string) []string {
		return []string{"SPEC=" + edited}
	}, []edit{
		{"the real spec", "", "", ""},
		{"operation without summary", "      summary: Create a task\n", "", "operation-summary"},
		{"tag without description", "  - name: system\n    description: Service health.\n", "  - name: system\n", "tag-description"},
		{"unused schema", "  schemas:\n", "  schemas:\n    Unused: {type: string}\n", "no-unused-components"},
	})
}
