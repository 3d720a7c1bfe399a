package auth

import (
	"net/http"
	"net/url"
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
