package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/idptest"
)

// TestRunWithIntrospection starts the server with opaque tokens only (no
// JWT flag, no issuer), the client secret read from a file, and calls it
// with what the provider issues: only this API's access tokens pass; a
// refresh token (Ory Hydra), an ID token (Keycloak) and a token for another
// API are refused, and the log says why. The RFC 9728 metadata names the
// provider from --authorization-server.
func TestRunWithIntrospection(t *testing.T) {
	iss := idptest.NewIssuer(t, idptest.NewKey(t, "k", false))
	secretFile := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secretFile, []byte(idptest.IntrospectionSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done, logs := startServer(t, ctx, []string{"--addr", "127.0.0.1:0", "--introspection-url", iss.Introspection,
		"--introspection-client-secret-file", secretFile, "--audience", idptest.Audience,
		"--public-url", "https://api.example.com", "--authorization-server", iss.Name,
	}, map[string]string{envName("introspection-client-id"): idptest.IntrospectionClientID})
	if as := authorizationServers(t, addr); len(as) != 1 || as[0] != iss.Name {
		t.Errorf("authorization_servers %q, want [%s]", as, iss.Name)
	}
	token := iss.Opaque(t, iss.OpaqueAnswer("alice", ""))
	getMe(t, addr, "Authorization", "Bearer "+token)
	other := iss.OpaqueAnswer("alice", "")
	other["aud"] = "another-api"
	for _, refused := range []struct{ token, reason string }{
		{iss.Opaque(t, iss.RefreshAnswer("alice", "")), auth.ReasonTokenType},
		{iss.Opaque(t, iss.IDTokenAnswer("alice")), auth.ReasonTokenType},
		{iss.Opaque(t, other), auth.ReasonAudience},
		{"never-issued", auth.ReasonInactive},
	} {
		getRefused(t, addr, logs, refused.token, refused.reason)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	all := logs.String()
	if !strings.Contains(all, `"msg":"token introspection enabled"`) || strings.Contains(all, token) || strings.Contains(all, idptest.IntrospectionSecret) {
		t.Errorf("the log lacks the introspection line or holds a secret:\n%s", all)
	}
}

func TestRunRefusesBadIntrospectionConfig(t *testing.T) {
	const u = "https://idp.example.com/introspect"
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no audience", []string{"--introspection-url", u, "--introspection-client-id", "a", "--introspection-client-secret", "s"}, "--introspection-url needs --audience"},
		{"secret twice", []string{"--audience", "api", "--introspection-url", u, "--introspection-client-id", "a", "--introspection-client-secret", "s", "--introspection-client-secret-file", "f"}, "exclusive"},
		{"no secret", []string{"--audience", "api", "--introspection-url", u, "--introspection-client-id", "a"}, "client secret"},
		{"client without URL", []string{"--dev", "--introspection-client-id", "a"}, "need --introspection-url"},
		{"plain http", []string{"--audience", "api", "--introspection-url", "http://idp.example.com/i", "--introspection-client-id", "a", "--introspection-client-secret", "s"}, "must use https"},
		{"missing secret file", []string{"--audience", "api", "--introspection-url", u, "--introspection-client-id", "a", "--introspection-client-secret-file", "/nonexistent/secret"}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), tt.args, func(string) string { return "" }, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
