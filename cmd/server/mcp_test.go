package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"example.com/tasks/impl/auth/protectedresource"
	"example.com/tasks/impl/auth/statictoken"
	"example.com/tasks/impl/mcp"
)

// TestRunWithMCP: the environment turns MCP on; /mcp takes the dev token and
// refuses none with the endpoint's metadata in the challenge.
func TestRunWithMCP(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done, logs := startServer(t, ctx, []string{"--dev", "--addr", "127.0.0.1:0", "--public-url", "http://127.0.0.1:1"},
		map[string]string{envName("mcp"): "true"})
	post := func(token string) (*http.Response, string) { return listTools(t, addr, token) }
	if resp, body := post(statictoken.DevReadOnlyToken); resp.StatusCode != http.StatusOK || !strings.Contains(body, `"tools"`) {
		t.Errorf("tools/list: %d %s", resp.StatusCode, body)
	}
	resp, _ := post("")
	if h := resp.Header.Get("WWW-Authenticate"); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(h, `resource_metadata="http://127.0.0.1:1`+protectedresource.WellKnown+mcp.Path+`"`) {
		t.Errorf("no token: %d %q", resp.StatusCode, h)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), `"msg":"MCP enabled"`) {
		t.Errorf("the log does not say MCP is on:\n%s", logs)
	}
}

// listTools sends tools/list to the server at addr with a bearer token (none
// when ""), and returns the answer and its body.
func listTools(t *testing.T, addr, token string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+mcp.Path, strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}
