package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// updateDocs rewrites the configuration table instead of comparing it:
//
//	go test ./cmd/server -run TestConfigTable -update
var updateDocs = flag.Bool("update", false, "rewrite the configuration table in docs/OPERATIONS.md from --help")

// The configuration table lives in configDoc between these two lines.
const (
	configDoc        = "docs/OPERATIONS.md"
	configTableBegin = "<!-- flags:begin -->"
	configTableEnd   = "<!-- flags:end -->"
)

// helpFlag is one flag as --help describes it.
type helpFlag struct {
	name, typ, usage, def string
}

// helpFlags runs the server with --help and reads back every flag it lists:
// its name, value type, usage and default, and checks that it names the
// environment variable the flag falls back to (envName, from envPrefix).
func helpFlags(t *testing.T) []helpFlag {
	t.Helper()
	var out strings.Builder
	err := run(context.Background(), []string{"--help"}, func(string) string { return "" }, io.Discard, &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("run --help = %v, want flag.ErrHelp", err)
	}
	// flag.PrintDefaults writes each flag as "  -name type\n    \tusage",
	// then " (default …)" unless the default is the type's zero value.
	var flags []helpFlag
	for _, entry := range strings.Split(out.String(), "\n  -")[1:] {
		head, usage, ok := strings.Cut(strings.TrimRight(entry, "\n"), "\n    \t")
		if !ok {
			t.Fatalf("--help entry not in flag.PrintDefaults' form:\n  -%s", entry)
		}
		f := helpFlag{name: strings.Fields(head)[0]}
		if fields := strings.Fields(head); len(fields) > 1 {
			f.typ = fields[1]
		}
		env := " (env " + envName(f.name) + ")"
		var rest string
		if f.usage, rest, ok = strings.Cut(usage, env); !ok {
			t.Fatalf("--help for -%s does not name its variable%s:\n  -%s", f.name, env, entry)
		}
		if rest = strings.TrimSpace(rest); rest != "" {
			def, ok := strings.CutPrefix(rest, "(default ")
			def, ok2 := strings.CutSuffix(def, ")")
			if !ok || !ok2 {
				t.Fatalf("--help for -%s: %q after the variable, want (default …)", f.name, rest)
			}
			f.def = def
			if f.typ == "string" {
				if f.def, err = strconv.Unquote(f.def); err != nil {
					t.Fatalf("--help for -%s: default %s: %v", f.name, rest, err)
				}
			}
		}
		if f.def == "" {
			f.def = map[string]string{"": "false", "duration": "0s", "int": "0", "uint": "0", "float": "0"}[f.typ]
		}
		flags = append(flags, f)
	}
	if len(flags) < 2 {
		t.Fatalf("--help lists %d flags:\n%s", len(flags), out.String())
	}
	return flags
}

// configTable renders the flags as the Markdown table docs/OPERATIONS.md
// holds between its markers.
func configTable(flags []helpFlag) string {
	cell := func(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
	code := func(s string) string {
		if s == "" {
			return ""
		}
		return "`" + cell(s) + "`"
	}
	var b strings.Builder
	b.WriteString("| flag | environment | default | meaning |\n|---|---|---|---|\n")
	for _, f := range flags {
		b.WriteString("| " + code("--"+f.name) + " | " + code(envName(f.name)) + " | " + code(f.def) + " | " + cell(f.usage) + " |\n")
	}
	return b.String()
}

// TestConfigTable: the configuration table in docs/OPERATIONS.md is what
// --help says, flag for flag: name, environment variable, default and usage.
// A flag added, removed or reworded fails it until the table is regenerated.
func TestConfigTable(t *testing.T) {
	path := filepath.Join("..", "..", filepath.FromSlash(configDoc))
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the configuration table's page: %v", err)
	}
	doc := string(src)
	before, rest, ok1 := strings.Cut(doc, configTableBegin+"\n")
	table, after, ok2 := strings.Cut(rest, configTableEnd)
	if !ok1 || !ok2 {
		t.Fatalf("%s has no %s … %s lines around its configuration table", configDoc, configTableBegin, configTableEnd)
	}
	want := configTable(helpFlags(t))
	if table == want {
		return
	}
	if *updateDocs {
		if err := os.WriteFile(path, []byte(before+configTableBegin+"\n"+want+configTableEnd+after), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: configuration table rewritten from --help", configDoc)
		return
	}
	got, exp := strings.Split(table, "\n"), strings.Split(want, "\n")
	for i := 0; i < max(len(got), len(exp)); i++ {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(exp) {
			w = exp[i]
		}
		if g != w {
			t.Fatalf("%s: the configuration table differs from --help at its line %d:\n  doc:    %s\n  --help: %s\n"+
				"regenerate it with: go test ./cmd/server -run TestConfigTable -update", configDoc, i+1, g, w)
		}
	}
}
