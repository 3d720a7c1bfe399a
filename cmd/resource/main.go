// Command resource adds a resource to the API: its operations and schemas
// in openapi.yaml, and the files the sample resource (tasks) has, written
// for the new one. `make resource` runs it:
//
//	make resource NAME=project FIELDS="name:string:1..100,archived:boolean?"
//	make resource NAME=comment PARENT=task FIELDS="body:text:1..2000"
//
// A field is name:type[?][:min..max]. Types: string (one line; min..max is
// its length, at most 200 unless told), text (line breaks allowed; at most
// 10000), integer and number (min..max is the range), boolean, date-time,
// enum(a|b|c). A ? makes the field optional; the others are required.
//
// PARENT nests the resource under a top-level one: its paths are under the
// parent's item, a missing or foreign parent is a 404, and deleting the
// parent deletes its children. PLURAL overrides the English plural; SCOPES
// ("read write", or one scope for both) override the scopes, which are
// <plural>:read and <plural>:write for a top-level resource and the
// parent's for a nested one.
//
// It writes new files only, and refuses to overwrite one; of the existing
// files it changes openapi.yaml and impl/domain/stores.go (the registration
// point: the store interface every engine implements). Then it runs `make
// generate` and stages what it wrote with git. DRY_RUN=1 prints what it
// would write and changes nothing.
package main

import (
	"bytes"
	"embed"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"text/template"

	"golang.org/x/mod/modfile"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "resource:", err)
		os.Exit(1)
	}
}

// options are the command's flags (the Makefile's variables).
type options struct {
	name, parent, fields, plural, scopes string
	dryRun, noGenerate                   bool
	root                                 string
}

func run(args []string, stdout, stderr io.Writer) error {
	var o options
	fs := flag.NewFlagSet("resource", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.name, "name", "", "the resource's singular name, snake_case (NAME)")
	fs.StringVar(&o.parent, "parent", "", "the singular name of the top-level resource it belongs to (PARENT)")
	fs.StringVar(&o.fields, "fields", "", "its fields: name:type[?][:min..max],... (FIELDS)")
	fs.StringVar(&o.plural, "plural", "", "its plural, when English rules get it wrong (PLURAL)")
	fs.StringVar(&o.scopes, "scopes", "", `its read and write scopes, "read write" or one for both (SCOPES)`)
	fs.BoolVar(&o.dryRun, "dry-run", false, "print what would be written; change nothing (DRY_RUN=1)")
	fs.BoolVar(&o.noGenerate, "no-generate", false, "skip make generate and git add (for tests)")
	fs.StringVar(&o.root, "C", ".", "the repository's root")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	r, err := newResource(o)
	if err != nil {
		return err
	}
	files, err := r.render()
	if err != nil {
		return err
	}
	for _, f := range files {
		if _, err := os.Stat(filepath.Join(o.root, f.path)); err == nil && !f.edit {
			return fmt.Errorf("%s exists already: it is never overwritten (remove it first, or choose another NAME)", f.path)
		}
	}
	if o.dryRun {
		fmt.Fprintf(stdout, "DRY_RUN: %s %q would be added; nothing was written.\n\n", r.Kind(), r.Name.Snake)
		for _, f := range files {
			fmt.Fprintf(stdout, "==> %s (%s, %d lines)\n%s\n", f.path, f.verb(), lines(f.content), f.shown())
		}
		return nil
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(o.root, f.path), f.content, 0o644); err != nil {
			return err
		}
	}
	if !o.noGenerate {
		if err := command(o.root, stderr, "make", "generate"); err != nil {
			return fmt.Errorf("make generate: %w (the files are written: fix openapi.yaml, or `git checkout` it and remove them)", err)
		}
		paths := []string{"gen"}
		for _, f := range files {
			paths = append(paths, f.path)
		}
		if err := command(o.root, stderr, "git", append([]string{"add", "--"}, paths...)...); err != nil {
			return fmt.Errorf("git add: %w", err)
		}
	}
	r.report(stdout, files, !o.noGenerate)
	return nil
}

func command(dir string, stderr io.Writer, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir, cmd.Stdout, cmd.Stderr = dir, stderr, stderr
	return cmd.Run()
}

// file is one file the command writes: a new one, or an edit of one that
// exists (openapi.yaml, the registration point).
type file struct {
	path    string
	content []byte
	edit    bool
	diff    string // for an edit: what it adds, for DRY_RUN and the report
}

func (f file) verb() string {
	if f.edit {
		return "changed"
	}
	return "new"
}

func (f file) shown() string {
	if f.edit {
		return f.diff
	}
	return string(f.content)
}

func lines(b []byte) int { return bytes.Count(b, []byte("\n")) }

// report prints what was written and what to do next; generated tells
// whether make generate and git add ran (not under -no-generate).
func (r *resource) report(w io.Writer, files []file, generated bool) {
	fmt.Fprintf(w, "Added the %s %q (%s):\n", r.Kind(), r.Name.Snake, strings.Join(r.Paths(), ", "))
	for _, f := range files {
		fmt.Fprintf(w, "  %-8s %-58s %5d lines\n", f.verb(), f.path, lines(f.content))
	}
	staged := "Nothing is generated or staged (-no-generate): run\nmake generate, then git add them and gen/."
	if generated {
		fmt.Fprintf(w, "  %-8s %-58s\n", "changed", "gen/ (make generate)")
		staged = "Everything is staged (git add); review it with\ngit diff --cached."
	}
	fmt.Fprintf(w, `
Existing files changed: openapi.yaml (its section), impl/domain/stores.go (the
registration point). %[3]s

Next:
  make test                     the new tests pass as they are
  make run                      then try it: curl the paths above
  write the business rules by hand: validation beyond the spec's in
  impl/api/%[1]s.go (%[2]sFromAPI), queries beyond CRUD in the store files,
  and describe the resource in openapi.yaml (see docs/FORKING.md)
`, r.Plural.Snake, r.Name.Camel, staged)
}

// resource is what the templates are given.
type resource struct {
	Module    string // the Go module path
	Name      names
	Plural    names
	Parent    *parent // nil for a top-level resource
	Fields    []field
	Read      string // the scope a read needs
	Write     string // the scope a write needs
	Migration string // the migrations' number, e.g. 00002
	spec      *specDoc
}

// parent is the resource a nested one belongs to.
type parent struct {
	Name     names
	Plural   names
	Param    string // its id's path parameter and column: task_id
	Path     string // its item's path: /tasks/{task_id}
	ParamRef string // the components.parameters entry of Param
	Param0   names  // Param's spellings (TaskId is gen's field)
}

func (r *resource) Kind() string {
	if r.Parent != nil {
		return "nested resource"
	}
	return "resource"
}

// Collection and Item are the resource's paths in the spec.
func (r *resource) Collection() string {
	if r.Parent != nil {
		return r.Parent.Path + "/" + r.Plural.Kebab
	}
	return "/" + r.Plural.Kebab
}

func (r *resource) Item() string { return r.Collection() + "/{id}" }

func (r *resource) Paths() []string { return []string{r.Collection(), r.Item()} }

// ReadWriteDiffer reports whether a token with only the read scope is
// refused a write: the generated test checks the 403 when it is.
func (r *resource) ReadWriteDiffer() bool { return r.Read != r.Write }

func newResource(o options) (*resource, error) {
	if !nameRE.MatchString(o.name) {
		return nil, fmt.Errorf("NAME=%q: give the singular name in snake_case, e.g. NAME=project or NAME=line_item", o.name)
	}
	gomod, err := os.ReadFile(filepath.Join(o.root, "go.mod"))
	if err != nil {
		return nil, fmt.Errorf("run it at the repository's root: %w", err)
	}
	r := &resource{Module: modfile.ModulePath(gomod), Name: newNames(o.name)}
	if r.Plural = newNames(plural(o.name)); o.plural != "" {
		if !nameRE.MatchString(o.plural) {
			return nil, fmt.Errorf("PLURAL=%q: snake_case, e.g. PLURAL=people", o.plural)
		}
		r.Plural = newNames(o.plural)
	}
	if r.Plural.Snake == r.Name.Snake {
		return nil, fmt.Errorf("the plural of %q is itself: give another with PLURAL=", o.name)
	}
	if r.spec, err = loadSpec(filepath.Join(o.root, "openapi.yaml")); err != nil {
		return nil, err
	}
	if err := r.spec.free(r); err != nil {
		return nil, err
	}
	parentField := ""
	if o.parent != "" {
		if r.Parent, err = r.spec.parent(o.parent); err != nil {
			return nil, err
		}
		parentField = r.Parent.Param
	}
	if r.Fields, err = parseFields(o.fields, parentField); err != nil {
		return nil, err
	}
	switch scopes := strings.Fields(o.scopes); {
	case len(scopes) > 2:
		return nil, fmt.Errorf(`SCOPES=%q: give "read write", or one scope for both`, o.scopes)
	case len(scopes) == 2:
		r.Read, r.Write = scopes[0], scopes[1]
	case len(scopes) == 1:
		r.Read, r.Write = scopes[0], scopes[0]
	case r.Parent != nil:
		if r.Read, r.Write, err = r.spec.scopesOf(r.Parent); err != nil {
			return nil, err
		}
	default:
		r.Read, r.Write = r.Plural.Snake+":read", r.Plural.Snake+":write"
	}
	if r.Migration, err = nextMigration(o.root); err != nil {
		return nil, err
	}
	return r, nil
}

// nextMigration is the number after the highest migration of any engine.
func nextMigration(root string) (string, error) {
	var highest int
	for _, engine := range []string{"sqlite", "postgres"} {
		names, err := filepath.Glob(filepath.Join(root, "impl/store", engine, "migrations", "*.sql"))
		if err != nil {
			return "", err
		}
		for _, n := range names {
			var v int
			if _, err := fmt.Sscanf(filepath.Base(n), "%d_", &v); err == nil {
				highest = max(highest, v)
			}
		}
	}
	if highest == 0 {
		return "", errors.New("no migrations found under impl/store/*/migrations: run it at the repository's root")
	}
	return fmt.Sprintf("%05d", highest+1), nil
}

//go:embed templates
var templates embed.FS

// render returns every file the resource needs, rendered, in the order
// the report lists them.
func (r *resource) render() ([]file, error) {
	t, err := template.New("").Funcs(template.FuncMap{
		"join":   strings.Join,
		"indent": func(n int, s string) string { return strings.TrimSuffix(indent(s, strings.Repeat(" ", n)), "\n") },
		"title":  func(s string) string { return strings.ToUpper(s[:1]) + s[1:] },
	}).ParseFS(templates, "templates/*.tmpl")
	if err != nil {
		return nil, err
	}
	p := r.Plural.Snake
	outputs := []struct{ tmpl, path string }{
		{"domain.go.tmpl", "impl/domain/" + p + ".go"},
		{"api.go.tmpl", "impl/api/" + p + ".go"},
		{"sqlite.go.tmpl", "impl/store/sqlite/" + p + ".go"},
		{"postgres.go.tmpl", "impl/store/postgres/" + p + ".go"},
		{"sqlite.sql.tmpl", "impl/store/sqlite/migrations/" + r.Migration + "_create_" + p + ".sql"},
		{"postgres.sql.tmpl", "impl/store/postgres/migrations/" + r.Migration + "_create_" + p + ".sql"},
		{"store_test.go.tmpl", "impl/store/" + p + "_test.go"},
		{"http_test.go.tmpl", "impl/httpapi/" + p + "_test.go"},
	}
	var files []file
	for _, o := range outputs {
		var buf bytes.Buffer
		if err := t.ExecuteTemplate(&buf, o.tmpl, r); err != nil {
			return nil, fmt.Errorf("%s: %w", o.tmpl, err)
		}
		content := buf.Bytes()
		if strings.HasSuffix(o.path, ".go") {
			if content, err = format.Source(content); err != nil {
				return nil, fmt.Errorf("%s: the template made invalid Go: %w\n%s", o.tmpl, err, buf.Bytes())
			}
		}
		files = append(files, file{path: o.path, content: content})
	}
	spec, err := r.spec.add(r, t)
	if err != nil {
		return nil, err
	}
	stores, err := r.register(t)
	if err != nil {
		return nil, err
	}
	return append(files, spec, stores), nil
}

// storesPath is the registration point: the interface every engine's DB
// implements and impl/api is given.
const storesPath = "impl/domain/stores.go"

// register embeds the resource's store interface in domain.Stores.
func (r *resource) register(_ *template.Template) (file, error) {
	path := filepath.Join(r.spec.root, storesPath)
	src, err := os.ReadFile(path)
	if err != nil {
		return file{}, err
	}
	const open = "type Stores interface {\n"
	i := bytes.Index(src, []byte(open))
	if i < 0 {
		return file{}, fmt.Errorf("%s has no %q: embed %sStore in domain.Stores by hand", storesPath, strings.TrimSpace(open), r.Name.Pascal)
	}
	line := "\t" + r.Name.Pascal + "Store\n"
	end := i + bytes.Index(src[i:], []byte("\n}"))
	if slices.Contains(strings.Split(string(src[i:end]), "\n"), strings.TrimSuffix(line, "\n")) {
		return file{}, fmt.Errorf("%s embeds %sStore already", storesPath, r.Name.Pascal)
	}
	out := slices.Concat(src[:end+1], []byte(line), src[end+1:])
	return file{path: storesPath, content: out, edit: true, diff: "+" + line}, nil
}

// What the Go templates need besides the names.

// Var is the name of a variable holding one row.
func (r *resource) Var() string { return r.Name.Camel }

// ParentVar is the name of the variable holding the parent's id.
func (r *resource) ParentVar() string { return r.Parent.Name.Camel + "ID" }

// ParentArg is the parent argument of a table's methods.
func (r *resource) ParentArg() string {
	if r.Parent == nil {
		return "uuid.Nil"
	}
	return r.ParentVar()
}

// ParentPrefix is the path of the parent's collection with a slash: the
// parent's item is ParentPrefix + id.
func (r *resource) ParentPrefix() string {
	return strings.TrimSuffix(r.Parent.Path, "{"+r.Parent.Param+"}")
}

// LocationExpr is the Go expression of a new row's path, for Location.
func (r *resource) LocationExpr() string {
	v := r.Var()
	if r.Parent != nil {
		return fmt.Sprintf("%q + %s.Parent.String() + %q + %s.ID.String()", r.ParentPrefix(), v, "/"+r.Plural.Kebab+"/", v)
	}
	return fmt.Sprintf("%q + %s.ID.String()", "/"+r.Plural.Kebab+"/", v)
}

// IndexName names the keyset index after its columns.
func (r *resource) IndexName() string {
	if r.Parent != nil {
		return "owner_" + r.Parent.Param + "_created_id"
	}
	return "owner_created_id"
}

// UsesTime reports whether a field is a date-time.
func (r *resource) UsesTime() bool {
	return slices.ContainsFunc(r.Fields, func(f field) bool { return f.Type == "date-time" })
}

// HasOptional reports whether a field is optional.
func (r *resource) HasOptional() bool {
	return slices.ContainsFunc(r.Fields, func(f field) bool { return f.Optional })
}
