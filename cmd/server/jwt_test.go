package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/idptest"
	"example.com/tasks/impl/auth/protectedresource"
)

// TestRunWithJWT starts the server against a local identity provider,
// configured from the environment, under the former names of --issuer and
// --audience (TASKS_JWT_ISSUER, TASKS_JWT_AUDIENCE), which still work.
func TestRunWithJWT(t *testing.T) {
	key := idptest.NewKey(t, "k1", false)
	iss := idptest.NewIssuer(t, key)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done, logs := startServer(t, ctx, []string{"--addr", "127.0.0.1:0"}, map[string]string{
		envName("jwks-url"): iss.URL, envName("jwt-issuer"): iss.Name, envName("jwt-audience"): idptest.Audience,
		envName("public-url"): "https://api.example.com",
	})
	// The RFC 9728 metadata names the configured issuer.
	resp, err := http.Get("http://" + addr + "/.well-known/oauth-protected-resource/v1")
	if err != nil {
		t.Fatal(err)
	}
	var meta protectedresource.Metadata
	err = json.NewDecoder(resp.Body).Decode(&meta)
	resp.Body.Close()
	if err != nil || meta.Resource != "https://api.example.com/v1" || len(meta.AuthorizationServers) != 1 || meta.AuthorizationServers[0] != iss.Name {
		t.Errorf("metadata: %v %+v", err, meta)
	}
	token := key.Sign(t, iss.Claims("alice", ""))
	getMe(t, addr, "Authorization", "Bearer "+token)
	// What an operator sees when the provider does not follow RFC 9068
	// (Ory Hydra's typ: JWT), or the client did not ask for this API.
	other := iss.Claims("alice", "")
	other["aud"] = "another-api"
	getRefused(t, addr, logs, key.SignTyp(t, "JWT", iss.Claims("alice", "")), auth.ReasonTyp)
	getRefused(t, addr, logs, key.Sign(t, other), auth.ReasonAudience)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	all := logs.String()
	for _, want := range []string{`"msg":"JWT verification enabled"`, `"subject":"alice"`} {
		if !strings.Contains(all, want) {
			t.Errorf("log lacks %s:\n%s", want, all)
		}
	}
	if strings.Contains(all, token) {
		t.Error("the log contains a credential")
	}
}

func TestRunRefusesBadJWTConfig(t *testing.T) {
	iss := idptest.NewIssuer(t, idptest.NewKey(t, "k1", false))
	jwtArgs := func(more ...string) []string {
		return append([]string{"--jwks-url", iss.URL, "--issuer", iss.Name, "--audience", idptest.Audience}, more...)
	}
	refuses(t, []badConfig{
		{"JWKS URL without issuer", []string{"--jwks-url", iss.URL, "--audience", "a"}, nil, "--jwks-url needs --issuer"},
		{"JWKS URL without audience", []string{"--jwks-url", iss.URL, "--issuer", iss.Name}, nil, "--jwks-url needs --audience"},
		{"issuer alone, from the environment", []string{"--dev"}, map[string]string{envName("jwt-issuer"): "x"}, "--issuer names the identity provider to a verifier of its tokens: add --jwks-url or --introspection-url"},
		{"audience alone", []string{"--dev", "--audience", "a"}, nil, "--audience names the identity provider"},
		{"negative leeway", jwtArgs("--leeway", "-1s"), nil, "--leeway must not be negative"},
		{"no refresh", jwtArgs("--jwks-refresh-interval", "0s"), nil, "--jwks-refresh-interval must be positive"},
		{"the name and the former name differ", jwtArgs("--jwt-audience", "other"), nil, "--audience and --jwt-audience (its former name, env " + envName("jwt-audience") + ") are both set and differ"},
		{"authorization server without public URL", jwtArgs("--authorization-server", iss.Name), nil, "served only with --public-url"},
		{"HMAC allowed", jwtArgs("--jwt-algorithms", "RS256,HS256"), nil, `"HS256" cannot be allowed`},
		{"none allowed", jwtArgs("--jwt-algorithms", "none"), nil, `"none" cannot be allowed`},
		{"JWKS over plain http", []string{"--jwks-url", "http://idp.example.com/jwks", "--issuer", "i", "--audience", "a"}, nil, "must use https"},
	})
}
