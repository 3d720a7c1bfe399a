package main

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/auth/idptest"
)

// TestWithDiscovery: with a spec that declares openIdConnect, the audience
// is enough; flags override the document; a provider that fails discovery
// stops the start.
func TestWithDiscovery(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	iss := idptest.NewIssuer(t, idptest.NewKey(t, "k", false))
	oidcSpec := apitest.EditedSpec(t, "oidc", &openapi3.SecurityScheme{Type: "openIdConnect", OpenIdConnectUrl: iss.Discovery}, true)
	tests := []struct {
		name            string
		doc             *openapi3.T
		in              config
		edit            map[string]any
		down            bool
		wantJWKS, wantI string
		wantErr         string
	}{
		{name: "audience alone", doc: oidcSpec, in: config{idp: idpConfig{audience: "api"}}, wantJWKS: iss.URL, wantI: iss.Name},
		{name: "the flags override", doc: oidcSpec, in: config{idp: idpConfig{audience: "api", issuer: "https://other.example/"}}, wantJWKS: iss.URL, wantI: "https://other.example/"},
		{name: "no audience, no JWTs", doc: oidcSpec, in: config{}},
		{name: "issuer alone", doc: oidcSpec, in: config{idp: idpConfig{issuer: "x"}}, wantErr: "--audience is required"},
		{name: "issuer mismatch", doc: oidcSpec, in: config{idp: idpConfig{audience: "api"}}, edit: map[string]any{"issuer": "https://evil.example/"}, wantErr: "§4.3"},
		{name: "provider down", doc: oidcSpec, in: config{idp: idpConfig{audience: "api"}}, down: true, wantErr: "openIdConnectUrl"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss.EditDiscovery(map[string]any{"issuer": iss.Name, "introspection_endpoint": iss.Introspection})
			iss.EditDiscovery(tt.edit)
			iss.Down(tt.down)
			got, err := withDiscovery(t.Context(), tt.doc, tt.in, quiet)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("withDiscovery = %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got.jwt.jwksURL != tt.wantJWKS || got.idp.issuer != tt.wantI {
				t.Errorf("withDiscovery = %q %q, %v; want %q %q", got.jwt.jwksURL, got.idp.issuer, err, tt.wantJWKS, tt.wantI)
			}
		})
	}
}
