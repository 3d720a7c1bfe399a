package main

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"example.com/tasks/impl/gotooltest"
)

// copyTree copies the repository's tracked files (gotooltest.CopyTree)
// into a new folder, and makes every go command this test runs (the rename
// runs oapi-codegen with `go run`) use module state of its own: see
// gotooltest for why and how.
func copyTree(t *testing.T) string {
	t.Helper()
	src, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	root := gotooltest.CopyTree(t, src)
	from, _, err := current(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, kv := range gotooltest.Env(t, from.module, nil) {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	return root
}

// leftovers returns what must not be left of the names old after a rename:
// the module path (as an import path's start or alone on a line), the
// product name, the environment prefix, and the derived slug and token
// prefix. The patterns are the rename's own, to the letter for the fixed
// strings; the token prefix only where it stands alone ("tasks_"), since
// tasks_test.go is the resource's name, not the product's.
func leftovers(old names) []*regexp.Regexp {
	slug, token := old.derived()
	return []*regexp.Regexp{
		regexp.MustCompile(regexp.QuoteMeta(old.module) + `(/|\n)`),
		regexp.MustCompile(regexp.QuoteMeta(old.name)),
		regexp.MustCompile(regexp.QuoteMeta(old.envPrefix + "_")),
		regexp.MustCompile(`\b` + regexp.QuoteMeta(slug) + `\b`),
		regexp.MustCompile(`\b` + regexp.QuoteMeta(token) + `([^A-Za-z0-9_]|$)`),
	}
}

// grep returns the files under root in which re finds a match.
func grep(t *testing.T, root string, re *regexp.Regexp) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(path)
		if err == nil && re.Match(data) {
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
	// this test in a copy already renamed to the first example).
	to := example(old)
	args := []string{"-module", to.module, "-name", to.name, "-env-prefix", to.envPrefix}
	var out, errs bytes.Buffer
	if err := run(args, root, &out, &errs); err != nil {
		t.Fatalf("rename: %v\n%s%s", err, out.String(), errs.String())
	}
	for _, re := range leftovers(old) {
		if files := grep(t, root, re); len(files) > 0 {
			t.Errorf("%s is still in %v", re, files)
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

// modulePathLiterals returns where the Go source src spells modulePath (or
// a path under it) in a string literal other than an import path: gonew
// rewrites import paths only, so such a literal would keep the old module's
// name in a fork made with it.
func modulePathLiterals(name string, src []byte, modulePath string) ([]string, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	re := regexp.MustCompile(regexp.QuoteMeta(modulePath) + `([^A-Za-z0-9._~-]|$)`)
	imports := map[*ast.BasicLit]bool{}
	for _, spec := range f.Imports {
		imports[spec.Path] = true
	}
	var found []string
	ast.Inspect(f, func(n ast.Node) bool {
		// The rename's example names (exampleNames) are new names, not a
		// reference to this module, even in a tree renamed to one of them.
		if vs, ok := n.(*ast.ValueSpec); ok && len(vs.Names) == 1 && vs.Names[0].Name == "exampleNames" {
			return false
		}
		lit, ok := n.(*ast.BasicLit)
		if ok && lit.Kind == token.STRING && !imports[lit] {
			if s, err := strconv.Unquote(lit.Value); err == nil && re.MatchString(s) {
				found = append(found, fset.Position(lit.Pos()).String())
			}
		}
		return true
	})
	return found, nil
}

// TestNoModulePathInStrings fails if a tracked .go file holds the module
// path in a string literal (imports aside): derive it instead, from a
// type (reflect.TypeFor[T]().PkgPath()) or debug.ReadBuildInfo.
func TestNoModulePathInStrings(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	n, _, err := current(root)
	if err != nil {
		t.Fatal(err)
	}
	// The check itself finds a literal, and leaves imports alone.
	probe := "package p\n\nimport _ \"" + n.module + "/gen\"\n\nconst scope = \"" + n.module + "/impl/x\"\n"
	if found, err := modulePathLiterals("probe.go", []byte(probe), n.module); err != nil || len(found) != 1 {
		t.Fatalf("the check found %v (%v) in a file with one literal", found, err)
	}

	files, err := gotooltest.Files(root)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, name := range files {
		if !strings.HasSuffix(name, ".go") {
			continue
		}
		src, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		// The tree's module path, and the example ones a rename may give
		// it (make check-rename renames a copy to the first).
		for _, m := range []string{n.module, exampleNames[0].module, exampleNames[1].module} {
			found, err := modulePathLiterals(name, src, m)
			if err != nil {
				t.Fatal(err)
			}
			for _, at := range found {
				t.Errorf("%s: a string literal spells the module path %s; derive it (reflect.TypeFor[T]().PkgPath(), debug.ReadBuildInfo): gonew would leave it behind", at, m)
			}
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no .go file was checked")
	}
}

// TestLeftovers: -leftovers prints the tree's names, for make check-rename.
func TestLeftovers(t *testing.T) {
	t.Parallel()
	root := filepath.Join("..", "..")
	n, _, err := current(root)
	if err != nil {
		t.Fatal(err)
	}
	slug, _ := n.derived()
	var out, errs bytes.Buffer
	if err := run([]string{"-leftovers"}, root, &out, &errs); err != nil {
		t.Fatalf("-leftovers: %v\n%s", err, errs.String())
	}
	if want := n.module + "\n" + n.name + "\n" + n.envPrefix + "_\n" + slug + "\n"; out.String() != want {
		t.Errorf("-leftovers printed %q, want %q", out.String(), want)
	}
	if slug == "" || strings.ToLower(slug) != slug || strings.Contains(slug, " ") {
		t.Errorf("slug %q of %q is no lower-case identifier", slug, n.name)
	}
}

// TestRenamer: the derived names are renamed where they stand alone, and in
// one pass: a new module path that holds the old slug keeps it. (Names the
// tree does not have, so that a rename of the tree leaves the test alone.)
func TestRenamer(t *testing.T) {
	t.Parallel()
	from := names{module: "example.org/widgets", name: "Widgets API", envPrefix: "WIDGETS"}
	to := names{module: "example.org/acme/widgets-api", name: "Gadgets API", envPrefix: "GADGETS"}
	in := "import \"example.org/widgets/impl/spec\"\n" +
		"module example.org/widgets\n" +
		"// realm \"Widgets API\", audience widgets-api, prefix \"widgets_\", WIDGETS_ADDR\n" +
		"const envPrefix = \"WIDGETS\"\n" +
		"widgets_test.go, widgets_owner_idx, example.org/widgets-v2, subwidgets-apis\n"
	want := "import \"example.org/acme/widgets-api/impl/spec\"\n" +
		"module example.org/acme/widgets-api\n" +
		"// realm \"Gadgets API\", audience gadgets-api, prefix \"gadgets_\", GADGETS_ADDR\n" +
		"const envPrefix = \"GADGETS\"\n" +
		"widgets_test.go, widgets_owner_idx, example.org/widgets-v2, subwidgets-apis\n"
	if got := string(renamer(from, to, []string{from.module})("x.go", []byte(in))); got != want {
		t.Errorf("renamed:\n%s\nwant:\n%s", got, want)
	}
}
