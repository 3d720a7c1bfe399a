package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The guards around this command, which make test runs beside it, are
// tested here too.

// TestSpecDiffGuard exercises `make spec-diff-files`, the breaking-change
// check behind `make spec-diff`, beside the linter: both guard the contract.
// Security changes are breaking too: a scope added to an operation, a
// public operation made secured.
func TestSpecDiffGuard(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatalf("make is not installed (apt-get install make): %v", err)
	}
	root := filepath.Join("..", "..")
	base, err := os.ReadFile(filepath.Join(root, "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	spec := string(base)
	tests := []struct {
		name, from, to string
		want           string // "" means no breaking change
	}{
		{"unchanged", "", "", ""},
		{"added description is not breaking", "summary: Create a task\n", "summary: Create a task, now\n", ""},
		{"scope added", "          oauth2: [tasks:read]\n        - apiKeyAuth: []\n      parameters:",
			"          oauth2: [tasks:read, tasks:write]\n        - apiKeyAuth: []\n      parameters:", "api-security-scope-added"},
		{"public operation secured", "      tags: [system]\n      security: []\n", "      tags: [system]\n", "api-security-anonymous-access-removed"},
		{"operation removed", "    delete:\n      operationId: deleteTask", "    x-delete:\n      operationId: deleteTask", "api-removed-without-deprecation"},
	}
	dir := t.TempDir()
	basePath := filepath.Join(dir, "base.yaml")
	if err := os.WriteFile(basePath, base, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rev := spec
			if tt.from != "" {
				if !strings.Contains(spec, tt.from) {
					t.Fatalf("test bug: %q is not in openapi.yaml", tt.from)
				}
				rev = strings.Replace(spec, tt.from, tt.to, 1)
			}
			revPath := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".yaml")
			if err := os.WriteFile(revPath, []byte(rev), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("make", "-s", "-C", root, "spec-diff-files", "BASE_SPEC="+basePath, "REV_SPEC="+revPath).CombinedOutput()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("a non-breaking change failed the check: %v\n%s", err, out)
			case tt.want != "" && err == nil:
				t.Errorf("a breaking change passed the check:\n%s", out)
			case tt.want != "" && !strings.Contains(string(out), tt.want):
				t.Errorf("output does not name %s:\n%s", tt.want, out)
			}
		})
	}
}

// TestRedoclyGuard exercises `make lint-spec-redocly`, the general OpenAPI
// linter (Redocly, with e2e/redocly.yaml) that runs before this command.
func TestRedoclyGuard(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatalf("make is not installed (apt-get install make): %v", err)
	}
	root := filepath.Join("..", "..")
	base, err := os.ReadFile(filepath.Join(root, "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, from, to string
		want           string // the rule that must fire; "" means none
	}{
		{"the real spec", "", "", ""},
		{"operation without summary", "      summary: Create a task\n", "", "operation-summary"},
		{"tag without description", "  - name: system\n    description: Service health.\n", "  - name: system\n", "tag-description"},
		{"unused schema", "  schemas:\n", "  schemas:\n    Unused: {type: string}\n", "no-unused-components"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := string(base)
			if tt.from != "" {
				if !strings.Contains(spec, tt.from) {
					t.Fatalf("test bug: %q is not in openapi.yaml", tt.from)
				}
				spec = strings.Replace(spec, tt.from, tt.to, 1)
			}
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".yaml")
			if err := os.WriteFile(path, []byte(spec), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command("make", "-s", "-C", root, "lint-spec-redocly", "SPEC="+path).CombinedOutput()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("the linter rejected it: %v\n%s", err, out)
			case tt.want != "" && err == nil:
				t.Errorf("the linter passed it:\n%s", out)
			case tt.want != "" && !strings.Contains(string(out), tt.want):
				t.Errorf("output does not name %s:\n%s", tt.want, out)
			}
		})
	}
}
