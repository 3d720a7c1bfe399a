package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"example.com/tasks/impl/auth/statictoken"
)

// TestRunWithAPIKeys starts the server with API keys beside the
// development tokens.
func TestRunWithAPIKeys(t *testing.T) {
	keysFile := filepath.Join(t.TempDir(), "api-keys.yaml")
	if err := os.WriteFile(keysFile, []byte("tokens:\n  - {subject: bot, sha256: "+statictoken.Digest("bot-key")+"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done, logs := startServer(t, ctx, []string{"--addr", "127.0.0.1:0", "--dev", "--api-keys-file", keysFile}, nil)
	getMe(t, addr, "X-API-Key", "bot-key")
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	all := logs.String()
	for _, want := range []string{`"msg":"API keys loaded"`, `"subject":"bot"`} {
		if !strings.Contains(all, want) {
			t.Errorf("log lacks %s:\n%s", want, all)
		}
	}
	if strings.Contains(all, "bot-key") {
		t.Error("the log contains a credential")
	}
}

func TestRunRefusesBadAPIKeyConfig(t *testing.T) {
	dir := t.TempDir()
	keys, scopedKeys := filepath.Join(dir, "api-keys.yaml"), filepath.Join(dir, "scoped-api-keys.yaml")
	for file, scopes := range map[string]string{keys: "", scopedKeys: "tasks:write"} {
		entry := "tokens:\n  - {subject: bot, scopes: [" + scopes + "], sha256: " + statictoken.Digest("k") + "}\n"
		if err := os.WriteFile(file, []byte(entry), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	refuses(t, []badConfig{
		{"API keys with scopes", []string{"--dev", "--api-keys-file", scopedKeys}, nil, "API keys carry no scopes"},
		{"API keys alone", []string{"--api-keys-file", keys}, nil, "no tokens configured"},
	})
}
