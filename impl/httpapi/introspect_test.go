package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"example.com/tasks/gen"
	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/idptest"
	"example.com/tasks/impl/auth/introspect"
	"example.com/tasks/impl/auth/protectedresource"
	"example.com/tasks/impl/spec"
)

// TestIntrospection: opaque tokens verified at the provider (RFC 7662),
// beside static tokens, through the real router; a provider that
// is down answers 503, never lets a token through.
func TestIntrospection(t *testing.T) {
	t.Parallel()
	k := idptest.NewKey(t, "k", false)
	iss := idptest.NewIssuer(t, k)
	opaque, err := introspect.New(introspect.Config{URL: iss.Introspection, ClientID: idptest.IntrospectionClientID, ClientSecret: idptest.IntrospectionSecret, Audiences: []string{idptest.Audience}})
	if err != nil {
		t.Fatal(err)
	}
	srv := apitest.NewServer(t, apitest.Config{Verifier: auth.Chain(apitest.Tokens(), opaque)})
	doc, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	path := scopedGET(t, doc)
	all := strings.Join(allScopes(doc), " ")
	revoked := iss.Opaque(t, iss.OpaqueAnswer("alice", all))
	iss.Revoke(revoked)

	tests := []struct {
		name     string
		token    string
		wantCode int
		wantProb gen.ProblemCode
	}{
		{"opaque token with every scope", iss.Opaque(t, iss.OpaqueAnswer("alice", all)), http.StatusOK, ""},
		{"opaque token without scopes", iss.Opaque(t, iss.OpaqueAnswer("alice", "")), http.StatusForbidden, gen.ProblemCodeInsufficientScope},
		{"revoked opaque token", revoked, http.StatusUnauthorized, gen.ProblemCodeInvalidToken},
		{"static token first", apitest.AliceToken, http.StatusOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := get(t, srv, path, tt.token)
			if resp.status != tt.wantCode || resp.code != tt.wantProb {
				t.Errorf("%d %s, want %d %s: %s", resp.status, resp.code, tt.wantCode, tt.wantProb, resp.body)
			}
		})
	}

	before := iss.Introspections()
	token := iss.Opaque(t, iss.OpaqueAnswer("bob", all))
	iss.Down(true)
	// Every protected GET answers 503, which the spec must document (srv's
	// client checks each response against it).
	for _, p := range doc.Paths.InMatchingOrder() {
		op := doc.Paths.Value(p).Get
		if op == nil || strings.Contains(p, "{") || len(auth.Requirements(doc, op)) == 0 {
			continue
		}
		resp := get(t, srv, p, token)
		if resp.status != http.StatusServiceUnavailable || resp.code != gen.ProblemCodeServiceUnavailable || resp.header.Get("Retry-After") == "" {
			t.Errorf("GET %s, provider down: %d %s Retry-After %q, want 503 with Retry-After", p, resp.status, resp.code, resp.header.Get("Retry-After"))
		}
		if strings.Contains(resp.body, token) || strings.Contains(srv.Logs.String(), token) {
			t.Error("the response or the log repeats the token")
		}
	}
	iss.Down(false)
	if resp := get(t, srv, path, token); resp.status != http.StatusOK {
		t.Errorf("after the outage: %d, want 200", resp.status)
	}
	if n := iss.Introspections() - before; n < 3 {
		t.Errorf("%d introspections, want one per request (the outage is not cached)", n)
	}
}

type answer struct {
	status int
	code   gen.ProblemCode
	header http.Header
	body   string
}

// get sends GET path with a bearer token; the response is checked against
// the spec by srv's client.
func get(t *testing.T, srv *apitest.Server, path, token string) answer {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.API+path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := srv.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, body: string(raw)}
	if resp.StatusCode >= 400 {
		var p gen.Problem
		if err := json.Unmarshal(raw, &p); err != nil {
			t.Fatal(err)
		}
		a.code = p.Code
	}
	return a
}

// TestConformanceWithIntrospection runs the suite on the real spec with
// opaque tokens verified at the stand-in provider, and a public URL: the
// RFC 9728 metadata is checked too.
func TestConformanceWithIntrospection(t *testing.T) {
	t.Parallel()
	doc := apitest.Spec()
	iss := idptest.NewIssuer(t, idptest.NewKey(t, "k", false))
	scopes := strings.Join(allScopes(doc), " ")
	creds := apitest.Credentials{
		AllScopes: iss.Opaque(t, iss.OpaqueAnswer("conformance", scopes)),
		NoScopes:  iss.Opaque(t, iss.OpaqueAnswer("conformance", "")),
		Invalid:   "conformance-invalid",
	}
	opaque, err := introspect.New(introspect.Config{URL: iss.Introspection, ClientID: idptest.IntrospectionClientID, ClientSecret: idptest.IntrospectionSecret})
	if err != nil {
		t.Fatal(err)
	}
	h := newInProcessWith(t, apitest.Config{Verifier: opaque, APIKeys: keysFor(t, creds), Metadata: &protectedresource.Config{PublicURL: "https://api.example.com"}})
	for _, f := range apitest.Conformance(doc, doc.Servers[0].URL, h.h, creds) {
		t.Error(f)
	}
	if iss.Introspections() == 0 {
		t.Error("no token was introspected")
	}
}
