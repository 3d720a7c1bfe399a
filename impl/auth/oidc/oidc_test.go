package oidc_test

import (
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/auth/idptest"
	"example.com/tasks/impl/auth/oidc"
)

func TestDiscover(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		edit    map[string]any
		url     func(iss *idptest.Issuer) string
		down    bool
		wantErr string
	}{
		{name: "valid"},
		{name: "introspection endpoint read", edit: map[string]any{"introspection_endpoint": "https://idp.example.com/introspect"}},
		{name: "issuer of another provider", edit: map[string]any{"issuer": "https://evil.example/"}, wantErr: "does not match the URL it was fetched from"},
		{name: "issuer with another path", edit: map[string]any{"issuer": "PREFIX/tenant-b"}, wantErr: "§4.3"},
		{name: "no jwks_uri", edit: map[string]any{"jwks_uri": nil}, wantErr: "lacks issuer or jwks_uri"},
		{name: "jwks_uri over plain http", edit: map[string]any{"jwks_uri": "http://idp.example.com/jwks"}, wantErr: "must use https"},
		{name: "introspection over plain http", edit: map[string]any{"introspection_endpoint": "http://idp.example.com/i"}, wantErr: "must use https"},
		{name: "provider down", down: true, wantErr: "503"},
		{name: "not a discovery URL", url: func(iss *idptest.Issuer) string { return iss.URL }, wantErr: "ends in /.well-known/openid-configuration"},
		{name: "remote plain http", url: func(*idptest.Issuer) string {
			return "http://idp.example.com/.well-known/openid-configuration"
		}, wantErr: "must use https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			iss := idptest.NewIssuer(t, idptest.NewKey(t, "k", false))
			for k, v := range tt.edit {
				if s, ok := v.(string); ok && strings.HasPrefix(s, "PREFIX") {
					tt.edit[k] = strings.TrimSuffix(iss.Name, "/") + strings.TrimPrefix(s, "PREFIX")
				}
			}
			iss.EditDiscovery(tt.edit)
			iss.Down(tt.down)
			url := iss.Discovery
			if tt.url != nil {
				url = tt.url(iss)
			}
			p, err := oidc.Discover(t.Context(), nil, url)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Discover = %+v, %v; want an error containing %q", p, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Issuer != iss.Name || p.JWKSURI != iss.URL {
				t.Errorf("provider = %+v, want issuer %s, jwks_uri %s", p, iss.Name, iss.URL)
			}
			want := iss.Introspection
			if edited, ok := tt.edit["introspection_endpoint"].(string); ok {
				want = edited
			}
			if p.IntrospectionEndpoint != want {
				t.Errorf("introspection_endpoint = %q, want %q", p.IntrospectionEndpoint, want)
			}
		})
	}
}

func TestDiscoveryURL(t *testing.T) {
	t.Parallel()
	scheme := func(typ, url string) *openapi3.SecuritySchemeRef {
		return &openapi3.SecuritySchemeRef{Value: &openapi3.SecurityScheme{Type: typ, Scheme: "bearer", OpenIdConnectUrl: url}}
	}
	const a, b = "https://a.example/.well-known/openid-configuration", "https://b.example/.well-known/openid-configuration"
	tests := []struct {
		name    string
		schemes openapi3.SecuritySchemes
		want    string
		wantErr string
	}{
		{name: "none", schemes: openapi3.SecuritySchemes{"bearer": scheme("http", "")}},
		{name: "one", schemes: openapi3.SecuritySchemes{"bearer": scheme("http", ""), "oidc": scheme("openIdConnect", a)}, want: a},
		{name: "two naming one provider", schemes: openapi3.SecuritySchemes{"x": scheme("openIdConnect", a), "y": scheme("openIdConnect", a)}, want: a},
		{name: "two providers", schemes: openapi3.SecuritySchemes{"x": scheme("openIdConnect", a), "y": scheme("openIdConnect", b)}, wantErr: "one server trusts one"},
	}
	for _, tt := range tests {
		got, err := oidc.DiscoveryURL(&openapi3.T{Components: &openapi3.Components{SecuritySchemes: tt.schemes}})
		if got != tt.want || (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%s: DiscoveryURL = %q, %v; want %q, %q", tt.name, got, err, tt.want, tt.wantErr)
		}
	}
}
