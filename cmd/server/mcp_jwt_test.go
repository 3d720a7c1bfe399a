package main

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"example.com/tasks/impl/auth/idptest"
	"example.com/tasks/impl/mcp"
)

// TestMCPAudience: with --mcp, --public-url and --audience, a JWT an MCP
// client asked for the /mcp resource (RFC 8707: aud is PUBLIC_URL/mcp) is
// accepted at /mcp, as one for --audience is; a token for another API is
// refused with the endpoint's challenge.
func TestMCPAudience(t *testing.T) {
	key := idptest.NewKey(t, "k1", false)
	iss := idptest.NewIssuer(t, key)
	const public = "https://api.example.com"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done, logs := startServer(t, ctx, []string{"--addr", "127.0.0.1:0", "--mcp", "--public-url", public,
		"--jwks-url", iss.URL, "--issuer", iss.Name, "--audience", idptest.Audience}, nil)
	list := func(aud string) (*http.Response, string) {
		t.Helper()
		claims := iss.Claims("alice", "")
		claims["aud"] = aud
		return listTools(t, addr, key.Sign(t, claims))
	}
	for _, aud := range []string{idptest.Audience, public + mcp.Path} {
		if resp, body := list(aud); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"tools"`) {
			t.Errorf("aud %s: %d %s", aud, resp.StatusCode, body)
		}
	}
	resp, body := list("another-api")
	if h := resp.Header.Get("WWW-Authenticate"); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(h, `error="invalid_token"`) ||
		!strings.Contains(h, `resource_metadata="`+public+"/.well-known/oauth-protected-resource"+mcp.Path+`"`) {
		t.Errorf("another audience: %d %q %s", resp.StatusCode, h, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), `"audiences":"`+idptest.Audience+" "+public+mcp.Path+`"`) {
		t.Errorf("the log does not name both audiences:\n%s", logs)
	}
}
