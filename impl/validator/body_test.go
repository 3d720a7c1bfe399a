package validator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-json-experiment/json/jsontext"

	"example.com/tasks/impl/problem"
)

// ijsonInputs are bodies for TestDecodeIJSON and the seeds of FuzzDecodeIJSON.
var ijsonInputs = []string{
	`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `1.0`, `1e2`, `-1.5E-7`,
	`12345678901234567890`, `1e400`, `""`, `"a"`, ` {"a" : [1, "b", null, true, {"c": {}}]} `,
	`{"a":{"b":{"c":[[[]]]}}}`, `["\u00e9", "\ud83d\ude00", "\n\t\"\\\/"]`, `{"":1}`,
	`{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10}`,
	strings.Repeat("[", 100) + strings.Repeat("]", 100),
	// Not JSON, or not I-JSON.
	``, ` `, `{`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{"a":1]`, `[1}`, `{1:2}`, `01`, `1.`, `.5`, `+1`,
	`NaN`, `"\x"`, `"\ud800"`, `"\udc00\ud800"`, "\"\xff\"", "\"\t\"", "\ufeff{}", `nul`, `[true false]`,
	`{"a":1,"a":2}`, `{"a":{"b":1,"b":1}}`, `[{"a":1},{"a":1}]`, `"\ufdd0"`, `{"\ufffe":1}`,
	`["\udbff\udfff"]`, `"\ufdef\ufdf0"`, `{} {}`, `1 2`, `{}x`, `[] `, strings.Repeat("[", 10001),
}

// TestDecodeIJSON: decodeIJSON refuses exactly what the token loop it
// replaced (checkIJSON below) refused, with the same answer, and what it
// accepts decodes to the value encoding/json's Decoder with UseNumber makes,
// which kin-openapi's schema checks expect.
func TestDecodeIJSON(t *testing.T) {
	t.Parallel()
	for _, in := range ijsonInputs {
		compareDecoders(t, []byte(in))
	}
	got, err := decodeIJSON(bytes.NewReader([]byte(`{"n":[1.0,-2e3,"x",null]}`)))
	want := map[string]any{"n": []any{json.Number("1.0"), json.Number("-2e3"), "x", nil}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("decodeIJSON = %#v, %v; want %#v", got, err, want)
	}
}

func FuzzDecodeIJSON(f *testing.F) {
	for _, in := range ijsonInputs {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		compareDecoders(t, data)
	})
}

func compareDecoders(t *testing.T, data []byte) {
	t.Helper()
	if len(bytes.TrimSpace(data)) == 0 {
		return // readJSON leaves these to kin-openapi
	}
	got, err := decodeIJSON(bytes.NewReader(data))
	wantErr := checkIJSON(data)
	if answer(err) != answer(wantErr) {
		t.Fatalf("%.100q: decodeIJSON answers %s\n                  the token loop %s", data, answer(err), answer(wantErr))
	}
	if err != nil {
		return
	}
	var want any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&want); err != nil {
		t.Fatalf("%.100q: decodeIJSON accepts what encoding/json refuses: %v", data, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%.100q: decodeIJSON = %#v\n     encoding/json = %#v", data, got, want)
	}
}

// answer is the client's answer to err, for comparing two of them.
func answer(err error) string {
	if err == nil {
		return "nothing (accepted)"
	}
	var pe *problem.Error
	if !errors.As(err, &pe) {
		return "a non-problem error: " + err.Error()
	}
	return fmt.Sprintf("%d %s %q %q", pe.Status, pe.Code, pe.Detail, *pe.Errors[0].Pointer)
}

// checkIJSON is the I-JSON check decodeIJSON replaced (a token loop that
// decoded nothing), kept as the reference its answers are compared with.
func checkIJSON(body []byte) error {
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			var at jsontext.Pointer
			var se *jsontext.SyntacticError
			if errors.As(err, &se) {
				at = se.JSONPointer
			}
			return notIJSON(strings.TrimPrefix(err.Error(), "jsontext: "), at)
		}
		if tok.Kind() == '"' {
			if c, ok := noncharacter(tok.String()); ok {
				at := dec.StackPointer()
				return notIJSON(fmt.Sprintf("noncharacter %U at %q", c, at), at)
			}
		}
		if dec.StackDepth() == 0 {
			break
		}
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return notIJSON("a second JSON value follows the first", "")
	}
	return nil
}

// TestHasDefault: a default anywhere kin-openapi's check of a body reaches
// is found, through references and a schema that holds itself; a schema
// without one is not asked to report defaults.
func TestHasDefault(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(`
openapi: 3.0.3
info: {title: defaults, version: "1"}
paths: {}
components:
  schemas:
    None:
      type: object
      properties:
        a: {type: string}
        b: {type: array, items: {$ref: "#/components/schemas/None"}}
        c: {type: object, additionalProperties: {type: integer}}
      allOf: [{required: [a]}]
    Top: {type: integer, default: 1}
    Property: {type: object, properties: {a: {type: string, default: x}}}
    Item: {type: array, items: {$ref: "#/components/schemas/Property"}}
    Extra: {type: object, additionalProperties: {$ref: "#/components/schemas/Property"}}
    AllOf: {allOf: [{$ref: "#/components/schemas/None"}, {$ref: "#/components/schemas/Property"}]}
    AnyOf: {anyOf: [{type: string}, {$ref: "#/components/schemas/Item"}]}
    OneOf: {oneOf: [{type: string}, {$ref: "#/components/schemas/Extra"}]}
    Not: {not: {$ref: "#/components/schemas/Top"}}
    Loop:
      type: object
      properties:
        self: {$ref: "#/components/schemas/Loop"}
        deep: {type: object, properties: {d: {type: boolean, default: false}}}
`))
	if err != nil {
		t.Fatal(err)
	}
	for name, ref := range doc.Components.Schemas {
		want := name != "None"
		if got := hasDefault(ref, map[*openapi3.Schema]bool{}); got != want {
			t.Errorf("hasDefault(%s) = %v, want %v", name, got, want)
		}
	}
}
