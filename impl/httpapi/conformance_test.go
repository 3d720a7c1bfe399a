package httpapi_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/auth/protectedresource"
	"example.com/tasks/impl/auth/statictoken"
)

// TestConformance proves the contract for every operation in the embedded
// spec, from the spec alone: a new operation is covered with no test code.
func TestConformance(t *testing.T) {
	t.Parallel()
	doc := apitest.Spec()
	verifier, creds := apitest.ConformanceTokens(doc)
	h := newInProcessWith(t, apitest.Config{Verifier: verifier, APIKeys: verifier})
	findings := apitest.Conformance(doc, doc.Servers[0].URL, h.h, creds)
	for _, f := range findings {
		t.Error(f)
	}
	if n := len(doc.Paths.Map()); n < 3 {
		t.Fatalf("the spec has %d paths; is it the real one?", n)
	}
}

// TestConformanceChecksMetadata: the suite finds a metadata document that
// does not describe the resource, or is not served.
func TestConformanceChecksMetadata(t *testing.T) {
	t.Parallel()
	doc := apitest.Spec()
	verifier, creds := apitest.ConformanceTokens(doc)
	h := newInProcessWith(t, apitest.Config{Verifier: verifier, APIKeys: verifier, Metadata: &protectedresource.Config{PublicURL: "https://api.example.com"}})
	tests := []struct {
		name, body, want string
	}{
		{"another resource", `{"resource":"https://elsewhere.example/v2","bearer_methods_supported":["header"]}`, "resource"},
		{"no scopes", `{"resource":"https://api.example.com` + doc.Servers[0].URL + `","bearer_methods_supported":["header"]}`, "scopes_supported"},
		{"not served", "", "want 200"},
	}
	for _, tt := range tests {
		broken := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !strings.HasPrefix(r.URL.Path, "/.well-known/") {
				h.h.ServeHTTP(w, r)
				return
			}
			if tt.body == "" {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(tt.body))
		})
		found := false
		for _, f := range apitest.Conformance(doc, doc.Servers[0].URL, broken, creds) {
			found = found || (f.Case == "RFC 9728 metadata" && strings.Contains(f.Problem, tt.want))
		}
		if !found {
			t.Errorf("%s: no metadata finding about %q", tt.name, tt.want)
		}
	}
}

// keysFor accepts the suite's valid credentials as API keys too, for the
// requirements that take one.
func keysFor(t *testing.T, creds apitest.Credentials) *statictoken.Verifier {
	t.Helper()
	v, err := statictoken.Parse(fmt.Appendf(nil, "tokens:\n  - {subject: conformance, sha256: %s}\n  - {subject: conformance, sha256: %s}\n",
		statictoken.Digest(creds.AllScopes), statictoken.Digest(creds.NoScopes)))
	if err != nil {
		t.Fatal(err)
	}
	return v
}
