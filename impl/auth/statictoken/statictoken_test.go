package statictoken_test

import (
	"context"
	"errors"
	"fmt"
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
		if !errors.As(err, &ae) || ae.Kind != auth.Invalid || strings.Contains(ae.Description, bad+"x") || !errors.Is(err, auth.ErrUnknown) {
			t.Errorf("Verify(%q) = %v, want auth.ErrUnknown (so that Chain asks the next verifier)", bad, err)
		}
	}
}

func TestDevTokens(t *testing.T) {
	t.Parallel()
	all, read := []string{"a:read", "a:write"}, []string{"a:read"}
	v := statictoken.Dev(all, read)
	for token, want := range map[string]auth.Principal{
		statictoken.DevReadWriteToken: {Subject: "dev-rw", Scopes: all},
		statictoken.DevReadOnlyToken:  {Subject: "dev-ro", Scopes: read},
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

// BenchmarkVerify: the cost of a static token must not grow with the number
// of tokens configured (a digest lookup, not a scan).
func BenchmarkVerify(b *testing.B) {
	for _, n := range []int{1, 10_000} {
		var f strings.Builder
		f.WriteString("tokens:\n")
		for i := range n {
			fmt.Fprintf(&f, "  - {subject: s%d, scopes: [tasks:read], sha256: %s}\n", i, statictoken.Digest(fmt.Sprint("token-", i)))
		}
		v, err := statictoken.Parse([]byte(f.String()))
		if err != nil {
			b.Fatal(err)
		}
		cred := auth.Credential{Token: fmt.Sprint("token-", n/2)}
		b.Run(fmt.Sprintf("tokens=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := v.Verify(context.Background(), cred); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
