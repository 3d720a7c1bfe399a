package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"
	"go.yaml.in/yaml/v3"
)

// specDoc is openapi.yaml as text, to insert into, and as a YAML tree, to
// find where: the edit adds lines and rewrites none, so that the file's
// comments and layout stay as their author wrote them.
type specDoc struct {
	root  string
	path  string
	lines []string
	tree  *yaml.Node // the document's top-level mapping
}

func loadSpec(path string) (*specDoc, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("run it at the repository's root: %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s is not a YAML mapping: %v", path, err)
	}
	return &specDoc{root: filepath.Dir(path), path: path, lines: strings.SplitAfter(string(src), "\n"), tree: doc.Content[0]}, nil
}

// get returns the node at keys under n, nil if there is none.
func get(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		if n == nil || n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
			}
		}
		n = next
	}
	return n
}

// operations returns the spec's operations by operationId: their path and
// node.
func (s *specDoc) operations() map[string]struct {
	path string
	op   *yaml.Node
} {
	ops := map[string]struct {
		path string
		op   *yaml.Node
	}{}
	paths := get(s.tree, "paths")
	if paths == nil {
		return ops
	}
	for i := 0; i+1 < len(paths.Content); i += 2 {
		item := paths.Content[i+1]
		for j := 0; j+1 < len(item.Content); j += 2 {
			if id := get(item.Content[j+1], "operationId"); id != nil {
				ops[id.Value] = struct {
					path string
					op   *yaml.Node
				}{paths.Content[i].Value, item.Content[j+1]}
			}
		}
	}
	return ops
}

// free checks that nothing of the resource is in the spec already.
func (s *specDoc) free(r *resource) error {
	ops := s.operations()
	for _, verb := range []string{"list" + r.Plural.Pascal, "create" + r.Name.Pascal, "get" + r.Name.Pascal,
		"update" + r.Name.Pascal, "patch" + r.Name.Pascal, "delete" + r.Name.Pascal} {
		if _, ok := ops[verb]; ok {
			return fmt.Errorf("openapi.yaml has an operation %s already: is the %s resource there?", verb, r.Name.Snake)
		}
	}
	for _, schema := range []string{r.Name.Pascal, "New" + r.Name.Pascal, r.Name.Pascal + "Patch", r.Name.Pascal + "Page"} {
		if get(s.tree, "components", "schemas", schema) != nil {
			return fmt.Errorf("openapi.yaml has a schema %s already: choose another NAME", schema)
		}
	}
	return nil
}

// parent finds the top-level resource name in the spec, by its operations
// create<Name> and get<Name>.
func (s *specDoc) parent(name string) (*parent, error) {
	if !nameRE.MatchString(name) {
		return nil, fmt.Errorf("PARENT=%q: the parent's singular name, snake_case", name)
	}
	n := newNames(name)
	ops := s.operations()
	create, okCreate := ops["create"+n.Pascal]
	item, okGet := ops["get"+n.Pascal]
	if !okCreate || !okGet {
		return nil, fmt.Errorf("PARENT=%s: openapi.yaml has no operations create%s and get%s; the parent must be a resource of this API", name, n.Pascal, n.Pascal)
	}
	if strings.Contains(create.path, "{") {
		return nil, fmt.Errorf("PARENT=%s is itself nested (%s): resources nest one level deep", name, create.path)
	}
	if item.path != create.path+"/{id}" {
		return nil, fmt.Errorf("PARENT=%s: its item's path is %s, want %s/{id} as make resource writes it", name, item.path, create.path)
	}
	p := &parent{Name: n, Param: n.Snake + "_id", Plural: newNames(strings.ReplaceAll(strings.TrimPrefix(create.path, "/"), "-", "_"))}
	p.Param0 = newNames(p.Param)
	p.Path = create.path + "/{" + p.Param + "}"
	p.ParamRef = n.Pascal + "ParentID"
	return p, nil
}

// scopesOf returns the scopes the parent's get and create operations need.
func (s *specDoc) scopesOf(p *parent) (read, write string, err error) {
	ops := s.operations()
	scope := func(op string) string {
		for _, req := range get(ops[op].op, "security").Content {
			for i := 0; i+1 < len(req.Content); i += 2 {
				if v := req.Content[i+1]; len(v.Content) > 0 {
					return v.Content[0].Value
				}
			}
		}
		return ""
	}
	if get(ops["get"+p.Name.Pascal].op, "security") == nil || get(ops["create"+p.Name.Pascal].op, "security") == nil {
		return "", "", fmt.Errorf("the operations of %s name no scopes: give SCOPES=", p.Name.Snake)
	}
	read, write = scope("get"+p.Name.Pascal), scope("create"+p.Name.Pascal)
	if read == "" || write == "" {
		return "", "", fmt.Errorf("the operations of %s name no scopes: give SCOPES=", p.Name.Snake)
	}
	return read, write, nil
}

// schemes returns the names of the spec's security schemes by type:
// "http" (bearer, DPoP), "oauth2", "openIdConnect", "apiKey".
func (s *specDoc) schemes() map[string][]string {
	out := map[string][]string{}
	schemes := get(s.tree, "components", "securitySchemes")
	if schemes == nil {
		return out
	}
	for i := 0; i+1 < len(schemes.Content); i += 2 {
		if t := get(schemes.Content[i+1], "type"); t != nil {
			out[t.Value] = append(out[t.Value], schemes.Content[i].Value)
		}
	}
	return out
}

// Security renders an operation's security requirements (at indent 0, one
// `- ` item each) for a scope: each http scheme with it (through the first
// oauth2 scheme, which names the scopes a bearer token carries), each
// openIdConnect scheme with it, and for a read each apiKey scheme, as the
// sample resource does.
func (r *resource) Security(write bool) string {
	scope := r.Read
	if write {
		scope = r.Write
	}
	sch := r.spec.schemes()
	var b strings.Builder
	for _, h := range sch["http"] {
		fmt.Fprintf(&b, "- %s: []\n", h)
		if len(sch["oauth2"]) > 0 {
			fmt.Fprintf(&b, "  %s: [%s]\n", sch["oauth2"][0], scope)
		}
	}
	for _, o := range sch["openIdConnect"] {
		fmt.Fprintf(&b, "- %s: [%s]\n", o, scope)
	}
	if !write {
		for _, k := range sch["apiKey"] {
			fmt.Fprintf(&b, "- %s: []\n", k)
		}
	}
	return b.String()
}

// ExampleID is the example id of the resource (and of its parent): fixed,
// so that regenerating gives the same spec.
func (r *resource) ExampleID() string {
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte(r.Name.Snake)).String()
}

func (p *parent) ExampleID() string {
	return uuid.NewSHA1(uuid.NameSpaceOID, []byte(p.Name.Snake)).String()
}

// Example renders an example of the resource as one line of JSON (which is
// YAML too): all its members (as stored, with id and times) or the body of
// a create, with the first or second sample of each field.
func (r *resource) Example(stored bool, n int) string {
	var b strings.Builder
	b.WriteString("{")
	sep := ""
	member := func(name, value string) {
		fmt.Fprintf(&b, "%s%q: %s", sep, name, value)
		sep = ", "
	}
	if stored {
		member("id", `"`+r.ExampleID()+`"`)
		if r.Parent != nil {
			member(r.Parent.Param, `"`+r.Parent.ExampleID()+`"`)
		}
	}
	for _, f := range r.Fields {
		j, _ := f.sample(n)
		member(f.Name.Snake, j)
	}
	if stored {
		member("created_at", `"2026-11-23T10:00:00Z"`)
		member("updated_at", `"2026-11-23T1`+fmt.Sprint(n)+`:00:00Z"`)
	}
	b.WriteString("}")
	return b.String()
}

// PatchExample is a merge patch that sets the first field to its second
// sample, and removes the first optional field, if any.
func (r *resource) PatchExample() string {
	m := map[string]json.RawMessage{}
	f := r.Fields[0]
	m[f.Name.Snake] = json.RawMessage(f.Sample2())
	for _, f := range r.Fields[1:] {
		if f.Optional {
			m[f.Name.Snake] = json.RawMessage("null")
			break
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// Schema renders a field's schema (at indent 0, no key): nullable for the
// member of a merge patch that may remove it.
func (f field) Schema(nullable bool) string {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	switch f.Type {
	case "string", "text", "date-time", "enum":
		line("type: string")
	case "integer":
		line("type: integer")
		line("format: int64")
	case "number":
		line("type: number")
		line("format: double")
	case "boolean":
		line("type: boolean")
	}
	if nullable {
		line("nullable: true")
	}
	switch f.Type {
	case "string":
		f.bounds(line, "minLength", "maxLength")
		line("# One line: no C0 or C1 control character, no DEL (NUL included).")
		line(`pattern: "^[^\\x00-\\x1F\\x7F-\\x9F]*$"`)
	case "text":
		f.bounds(line, "minLength", "maxLength")
		line("# Tabs and line breaks, but no other C0 or C1 control character, no DEL.")
		line(`pattern: "^[^\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F\\x7F-\\x9F]*$"`)
	case "integer", "number":
		f.bounds(line, "minimum", "maximum")
	case "date-time":
		line("format: date-time")
	case "enum":
		// Quoted: YAML reads true, null or 1.0 unquoted as no string.
		quoted := make([]string, len(f.Enum))
		for i, v := range f.Enum {
			quoted[i] = strconv.Quote(v)
		}
		line("enum: [%s]", strings.Join(quoted, ", "))
	}
	line("example: %s", f.Sample())
	return b.String()
}

func (f field) bounds(line func(string, ...any), lo, hi string) {
	if f.Min != "" {
		line("%s: %s", lo, f.Min)
	}
	if f.Max != "" {
		line("%s: %s", hi, f.Max)
	}
}

// Required lists the fields a create must give.
func (r *resource) Required() []string {
	var names []string
	for _, f := range r.Fields {
		if !f.Optional {
			names = append(names, f.Name.Snake)
		}
	}
	return names
}

// insertion is text to insert before line index at (0-based).
type insertion struct {
	at   int
	text string
}

// end returns the index of the line before which to append to the
// mapping or sequence at keys: after its last line, before the blank lines
// and comments that open the next key.
func (s *specDoc) end(keys ...string) int {
	next := len(s.lines)
	n := s.tree
	for _, k := range keys {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				if i+2 < len(n.Content) {
					next = n.Content[i+2].Line - 1
				}
				n = n.Content[i+1]
				break
			}
		}
	}
	for next > n.Line && (strings.TrimSpace(s.lines[next-1]) == "" || strings.HasPrefix(strings.TrimSpace(s.lines[next-1]), "#")) {
		next--
	}
	return next
}

// indentOf returns the indentation of the children of the node at keys.
func (s *specDoc) indentOf(keys ...string) string {
	n := get(s.tree, keys...)
	line := s.lines[n.Line-1]
	if n.Kind == yaml.SequenceNode {
		return line[:len(line)-len(strings.TrimLeft(line, " "))]
	}
	return strings.Repeat(" ", n.Column-1)
}

// indent prefixes every non-empty line of text with prefix.
func indent(text, prefix string) string {
	var b strings.Builder
	for l := range strings.Lines(text) {
		if strings.TrimSpace(l) != "" {
			b.WriteString(prefix)
		}
		b.WriteString(l)
	}
	return b.String()
}

// add returns openapi.yaml with the resource's section added: its tag, its
// paths, its parameters and schemas, its scopes, and for a nested resource
// the links from the parent's create to its list and create.
func (s *specDoc) add(r *resource, t *template.Template) (file, error) {
	render := func(name string) (string, error) {
		var buf bytes.Buffer
		err := t.ExecuteTemplate(&buf, name, r)
		return buf.String(), err
	}
	var ins []insertion
	appendTo := func(tmpl string, blank bool, keys ...string) error {
		if get(s.tree, keys...) == nil {
			return fmt.Errorf("openapi.yaml has no %s to add the %s to", strings.Join(keys, "."), r.Name.Snake)
		}
		text, err := render(tmpl)
		if err != nil {
			return err
		}
		if blank {
			text = "\n" + text
		}
		ins = append(ins, insertion{s.end(keys...), indent(text, s.indentOf(keys...))})
		return nil
	}
	if get(s.tree, "tags") != nil {
		if err := appendTo("spec_tag.yaml.tmpl", false, "tags"); err != nil {
			return file{}, err
		}
	}
	for _, step := range []struct {
		tmpl string
		keys []string
	}{
		{"spec_paths.yaml.tmpl", []string{"paths"}},
		{"spec_parameters.yaml.tmpl", []string{"components", "parameters"}},
		{"spec_schemas.yaml.tmpl", []string{"components", "schemas"}},
	} {
		if err := appendTo(step.tmpl, true, step.keys...); err != nil {
			return file{}, err
		}
	}
	if err := s.addScopes(r, &ins); err != nil {
		return file{}, err
	}
	if r.Parent != nil {
		if err := s.addParentLinks(r, render, &ins); err != nil {
			return file{}, err
		}
	}
	// Insert from the bottom up, so that each index still holds.
	sort.SliceStable(ins, func(i, j int) bool { return ins[i].at > ins[j].at })
	lines := slices.Clone(s.lines)
	var diff strings.Builder
	for _, in := range ins {
		lines = slices.Insert(lines, in.at, in.text)
	}
	for _, in := range slices.Backward(ins) {
		fmt.Fprintf(&diff, "@@ before line %d\n%s", in.at+1, indent(in.text, "+"))
	}
	out := []byte(strings.Join(lines, ""))
	if err := validate(out); err != nil {
		return file{}, fmt.Errorf("openapi.yaml with the %s added does not validate (a bug of make resource; nothing was written): %w", r.Name.Snake, err)
	}
	return file{path: "openapi.yaml", content: out, edit: true, diff: diff.String()}, nil
}

// addScopes adds the resource's scopes that no oauth2 flow declares yet to
// every flow of every oauth2 scheme.
func (s *specDoc) addScopes(r *resource, ins *[]insertion) error {
	schemes := get(s.tree, "components", "securitySchemes")
	for _, name := range s.schemes()["oauth2"] {
		flows := get(schemes, name, "flows")
		if flows == nil {
			continue
		}
		for i := 0; i+1 < len(flows.Content); i += 2 {
			keys := []string{"components", "securitySchemes", name, "flows", flows.Content[i].Value, "scopes"}
			scopes := get(s.tree, keys...)
			if scopes == nil {
				continue
			}
			var text strings.Builder
			for _, sc := range slices.Compact([]string{r.Read, r.Write}) {
				if get(scopes, sc) != nil {
					continue
				}
				what := "Read your " + r.Plural.Words + "."
				if sc == r.Write {
					what = "Create, change and delete your " + r.Plural.Words + "."
				}
				if r.Read == r.Write {
					what = "Read, create, change and delete your " + r.Plural.Words + "."
				}
				fmt.Fprintf(&text, "%s: %s\n", sc, what)
			}
			if text.Len() > 0 {
				*ins = append(*ins, insertion{s.end(keys...), indent(text.String(), s.indentOf(keys...))})
			}
		}
	}
	return nil
}

// addParentLinks links the parent's create to the resource's list and
// create, which need the parent's id: the conformance suite follows them.
func (s *specDoc) addParentLinks(r *resource, render func(string) (string, error), ins *[]insertion) error {
	create := s.operations()["create"+r.Parent.Name.Pascal]
	method := ""
	item := get(s.tree, "paths", create.path)
	for i := 0; i+1 < len(item.Content); i += 2 {
		if item.Content[i+1] == create.op {
			method = item.Content[i].Value
		}
	}
	keys := []string{"paths", create.path, method, "responses", "201"}
	if get(s.tree, keys...) == nil {
		return fmt.Errorf("create%s has no 201 response to link the %s from", r.Parent.Name.Pascal, r.Plural.Words)
	}
	text, err := render("spec_links.yaml.tmpl")
	if err != nil {
		return err
	}
	if get(s.tree, append(keys, "links")...) == nil {
		*ins = append(*ins, insertion{s.end(keys...), indent("links:\n"+indent(text, "  "), s.indentOf(keys...))})
		return nil
	}
	keys = append(keys, "links")
	*ins = append(*ins, insertion{s.end(keys...), indent(text, s.indentOf(keys...))})
	return nil
}

// validate loads the spec as the server will and validates it.
func validate(src []byte) error {
	doc, err := openapi3.NewLoader().LoadFromData(src)
	if err != nil {
		return err
	}
	return doc.Validate(context.Background())
}

// responseRefs are the components.responses each status refers to.
var responseRefs = map[string]string{
	"400": "BadRequest", "401": "Unauthorized", "403": "Forbidden", "404": "NotFound",
	"412": "PreconditionFailed", "413": "PayloadTooLarge", "415": "UnsupportedMediaType",
	"428": "PreconditionRequired", "429": "TooManyRequests", "500": "InternalError", "503": "ServiceUnavailable",
}

// Responses renders the error responses of an operation (list, create,
// get, update, patch, delete), at the indent of a responses entry: those
// the sample resource documents, which the spec declares.
func (r *resource) Responses(op string) string {
	codes := map[string][]string{
		"list":   {"400", "401", "403", "429", "500", "503"},
		"create": {"400", "401", "403", "413", "415", "429", "500", "503"},
		"get":    {"400", "401", "403", "404", "429", "500", "503"},
		"update": {"400", "401", "403", "404", "412", "413", "415", "428", "429", "500", "503"},
		"delete": {"400", "401", "403", "404", "412", "428", "429", "500", "503"},
	}
	codes["patch"] = codes["update"]
	list := codes[op]
	if r.Parent != nil && (op == "list" || op == "create") {
		list = append(list, "404") // the parent is missing
		slices.Sort(list)
	}
	var b strings.Builder
	for _, c := range list {
		if get(r.spec.tree, "components", "responses", responseRefs[c]) == nil {
			continue
		}
		fmt.Fprintf(&b, "      %q:\n        $ref: \"#/components/responses/%s\"\n", c, responseRefs[c])
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// link is a link from the create's 201 to an operation on the new row.
type link struct{ Name, Op, Description string }

// Links are the create's links, which the conformance suite follows.
func (r *resource) Links() []link {
	var out []link
	for _, l := range []struct{ verb, method, what string }{
		{"Get", "GET", "reads it"}, {"Update", "PUT", "replaces it"},
		{"Patch", "PATCH", "changes some of its fields"}, {"Delete", "DELETE", "deletes it"},
	} {
		out = append(out, link{
			Name: l.verb + r.Name.Pascal, Op: strings.ToLower(l.verb) + r.Name.Pascal,
			Description: fmt.Sprintf("The new %s's `id` %s with `%s %s`.", r.Name.Words, l.what, l.method, r.Item()),
		})
	}
	return out
}

// ExamplePath is the path of the example row, for the Location example.
func (r *resource) ExamplePath() string {
	p := r.Item()
	if r.Parent != nil {
		p = strings.Replace(p, "{"+r.Parent.Param+"}", r.Parent.ExampleID(), 1)
	}
	return strings.Replace(p, "{id}", r.ExampleID(), 1)
}

// ServerPath is the path of the spec's first server URL (/v1), which a
// Location holds before the resource's path: "" for none.
func (r *resource) ServerPath() string {
	servers := get(r.spec.tree, "servers")
	if servers == nil || servers.Kind != yaml.SequenceNode || len(servers.Content) == 0 {
		return ""
	}
	first := get(servers.Content[0], "url")
	if first == nil {
		return ""
	}
	u, err := url.Parse(first.Value)
	if err != nil {
		return ""
	}
	return strings.TrimSuffix(u.Path, "/")
}

// NewParentParam reports whether the spec lacks the parameter of the
// parent's id (a second nested resource of a parent shares it).
func (r *resource) NewParentParam() bool {
	return r.Parent != nil && get(r.spec.tree, "components", "parameters", r.Parent.ParamRef) == nil
}
