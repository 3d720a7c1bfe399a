package auth

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// The seed corpora live in testdata/fuzz/<FuzzName>; `make test` runs them,
// `make fuzz` searches for new inputs.

// FuzzBearerToken checks the Authorization parser on any header values: it
// never panics, a token it returns is a b64token that parses back to itself,
// and an error's description (sent to the client) is one of the parser's own
// sentences, never built from the input.
func FuzzBearerToken(f *testing.F) {
	known := map[string]bool{}
	for _, seed := range []struct{ query, first, second string }{
		{"", "", ""},
		{"access_token=x", "Bearer abc", ""},
		{"", "Bearer abc", "Bearer abc"},
		{"", " Bearer abc", ""},
		{"", "Bearer", ""},
		{"", "Bearer a,b", ""},
	} {
		_, err := bearerToken(authRequest(seed.query, seed.first, seed.second, seed.second != ""))
		known[err.Description] = true
		f.Add(seed.query, seed.first, seed.second, seed.second != "")
	}

	f.Fuzz(func(t *testing.T, query, first, second string, two bool) {
		token, err := bearerToken(authRequest(query, first, second, two))
		if err != nil {
			if err.Kind != Missing && err.Kind != Malformed {
				t.Fatalf("parser returned kind %v", err.Kind)
			}
			if !known[err.Description] {
				t.Fatalf("description %q is not one of the parser's fixed sentences", err.Description)
			}
			return
		}
		if token == "" || !isB64Token(token) {
			t.Fatalf("accepted token %q, which is not a b64token", token)
		}
		again, err := bearerToken(authRequest("", "Bearer "+token, "", false))
		if err != nil || again != token {
			t.Fatalf("token %q does not round-trip: %q, %v", token, again, err)
		}
	})
}

// authRequest builds a GET with the given query and Authorization values.
// Nothing is filtered out: the parser must hold up even on values net/http
// would refuse to deliver.
func authRequest(query, first, second string, two bool) *http.Request {
	r := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/", RawQuery: query}, Header: http.Header{}}
	if first != "" || two {
		r.Header.Add("Authorization", first)
	}
	if two {
		r.Header.Add("Authorization", second)
	}
	return r
}

// FuzzChallenge checks the WWW-Authenticate builder on any realm,
// description and scopes: the header never holds a CR, LF or other control
// character, every parameter value is a quoted-string, and parsing the header
// gives back what building it was asked for (minus what it must drop), which
// builds the same header again.
func FuzzChallenge(f *testing.F) {
	codes := []string{"", "invalid_request", "invalid_token", "insufficient_scope"}
	f.Fuzz(func(t *testing.T, realm string, code uint8, description, scope1, scope2 string) {
		errCode := codes[int(code)%len(codes)]
		scopes := []string{scope1, scope2}
		header := challenge(realm, errCode, description, scopes)

		for i := 0; i < len(header); i++ {
			if c := header[i]; (c < 0x20 && c != '\t') || c == 0x7f {
				t.Fatalf("control character %#x in %q", c, header)
			}
		}
		params, err := parseChallenge(header)
		if err != nil {
			t.Fatalf("%q: %v", header, err)
		}
		if params["error"] != errCode {
			t.Errorf("error = %q, want %q", params["error"], errCode)
		}
		if want := descriptionChars(description); params["error_description"] != want {
			t.Errorf("error_description = %q, want %q", params["error_description"], want)
		}
		rebuilt := challenge(params["realm"], params["error"], params["error_description"], strings.Fields(params["scope"]))
		if rebuilt != header {
			t.Errorf("round trip:\n %q\nbuilt again as\n %q", header, rebuilt)
		}
	})
}

// parseChallenge parses one Bearer challenge strictly by RFC 9110 §11.2,
// accepting only quoted-string values, as challenge writes them.
func parseChallenge(h string) (map[string]string, error) {
	rest, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return nil, errors.New("does not start with the Bearer scheme")
	}
	params := map[string]string{}
	for rest != "" {
		name, after, ok := strings.Cut(rest, "=")
		if !ok || name == "" || strings.ContainsAny(name, " \t\",=\\") {
			return nil, fmt.Errorf("bad parameter name at %q", rest)
		}
		if !strings.HasPrefix(after, `"`) {
			return nil, fmt.Errorf("parameter %s is not a quoted-string", name)
		}
		var val strings.Builder
		i := 1
		for ; i < len(after) && after[i] != '"'; i++ {
			if after[i] == '\\' {
				i++
				if i == len(after) {
					return nil, errors.New("backslash at the end")
				}
			}
			val.WriteByte(after[i])
		}
		if i == len(after) {
			return nil, fmt.Errorf("parameter %s: unterminated quoted-string", name)
		}
		if _, dup := params[name]; dup {
			return nil, fmt.Errorf("parameter %s twice", name)
		}
		params[name] = val.String()
		rest = after[i+1:]
		if rest != "" {
			if rest, ok = strings.CutPrefix(rest, ", "); !ok {
				return nil, fmt.Errorf("expected \", \" at %q", rest)
			}
		}
	}
	if _, ok := params["realm"]; !ok {
		return nil, errors.New("no realm")
	}
	return params, nil
}
