package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/protectedresource"
	"example.com/tasks/impl/spec"
)

// TestProtectedResourceMetadata: with --public-url the RFC 9728 document is
// served at the well-known path built from the spec's base path, and every
// 401 and 403 bearer challenge points to it.
func TestProtectedResourceMetadata(t *testing.T) {
	t.Parallel()
	const public = "https://api.example.com"
	const issuer = "https://idp.example.com/"
	srv := apitest.NewServer(t, apitest.Config{Metadata: &protectedresource.Config{PublicURL: public + "/", AuthorizationServers: []string{issuer}}})
	doc, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	base := strings.TrimPrefix(srv.API, srv.URL) // the spec's base path
	metadataURL := public + "/.well-known/oauth-protected-resource" + base

	resp, err := srv.HTTP.Get(srv.URL + "/.well-known/oauth-protected-resource" + base)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("metadata: %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), raw)
	}
	var m protectedresource.Metadata
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if m.Resource != public+base {
		t.Errorf("resource = %q, want %q", m.Resource, public+base)
	}
	if !slices.Equal(m.AuthorizationServers, []string{issuer}) || !slices.Equal(m.BearerMethodsSupported, []string{"header"}) || m.DPoPSigningAlgValuesSupported != nil {
		t.Errorf("authorization_servers %q, bearer_methods_supported %q, dpop algs %q", m.AuthorizationServers, m.BearerMethodsSupported, m.DPoPSigningAlgValuesSupported)
	}
	if m.ResourceName != spec.Name(doc) || m.ResourceDocumentation != public+"/docs" {
		t.Errorf("resource_name %q, resource_documentation %q", m.ResourceName, m.ResourceDocumentation)
	}
	if all, _ := spec.Scopes(doc); len(all) == 0 || !slices.Equal(m.ScopesSupported, all) {
		t.Errorf("scopes_supported %q, want the spec's scopes %q", m.ScopesSupported, all)
	}

	path := scopedGET(t, doc)
	withMetadata := `, resource_metadata="` + metadataURL + `"`
	tests := []struct {
		name     string
		auth     string
		wantCode int
		want     bool // the Bearer challenge points to the metadata
	}{
		{"no credentials", "", http.StatusUnauthorized, true},
		{"unknown token", "Bearer not-a-real-token", http.StatusUnauthorized, true},
		{"token without the scope", "Bearer " + apitest.NoScopes, http.StatusForbidden, true},
		{"malformed header: fix the request first", "Bearer", http.StatusBadRequest, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest("GET", srv.API+path, nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := srv.HTTP.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.wantCode {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.wantCode)
			}
			bearer := resp.Header.Values("WWW-Authenticate")[0]
			if !strings.HasPrefix(bearer, "Bearer ") || strings.HasSuffix(bearer, withMetadata) != tt.want {
				t.Errorf("Bearer challenge %q; want resource_metadata: %v", bearer, tt.want)
			}
			for _, other := range resp.Header.Values("WWW-Authenticate")[1:] {
				if strings.Contains(other, "resource_metadata") {
					t.Errorf("a non-OAuth challenge points to the metadata: %q", other)
				}
			}
		})
	}
}

// TestNoMetadataWithoutPublicURL: nothing is served, and challenges stay
// as they were, unless --public-url says where the API lives.
func TestNoMetadataWithoutPublicURL(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, apitest.Config{})
	doc, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	base := strings.TrimPrefix(srv.API, srv.URL)
	resp, err := srv.HTTP.Get(srv.URL + "/.well-known/oauth-protected-resource" + base)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("metadata without a public URL: %d, want 404", resp.StatusCode)
	}
	resp, err = srv.HTTP.Get(srv.API + scopedGET(t, doc))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ch := resp.Header.Get("WWW-Authenticate"); resp.StatusCode != http.StatusUnauthorized || strings.Contains(ch, "resource_metadata") {
		t.Errorf("%d %q", resp.StatusCode, ch)
	}
}

func TestPublicURLRefused(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"http://api.example.com", "https://api.example.com/#x", "https://api.example.com/v1", "api.example.com"} {
		_, err := apitest.Handler(t, apitest.Config{Metadata: &protectedresource.Config{PublicURL: u}})
		if err == nil || !strings.Contains(err.Error(), "public URL") {
			t.Errorf("PublicURL %q: %v, want a public URL error", u, err)
		}
	}
}

// scopedGET returns the path of a GET operation without path parameters
// whose bearer requirement names a scope: a token without scopes gets a 403.
func scopedGET(t *testing.T, doc *openapi3.T) string {
	t.Helper()
	for _, path := range doc.Paths.InMatchingOrder() {
		op := doc.Paths.Value(path).Get
		if op == nil || strings.Contains(path, "{") {
			continue
		}
		for _, req := range auth.Requirements(doc, op) {
			for _, scopes := range req {
				if len(scopes) > 0 {
					return path
				}
			}
		}
	}
	t.Fatal("the spec has no GET operation that requires a scope")
	return ""
}

// allScopes is every scope the spec declares: a token with them all may
// call every operation.
func allScopes(doc *openapi3.T) []string {
	all, _ := spec.Scopes(doc)
	return all
}
