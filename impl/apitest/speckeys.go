package apitest

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/gen"
	"example.com/tasks/impl/auth"
)

// API keys are read from the spec here, not from impl/auth/apikey (which a
// fork may remove), so that a test that merely meets them (a 401's
// challenges, a CORS preflight) needs no edit when a fork adds or removes an
// apiKey scheme (docs/FORKING.md).

// APIKeyHeader is the header of the spec's first apiKey scheme (by name);
// "" when the spec declares none.
func APIKeyHeader() string {
	doc := Spec()
	if doc.Components == nil {
		return ""
	}
	for _, name := range slices.Sorted(maps.Keys(doc.Components.SecuritySchemes)) {
		if s := doc.Components.SecuritySchemes[name].Value; s != nil && s.Type == "apiKey" && s.In == "header" {
			return s.Name
		}
	}
	return ""
}

// APIKey returns a request editor for the generated client that sends key
// in the spec's API key header.
func APIKey(key string) gen.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		h := APIKeyHeader()
		if h == "" {
			return errors.New("apitest: the spec declares no apiKey scheme")
		}
		req.Header.Set(h, key)
		return nil
	}
}

// APIKeyChallenges is what the server's 400, 401 and 403 answers to method
// and path (under the base path; a query is ignored) carry after the Bearer
// challenge: ` | APIKey realm="…", header="…"` for each apiKey scheme the
// operation accepts, in the order its requirements name them, joined as
// tests join the WWW-Authenticate values. "" for an operation that takes
// no API key.
func APIKeyChallenges(method, path string) string {
	doc := Spec()
	path, _, _ = strings.Cut(path, "?")
	op := NewChecker(doc, "").Operation(method, path)
	if op == nil {
		panic("apitest: no operation for " + method + " " + path)
	}
	var out []string
	for _, req := range auth.Requirements(doc, op) {
		for _, name := range slices.Sorted(maps.Keys(req)) {
			s := doc.Components.SecuritySchemes[name].Value
			if s.Type != "apiKey" {
				continue
			}
			c := ` | APIKey realm="` + Realm() + `", header="` + s.Name + `"`
			if !slices.Contains(out, c) {
				out = append(out, c)
			}
		}
	}
	return strings.Join(out, "")
}

// Operation is the spec's operation that serves method and path (an escaped
// path, under the Checker's base path); nil if none does.
func (c *Checker) Operation(method, path string) *openapi3.Operation {
	if route, _ := c.find(method, path); route != nil {
		return route.Operation
	}
	return nil
}
