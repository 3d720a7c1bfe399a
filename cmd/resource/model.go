package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/gobuffalo/flect"

	"example.com/tasks/impl/validator"
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

// maxExactInteger is the largest integer every JSON implementation holds
// exactly (RFC 7493 §2.2): the samples stay within ±maxExactInteger, and
// an integer field must allow one such value.
const maxExactInteger = 1<<53 - 1

// maxTestedLength is the longest string the generated tests send: a
// longer one would be refused for the body's size (413) before its length
// is checked. A longer minimum is refused; a longer maximum is not tested.
const maxTestedLength = validator.DefaultMaxBodyBytes / 4

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
	// An enum's values may not hold a colon, so this cut is safe.
	typ, bounds, hasBounds := strings.Cut(rest, ":")
	f := field{Name: newNames(name)}
	f.Type, f.Optional = strings.CutSuffix(typ, "?")
	if m := enumRE.FindStringSubmatch(f.Type); m != nil {
		f.Type, f.Enum = "enum", strings.Split(m[1], "|")
		for _, v := range f.Enum {
			if !enumValueRE.MatchString(v) {
				return f, fmt.Errorf("enum value %q: use letters, digits, _ . and -", v)
			}
		}
		if len(slices.Compact(slices.Sorted(slices.Values(f.Enum)))) != len(f.Enum) {
			return f, errors.New("an enum value is given twice")
		}
	} else if f.Type == "enum" {
		return f, errors.New("an enum lists its values: enum(a|b|c)")
	}
	switch f.Type {
	case "string", "text", "integer", "number":
	case "boolean", "date-time":
		if hasBounds {
			return f, fmt.Errorf("a %s takes no min..max", f.Type)
		}
	case "enum":
		if hasBounds {
			return f, errors.New("an enum takes no min..max")
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
	}
	if f.Max == "" {
		// The default length, which a minimum must not pass either.
		f.Max = map[string]string{"string": defaultStringMax, "text": defaultTextMax}[f.Type]
	}
	var err error
	if f.Min, f.Max, err = f.checkBounds(); err != nil {
		return f, err
	}
	return f, nil
}

// checkBounds parses the bounds given and returns them as the spec will
// hold them: numbers in JSON's spelling (010 is 10, which YAML would read
// as 8; +5 is 5), "" where none is given.
func (f field) checkBounds() (lo, hi string, err error) {
	parse := func(s string) (float64, string, error) {
		if s == "" {
			return 0, "", nil
		}
		if f.Type == "number" {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return 0, "", err
			}
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, "", errors.New("not a finite number")
			}
			return v, jsonNumber(v), nil
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err == nil && f.Type != "integer" && n < 0 {
			err = errors.New("a length is not negative")
		}
		return float64(n), strconv.FormatInt(n, 10), err
	}
	loV, lo, err := parse(f.Min)
	if err != nil {
		return "", "", fmt.Errorf("min %q: %w", f.Min, err)
	}
	if f.Length() && loV > maxTestedLength {
		return "", "", fmt.Errorf("min %s: a value that long would not fit in a request body (a server takes %d bytes unless configured)", f.Min, validator.DefaultMaxBodyBytes)
	}
	hiV, hi, err := parse(f.Max)
	if err != nil {
		return "", "", fmt.Errorf("max %q: %w", f.Max, err)
	}
	if lo != "" && hi != "" && (loV > hiV || f.Type != "number" && mustInt(lo) > mustInt(hi)) {
		return "", "", fmt.Errorf("min %s is above max %s", f.Min, f.Max)
	}
	if f.Type == "integer" && (lo != "" && mustInt(lo) > maxExactInteger || hi != "" && mustInt(hi) < -maxExactInteger) {
		return "", "", fmt.Errorf("bounds %s..%s: allow an integer within ±%d, which JSON numbers hold exactly (RFC 7493 §2.2)", f.Min, f.Max, int64(maxExactInteger))
	}
	return lo, hi, nil
}

// mustInt parses an integer checkBounds has checked.
func mustInt(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		panic(err)
	}
	return n
}

// floatLiteral is jsonNumber made a float literal in Go, so that a
// number field's value in an `any` is a float64 as JSON decodes it, and
// 1e20 does not overflow an int: 1.0, 100000000000000000000.0.
func floatLiteral(v float64) string {
	s := jsonNumber(v)
	if !strings.ContainsAny(s, ".e") {
		s += ".0" // JSON reads it as the same number
	}
	return s
}

// jsonNumber spells v as encoding/json does: 0.5, 100, 1e+21. It is a
// number in YAML and a float or integer literal in Go.
func jsonNumber(v float64) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // checkBounds refuses NaN and infinities
	}
	return string(b)
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
		s += strings.Repeat("x", max(lo-len(s), 0))
		if len(s) > hi {
			s = s[:hi] // the first letter differs between the two samples
		}
		q := strconv.Quote(s)
		return q, q
	case "integer":
		// In int64 (a float64 cannot hold every integer near the bounds),
		// and within ±maxExactInteger (checkBounds makes sure the bounds
		// allow it): kin-openapi reads the spec's examples, which are
		// samples, as float64s.
		const exact = maxExactInteger
		lo, loErr := strconv.ParseInt(f.Min, 10, 64)
		hi, hiErr := strconv.ParseInt(f.Max, 10, 64)
		if loErr != nil {
			lo = math.MinInt64
		}
		if hiErr != nil {
			hi = math.MaxInt64
		}
		v := int64(7)
		switch {
		case loErr == nil:
			v = lo
		case hiErr == nil:
			v = hi
		}
		lo, hi = max(lo, -exact), min(hi, exact)
		v = min(max(v, lo), hi)
		if n == 2 {
			switch {
			case v < hi:
				v++
			case v > lo:
				v--
			}
		}
		s := strconv.FormatInt(v, 10)
		return s, s
	case "number":
		v := 1.5
		lo, loErr := strconv.ParseFloat(f.Min, 64)
		hi, hiErr := strconv.ParseFloat(f.Max, 64)
		switch {
		case loErr == nil:
			v = lo
		case hiErr == nil:
			v = hi
		}
		if n == 2 {
			// A step of 0.25, or less to stay in bounds; the next float64
			// where v+0.25 is v (from 2^53 on).
			step := func(dir float64) float64 {
				w := v + dir*0.25
				if w == v {
					w = math.Nextafter(v, dir*math.Inf(1))
				}
				if dir > 0 && hiErr == nil {
					w = min(w, hi)
				}
				if dir < 0 && loErr == nil {
					w = max(w, lo)
				}
				return w
			}
			if up := step(+1); up != v && !math.IsInf(up, 0) {
				v = up
			} else if down := step(-1); !math.IsInf(down, 0) {
				v = down
			}
		}
		s := floatLiteral(v)
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
//
// The validator compares numbers as float64, in which integers beyond 2^53
// are rounded: 2^53+1 is not above a maximum of 2^53. So the value
// returned differs from the bound as a float64 too: bound±1 where that
// holds, else the next float64, as an integer that fits an int64.
func (f field) beyond(bound string, dir int64) (string, bool) {
	if bound == "" {
		return "", false
	}
	if f.Type == "number" {
		v, _ := strconv.ParseFloat(bound, 64)
		w := v + float64(dir)
		if w == v {
			w = math.Nextafter(v, float64(dir)*math.Inf(1))
		}
		if math.IsInf(w, 0) {
			return "", false
		}
		return floatLiteral(w), true
	}
	v, _ := strconv.ParseInt(bound, 10, 64)
	if (dir > 0 && v == math.MaxInt64) || (dir < 0 && v == math.MinInt64) {
		return "", false
	}
	w := v + dir
	if float64(w) == float64(v) {
		next := math.Nextafter(float64(v), float64(dir)*math.Inf(1))
		if next >= 0x1p63 || next < -0x1p63 {
			return "", false // no int64 is beyond it as a float64
		}
		w = int64(next)
	}
	return strconv.FormatInt(w, 10), true
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
		if hi, _ := strconv.Atoi(f.Max); hi < maxTestedLength {
			out = append(out, invalid{"longer than " + f.Max, fmt.Sprintf("strings.Repeat(\"x\", %d)", hi+1)})
		}
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
		v := "not-a-value"
		for slices.Contains(f.Enum, v) {
			v += "-"
		}
		out = append(out, invalid{"not one of the values", strconv.Quote(v)})
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
