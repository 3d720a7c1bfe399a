package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"example.com/tasks/impl/auth/idptest"
	"example.com/tasks/impl/auth/protectedresource"
)

// TestRunWithJWT starts the server against a local identity provider,
// configured from the environment.
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
	token := key.Sign(t, iss.Claims("alice", "tasks:read"))
	getMe(t, addr, "Authorization", "Bearer "+token)
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
		return append([]string{"--jwks-url", iss.URL, "--jwt-issuer", iss.Name, "--jwt-audience", idptest.Audience}, more...)
	}
	refuses(t, []badConfig{
		{"JWKS URL without issuer", []string{"--jwks-url", iss.URL, "--jwt-audience", "a"}, nil, "go together"},
		{"issuer alone, from the environment", nil, map[string]string{envName("jwt-issuer"): "x"}, "go together"},
		{"HMAC allowed", jwtArgs("--jwt-algorithms", "RS256,HS256"), nil, `"HS256" cannot be allowed`},
		{"none allowed", jwtArgs("--jwt-algorithms", "none"), nil, `"none" cannot be allowed`},
		{"JWKS over plain http", []string{"--jwks-url", "http://idp.example.com/jwks", "--jwt-issuer", "i", "--jwt-audience", "a"}, nil, "must use https"},
	})
}
