package protectedresource_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/auth/protectedresource"
)

func TestCheckPublicURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw, want, wantErr string
	}{
		{raw: "https://api.example.com", want: "https://api.example.com"},
		{raw: "https://api.example.com/", want: "https://api.example.com"},
		{raw: "https://api.example.com:8443", want: "https://api.example.com:8443"},
		{raw: "http://127.0.0.1:8080", want: "http://127.0.0.1:8080"},
		{raw: "http://localhost:8080/", want: "http://localhost:8080"},
		{raw: "http://[::1]:8080", want: "http://[::1]:8080"},
		{raw: "http://api.example.com", wantErr: "must use https"},
		{raw: "https://api.example.com#top", wantErr: "fragment"},
		{raw: "https://api.example.com/#", wantErr: "fragment"},
		{raw: "https://api.example.com/api", wantErr: "has a path"},
		{raw: "https://api.example.com?x=1", wantErr: "has a query"},
		{raw: "https://user:pw@api.example.com", wantErr: "user information"},
		{raw: "ftp://api.example.com", wantErr: "not an http(s) URL"},
		{raw: "api.example.com", wantErr: "not an http(s) URL"},
	}
	for _, tt := range tests {
		got, err := protectedresource.CheckPublicURL(tt.raw)
		switch {
		case tt.wantErr == "" && (err != nil || got != tt.want):
			t.Errorf("CheckPublicURL(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("CheckPublicURL(%q) = %q, %v; want an error containing %q", tt.raw, got, err, tt.wantErr)
		}
	}
}

// spec declares scopes in an oauth2 flow and names others on an
// openIdConnect requirement.
const spec = `
openapi: 3.0.3
info: {title: Widget Service, version: "1"}
servers: [{url: /api}]
security: [{oidc: [openid, widgets:read]}]
paths:
  /w:
    get:
      responses: {"200": {description: ok}}
    post:
      security: [{oauth: [widgets:write]}, {bearer: []}]
      responses: {"200": {description: ok}}
components:
  securitySchemes:
    oauth:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://idp.example.com/token
          scopes: {widgets:write: w, widgets:admin: a}
    oidc:
      type: openIdConnect
      openIdConnectUrl: https://idp.example.com/.well-known/openid-configuration
    bearer: {type: http, scheme: bearer}
`

func TestDocument(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	d, err := protectedresource.New(doc, "/api", "/docs", protectedresource.Config{
		PublicURL:            "https://widgets.example.com/",
		AuthorizationServers: []string{"https://idp.example.com"},
		Scopes:               []string{"openid", "widgets:admin", "widgets:read", "widgets:write"},
		DPoPAlgorithms:       []string{"ES256"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if d.Path != "/.well-known/oauth-protected-resource/api" || d.URL != "https://widgets.example.com/.well-known/oauth-protected-resource/api" {
		t.Errorf("served at %s, %s", d.Path, d.URL)
	}
	rec := httptest.NewRecorder()
	d.ServeHTTP(rec, httptest.NewRequest("GET", d.Path, nil))
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	var got map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"resource":                          "https://widgets.example.com/api",
		"authorization_servers":             []any{"https://idp.example.com"},
		"scopes_supported":                  []any{"openid", "widgets:admin", "widgets:read", "widgets:write"},
		"bearer_methods_supported":          []any{"header"},
		"dpop_signing_alg_values_supported": []any{"ES256"},
		"resource_name":                     "Widget Service",
		"resource_documentation":            "https://widgets.example.com/docs",
	}
	if g, w := canon(t, got), canon(t, want); g != w {
		t.Errorf("document = %s\nwant %s", g, w)
	}

	// At the root, with nothing optional: the members without a value are
	// omitted, not sent empty (RFC 9728 §3.2).
	bare, err := protectedresource.New(&openapi3.T{Paths: openapi3.NewPaths()}, "", "", protectedresource.Config{PublicURL: "http://127.0.0.1:9"})
	if err != nil {
		t.Fatal(err)
	}
	if bare.Path != protectedresource.WellKnown {
		t.Errorf("at the root: served at %s", bare.Path)
	}
	rec = httptest.NewRecorder()
	bare.ServeHTTP(rec, httptest.NewRequest("GET", bare.Path, nil))
	var members map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &members); err != nil {
		t.Fatal(err)
	}
	for k := range members {
		if !slices.Contains([]string{"resource", "bearer_methods_supported"}, k) {
			t.Errorf("member %s sent without a value", k)
		}
	}

	if _, err := protectedresource.New(doc, "/api", "", protectedresource.Config{
		PublicURL: "https://widgets.example.com", AuthorizationServers: []string{"http://idp.example.com"},
	}); err == nil || !strings.Contains(err.Error(), "must use https") {
		t.Errorf("plain-http authorization server: %v", err)
	}
}

func canon(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
