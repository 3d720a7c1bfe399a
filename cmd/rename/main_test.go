package main

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// copyTree copies the repository, without git and what is installed or
// built, into a new folder.
func copyTree(t *testing.T) string {
	t.Helper()
	src, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dst := t.TempDir()
	skip := map[string]bool{".git": true, "node_modules": true, "bin": true, "data": true, "out": true}
	err = filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.Name() == ".git" && !d.IsDir() {
			return nil // a worktree's link to its repository
		}
		if d.IsDir() {
			if skip[d.Name()] {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// grep returns the files under root that contain s.
func grep(t *testing.T, root, s string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(path)
		if err == nil && bytes.Contains(data, []byte(s)) {
			rel, _ := filepath.Rel(root, path)
			found = append(found, rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestRename renames a copy of the repository and checks that no old name
// is left anywhere, the new ones are where they live, and a second run
// changes nothing. `make check-rename` builds and tests such a copy.
func TestRename(t *testing.T) {
	root := copyTree(t)
	old, _, err := current(root)
	if err != nil {
		t.Fatal(err)
	}
	// New names that share nothing with the tree's (make check-rename runs
	// this test in a copy already renamed to the first set).
	to := names{module: "example.com/acme/orders-api", name: "Orders API", envPrefix: "ORDERS"}
	if old.module == to.module || old.name == to.name || old.envPrefix == to.envPrefix {
		to = names{module: "example.com/acme/billing-api", name: "Billing API", envPrefix: "BILLING"}
	}
	args := []string{"-module", to.module, "-name", to.name, "-env-prefix", to.envPrefix}
	var out, errs bytes.Buffer
	if err := run(args, root, &out, &errs); err != nil {
		t.Fatalf("rename: %v\n%s%s", err, out.String(), errs.String())
	}
	for _, s := range []string{old.module + "/", old.module + "\n", old.name, old.envPrefix + "_"} {
		if files := grep(t, root, s); len(files) > 0 {
			t.Errorf("%q is still in %v", s, files)
		}
	}
	got, _, err := current(root)
	if err != nil || got != to {
		t.Errorf("after the rename the tree's names are %+v (%v), want %+v", got, err, to)
	}
	if src, err := os.ReadFile(filepath.Join(root, envPrefixFile)); err != nil || !bytes.Contains(src, []byte(`const envPrefix = "`+to.envPrefix+`"`)) {
		t.Errorf("%s does not set the new prefix (%v)", envPrefixFile, err)
	}

	// Again, with the same names: nothing changes, not even gen/gen.go.
	before, err := os.ReadFile(filepath.Join(root, "gen", "gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := run(args, root, &out, &errs); err != nil || !strings.Contains(out.String(), "nothing to rename") {
		t.Errorf("second run: %v, %q; want nothing to rename", err, out.String())
	}
	if after, _ := os.ReadFile(filepath.Join(root, "gen", "gen.go")); !bytes.Equal(before, after) {
		t.Error("a second run changed gen/gen.go")
	}
}

func TestRenameRefusesDirtyTree(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatalf("git is not installed: %v", err)
	}
	root := copyTree(t)
	for _, args := range [][]string{{"init", "-q"}, {"add", "-A"}, {"-c", "user.name=t", "-c", "user.email=t@localhost", "commit", "-qm", "copy"}} {
		cmd := exec.Command("git", args...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "README.md"), []byte("changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errs bytes.Buffer
	err := run([]string{"-module", "example.com/x", "-name", "X API", "-env-prefix", "X"}, root, &out, &errs)
	if err == nil || !strings.Contains(err.Error(), "uncommitted changes") {
		t.Errorf("rename of a dirty tree = %v, want a refusal", err)
	}
	if data, _ := os.ReadFile(filepath.Join(root, "go.mod")); bytes.Contains(data, []byte("example.com/x")) {
		t.Error("the refused rename changed go.mod")
	}
}

func TestRenameRefusesBadNames(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"-module", "not a module", "-name", "Orders API", "-env-prefix", "ORDERS"},
		{"-module", "example.com/o", "-name", `Orders "API"`, "-env-prefix", "ORDERS"},
		{"-module", "example.com/o", "-name", "Orders API", "-env-prefix", "orders"},
		{"-module", "example.com/o", "-name", "", "-env-prefix", "ORDERS_"},
	} {
		var out, errs bytes.Buffer
		if err := run(args, t.TempDir(), &out, &errs); err == nil {
			t.Errorf("rename %q succeeded, want an error", args)
		}
	}
}
