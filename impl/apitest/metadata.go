package apitest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"example.com/tasks/impl/auth/protectedresource"
	"example.com/tasks/impl/spec"
)

var resourceMetadataParam = regexp.MustCompile(`resource_metadata="([^"]*)"`)

// checkMetadata checks the RFC 9728 protected resource metadata that a
// challenge of rec points to, if any (a server without a public URL serves
// none): where it is served (§3.1: the well-known segment, then the base
// path), that it is served, and what it says of the resource and its
// scopes. Every challenge must point to the same document; it is fetched
// once.
func (s *suite) checkMetadata(op operation, rec *httptest.ResponseRecorder) {
	var found string
	for _, ch := range rec.Header().Values("WWW-Authenticate") {
		if m := resourceMetadataParam.FindStringSubmatch(ch); m != nil {
			found = m[1]
		}
	}
	switch {
	case found == "":
		if s.metadata != "" {
			s.fail(op, "no credentials", "no challenge names resource_metadata, while others name %s", s.metadata)
		}
		return
	case s.metadata != "":
		if found != s.metadata {
			s.fail(op, "no credentials", "resource_metadata %s, while others name %s", found, s.metadata)
		}
		return
	}
	s.metadata = found
	fail := func(format string, args ...any) { s.fail(op, "RFC 9728 metadata", format, args...) }
	u, err := url.Parse(found)
	if err != nil || u.Host == "" {
		fail("resource_metadata %q is not a URL", found)
		return
	}
	base := strings.TrimSuffix(s.base, "/")
	if want := protectedresource.WellKnown + base; u.Path != want {
		fail("served at %s, want %s (RFC 9728 §3.1)", u.Path, want)
	}
	rec = httptest.NewRecorder()
	s.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, u.Path, nil))
	var m protectedresource.Metadata
	switch {
	case rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/json"):
		fail("GET %s: %d %s, want 200 application/json", u.Path, rec.Code, rec.Header().Get("Content-Type"))
		return
	case json.Unmarshal(rec.Body.Bytes(), &m) != nil:
		fail("GET %s: the body is not JSON", u.Path)
		return
	}
	if want := u.Scheme + "://" + u.Host + base; m.Resource != want {
		fail("resource %q, want %q", m.Resource, want)
	}
	if !slices.Contains(m.BearerMethodsSupported, "header") {
		fail("bearer_methods_supported %q lacks header", m.BearerMethodsSupported)
	}
	all, _ := spec.Scopes(s.doc)
	for _, scope := range all {
		if !slices.Contains(m.ScopesSupported, scope) {
			fail("scopes_supported %q lacks %q", m.ScopesSupported, scope)
		}
	}
}
