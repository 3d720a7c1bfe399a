package main

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gobuffalo/flect"
)

// names are one name in the spellings the generated files need.
type names struct {
	Snake  string // line_item: JSON members, columns, tables
	Pascal string // LineItem: Go types, gen's names
	Camel  string // lineItem: operationIds
	Kebab  string // line-item: URL paths
	Words  string // line item: prose
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z][a-z0-9]*)*$`)

func newNames(snake string) names {
	parts := strings.Split(snake, "_")
	var pascal strings.Builder
	for _, p := range parts {
		pascal.WriteString(strings.ToUpper(p[:1]) + p[1:])
	}
	return names{
		Snake:  snake,
		Pascal: pascal.String(),
		Camel:  parts[0] + strings.TrimPrefix(pascal.String(), strings.ToUpper(parts[0][:1])+parts[0][1:]),
		Kebab:  strings.Join(parts, "-"),
		Words:  strings.Join(parts, " "),
	}
}

// plural is the English plural of a snake_case name, its last word
// inflected (line_item → line_items, category → categories) by
// gobuffalo/flect, whose rules and irregular nouns are well kept.
func plural(snake string) string {
	i := strings.LastIndex(snake, "_")
	return snake[:i+1] + flect.Pluralize(snake[i+1:])
}

// field is one field of FIELDS: name:type[?][:min..max].
type field struct {
	Name     names
	Type     string   // string, text, integer, number, boolean, date-time, enum
	Enum     []string // the values of an enum
	Optional bool
	Min, Max string // the bounds given, "" for none: a length or a range
}

// Default lengths of a string field given no bounds: a client cannot make
// the server store megabytes in a name by accident.
const (
	defaultStringMax = "200"
	defaultTextMax   = "10000"
)

var (
	enumRE      = regexp.MustCompile(`^enum\(([^()]*)\)$`)
	enumValueRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
)

// reserved are the fields every resource has already (domain.Record) and
// names that would collide with its Go methods.
var reserved = []string{"id", "owner", "parent", "version", "created_at", "updated_at", "record", "rec", "key"}

// parseFields reads FIELDS. parentField is the name of the parent's id
// member of a nested resource ("task_id"), reserved too.
func parseFields(spec, parentField string) ([]field, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, errors.New(`FIELDS is empty: give at least one field, e.g. FIELDS="name:string:1..100,archived:boolean?"`)
	}
	var fields []field
	seen := map[string]bool{}
	for raw := range strings.SplitSeq(spec, ",") {
		f, err := parseField(strings.TrimSpace(raw))
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", raw, err)
		}
		if slices.Contains(reserved, f.Name.Snake) || f.Name.Snake == parentField {
			return nil, fmt.Errorf("field %q: every resource has %s already; choose another name", f.Name.Snake, strings.Join(append(reserved[:1:1], "created_at", "updated_at"), ", "))
		}
		if seen[f.Name.Snake] {
			return nil, fmt.Errorf("field %q is given twice", f.Name.Snake)
		}
		seen[f.Name.Snake] = true
		fields = append(fields, f)
	}
	return fields, nil
}

func parseField(s string) (field, error) {
	name, rest, ok := strings.Cut(s, ":")
	if !ok {
		return field{}, errors.New("want name:type[?][:min..max]")
	}
	if !nameRE.MatchString(name) {
		return field{}, errors.New("a name is snake_case: lower-case letters and digits, words joined by _")
	}
	typ, bounds, hasBounds := strings.Cut(rest, ":")
	if m := enumRE.FindStringSubmatch(strings.TrimSuffix(typ, "?")); m != nil {
		// An enum's values may not hold a colon, so the cut above is safe.
		typ = strings.Replace(typ, m[0], "enum", 1)
		f, err := parseField(name + ":" + typ + map[bool]string{true: ":" + bounds}[hasBounds])
		if err != nil {
			return f, err
		}
		f.Enum = strings.Split(m[1], "|")
		for _, v := range f.Enum {
			if !enumValueRE.MatchString(v) {
				return f, fmt.Errorf("enum value %q: use letters, digits, _ . and -", v)
			}
		}
		if len(slices.Compact(slices.Sorted(slices.Values(f.Enum)))) != len(f.Enum) {
			return f, errors.New("an enum value is given twice")
		}
		return f, nil
	}
	f := field{Name: newNames(name)}
	f.Type, f.Optional = strings.CutSuffix(typ, "?")
	switch f.Type {
	case "string", "text", "integer", "number":
	case "boolean", "date-time", "enum":
		if hasBounds {
			return f, fmt.Errorf("a %s takes no min..max", f.Type)
		}
	default:
		return f, fmt.Errorf("unknown type %q: want string, text, integer, number, boolean, date-time or enum(a|b|c)", f.Type)
	}
	if hasBounds {
		lo, hi, ok := strings.Cut(bounds, "..")
		if !ok || lo == "" && hi == "" {
			return f, fmt.Errorf("bounds %q: want min..max, min.. or ..max", bounds)
		}
		f.Min, f.Max = lo, hi
		if err := f.checkBounds(); err != nil {
			return f, err
		}
	}
	switch {
	case f.Type == "string" && f.Max == "":
		f.Max = defaultStringMax
	case f.Type == "text" && f.Max == "":
		f.Max = defaultTextMax
	}
	return f, nil
}

func (f field) checkBounds() error {
	parse := func(s string) (float64, error) {
		if s == "" {
			return 0, nil
		}
		if f.Type == "number" {
			return strconv.ParseFloat(s, 64)
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err == nil && f.Type != "integer" && n < 0 {
			err = errors.New("a length is not negative")
		}
		return float64(n), err
	}
	lo, err := parse(f.Min)
	if err != nil {
		return fmt.Errorf("min %q: %w", f.Min, err)
	}
	hi, err := parse(f.Max)
	if err != nil {
		return fmt.Errorf("max %q: %w", f.Max, err)
	}
	if f.Min != "" && f.Max != "" && lo > hi {
		return fmt.Errorf("min %s is above max %s", f.Min, f.Max)
	}
	return nil
}

// Length reports whether the bounds are a string's length.
func (f field) Length() bool { return f.Type == "string" || f.Type == "text" }

// GoType is the field's type in the domain (a pointer when optional).
func (f field) GoType() string {
	t := map[string]string{"string": "string", "text": "string", "enum": "string", "integer": "int64",
		"number": "float64", "boolean": "bool", "date-time": "time.Time"}[f.Type]
	if f.Optional {
		return "*" + t
	}
	return t
}

// SQLite is the column's type and constraint in SQLite (STRICT tables).
func (f field) SQLite() string {
	t := map[string]string{"string": "TEXT", "text": "TEXT", "enum": "TEXT", "integer": "INTEGER",
		"number": "REAL", "boolean": "INTEGER", "date-time": "INTEGER"}[f.Type]
	return t + map[bool]string{false: " NOT NULL", true: ""}[f.Optional]
}

// Postgres is the column's type and constraint in PostgreSQL.
func (f field) Postgres() string {
	t := map[string]string{"string": "text", "text": "text", "enum": "text", "integer": "bigint",
		"number": "double precision", "boolean": "boolean", "date-time": "timestamptz"}[f.Type]
	return t + map[bool]string{false: " NOT NULL", true: ""}[f.Optional]
}

// sample returns a valid value of the field as JSON (and as a Go literal
// of its domain type): the first or, for n = 2, a second one that differs
// from the first when the bounds allow it.
func (f field) sample(n int) (jsonValue, goValue string) {
	switch f.Type {
	case "string", "text":
		s := []string{"first ", "second "}[n-1] + f.Name.Words
		lo, _ := strconv.Atoi(f.Min)
		hi, _ := strconv.Atoi(f.Max)
		for len(s) < lo {
			s += "x"
		}
		if len(s) > hi {
			s = s[len(s)-hi:] // the end differs between the two samples
		}
		q := strconv.Quote(s)
		return q, q
	case "integer", "number":
		step := map[string]float64{"integer": 1, "number": 0.25}[f.Type]
		v := map[string]float64{"integer": 7, "number": 1.5}[f.Type]
		lo, loErr := strconv.ParseFloat(f.Min, 64)
		hi, hiErr := strconv.ParseFloat(f.Max, 64)
		switch {
		case loErr == nil:
			v = lo
		case hiErr == nil:
			v = hi
		}
		if n == 2 {
			if hiErr != nil || v+step <= hi {
				v += step
			} else if loErr != nil || v-step >= lo {
				v -= step
			}
		}
		s := strconv.FormatFloat(v, 'f', -1, 64)
		if f.Type == "number" && !strings.ContainsAny(s, ".e") {
			s += ".0" // a float literal in Go; JSON reads it as the same number
		}
		return s, s
	case "boolean":
		return strconv.FormatBool(n == 1), strconv.FormatBool(n == 1)
	case "date-time":
		j := []string{`"2026-01-02T03:04:05Z"`, `"2026-02-03T04:05:06Z"`}[n-1]
		g := []string{"time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)", "time.Date(2026, 2, 3, 4, 5, 6, 0, time.UTC)"}[n-1]
		return j, g
	case "enum":
		v := strconv.Quote(f.Enum[min(n-1, len(f.Enum)-1)])
		return v, v
	}
	panic("unknown type " + f.Type)
}

// Sample and Sample2 are the two samples as JSON; GoSample and GoSample2
// as Go values of the field's domain type (pointers when optional).
func (f field) Sample() string  { j, _ := f.sample(1); return j }
func (f field) Sample2() string { j, _ := f.sample(2); return j }
func (f field) GoSample() string {
	_, g := f.sample(1)
	return f.goValue(g)
}
func (f field) GoSample2() string {
	_, g := f.sample(2)
	return f.goValue(g)
}

func (f field) goValue(literal string) string {
	if !f.Optional {
		return literal
	}
	switch f.Type {
	case "integer":
		literal = "int64(" + literal + ")"
	case "number":
		literal = "float64(" + literal + ")"
	}
	return "new(" + literal + ")"
}

// Differs reports whether the two samples differ.
func (f field) Differs() bool { return f.Sample() != f.Sample2() }

// beyond returns bound moved by one in direction dir, as a Go literal;
// false when there is no bound or no number beyond it (math.MaxInt64).
func (f field) beyond(bound string, dir int64) (string, bool) {
	if bound == "" {
		return "", false
	}
	if f.Type == "number" {
		v, _ := strconv.ParseFloat(bound, 64)
		return strconv.FormatFloat(v+float64(dir), 'g', -1, 64), true
	}
	v, _ := strconv.ParseInt(bound, 10, 64)
	if (dir > 0 && v == math.MaxInt64) || (dir < 0 && v == math.MinInt64) {
		return "", false
	}
	return strconv.FormatInt(v+dir, 10), true
}

// invalid is a value of the field the spec refuses, as a Go expression of
// a value that encodes to JSON, and why.
type invalid struct{ Why, Value string }

// Invalid lists values of the field the server must refuse with a 400.
func (f field) Invalid() []invalid {
	var out []invalid
	switch f.Type {
	case "string", "text":
		if f.Min != "" && f.Min != "0" {
			lo, _ := strconv.Atoi(f.Min)
			out = append(out, invalid{"shorter than " + f.Min, fmt.Sprintf("strings.Repeat(\"x\", %d)", lo-1)})
		}
		hi, _ := strconv.Atoi(f.Max)
		out = append(out, invalid{"longer than " + f.Max, fmt.Sprintf("strings.Repeat(\"x\", %d)", hi+1)})
		if f.Type == "string" {
			out = append(out, invalid{"a line break in one line", `"a\nb"`})
		} else {
			out = append(out, invalid{"a control character", `"a\u0007b"`})
		}
		out = append(out, invalid{"a number", "42"})
	case "integer", "number":
		if v, ok := f.beyond(f.Min, -1); ok {
			out = append(out, invalid{"below " + f.Min, v})
		}
		if v, ok := f.beyond(f.Max, +1); ok {
			out = append(out, invalid{"above " + f.Max, v})
		}
		if f.Type == "integer" {
			out = append(out, invalid{"a fraction", "0.5"})
		}
		out = append(out, invalid{"a string", `"1"`})
	case "boolean":
		out = append(out, invalid{"a string", `"true"`})
	case "date-time":
		out = append(out, invalid{"not a date-time", `"yesterday"`})
	case "enum":
		out = append(out, invalid{"not one of the values", `"not-a-value"`})
	}
	if !f.Optional {
		out = append(out, invalid{"null", "nil"})
	}
	return out
}

// FromGen converts expr, a value of the field in gen's types, to the
// domain's (enums are gen's named string types; times are truncated to
// the precision the engines keep).
func (f field) FromGen(expr string) string {
	switch f.Type {
	case "enum":
		return "string(" + expr + ")"
	case "date-time":
		return "domain.Timestamp(" + expr + ")"
	}
	return expr
}

// ToGen converts expr, a value of the field in the domain's types, to
// gen's.
func (f field) ToGen(r *resource, expr string) string {
	if f.Type == "enum" {
		return "gen." + r.Name.Pascal + f.Name.Pascal + "(" + expr + ")"
	}
	return expr
}

// SQLiteValue and SQLiteDest are what a table's values and scan return
// for the field of the row in variable v: times go through timeColumn.
func (f field) SQLiteValue(v string) string {
	if f.Type == "date-time" {
		return f.SQLiteDest(v)
	}
	return v + "." + f.Name.Pascal
}

func (f field) SQLiteDest(v string) string {
	switch {
	case f.Type == "date-time" && f.Optional:
		return "optionalTimeColumn{&" + v + "." + f.Name.Pascal + "}"
	case f.Type == "date-time":
		return "timeColumn{&" + v + "." + f.Name.Pascal + "}"
	}
	return "&" + v + "." + f.Name.Pascal
}

// PostgresValue and PostgresDest are the same for PostgreSQL, whose
// driver takes every field's type as it is.
func (f field) PostgresValue(v string) string { return v + "." + f.Name.Pascal }
func (f field) PostgresDest(v string) string  { return "&" + v + "." + f.Name.Pascal }
