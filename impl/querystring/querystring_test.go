package querystring

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw   string
		param string // "" with ok false: the name did not decode
		ok    bool
	}{
		{raw: "", ok: true},
		{raw: "limit=10&cursor=abc", ok: true},
		{raw: "a=%41%2b+b&&b", ok: true},
		{raw: "limit=%zz", param: "limit"},
		{raw: "cursor=%", param: "cursor"},
		{raw: "limit=1&cursor=%4", param: "cursor"},
		{raw: "li%6dit=%zz", param: "limit"},
		{raw: "%zz=1"},
		{raw: "limit=1;cursor=2", param: "limit"},
		{raw: "a=1&b=x;y", param: "b"},
		{raw: strings.Repeat("a=1&", 10_000) + "a=1"}, // over net/url's limit: it would return nothing
	}
	for _, tt := range tests {
		_, err := Parse(tt.raw)
		if tt.ok {
			if err != nil {
				t.Errorf("Parse(%.40q) = %v, want nil", tt.raw, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("Parse(%.40q) = nil, want an error", tt.raw)
			continue
		}
		if err.Param != tt.param {
			t.Errorf("Parse(%.40q) names %q, want %q (%v)", tt.raw, err.Param, tt.param, err)
		}
	}
}

func TestHasName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw  string
		want bool
	}{
		{"access_token=abc", true},
		{"access_token", true},
		{"limit=1&access_token=abc%zz", true},
		{"access%5Ftoken=abc", true},
		{"%61ccess_token=abc", true},
		{"limit=1;access_token=abc", true},
		{strings.Repeat("&", 10_001) + "access_token=abc", true},
		{"access_tokens=abc", false},
		{"x=access_token", false},
		{"access_token%zz=abc", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := HasName(tt.raw, "access_token"); got != tt.want {
			t.Errorf("HasName(%.40q) = %v, want %v", tt.raw, got, tt.want)
		}
	}
}

// FuzzParse holds Parse to net/url's rules: it fails exactly when
// url.ParseQuery does, returns the pairs url.ParseQuery does, and a name
// url.ParseQuery returns is found by HasName.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{"limit=%zz", "a=1;b=2", "access%5Ftoken=x", "a=%", "%=1", "a+b=c+d", "&&=&"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		values, parseErr := url.ParseQuery(raw)
		parsed, err := Parse(raw)
		if (err == nil) != (parseErr == nil) {
			t.Fatalf("Parse(%q) = %v, url.ParseQuery: %v", raw, err, parseErr)
		}
		if err == nil && raw != "" && !reflect.DeepEqual(parsed, values) {
			t.Fatalf("Parse(%q) = %v, url.ParseQuery: %v", raw, parsed, values)
		}
		for name := range values {
			if !HasName(raw, name) {
				t.Fatalf("HasName(%q, %q) = false, but url.ParseQuery returns it", raw, name)
			}
		}
	})
}
