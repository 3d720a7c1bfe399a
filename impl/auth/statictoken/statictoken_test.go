package statictoken_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/statictoken"
)

func TestVerify(t *testing.T) {
	t.Parallel()
	v, err := statictoken.Parse([]byte("tokens:\n  - subject: alice\n    scopes: [tasks:read]\n    sha256: " + statictoken.Digest("s3cret") + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := v.Verify(context.Background(), auth.Credential{Token: "s3cret"})
	if err != nil || p.Subject != "alice" || !slices.Equal(p.Scopes, []string{"tasks:read"}) {
		t.Errorf("Verify(good) = %+v, %v", p, err)
	}
	for _, bad := range []string{"", "s3cre", "s3cret ", "S3CRET", statictoken.Digest("s3cret")} {
		_, err := v.Verify(context.Background(), auth.Credential{Token: bad})
		var ae *auth.Error
		if !errors.As(err, &ae) || ae.Kind != auth.Invalid || strings.Contains(ae.Description, bad+"x") {
			t.Errorf("Verify(%q) = %v, want an Invalid auth error", bad, err)
		}
	}
}

func TestDevTokens(t *testing.T) {
	t.Parallel()
	v := statictoken.Dev()
	for token, want := range map[string]auth.Principal{
		statictoken.DevReadWriteToken: {Subject: "dev-rw", Scopes: []string{"tasks:read", "tasks:write"}},
		statictoken.DevReadOnlyToken:  {Subject: "dev-ro", Scopes: []string{"tasks:read"}},
	} {
		p, err := v.Verify(context.Background(), auth.Credential{Token: token})
		if err != nil || p.Subject != want.Subject || !slices.Equal(p.Scopes, want.Scopes) {
			t.Errorf("dev token %s = %+v, %v; want %+v", token, p, err, want)
		}
	}
}

func TestParseRejectsMistakes(t *testing.T) {
	t.Parallel()
	d := statictoken.Digest("x")
	tests := map[string]struct{ file, want string }{
		"empty file":     {"", "parse"},
		"no tokens":      {"tokens: []\n", "no tokens"},
		"unknown field":  {"tokens:\n  - {subject: a, scope: [x], sha256: " + d + "}\n", "scope"},
		"plain token":    {"tokens:\n  - {subject: a, token: hunter2}\n", "token"},
		"short digest":   {"tokens:\n  - {subject: a, sha256: abc}\n", "64 hex"},
		"not hex":        {"tokens:\n  - {subject: a, sha256: " + strings.Repeat("z", 64) + "}\n", "64 hex"},
		"empty subject":  {"tokens:\n  - {subject: ' ', sha256: " + d + "}\n", "subject"},
		"same digest":    {"tokens:\n  - {subject: a, sha256: " + d + "}\n  - {subject: b, sha256: " + d + "}\n", "twice"},
		"not a document": {"tokens: {a: b}\n", "parse"},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := statictoken.Parse([]byte(tt.file)); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse = %v, want an error mentioning %q", err, tt.want)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "tokens.yaml")
	if err := os.WriteFile(path, []byte("tokens:\n  - {subject: a, sha256: "+statictoken.Digest("x")+"}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	v, err := statictoken.Load(path)
	if err != nil || v.Len() != 1 {
		t.Fatalf("Load = %v, %v", v, err)
	}
	if _, err := statictoken.Load(path + ".missing"); err == nil {
		t.Error("Load of a missing file succeeded")
	}
}
