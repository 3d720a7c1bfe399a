package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"maps"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/gotooltest"
)

// The fast tests of make resource: FIELDS, plurals, the sample and invalid
// values the generated tests use, and run() on a copy of the repository
// with -no-generate (no go tool, no make). generate_test.go builds and tests
// what it writes.

func TestParseFields(t *testing.T) {
	t.Parallel()
	// want is what a field must parse to; bounds are strings, as the spec
	// holds them.
	type want struct {
		name, typ string
		optional  bool
		min, max  string
		enum      []string
	}
	for _, c := range []struct {
		fields string
		parent string // the parent's id member, for a nested resource
		want   []want
	}{
		{fields: "name:string", want: []want{{name: "name", typ: "string", max: "200"}}},
		{fields: "name:string:1..100", want: []want{{name: "name", typ: "string", min: "1", max: "100"}}},
		{fields: "name:string:3..", want: []want{{name: "name", typ: "string", min: "3", max: "200"}}},
		{fields: "name:string:..50", want: []want{{name: "name", typ: "string", max: "50"}}},
		{fields: "body:text", want: []want{{name: "body", typ: "text", max: "10000"}}},
		{fields: "body:text:1..2000", want: []want{{name: "body", typ: "text", min: "1", max: "2000"}}},
		{fields: "qty:integer", want: []want{{name: "qty", typ: "integer"}}},
		{fields: "qty:integer:-5..5", want: []want{{name: "qty", typ: "integer", min: "-5", max: "5"}}},
		{fields: "qty:integer:1..", want: []want{{name: "qty", typ: "integer", min: "1"}}},
		{fields: "qty:integer:..100", want: []want{{name: "qty", typ: "integer", max: "100"}}},
		// Bounds are written as JSON spells them: YAML reads 010 as 8.
		{fields: "qty:integer:010..+20", want: []want{{name: "qty", typ: "integer", min: "10", max: "20"}}},
		{fields: "price:number", want: []want{{name: "price", typ: "number"}}},
		{fields: "price:number:0.5..1e6", want: []want{{name: "price", typ: "number", min: "0.5", max: "1000000"}}},
		{fields: "done:boolean", want: []want{{name: "done", typ: "boolean"}}},
		{fields: "due_at:date-time", want: []want{{name: "due_at", typ: "date-time"}}},
		{fields: "state:enum(a|b|c)", want: []want{{name: "state", typ: "enum", enum: []string{"a", "b", "c"}}}},
		{fields: "state:enum(in-progress|v1.0|done_2)?", want: []want{{name: "state", typ: "enum", optional: true, enum: []string{"in-progress", "v1.0", "done_2"}}}},
		{fields: "archived:boolean?", want: []want{{name: "archived", typ: "boolean", optional: true}}},
		{fields: "note:text?:..50", want: []want{{name: "note", typ: "text", optional: true, max: "50"}}},
		{fields: "name:string:1..100,archived:boolean?", want: []want{
			{name: "name", typ: "string", min: "1", max: "100"},
			{name: "archived", typ: "boolean", optional: true},
		}},
		{fields: " a1:integer , b_c:date-time? ", want: []want{{name: "a1", typ: "integer"}, {name: "b_c", typ: "date-time", optional: true}}},
		// task_id is reserved only in a resource nested under task.
		{fields: "task_id:string", want: []want{{name: "task_id", typ: "string", max: "200"}}},
	} {
		t.Run(c.fields, func(t *testing.T) {
			t.Parallel()
			fields, err := parseFields(c.fields, c.parent)
			if err != nil {
				t.Fatal(err)
			}
			var got []want
			for _, f := range fields {
				got = append(got, want{f.Name.Snake, f.Type, f.Optional, f.Min, f.Max, f.Enum})
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("parseFields(%q)\n got %+v\nwant %+v", c.fields, got, c.want)
			}
		})
	}
}

func TestParseFieldsRefuses(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		fields, parent string
		want           string // in the error
	}{
		{fields: "", want: "FIELDS is empty"},
		{fields: "  ", want: "FIELDS is empty"},
		{fields: "name", want: "want name:type"},
		{fields: "name:varchar", want: `unknown type "varchar"`},
		{fields: "name:String", want: `unknown type "String"`},
		{fields: "name:enum", want: "an enum lists its values: enum(a|b|c)"},
		{fields: "name:enum(a|b", want: `unknown type "enum(a|b"`},
		{fields: "Name:string", want: "snake_case"},
		{fields: "firstName:string", want: "snake_case"},
		{fields: "1name:string", want: "snake_case"},
		{fields: "name_:string", want: "snake_case"},
		{fields: "first__name:string", want: "snake_case"},
		{fields: "first-name:string", want: "snake_case"},
		{fields: "id:string", want: `field "id": every resource has`},
		{fields: "owner:string", want: `field "owner": every resource has`},
		{fields: "created_at:date-time", want: `field "created_at": every resource has`},
		{fields: "updated_at:date-time", want: `field "updated_at": every resource has`},
		{fields: "version:integer", want: `field "version": every resource has`},
		{fields: "task_id:string", parent: "task_id", want: `field "task_id": every resource has`},
		{fields: "name:string,name:text", want: `field "name" is given twice`},
		{fields: "done:boolean:0..1", want: "a boolean takes no min..max"},
		{fields: "at:date-time:1..2", want: "a date-time takes no min..max"},
		{fields: "state:enum(a|b):1..2", want: "an enum takes no min..max"},
		{fields: "name:string:10..5", want: "min 10 is above max 5"},
		{fields: "qty:integer:5..-5", want: "min 5 is above max -5"},
		{fields: "price:number:1.5..1.25", want: "min 1.5 is above max 1.25"},
		{fields: "name:string:201..", want: "min 201 is above max 200"},     // the default max
		{fields: "body:text:10001..", want: "min 10001 is above max 10000"}, // the default max
		{fields: "name:string:a..b", want: `min "a"`},
		{fields: "name:string:1..x", want: `max "x"`},
		{fields: "qty:integer:1.5..", want: `min "1.5"`},
		{fields: "price:number:..1e400", want: `max "1e400"`},
		{fields: "price:number:NaN..", want: "not a finite number"},
		{fields: "price:number:..Inf", want: "not a finite number"},
		{fields: "name:string:-1..5", want: "a length is not negative"},
		{fields: "body:text:..-1", want: "a length is not negative"},
		{fields: "name:string:..", want: "want min..max"},
		{fields: "name:string:5", want: "want min..max"},
		{fields: "state:enum(a|a)", want: "an enum value is given twice"},
		{fields: "state:enum(a|b c)", want: `enum value "b c"`},
		{fields: "state:enum(a||b)", want: `enum value ""`},
		{fields: "state:enum()", want: `enum value ""`},
		{fields: "state:enum(-a)", want: `enum value "-a"`},
		// An integer JSON holds exactly (RFC 7493) must be allowed.
		{fields: "qty:integer:9007199254740992..", want: "within ±9007199254740991"},
		// A minimum length whose value would not fit in a request body.
		{fields: "body:text:1000000..2000000", want: "would not fit in a request body"},
	} {
		t.Run(c.fields, func(t *testing.T) {
			t.Parallel()
			fields, err := parseFields(c.fields, c.parent)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("parseFields(%q, %q) = %+v, %v; want an error with %q", c.fields, c.parent, fields, err, c.want)
			}
		})
	}
}

func TestPlural(t *testing.T) {
	t.Parallel()
	// flect gets these right. It does not get every noun right: it gives
	// octopus → octupuses. PLURAL= is for those.
	for singular, want := range map[string]string{
		"project":       "projects",
		"category":      "categories",
		"box":           "boxes",
		"person":        "people",
		"line_item":     "line_items",
		"status":        "statuses",
		"child":         "children",
		"address":       "addresses",
		"person_status": "person_statuses",
	} {
		if got := plural(singular); got != want {
			t.Errorf("plural(%q) = %q, want %q", singular, got, want)
		}
	}
}

func TestNames(t *testing.T) {
	t.Parallel()
	got := newNames("line_item")
	want := names{Snake: "line_item", Pascal: "LineItem", Camel: "lineItem", Kebab: "line-item", Words: "line item"}
	if got != want {
		t.Errorf("newNames(line_item) = %+v, want %+v", got, want)
	}
}

// TestSamples checks the values the generated tests and the spec's
// examples use: both samples are valid by the field's schema as the spec
// holds it (checked by kin-openapi, as the server's validator does) and by
// its bounds; they differ when the bounds allow it; each is a Go value of
// the field's type (no constant overflows); and every Invalid value is
// refused by the schema.
func TestSamples(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		field  string
		differ bool // the bounds allow two values
	}{
		{"name:string:1..100", true},
		{"title:string", true},
		{"code:string:2..2", true},
		{"initial:string:1..1", true},
		{"padded:string:30..40", true},
		{"nothing:string:0..0", false},
		{"nick:string?:..8", true},
		{"body:text:1..2000", true},
		{"notes:text", true},
		{"notes:text?", true},
		{"qty:integer", true},
		{"qty:integer:1..", true},
		{"qty:integer:..-5", true},
		{"qty:integer:-3..3", true},
		{"qty:integer?:1..2", true},
		{"one:integer:5..5", false},
		{"big:integer:..9223372036854775807", true},
		{"small:integer:-9223372036854775808..", true},
		{"all:integer:-9223372036854775808..9223372036854775807", true},
		{"edge:integer:9007199254740990..9223372036854775806", true},
		{"price:number", true},
		{"price:number:0..1e6", true},
		{"narrow:number:0.5..0.6", true},
		{"point:number:2.5..2.5", false},
		{"huge:number:..1e20", true},
		{"far:number:1e300..", true},
		{"weight:number?:..0.5", true},
		{"done:boolean", true},
		{"archived:boolean?", true},
		{"due_at:date-time", true},
		{"due_at:date-time?", true},
		{"state:enum(a|b|c)", true},
		{"state:enum(true|false|null)?", true},
		{"only:enum(x)", false},
	} {
		t.Run(c.field, func(t *testing.T) {
			t.Parallel()
			f, err := parseField(c.field)
			if err != nil {
				t.Fatal(err)
			}
			schema := loadSchema(t, f)
			for n, sample := range []string{f.Sample(), f.Sample2()} {
				v := asRequest(t, goConstant(t, sample))
				if err := schema.VisitJSON(v, openapi3.EnableFormatValidation()); err != nil {
					t.Errorf("sample %d %s is not valid: %v", n+1, sample, err)
				}
				checkInBounds(t, f, sample)
			}
			if f.Differs() != c.differ || (f.Sample() != f.Sample2()) != c.differ {
				t.Errorf("samples %s and %s: differ = %v, want %v", f.Sample(), f.Sample2(), f.Differs(), c.differ)
			}
			for n, g := range []string{f.GoSample(), f.GoSample2()} {
				checkGoSample(t, f, g, []string{f.Sample(), f.Sample2()}[n])
			}
			for _, bad := range f.Invalid() {
				v := asRequest(t, goValue(t, bad.Value))
				if err := schema.VisitJSON(v, openapi3.EnableFormatValidation()); err == nil {
					t.Errorf("invalid value %q (%s) is valid by the schema", bad.Value, bad.Why)
				}
			}
		})
	}
}

// TestInvalid checks that Invalid names the cases on each side of the
// bounds, with the values just beyond them.
func TestInvalid(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		field string
		want  map[string]any // why → the value, as the generated test sends it
	}{
		{"name:string:1..100", map[string]any{
			"shorter than 1": "", "longer than 100": strings.Repeat("x", 101),
			"a line break in one line": "a\nb", "a number": 42, "null": nil,
		}},
		{"body:text?:5..", map[string]any{
			"shorter than 5": "xxxx", "longer than 10000": strings.Repeat("x", 10001),
			"a control character": "a\u0007b", "a number": 42,
		}},
		// A maximum length whose value would not fit in a request body is
		// not tested (the server answers 413 before it checks the length).
		{"blob:text:..2000000", map[string]any{"a control character": "a\u0007b", "a number": 42, "null": nil}},
		{"qty:integer:1..10", map[string]any{"below 1": 0, "above 10": 11, "a fraction": 0.5, "a string": "1", "null": nil}},
		{"big:integer:..9223372036854775807", map[string]any{"a fraction": 0.5, "a string": "1", "null": nil}},
		{"big:integer:..9223372036854775806", map[string]any{"a fraction": 0.5, "a string": "1", "null": nil}},
		{"small:integer:-9223372036854775808..", map[string]any{"a fraction": 0.5, "a string": "1", "null": nil}},
		// 2^53+1 is 2^53 as a float64, which the validator compares.
		{"edge:integer:..9007199254740992", map[string]any{"above 9007199254740992": 9007199254740994, "a fraction": 0.5, "a string": "1", "null": nil}},
		{"price:number:0.5..1e20", map[string]any{"below 0.5": -0.5, "above 100000000000000000000": 1.0000000000000002e20, "a string": "1", "null": nil}},
		{"done:boolean?", map[string]any{"a string": "true"}},
		{"at:date-time", map[string]any{"not a date-time": "yesterday", "null": nil}},
		{"state:enum(not-a-value|b)", map[string]any{"not one of the values": "not-a-value-", "null": nil}},
	} {
		t.Run(c.field, func(t *testing.T) {
			t.Parallel()
			f, err := parseField(c.field)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]any{}
			for _, bad := range f.Invalid() {
				got[bad.Why] = goValue(t, bad.Value)
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("Invalid()\n got %v\nwant %v", got, c.want)
			}
		})
	}
}

func TestBeyond(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		typ, bound string
		dir        int64
		want       string // "" for none
	}{
		{"integer", "10", +1, "11"},
		{"integer", "-10", -1, "-11"},
		{"integer", "", +1, ""},
		{"integer", strconv.FormatInt(math.MaxInt64, 10), +1, ""},
		{"integer", strconv.FormatInt(math.MinInt64, 10), -1, ""},
		{"integer", strconv.FormatInt(math.MaxInt64-1, 10), +1, ""}, // MaxInt64 is the same float64
		{"integer", "9007199254740992", +1, "9007199254740994"},
		{"integer", "-9007199254740992", -1, "-9007199254740994"},
		{"integer", "9007199254740993", +1, "9007199254740994"},
		{"number", "0.5", -1, "-0.5"},
		{"number", "0.5", +1, "1.5"},
		{"number", "1e20", +1, "100000000000000020000.0"}, // the next float64
		{"number", "-1e20", -1, "-100000000000000020000.0"},
		{"number", strconv.FormatFloat(math.MaxFloat64, 'g', -1, 64), +1, ""},
	} {
		t.Run(fmt.Sprint(c.typ, c.bound, c.dir), func(t *testing.T) {
			t.Parallel()
			got, ok := field{Type: c.typ}.beyond(c.bound, c.dir)
			if got != c.want || ok != (c.want != "") {
				t.Fatalf("beyond(%s, %d) = %q, %v; want %q", c.bound, c.dir, got, ok, c.want)
			}
			if !ok {
				return
			}
			// Beyond the bound as the validator compares: in float64.
			b, _ := strconv.ParseFloat(c.bound, 64)
			v, _ := strconv.ParseFloat(got, 64)
			if (c.dir > 0 && v <= b) || (c.dir < 0 && v >= b) {
				t.Errorf("%s is not beyond %s as a float64", got, c.bound)
			}
			if c.typ == "integer" {
				if _, err := strconv.ParseInt(got, 10, 64); err != nil {
					t.Errorf("%s is no int64: %v", got, err)
				}
			}
		})
	}
}

// loadSchema returns the field's schema as the spec holds it, loaded and
// validated by kin-openapi (which checks its example too).
func loadSchema(t *testing.T, f field) *openapi3.Schema {
	t.Helper()
	doc := "openapi: 3.0.3\ninfo: {title: t, version: \"1\"}\npaths: {}\ncomponents:\n  schemas:\n    F:\n" + indent(f.Schema(false), "      ")
	loaded, err := openapi3.NewLoader().LoadFromData([]byte(doc))
	if err == nil {
		err = loaded.Validate(context.Background())
	}
	if err != nil {
		t.Fatalf("the schema does not load: %v\n%s", err, doc)
	}
	return loaded.Components.Schemas["F"].Value
}

// asRequest returns v as the server's validator sees it in a request:
// encoded to JSON, decoded with json.Number.
func asRequest(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("%v does not encode: %v", v, err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if err := dec.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// goValue evaluates expr as the generated tests do, where it is a value in
// a map[string]any: a constant (an untyped integer becomes an int, so it
// must fit one), nil, or strings.Repeat("x", n).
func goValue(t *testing.T, expr string) any {
	t.Helper()
	e, err := parser.ParseExpr(expr)
	if err != nil {
		t.Fatalf("%s is no Go expression: %v", expr, err)
	}
	if call, ok := e.(*ast.CallExpr); ok {
		if fun, ok := call.Fun.(*ast.SelectorExpr); ok && fmt.Sprint(fun.X) == "strings" && fun.Sel.Name == "Repeat" && len(call.Args) == 2 {
			s, _ := goValue(t, types.ExprString(call.Args[0])).(string)
			n, _ := goValue(t, types.ExprString(call.Args[1])).(int)
			return strings.Repeat(s, n)
		}
		t.Fatalf("%s: the test knows no such call", expr)
	}
	return goConstant(t, expr)
}

// goConstant evaluates a constant expression (or nil) to the value an any
// holds when it is given the constant.
func goConstant(t *testing.T, expr string) any {
	t.Helper()
	tv, err := types.Eval(token.NewFileSet(), nil, token.NoPos, expr)
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	if tv.IsNil() {
		return nil
	}
	if tv.Value == nil {
		t.Fatalf("%s is not a constant", expr)
	}
	switch tv.Value.Kind() {
	case constant.String:
		return constant.StringVal(tv.Value)
	case constant.Bool:
		return constant.BoolVal(tv.Value)
	case constant.Int:
		n, exact := constant.Int64Val(tv.Value)
		if !exact {
			t.Fatalf("%s overflows an int", expr)
		}
		return int(n)
	case constant.Float:
		v, _ := constant.Float64Val(tv.Value)
		return v
	}
	t.Fatalf("%s: unexpected constant %v", expr, tv.Value)
	return nil
}

// checkInBounds checks a sample against the field's bounds, in the
// field's own terms: a length, an int64 or a float64.
func checkInBounds(t *testing.T, f field, sample string) {
	t.Helper()
	switch f.Type {
	case "string", "text":
		s, err := strconv.Unquote(sample)
		if err != nil {
			t.Fatalf("sample %s: %v", sample, err)
		}
		lo, _ := strconv.Atoi(f.Min)
		hi, _ := strconv.Atoi(f.Max)
		if len(s) < lo || len(s) > hi {
			t.Errorf("sample %s has length %d, want %s..%s", sample, len(s), f.Min, f.Max)
		}
	case "integer":
		v, err := strconv.ParseInt(sample, 10, 64)
		if err != nil {
			t.Fatalf("sample %s is no int64: %v", sample, err)
		}
		if lo, err := strconv.ParseInt(f.Min, 10, 64); err == nil && v < lo {
			t.Errorf("sample %d is below %d", v, lo)
		}
		if hi, err := strconv.ParseInt(f.Max, 10, 64); err == nil && v > hi {
			t.Errorf("sample %d is above %d", v, hi)
		}
		// Within what JSON numbers hold exactly, as the spec's examples
		// are read (kin-openapi: float64).
		if float64(v) > 1<<53 || float64(v) < -1<<53 {
			t.Errorf("sample %d is beyond ±2^53", v)
		}
	case "number":
		v, err := strconv.ParseFloat(sample, 64)
		if err != nil {
			t.Fatalf("sample %s: %v", sample, err)
		}
		if lo, err := strconv.ParseFloat(f.Min, 64); err == nil && v < lo {
			t.Errorf("sample %v is below %v", v, lo)
		}
		if hi, err := strconv.ParseFloat(f.Max, 64); err == nil && v > hi {
			t.Errorf("sample %v is above %v", v, hi)
		}
	}
}

// checkGoSample checks that g, a sample as a Go value of the field's domain
// type, is one (type-checked) and is the JSON sample.
func checkGoSample(t *testing.T, f field, g, jsonSample string) {
	t.Helper()
	if f.Type == "date-time" {
		at, err := time.Parse(time.RFC3339, strings.Trim(jsonSample, `"`))
		if err != nil {
			t.Fatal(err)
		}
		want := fmt.Sprintf("time.Date(%d, %d, %d, %d, %d, %d, 0, time.UTC)", at.Year(), at.Month(), at.Day(), at.Hour(), at.Minute(), at.Second())
		if f.Optional {
			want = "new(" + want + ")"
		}
		if g != want {
			t.Errorf("Go sample %s, want %s (the JSON sample %s)", g, want, jsonSample)
		}
		return
	}
	expr := g
	if !f.Optional {
		expr = f.GoType() + "(" + g + ")" // fails if the constant overflows the type
	}
	tv, err := types.Eval(token.NewFileSet(), nil, token.NoPos, expr)
	if err != nil {
		t.Fatalf("Go sample %s: %v", g, err)
	}
	if tv.Type.String() != f.GoType() {
		t.Errorf("Go sample %s is a %s, want a %s", g, tv.Type, f.GoType())
	}
	// The same literal: x, or new(x), or new(int64(x)) and new(float64(x)).
	inner := g
	if f.Optional {
		inner = strings.TrimSuffix(strings.TrimPrefix(g, "new("), ")")
		for _, conv := range []string{"int64(", "float64("} {
			if rest, ok := strings.CutPrefix(inner, conv); ok {
				inner = strings.TrimSuffix(rest, ")")
			}
		}
	}
	if inner != jsonSample {
		t.Errorf("Go sample %s is not the JSON sample %s", g, jsonSample)
	}
}

// The tests of run() below work on copies of the repository.

// repoRoot is the repository's root: the first folder above this one that
// holds go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = parent
	}
}

// copyRepo copies the repository's tracked files into a new temporary
// folder.
func copyRepo(t *testing.T) string {
	t.Helper()
	return gotooltest.CopyTree(t, repoRoot(t))
}

// generate runs the command in root as `make resource` does (its variables
// as flags, the empty ones too), with -no-generate, so that only files are
// written: no make, no go tool, no git. It returns what it printed.
func generate(t *testing.T, root string, vars map[string]string, extra ...string) (string, error) {
	t.Helper()
	args := []string{"-C", root, "-no-generate"}
	for _, v := range []string{"name", "parent", "fields", "plural", "scopes"} {
		args = append(args, "-"+v, vars[v])
	}
	var stdout, stderr bytes.Buffer
	err := run(append(args, extra...), &stdout, &stderr)
	return stdout.String() + stderr.String(), err
}

// snapshot returns a digest of every file under root, by its path.
func snapshot(t *testing.T, root string) map[string][32]byte {
	t.Helper()
	files := map[string][32]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		files[filepath.ToSlash(rel)] = sha256.Sum256(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// changes returns the files that are new in after and those whose content
// changed, sorted; it fails t if a file was removed.
// refused runs the command in root with vars and extra, and checks that it
// refuses with an error containing want and writes nothing.
func refused(t *testing.T, root string, vars map[string]string, want string, extra ...string) {
	t.Helper()
	before := snapshot(t, root)
	out, err := generate(t, root, vars, extra...)
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want a refusal with %q\n%s", err, want, out)
	}
	if added, changed := changes(t, before, snapshot(t, root)); len(added)+len(changed) > 0 {
		t.Errorf("the refused run wrote %v and changed %v", added, changed)
	}
}

func changes(t *testing.T, before, after map[string][32]byte) (added, changed []string) {
	t.Helper()
	for p, sum := range after {
		if old, ok := before[p]; !ok {
			added = append(added, p)
		} else if old != sum {
			changed = append(changed, p)
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			t.Errorf("%s was removed", p)
		}
	}
	slices.Sort(added)
	slices.Sort(changed)
	return added, changed
}

// nextMigrationIn is the number the next migration must have in root: one
// more than the highest of any engine.
func nextMigrationIn(t *testing.T, root string) string {
	t.Helper()
	highest := 0
	names, _ := filepath.Glob(filepath.Join(root, "impl", "store", "*", "migrations", "*.sql"))
	for _, n := range names {
		digits, _, _ := strings.Cut(filepath.Base(n), "_")
		if v, err := strconv.Atoi(digits); err == nil {
			highest = max(highest, v)
		}
	}
	if highest == 0 {
		t.Fatalf("no migrations in %s", root)
	}
	return fmt.Sprintf("%05d", highest+1)
}

// newFiles are the files a resource with this plural gets.
func newFiles(plural, migration string) []string {
	files := []string{
		"impl/domain/" + plural + ".go",
		"impl/api/" + plural + ".go",
		"impl/store/sqlite/" + plural + ".go",
		"impl/store/postgres/" + plural + ".go",
		"impl/store/sqlite/migrations/" + migration + "_create_" + plural + ".sql",
		"impl/store/postgres/migrations/" + migration + "_create_" + plural + ".sql",
		"impl/store/" + plural + "_test.go",
		"impl/httpapi/" + plural + "_test.go",
	}
	slices.Sort(files)
	return files
}

// edited are the existing files a resource changes.
var edited = []string{"impl/domain/stores.go", "openapi.yaml"}

// loadDoc loads root's openapi.yaml with kin-openapi and validates it.
func loadDoc(t *testing.T, root string) *openapi3.T {
	t.Helper()
	// From the bytes: LoadFromFile caches files by path, across loaders.
	data, err := os.ReadFile(filepath.Join(root, "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml does not validate: %v", err)
	}
	return doc
}

// operation returns the operation with this id, and its path.
func operation(t *testing.T, doc *openapi3.T, id string) (string, *openapi3.Operation) {
	t.Helper()
	for path, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.OperationID == id {
				return path, op
			}
		}
	}
	t.Fatalf("openapi.yaml has no operation %s", id)
	return "", nil
}

// scopes returns the scopes an operation's security requirements name.
func scopes(t *testing.T, doc *openapi3.T, id string) []string {
	t.Helper()
	_, op := operation(t, doc, id)
	if op.Security == nil {
		t.Fatalf("%s has no security of its own", id)
	}
	var out []string
	for _, req := range *op.Security {
		for _, s := range req {
			out = append(out, s...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// declaredScopes returns the scopes every flow of every oauth2 scheme
// declares (those all the flows have).
func declaredScopes(t *testing.T, doc *openapi3.T) map[string]bool {
	t.Helper()
	var all map[string]bool
	for _, ref := range doc.Components.SecuritySchemes {
		if ref.Value.Type != "oauth2" || ref.Value.Flows == nil {
			continue
		}
		fl := ref.Value.Flows
		for _, flow := range []*openapi3.OAuthFlow{fl.Implicit, fl.Password, fl.ClientCredentials, fl.AuthorizationCode} {
			if flow == nil {
				continue
			}
			if all == nil {
				all = map[string]bool{}
				for s := range flow.Scopes {
					all[s] = true
				}
			}
			for s := range all {
				if _, ok := flow.Scopes[s]; !ok {
					delete(all, s)
				}
			}
		}
	}
	if all == nil {
		t.Fatal("openapi.yaml has no oauth2 flow")
	}
	return all
}

func TestRunDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	root := copyRepo(t)
	before := snapshot(t, root)
	out, err := generate(t, root, map[string]string{"name": "project", "fields": "name:string:1..100,archived:boolean?"}, "-dry-run")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if added, changed := changes(t, before, snapshot(t, root)); len(added)+len(changed) > 0 {
		t.Errorf("the dry run wrote %v and changed %v", added, changed)
	}
	for _, f := range newFiles("projects", nextMigrationIn(t, root)) {
		if !strings.Contains(out, "==> "+f+" (new,") {
			t.Errorf("the dry run does not show the new %s", f)
		}
	}
	for _, f := range edited {
		if !strings.Contains(out, "==> "+f+" (changed,") {
			t.Errorf("the dry run does not show the change of %s", f)
		}
	}
	if !strings.Contains(out, "+\tProjectStore") || !strings.Contains(out, "operationId: listProjects") {
		t.Errorf("the dry run does not show what it would add:\n%s", out)
	}
}

func TestRunTopLevel(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		vars  map[string]string
		setup func(t *testing.T, root string) // before the run, if not nil
		// want: its plural, the collection's path, the operationIds' suffix
		// (listPlural, createName…), and the scopes of reads and writes.
		plural, path, list, one, read, write string
	}{
		{
			name: "default scopes", vars: map[string]string{"name": "project", "fields": "name:string:1..100,archived:boolean?"},
			plural: "projects", path: "/projects", list: "Projects", one: "Project", read: "projects:read", write: "projects:write",
		},
		{
			name: "irregular plural", vars: map[string]string{"name": "person", "fields": "name:string"},
			plural: "people", path: "/people", list: "People", one: "Person", read: "people:read", write: "people:write",
		},
		{
			name: "PLURAL and SCOPES", vars: map[string]string{"name": "person", "fields": "name:string", "plural": "persons", "scopes": "staff:read staff:write"},
			plural: "persons", path: "/persons", list: "Persons", one: "Person", read: "staff:read", write: "staff:write",
		},
		{
			name: "one scope, two words", vars: map[string]string{"name": "line_item", "fields": "qty:integer:1..,price:number?,state:enum(open|closed),due_at:date-time?", "scopes": "orders"},
			plural: "line_items", path: "/line-items", list: "LineItems", one: "LineItem", read: "orders", write: "orders",
		},
		{
			// The next migration follows the highest of any engine.
			name: "after a later migration", vars: map[string]string{"name": "project", "fields": "name:string"},
			setup: func(t *testing.T, root string) {
				p := filepath.Join(root, "impl", "store", "postgres", "migrations", "00041_index_tasks.sql")
				if err := os.WriteFile(p, []byte("-- +goose Up\n"), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			plural: "projects", path: "/projects", list: "Projects", one: "Project", read: "projects:read", write: "projects:write",
		},
		{
			// The Location example starts with the server's path.
			name: "another server URL", vars: map[string]string{"name": "project", "fields": "name:string"},
			setup: func(t *testing.T, root string) {
				p := filepath.Join(root, "openapi.yaml")
				spec, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				old := []byte("  - url: " + loadDoc(t, root).Servers[0].URL + "\n")
				if !bytes.Contains(spec, old) {
					t.Fatalf("test bug: %q is not in openapi.yaml", old)
				}
				if err := os.WriteFile(p, bytes.Replace(spec, old, []byte("  - url: https://api.example.com/orders/v2/\n"), 1), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			plural: "projects", path: "/projects", list: "Projects", one: "Project", read: "projects:read", write: "projects:write",
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			root := copyRepo(t)
			if c.setup != nil {
				c.setup(t, root)
			}
			migration := nextMigrationIn(t, root)
			before := snapshot(t, root)
			out, err := generate(t, root, c.vars)
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}

			added, changed := changes(t, before, snapshot(t, root))
			if want := newFiles(c.plural, migration); !slices.Equal(added, want) {
				t.Errorf("new files\n %v\nwant\n %v", added, want)
			}
			if !slices.Equal(changed, edited) {
				t.Errorf("changed files %v, want %v", changed, edited)
			}
			for _, f := range append(newFiles(c.plural, migration), edited...) {
				if !strings.Contains(out, f) {
					t.Errorf("the report does not list %s:\n%s", f, out)
				}
			}
			if src, _ := os.ReadFile(filepath.Join(root, "impl", "domain", "stores.go")); !bytes.Contains(src, []byte("\n\t"+c.one+"Store\n")) {
				t.Errorf("domain.Stores does not embed %sStore:\n%s", c.one, src)
			}

			doc := loadDoc(t, root)
			for id, want := range map[string]struct{ path, scope string }{
				"list" + c.list:  {c.path, c.read},
				"create" + c.one: {c.path, c.write},
				"get" + c.one:    {c.path + "/{id}", c.read},
				"update" + c.one: {c.path + "/{id}", c.write},
				"patch" + c.one:  {c.path + "/{id}", c.write},
				"delete" + c.one: {c.path + "/{id}", c.write},
			} {
				if path, _ := operation(t, doc, id); path != want.path {
					t.Errorf("%s is at %s, want %s", id, path, want.path)
				}
				if got := scopes(t, doc, id); !slices.Equal(got, []string{want.scope}) {
					t.Errorf("%s needs the scopes %v, want [%s]", id, got, want.scope)
				}
			}
			server, err := url.Parse(doc.Servers[0].URL)
			if err != nil {
				t.Fatal(err)
			}
			_, create := operation(t, doc, "create"+c.one)
			location := create.Responses.Status(201).Value.Headers["Location"].Value.Example
			if want := strings.TrimSuffix(server.Path, "/") + c.path + "/"; !strings.HasPrefix(fmt.Sprint(location), want) {
				t.Errorf("the Location example is %v, want %s…", location, want)
			}

			declared := declaredScopes(t, doc)
			for _, s := range []string{c.read, c.write} {
				if !declared[s] {
					t.Errorf("the oauth2 flows do not declare %s: %v", s, slices.Sorted(maps.Keys(declared)))
				}
			}
		})
	}
}

func TestRunNested(t *testing.T) {
	t.Parallel()
	root := copyRepo(t)
	migration := nextMigrationIn(t, root)
	before := snapshot(t, root)
	beforeDoc := loadDoc(t, root)
	out, err := generate(t, root, map[string]string{"name": "comment", "parent": "task", "fields": "body:text:1..2000"})
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	added, changed := changes(t, before, snapshot(t, root))
	if want := newFiles("comments", migration); !slices.Equal(added, want) {
		t.Errorf("new files\n %v\nwant\n %v", added, want)
	}
	if !slices.Equal(changed, edited) {
		t.Errorf("changed files %v, want %v", changed, edited)
	}

	doc := loadDoc(t, root)
	taskPath, _ := operation(t, doc, "createTask")
	collection := taskPath + "/{task_id}/comments"
	// The parent's scopes, as the spec gives them to its operations.
	read, write := scopes(t, beforeDoc, "getTask"), scopes(t, beforeDoc, "createTask")
	for id, want := range map[string]struct {
		path   string
		scopes []string
	}{
		"listComments":  {collection, read},
		"createComment": {collection, write},
		"getComment":    {collection + "/{id}", read},
		"updateComment": {collection + "/{id}", write},
		"patchComment":  {collection + "/{id}", write},
		"deleteComment": {collection + "/{id}", write},
	} {
		if path, _ := operation(t, doc, id); path != want.path {
			t.Errorf("%s is at %s, want %s", id, path, want.path)
		}
		if got := scopes(t, doc, id); !slices.Equal(got, want.scopes) {
			t.Errorf("%s needs the scopes %v, want the parent's %v", id, got, want.scopes)
		}
	}

	// The parent's create links to the list and the create, which the
	// conformance suite follows to reach the nested resource.
	_, create := operation(t, doc, "createTask")
	created := create.Responses.Status(201)
	if created == nil || created.Value == nil {
		t.Fatal("createTask has no 201")
	}
	linked := map[string]bool{}
	for _, l := range created.Value.Links {
		linked[l.Value.OperationID] = true
		if l.Value.OperationID == "listComments" || l.Value.OperationID == "createComment" {
			if got := fmt.Sprint(l.Value.Parameters["task_id"]); got != "$response.body#/id" {
				t.Errorf("the link to %s gives task_id = %s, want $response.body#/id", l.Value.OperationID, got)
			}
		}
	}
	for _, id := range []string{"listComments", "createComment"} {
		if !linked[id] {
			t.Errorf("createTask's 201 does not link to %s: %v", id, slices.Sorted(maps.Keys(linked)))
		}
	}

	// A resource can nest one level deep only.
	refused(t, root, map[string]string{"name": "reply", "parent": "comment", "fields": "body:text"}, "PARENT=comment is itself nested")
}

// TestRunTwice: a second run for the same NAME is refused and changes
// nothing, whether the spec has the resource or only its files are left.
func TestRunTwice(t *testing.T) {
	t.Parallel()
	root := copyRepo(t)
	original := map[string][]byte{}
	for _, f := range edited {
		data, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			t.Fatal(err)
		}
		original[f] = data
	}
	vars := map[string]string{"name": "project", "fields": "name:string:1..100,archived:boolean?"}
	if out, err := generate(t, root, vars); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}

	refused(t, root, vars, "listProjects") // the operation is in the spec already

	// The spec and stores.go put back (git checkout), the new files left:
	// the run refuses to overwrite them.
	for f, data := range original {
		if err := os.WriteFile(filepath.Join(root, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	refused(t, root, vars, "impl/domain/projects.go exists already")
}

func TestRunRefuses(t *testing.T) {
	t.Parallel()
	// Refused runs write nothing, so they share a copy; each checks that.
	root := copyRepo(t)
	for _, c := range []struct {
		name  string
		vars  map[string]string
		extra []string
		want  string // in the error
	}{
		{"no such parent", map[string]string{"name": "comment", "parent": "ticket", "fields": "body:text"}, nil, "PARENT=ticket: openapi.yaml has no operations createTicket and getTicket"},
		{"parent not snake_case", map[string]string{"name": "comment", "parent": "Task", "fields": "body:text"}, nil, `PARENT="Task"`},
		{"NAME in CamelCase", map[string]string{"name": "LineItem", "fields": "qty:integer"}, nil, `NAME="LineItem": give the singular name in snake_case`},
		{"NAME in kebab-case", map[string]string{"name": "line-item", "fields": "qty:integer"}, nil, `NAME="line-item"`},
		{"NAME empty", map[string]string{"fields": "qty:integer"}, nil, `NAME=""`},
		{"an existing resource", map[string]string{"name": "task", "fields": "title:string"}, nil, "openapi.yaml has an operation listTasks already"},
		{"plural is the singular", map[string]string{"name": "sheep", "fields": "name:string"}, nil, `the plural of "sheep" is itself: give another with PLURAL=`},
		{"PLURAL is the singular", map[string]string{"name": "project", "plural": "project", "fields": "name:string"}, nil, `the plural of "project" is itself`},
		{"PLURAL not snake_case", map[string]string{"name": "person", "plural": "People", "fields": "name:string"}, nil, `PLURAL="People"`},
		{"three SCOPES", map[string]string{"name": "project", "fields": "name:string", "scopes": "a b c"}, nil, `SCOPES="a b c"`},
		{"no FIELDS", map[string]string{"name": "project"}, nil, "FIELDS is empty"},
		{"a reserved field", map[string]string{"name": "comment", "parent": "task", "fields": "task_id:string"}, nil, `field "task_id": every resource has`},
		{"a bad field", map[string]string{"name": "project", "fields": "name:varchar"}, nil, `unknown type "varchar"`},
		{"an argument", map[string]string{"name": "project", "fields": "name:string"}, []string{"extra"}, `unexpected arguments ["extra"]`},
	} {
		t.Run(c.name, func(t *testing.T) { refused(t, root, c.vars, c.want, c.extra...) })
	}
}
