package httpapi_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/auth/idptest"
	"example.com/tasks/impl/auth/jwttoken"
	"example.com/tasks/impl/auth/oidc"
	"example.com/tasks/impl/auth/protectedresource"
)

// TestOpenIDConnectSpec: a spec whose operations ask for an openIdConnect
// scheme is served with the issuer and keys its discovery document names;
// access tokens pass, ID tokens of the same provider do not, and the RFC
// 9728 metadata lists the scopes its requirements name.
func TestOpenIDConnectSpec(t *testing.T) {
	t.Parallel()
	k := idptest.NewKey(t, "k", false)
	iss := idptest.NewIssuer(t, k)
	doc := apitest.EditedSpec(t, "oidc", &openapi3.SecurityScheme{Type: "openIdConnect", OpenIdConnectUrl: iss.Discovery}, true)
	url, err := oidc.DiscoveryURL(doc)
	if err != nil {
		t.Fatal(err)
	}
	p, err := oidc.Discover(t.Context(), nil, url)
	if err != nil {
		t.Fatal(err)
	}
	v, err := jwttoken.New(t.Context(), jwttoken.Config{JWKSURL: p.JWKSURI, Issuer: p.Issuer, Audiences: []string{idptest.Audience}})
	if err != nil {
		t.Fatal(err)
	}
	srv := apitest.NewServer(t, apitest.Config{Spec: doc, Verifier: v, Metadata: &protectedresource.Config{PublicURL: "https://api.example.com", AuthorizationServers: []string{p.Issuer}}})

	path := scopedGET(t, doc)
	scopes := allScopes(doc)
	tests := []struct {
		name     string
		token    string
		wantCode int
		wantErr  string // the Bearer challenge's error
	}{
		{"access token with every scope", k.Sign(t, iss.Claims("alice", strings.Join(scopes, " "))), http.StatusOK, ""},
		{"access token without scopes", k.Sign(t, iss.Claims("alice", "")), http.StatusForbidden, `error="insufficient_scope"`},
		{"ID token of the same provider", iss.IDToken(t, k, "alice"), http.StatusUnauthorized, `error="invalid_token", error_description="the token is not an access token: its typ header must be at+jwt (RFC 9068)`},
		{"access token of another issuer", idptest.NewKey(t, "k", false).Sign(t, iss.Claims("alice", strings.Join(scopes, " "))), http.StatusUnauthorized, `error="invalid_token"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest("GET", srv.API+path, nil)
			req.Header.Set("Authorization", "Bearer "+tt.token)
			resp, err := srv.HTTP.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			ch := resp.Header.Get("WWW-Authenticate")
			if resp.StatusCode != tt.wantCode || (tt.wantErr != "" && !strings.Contains(ch, tt.wantErr)) {
				t.Errorf("%d %q, want %d with %s", resp.StatusCode, ch, tt.wantCode, tt.wantErr)
			}
			if tt.wantErr != "" && !strings.Contains(ch, `resource_metadata="https://api.example.com/.well-known/oauth-protected-resource`) {
				t.Errorf("challenge without resource_metadata: %q", ch)
			}
		})
	}

	base := strings.TrimPrefix(srv.API, srv.URL)
	resp, err := srv.HTTP.Get(srv.URL + "/.well-known/oauth-protected-resource" + base)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m struct {
		AuthorizationServers []string `json:"authorization_servers"`
		ScopesSupported      []string `json:"scopes_supported"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(m.AuthorizationServers, []string{iss.Name}) || !slices.Equal(m.ScopesSupported, scopes) {
		t.Errorf("metadata %+v, want issuer %s and the scopes %q", m, iss.Name, scopes)
	}
}
