package validator

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"

	"example.com/tasks/impl/problem"
)

// ijsonValid, ijsonInvalid and ijsonNoncharacters are bodies for
// TestCheckIJSON and the seeds of FuzzCheckIJSON.
var (
	ijsonValid = []string{
		`{}`, `[]`, `null`, `true`, `false`, `0`, `-0`, `1.0`, `1e2`, `-1.5E-7`,
		`12345678901234567890`, `1e400`, `""`, `"a"`, ` {"a" : [1, "b", null, true, {"c": {}}]} `,
		`{"a":{"b":{"c":[[[]]]}}}`, `["\u00e9", "\ud83d\ude00", "\n\t\"\\\/"]`, `{"":1}`,
		strings.Repeat("[", 100) + strings.Repeat("]", 100), `[] `,
	}
	ijsonInvalid = []string{
		`{`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{"a":1]`, `[1}`, `{1:2}`, `01`, `1.`, `.5`, `+1`,
		`NaN`, `"\x"`, `"\ud800"`, `"\udc00\ud800"`, "\"\xff\"", "\"\t\"", "\ufeff{}", `nul`, `[true false]`,
		`{"a":1,"a":2}`, `{"a":{"b":1,"b":1}}`, `{} {}`, `1 2`, `{}x`, strings.Repeat("[", 10001),
	}
	ijsonNoncharacters = []string{`"\ufdd0"`, `{"\ufffe":1}`, `["\udbff\udfff"]`, `"\ufdef\ufdf0"`, "[\"\uffff\"]"}
)

// TestCheckIJSON: checkIJSON accepts a body exactly when jsontext, which
// holds the rules of RFC 7493 (jsontext.Value.IsValid), does and it holds no
// noncharacter, which no library checks.
func TestCheckIJSON(t *testing.T) {
	t.Parallel()
	valid, invalid, noncharacters := ijsonValid, ijsonInvalid, ijsonNoncharacters
	for _, in := range valid {
		if err := checkIJSON([]byte(in)); err != nil {
			t.Errorf("%.40q: %v, want accepted", in, err)
		}
	}
	for _, in := range append(invalid, noncharacters...) {
		if err := checkIJSON([]byte(in)); err == nil {
			t.Errorf("%.40q: accepted, want refused", in)
		}
	}
	for _, in := range append(valid, noncharacters...) {
		if !jsontext.Value(in).IsValid() {
			t.Errorf("%.40q: jsontext calls it invalid", in)
		}
	}
	for _, in := range invalid {
		if jsontext.Value(in).IsValid() {
			t.Errorf("%.40q: jsontext calls it valid", in)
		}
	}
}

// FuzzCheckIJSON: checkIJSON's shortcut (jsontext.Value.IsValid on a body
// in ASCII without escapes) answers as reading every token does.
func FuzzCheckIJSON(f *testing.F) {
	for _, list := range [][]string{ijsonValid, ijsonInvalid, ijsonNoncharacters} {
		for _, in := range list {
			f.Add([]byte(in))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, want := answer(checkIJSON(data)), answer(firstIJSONFailure(data))
		if got != want {
			t.Fatalf("%.100q: checkIJSON answers %s, reading every token %s", data, got, want)
		}
	})
}

// answer is the client's answer to err, for comparing two of them.
func answer(err error) string {
	if err == nil {
		return "nothing (accepted)"
	}
	pe, ok := errors.AsType[*problem.Error](err)
	if !ok {
		return "a non-problem error: " + err.Error()
	}
	return fmt.Sprintf("%d %s %q %q", pe.Status, pe.Code, pe.Detail, *pe.Errors[0].Pointer)
}
