package apikey_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/apikey"
	"example.com/tasks/impl/auth/statictoken"
)

func headerScheme(name string) *openapi3.SecurityScheme {
	return openapi3.NewSecurityScheme().WithType("apiKey").WithIn("header").WithName(name)
}

func keys(t *testing.T) *statictoken.Verifier {
	t.Helper()
	v, err := statictoken.New([]statictoken.Entry{{Subject: "app", SHA256: statictoken.Digest("k3y-0ne")}})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestAuthenticate: the key is one header, once, of visible ASCII; an
// unknown key is refused without echoing it.
func TestAuthenticate(t *testing.T) {
	t.Parallel()
	s := apikey.Scheme(keys(t))(headerScheme("X-API-Key"))
	if s == nil {
		t.Fatal("no Scheme for an apiKey in a header")
	}
	tests := []struct {
		name     string
		values   []string // X-API-Key header lines
		header   string   // where they go; "" for X-API-Key
		want     string   // subject
		wantKind auth.Kind
		wantDesc string
	}{
		{name: "good key", values: []string{"k3y-0ne"}, want: "app"},
		{name: "header name in another case", values: []string{"k3y-0ne"}, header: "x-api-key", want: "app"},
		{name: "none", wantKind: auth.Missing},
		{name: "in another header", values: []string{"k3y-0ne"}, header: "X-Other-Key", wantKind: auth.Missing},
		{name: "as a bearer token", values: []string{"Bearer k3y-0ne"}, header: "Authorization", wantKind: auth.Missing},
		{name: "empty", values: []string{""}, wantKind: auth.Malformed, wantDesc: "the X-API-Key header is empty"},
		{name: "repeated", values: []string{"k3y-0ne", "k3y-0ne"}, wantKind: auth.Malformed, wantDesc: "send exactly one X-API-Key header"},
		{name: "repeated, one empty", values: []string{"k3y-0ne", ""}, wantKind: auth.Malformed, wantDesc: "exactly one"},
		{name: "non-ASCII", values: []string{"k3y-0né"}, wantKind: auth.Malformed, wantDesc: "outside visible ASCII"},
		{name: "space inside", values: []string{"k3y 0ne"}, wantKind: auth.Malformed, wantDesc: "outside visible ASCII"},
		{name: "control character", values: []string{"k3y\x7f0ne"}, wantKind: auth.Malformed, wantDesc: "outside visible ASCII"},
		{name: "tab inside", values: []string{"k3y\t0ne"}, wantKind: auth.Malformed, wantDesc: "outside visible ASCII"},
		{name: "unknown", values: []string{"k3y-two"}, wantKind: auth.Invalid, wantDesc: "the API key is not recognised"},
		{name: "a prefix of a key", values: []string{"k3y-0n"}, wantKind: auth.Invalid, wantDesc: "not recognised"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", "/", nil)
			h := tt.header
			if h == "" {
				h = "X-API-Key"
			}
			for _, v := range tt.values {
				r.Header[http.CanonicalHeaderKey(h)] = append(r.Header[http.CanonicalHeaderKey(h)], v)
			}
			p, err := s.Authenticate(context.Background(), r, "apiKeyAuth")
			if tt.wantKind == 0 {
				if err != nil || p.Subject != tt.want {
					t.Fatalf("Authenticate = %+v, %v; want %q", p, err, tt.want)
				}
				return
			}
			var ae *auth.Error
			if !errors.As(err, &ae) || ae.Kind != tt.wantKind || !strings.Contains(ae.Description, tt.wantDesc) || p.Subject != "" {
				t.Fatalf("Authenticate = %+v, %v; want %v: %q", p, err, tt.wantKind, tt.wantDesc)
			}
			for _, v := range tt.values {
				if len(v) > 3 && strings.Contains(ae.Description, v) {
					t.Errorf("the error echoes the key: %q", ae.Description)
				}
			}
		})
	}
}

type verifierFunc func(context.Context, auth.Credential) (auth.Principal, error)

func (f verifierFunc) Verify(ctx context.Context, c auth.Credential) (auth.Principal, error) {
	return f(ctx, c)
}

// TestVerifierAnswers: the verifier is given the key and the spec's scheme
// name; its refusals pass through, ErrUnknown (however wrapped) becomes
// the API key's own message; with no verifier every key is refused.
func TestVerifierAnswers(t *testing.T) {
	t.Parallel()
	down := &auth.Error{Kind: auth.Unavailable, Description: "down"}
	boom := errors.New("boom")
	var given auth.Credential
	v := verifierFunc(func(_ context.Context, c auth.Credential) (auth.Principal, error) {
		given = c
		switch c.Token {
		case "good":
			return auth.Principal{Subject: "app"}, nil
		case "down":
			return auth.Principal{}, down
		case "boom":
			return auth.Principal{}, boom
		case "wrapped":
			return auth.Principal{}, &auth.Error{Kind: auth.Invalid, Description: "not a key of ours", Err: auth.ErrUnknown}
		}
		return auth.Principal{}, auth.ErrUnknown
	})
	s := apikey.Scheme(v)(headerScheme("X-Key"))
	req := func(key string) *http.Request {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("X-Key", key)
		return r
	}
	if p, err := s.Authenticate(context.Background(), req("good"), "keyAuth"); err != nil || p.Subject != "app" || given != (auth.Credential{Scheme: "keyAuth", Token: "good"}) {
		t.Errorf("good key: %+v, %v; verifier given %+v", p, err, given)
	}
	if _, err := s.Authenticate(context.Background(), req("down"), "keyAuth"); err != down {
		t.Errorf("unavailable: %v, want the verifier's error", err)
	}
	if _, err := s.Authenticate(context.Background(), req("boom"), "keyAuth"); err != boom {
		t.Errorf("failure: %v, want the verifier's error", err)
	}
	for _, key := range []string{"unknown", "wrapped"} {
		_, err := s.Authenticate(context.Background(), req(key), "keyAuth")
		var ae *auth.Error
		if !errors.As(err, &ae) || ae.Kind != auth.Invalid || ae.Description != "the API key is not recognised" {
			t.Errorf("%s: %v, want the API key's not recognised", key, err)
		}
	}

	none := apikey.Scheme(nil)(headerScheme("X-Key"))
	for _, key := range []string{"good", "anything"} {
		var ae *auth.Error
		if p, err := none.Authenticate(context.Background(), req(key), "keyAuth"); !errors.As(err, &ae) || ae.Kind != auth.Invalid || p.Subject != "" {
			t.Errorf("no verifier, key %q: %+v, %v; want refused", key, p, err)
		}
	}
	if _, err := none.Authenticate(context.Background(), httptest.NewRequest("GET", "/", nil), "keyAuth"); !isKind(err, auth.Missing) {
		t.Errorf("no verifier, no key: %v, want missing", err)
	}
}

func isKind(err error, k auth.Kind) bool {
	var ae *auth.Error
	return errors.As(err, &ae) && ae.Kind == k
}

// TestSchemeFunc: only apiKey schemes in a header are served; two spec
// schemes on the same header are one Scheme (one verification per request).
func TestSchemeFunc(t *testing.T) {
	t.Parallel()
	f := apikey.Scheme(nil)
	a, b, c := f(headerScheme("X-API-Key")), f(headerScheme("x-api-key")), f(headerScheme("X-Other"))
	if a == nil || a != b {
		t.Errorf("the same header in two schemes: %p and %p, want one Scheme", a, b)
	}
	if c == nil || c == a {
		t.Errorf("another header: %p, want its own Scheme", c)
	}
	if g := apikey.Scheme(nil)(headerScheme("X-API-Key")); g == a {
		t.Error("two SchemeFuncs share a Scheme")
	}
	for _, ss := range []*openapi3.SecurityScheme{
		openapi3.NewSecurityScheme().WithType("apiKey").WithIn("query").WithName("api_key"),
		openapi3.NewSecurityScheme().WithType("apiKey").WithIn("cookie").WithName("session"),
		openapi3.NewSecurityScheme().WithType("apiKey").WithIn("header"),
		openapi3.NewSecurityScheme().WithType("apiKey").WithName("X-API-Key"),
		openapi3.NewJWTSecurityScheme(),
		{Type: "oauth2"},
	} {
		if s := f(ss); s != nil {
			t.Errorf("%s in %q named %q is served", ss.Type, ss.In, ss.Name)
		}
	}
	i := a.Info()
	if i.AuthScheme != apikey.AuthScheme || i.Type != "api_key" || i.OAuth || a.Info() != i {
		t.Errorf("Info = %+v", i)
	}
	if len(i.Lead) != 1 || i.Lead[0] != (auth.Param{Name: "header", Value: "X-API-Key"}) || len(i.RequestHeaders) != 1 || i.RequestHeaders[0] != "X-API-Key" || !strings.Contains(i.Needs, "X-API-Key") {
		t.Errorf("Info = %+v, want it to name the header", i)
	}
}

// TestNewServesHeadersOnly: through auth.New, a spec asking for a key in
// the query or a cookie is refused at start-up, never left open.
func TestNewServesHeadersOnly(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"query", "cookie"} {
		doc := &openapi3.T{
			OpenAPI:    "3.0.3",
			Paths:      openapi3.NewPaths(),
			Security:   openapi3.SecurityRequirements{{"key": {}}},
			Components: &openapi3.Components{SecuritySchemes: openapi3.SecuritySchemes{"key": {Value: openapi3.NewSecurityScheme().WithType("apiKey").WithIn(in).WithName("k")}}},
		}
		if _, err := auth.New(doc, apikey.Scheme(nil)); err == nil || !strings.Contains(err.Error(), "only in: header") {
			t.Errorf("in: %s: New = %v", in, err)
		}
	}
	doc := &openapi3.T{
		OpenAPI:    "3.0.3",
		Paths:      openapi3.NewPaths(),
		Security:   openapi3.SecurityRequirements{{"one": {}}, {"two": {}}},
		Components: &openapi3.Components{SecuritySchemes: openapi3.SecuritySchemes{"one": {Value: headerScheme("X-Key")}, "two": {Value: headerScheme("x-key")}}},
	}
	a, err := auth.New(doc, apikey.Scheme(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Schemes()) != 1 || a.CredentialHeaders()[1] != "X-Key" || len(a.CredentialHeaders()) != 2 {
		t.Errorf("Schemes %v, CredentialHeaders %v; want one scheme on X-Key", a.Schemes(), a.CredentialHeaders())
	}
}

// TestLoad: a keys file is statictoken's format without scopes.
func TestLoad(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, scopes string) string {
		path := filepath.Join(dir, name)
		body := "tokens:\n  - subject: app\n" + scopes + "    sha256: " + statictoken.Digest("k3y") + "\n"
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	v, err := apikey.Load(write("plain.yaml", ""))
	if err != nil {
		t.Fatal(err)
	}
	if p, err := v.Verify(context.Background(), auth.Credential{Token: "k3y"}); err != nil || p.Subject != "app" {
		t.Errorf("Verify = %+v, %v", p, err)
	}
	if _, err := apikey.Load(write("scoped.yaml", "    scopes: [a]\n")); err == nil || !strings.Contains(err.Error(), "carry no scopes") {
		t.Errorf("scoped file: %v", err)
	}
	if _, err := apikey.Load(filepath.Join(dir, "absent.yaml")); err == nil {
		t.Error("an absent file loaded")
	}
}
