package main

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/auth/idptest"
)

// TestIntrospectionDiscovery: with --introspection-client-id and no
// --introspection-url, the endpoint comes from the discovery document of the
// spec's openIdConnect scheme, and so does the issuer (checked in the
// answers, named in the RFC 9728 metadata) unless --issuer names it.
func TestIntrospectionDiscovery(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	iss := idptest.NewIssuer(t, idptest.NewKey(t, "k", false))
	oidcSpec := apitest.EditedSpec(t, "oidc", &openapi3.SecurityScheme{Type: "openIdConnect", OpenIdConnectUrl: iss.Discovery}, true)
	for _, tt := range []struct {
		name    string
		in      introspectionConfig
		edit    map[string]any
		idp     idpConfig
		wantURL string
		wantIss string
		wantErr string
	}{
		{name: "endpoint discovered", in: introspectionConfig{clientID: "rs"}, wantURL: iss.Introspection, wantIss: iss.Name},
		{name: "issuer given", in: introspectionConfig{clientID: "rs"}, idp: idpConfig{issuer: "https://x.example/", audience: "api"}, wantURL: iss.Introspection, wantIss: "https://x.example/"},
		{name: "URL given", in: introspectionConfig{clientID: "rs", url: "https://x.example/i"}, wantURL: "https://x.example/i"},
		{name: "none published", in: introspectionConfig{clientID: "rs"}, edit: map[string]any{"introspection_endpoint": nil}, wantErr: "publishes no introspection_endpoint"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			iss.EditDiscovery(map[string]any{"issuer": iss.Name, "introspection_endpoint": iss.Introspection})
			iss.EditDiscovery(tt.edit)
			got, err := withDiscovery(t.Context(), oidcSpec, config{introspection: tt.in, idp: tt.idp}, quiet)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("withDiscovery = %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got.introspection.url != tt.wantURL || got.idp.issuer != tt.wantIss {
				t.Errorf("withDiscovery = %q %q, %v; want %q %q", got.introspection.url, got.idp.issuer, err, tt.wantURL, tt.wantIss)
			}
		})
	}
}
