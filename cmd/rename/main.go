// Command rename makes a fork yours: it gives the module, the product and
// the environment variables their new names everywhere, then regenerates the
// code that embeds the spec. `make rename` runs it:
//
//	make rename MODULE=example.com/acme/orders-api NAME="Orders API" ENV_PREFIX=ORDERS
//
// Each name lives in one place, from which the code derives the rest:
//
//	module path   go.mod (and the import paths, docs/ogen-bench/go.mod)
//	product name  info.title in openapi.yaml: the realm, log lines, docs title,
//	              and what impl/spec derives from it: the token prefix
//	              ("tasks_"), the lower-case slug ("tasks-api")
//	env prefix    envPrefix in cmd/server/main.go: every variable's name
//
// The old names are read from those places, and every text file that
// mentions one is rewritten (README and docs included): after a rename
// `git grep` finds none of them. Running it again with the same names
// changes nothing. In a git checkout it refuses a tree with uncommitted
// changes, so that its own changes can be reviewed, and undone, as one diff.
//
// A copy made with gonew (golang.org/x/tools/cmd/gonew) has its new module
// path in go.mod and in the Go files already; rename it with the same
// MODULE, and this command renames what gonew leaves: the product name, the
// prefix, and the module path in the files gonew does not edit.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"

	"example.com/tasks/impl/spec"
)

func main() {
	if err := run(os.Args[1:], ".", os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "rename:", err)
		}
		os.Exit(2)
	}
}

// The places where each name lives.
const (
	specFile      = "openapi.yaml"
	envPrefixFile = "cmd/server/main.go"
	// nestedModule is the ogen comparison's own module, which requires the
	// main one by its path.
	nestedModule = "docs/ogen-bench/go.mod"
)

var (
	titleLine     = regexp.MustCompile(`(?m)^  title: (.+)$`)
	envPrefixLine = regexp.MustCompile(`(?m)^const envPrefix = "([A-Z][A-Z0-9_]*)"$`)
	validName     = regexp.MustCompile(`^[A-Za-z]([A-Za-z0-9 ._-]*[A-Za-z0-9])?$`)
	validPrefix   = regexp.MustCompile(`^[A-Z]([A-Z0-9_]*[A-Z0-9])?$`)
)

// names is one set of the three names.
type names struct {
	module, name, envPrefix string
}

// exampleNames are the new names the help and the tests use: the first,
// unless the tree already has one of its names (make check-rename renames
// to it), then the second. They are the only string literals allowed to
// spell a module path that may be the tree's own (TestNoModulePathInStrings).
var exampleNames = [...]names{
	{module: "example.com/acme/orders-api", name: "Orders API", envPrefix: "ORDERS"},
	{module: "example.com/acme/billing-api", name: "Billing API", envPrefix: "BILLING"},
}

// example returns the first of exampleNames that shares no name with n.
func example(n names) names {
	for _, e := range exampleNames {
		if e.module != n.module && e.name != n.name && e.envPrefix != n.envPrefix {
			return e
		}
	}
	panic("every example shares a name with the tree")
}

func run(args []string, root string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("rename", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var to names
	e := exampleNames[0]
	fs.StringVar(&to.module, "module", "", "the new module path, e.g. "+e.module)
	fs.StringVar(&to.name, "name", "", fmt.Sprintf("the product's name, e.g. %q (openapi.yaml's info.title)", e.name))
	fs.StringVar(&to.envPrefix, "env-prefix", "", fmt.Sprintf("the environment variables' prefix, e.g. %s (%[1]s_ADDR, ...)", e.envPrefix))
	leftovers := fs.Bool("leftovers", false, "print the tree's names as a renamed copy must not contain them, one a line (module path, product name, env prefix and _, slug), and exit: make check-rename greps for them")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *leftovers {
		from, _, err := current(root)
		if err != nil {
			return err
		}
		slug, _ := from.derived()
		// The token prefix is left out: as a plain string it is also the
		// start of the resource's file names (tasks_test.go); TestRename
		// checks it where it stands alone.
		fmt.Fprintf(stdout, "%s\n%s\n%s_\n%s\n", from.module, from.name, from.envPrefix, slug)
		return nil
	}
	if err := to.check(); err != nil {
		return err
	}
	if err := cleanTree(root); err != nil {
		return err
	}
	from, oldModules, err := current(root)
	if err != nil {
		return err
	}
	files, err := textFiles(root)
	if err != nil {
		return err
	}
	r := renamer(from, to, oldModules)
	changed := 0
	for _, name := range files {
		path := filepath.Join(root, name)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out := r(name, data)
		if !bytes.Equal(out, data) {
			if err := os.WriteFile(path, out, 0o644); err != nil {
				return err
			}
			changed++
		}
	}
	if changed == 0 {
		fmt.Fprintf(stdout, "nothing to rename: the module is %s, the product %q, the prefix %s\n", to.module, to.name, to.envPrefix)
		return nil
	}
	fmt.Fprintf(stdout, "renamed %d files: module %s, product %q, prefix %s\n", changed, to.module, to.name, to.envPrefix)
	// The spec is embedded in gen/gen.go, compressed: regenerate it.
	fmt.Fprintln(stdout, "regenerating gen/gen.go from openapi.yaml")
	gen := exec.Command("go", "run", "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen", "-config", "gen/oapi-codegen.yaml", specFile)
	gen.Dir, gen.Stdout, gen.Stderr = root, stdout, stderr
	if err := gen.Run(); err != nil {
		return fmt.Errorf("regenerate gen/gen.go: %w", err)
	}
	fmt.Fprintln(stdout, "done: review the change with `git diff`, then run `make test`")
	return nil
}

func (n names) check() error {
	var errs []error
	if err := module.CheckPath(n.module); err != nil {
		errs = append(errs, fmt.Errorf("MODULE: %w", err))
	}
	if !validName.MatchString(n.name) {
		errs = append(errs, fmt.Errorf("NAME %q: use letters, digits, spaces, '.', '_' and '-', starting with a letter", n.name))
	}
	if !validPrefix.MatchString(n.envPrefix) {
		errs = append(errs, fmt.Errorf("ENV_PREFIX %q: use capital letters, digits and '_', starting with a letter", n.envPrefix))
	}
	return errors.Join(errs...)
}

// cleanTree refuses a git checkout with uncommitted changes. A copy that is
// no git checkout (gonew makes one) is renamed as it is.
func cleanTree(root string) error {
	cmd := exec.Command("git", "status", "--porcelain")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		return nil // no git, or not a checkout
	}
	if len(bytes.TrimSpace(out)) > 0 {
		return errors.New("the tree has uncommitted changes: commit or stash them first, so that the rename is one diff you can review or undo")
	}
	return nil
}

// current reads the names the tree has now, and every module path that
// names the main module: go.mod's, and the one the nested module requires
// (different after gonew, which edits only the root go.mod).
func current(root string) (n names, modules []string, err error) {
	data, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		return n, nil, err
	}
	n.module = modfile.ModulePath(data)
	modules = []string{n.module}
	if data, err := os.ReadFile(filepath.Join(root, nestedModule)); err == nil {
		f, err := modfile.ParseLax(nestedModule, data, nil)
		if err != nil {
			return n, nil, err
		}
		for _, r := range f.Replace {
			if r.New.Path == "../.." && r.Old.Path != n.module {
				modules = append(modules, r.Old.Path)
			}
		}
	}
	spec, err := os.ReadFile(filepath.Join(root, specFile))
	if err != nil {
		return n, nil, err
	}
	m := titleLine.FindSubmatch(spec)
	if m == nil {
		return n, nil, fmt.Errorf("%s: no info.title line (\"  title: …\")", specFile)
	}
	n.name = strings.Trim(string(m[1]), `"'`)
	src, err := os.ReadFile(filepath.Join(root, envPrefixFile))
	if err != nil {
		return n, nil, err
	}
	if m = envPrefixLine.FindSubmatch(src); m == nil {
		return n, nil, fmt.Errorf("%s: no `const envPrefix = \"…\"` line", envPrefixFile)
	}
	n.envPrefix = string(m[1])
	return n, modules, nil
}

// derived returns the names the code derives from n.name that are spelled
// out in comments, docs and test fixtures, so that the rename finds them:
// the slug ("tasks-api": the example JWT audience, OTEL_SERVICE_NAME) and
// the token prefix ("tasks_"), each as impl/spec derives it.
func (n names) derived() (slug, tokenPrefix string) {
	doc := &openapi3.T{Info: &openapi3.Info{Title: n.name}}
	return spec.Slug(doc), spec.TokenPrefix(doc)
}

// A rule finds one old name; the replacement keeps what the pattern matched
// after the name itself (the character that ends a module path).
type rule struct {
	pattern  string // a regexp without capturing groups
	old, new string
}

// rules lists what the rename rewrites, first the rules that win when two
// match at the same place.
func rules(from, to names, oldModules []string) []rule {
	var rs []rule
	for _, m := range oldModules {
		if m != to.module {
			// The path, not a longer one that starts with it (its -v2, say).
			rs = append(rs, rule{regexp.QuoteMeta(m) + `(?:[^A-Za-z0-9._~-]|$)`, m, to.module})
		}
	}
	if from.name != to.name {
		rs = append(rs, rule{`\b` + regexp.QuoteMeta(from.name) + `\b`, from.name, to.name})
	}
	if from.envPrefix != to.envPrefix {
		rs = append(rs,
			rule{`\b` + from.envPrefix + `_`, from.envPrefix + "_", to.envPrefix + "_"},
			rule{`(?m)^const envPrefix = "` + from.envPrefix + `"$`, `const envPrefix = "` + from.envPrefix + `"`, `const envPrefix = "` + to.envPrefix + `"`})
	}
	fromSlug, fromToken := from.derived()
	toSlug, toToken := to.derived()
	if fromSlug != toSlug && fromSlug != "" {
		rs = append(rs, rule{`\b` + regexp.QuoteMeta(fromSlug) + `\b`, fromSlug, toSlug})
	}
	if fromToken != toToken && fromToken != "_" {
		// The prefix alone ("tasks_", tasks_…), not a file or index name
		// that starts with the resource's name (tasks_test.go).
		rs = append(rs, rule{`\b` + regexp.QuoteMeta(fromToken) + `(?:[^A-Za-z0-9_]|$)`, fromToken, toToken})
	}
	return rs
}

// renamer returns the function that rewrites one file's contents. All the
// rules are applied in one pass, so that a new name is never renamed again
// by a later rule (a new module path that holds the old slug, say).
func renamer(from, to names, oldModules []string) func(name string, data []byte) []byte {
	rs := rules(from, to, oldModules)
	if len(rs) == 0 {
		return func(_ string, data []byte) []byte { return data }
	}
	alts := make([]string, len(rs))
	for i, r := range rs {
		alts[i] = "(" + r.pattern + ")"
	}
	re := regexp.MustCompile(strings.Join(alts, "|"))
	return func(_ string, data []byte) []byte {
		var out []byte
		last := 0
		for _, m := range re.FindAllSubmatchIndex(data, -1) {
			for i, r := range rs {
				if m[2+2*i] < 0 {
					continue
				}
				out = append(out, data[last:m[0]]...)
				out = append(out, r.new...)
				out = append(out, data[m[0]+len(r.old):m[1]]...)
				last = m[1]
				break
			}
		}
		if out == nil {
			return data
		}
		return append(out, data[last:]...)
	}
}

// textFiles lists the tree's text files, relative to root: git's tracked
// files in a checkout, else every file but those of .git and of folders
// that hold installed or built things.
func textFiles(root string) ([]string, error) {
	var names []string
	cmd := exec.Command("git", "ls-files", "-z")
	cmd.Dir = root
	if out, err := cmd.Output(); err == nil {
		for name := range strings.SplitSeq(strings.TrimRight(string(out), "\x00"), "\x00") {
			if name != "" {
				names = append(names, name)
			}
		}
	} else {
		skip := map[string]bool{".git": true, "node_modules": true, "bin": true, "data": true, "out": true}
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && skip[d.Name()] {
				return filepath.SkipDir
			}
			if d.Type().IsRegular() {
				rel, err := filepath.Rel(root, path)
				if err != nil {
					return err
				}
				names = append(names, filepath.ToSlash(rel))
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var text []string
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(root, name))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				continue // deleted in the work tree
			}
			return nil, err
		}
		if !bytes.Contains(data, []byte{0}) {
			text = append(text, name)
		}
	}
	return text, nil
}
