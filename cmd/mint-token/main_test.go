package main

import (
	"context"
	"slices"
	"strings"
	"testing"

	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/statictoken"
	"example.com/tasks/impl/spec"
)

// TestMintedEntryGrantsTheToken: the printed entry, as a token file, accepts
// the printed token with the asked-for scopes, and holds no plaintext.
func TestMintedEntryGrantsTheToken(t *testing.T) {
	var stdout, stderr strings.Builder
	if err := run([]string{"-subject", "alice", "-scopes", "a:read, a:write", "-header"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	token := lines[len(lines)-1]
	prefix := spec.TokenPrefix(apitest.Spec())
	if !strings.HasPrefix(token, prefix) || len(token) != len(prefix)+43 {
		t.Fatalf("token = %q, want %s and 43 base64url characters", token, prefix)
	}
	if strings.Contains(stdout.String(), token) {
		t.Fatal("the file entry contains the token itself")
	}
	v, err := statictoken.Parse([]byte(stdout.String()))
	if err != nil {
		t.Fatalf("entry does not parse: %v\n%s", err, stdout.String())
	}
	p, err := v.Verify(context.Background(), auth.Credential{Token: token})
	if err != nil || p.Subject != "alice" || !slices.Equal(p.Scopes, []string{"a:read", "a:write"}) {
		t.Errorf("Verify(minted) = %+v, %v", p, err)
	}

	var again strings.Builder
	if err := run([]string{"-subject", "alice"}, &again, &stderr); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(again.String(), statictoken.Digest(token)) {
		t.Error("two runs minted the same token")
	}
}

func TestSubjectRequired(t *testing.T) {
	var out strings.Builder
	if err := run(nil, &out, &out); err == nil || !strings.Contains(err.Error(), "-subject") {
		t.Errorf("run without -subject = %v", err)
	}
}
