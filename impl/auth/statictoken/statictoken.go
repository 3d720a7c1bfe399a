// Package statictoken verifies bearer tokens (and API keys, in a file of
// their own) against a fixed list of SHA-256 digests, read from a YAML file:
//
//	tokens:
//	  - subject: alice
//	    scopes: [tasks:read, tasks:write]
//	    sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
//
// The file never holds a token, only its digest, so a leaked file grants
// nothing. `go run ./cmd/mint-token` makes a token and its entry.
package statictoken

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"

	"example.com/tasks/impl/auth"
)

// Entry is one token in the file.
type Entry struct {
	Subject string   `yaml:"subject"`
	Scopes  []string `yaml:"scopes"`
	SHA256  string   `yaml:"sha256"`
}

type file struct {
	Tokens []Entry `yaml:"tokens"`
}

// Verifier is an auth.Verifier for static tokens. It is safe for concurrent use.
type Verifier struct {
	byDigest map[[sha256.Size]byte]auth.Principal
}

var _ auth.Verifier = (*Verifier)(nil)

// Load reads a token file.
func Load(path string) (*Verifier, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("statictoken: %w", err)
	}
	v, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("statictoken: %s: %w", path, err)
	}
	return v, nil
}

// The development tokens that Dev accepts, as README.md publishes them. They
// are public: never enable them where real data lives.
const (
	DevReadWriteToken = "dev-rw-token" // subject dev-rw, every scope
	DevReadOnlyToken  = "dev-ro-token" // subject dev-ro, the read scopes
)

// Dev returns a Verifier for the development tokens: dev-rw carries the
// scopes all, dev-ro the scopes read. cmd/server passes the spec's
// (spec.Scopes), so a scope added to the spec reaches them with no edit.
func Dev(all, read []string) *Verifier {
	v, err := New([]Entry{
		{Subject: "dev-rw", Scopes: all, SHA256: Digest(DevReadWriteToken)},
		{Subject: "dev-ro", Scopes: read, SHA256: Digest(DevReadOnlyToken)},
	})
	if err != nil {
		panic("statictoken: development tokens: " + err.Error())
	}
	return v
}

// Parse reads a token file's contents. Unknown fields, bad digests, empty
// subjects and repeated digests are errors: a typo must not silently drop a
// token or its scopes.
func Parse(data []byte) (*Verifier, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var f file
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	return New(f.Tokens)
}

// New returns a Verifier for entries, checked as Parse checks a file's.
func New(entries []Entry) (*Verifier, error) {
	if len(entries) == 0 {
		return nil, errors.New("no tokens listed")
	}
	v := &Verifier{byDigest: make(map[[sha256.Size]byte]auth.Principal, len(entries))}
	for i, e := range entries {
		if strings.TrimSpace(e.Subject) == "" {
			return nil, fmt.Errorf("tokens[%d]: subject is empty", i)
		}
		raw, err := hex.DecodeString(e.SHA256)
		if err != nil || len(raw) != sha256.Size {
			return nil, fmt.Errorf("tokens[%d] (%s): sha256 must be 64 hex digits", i, e.Subject)
		}
		digest := [sha256.Size]byte(raw)
		if _, dup := v.byDigest[digest]; dup {
			return nil, fmt.Errorf("tokens[%d] (%s): the same token is listed twice", i, e.Subject)
		}
		v.byDigest[digest] = auth.Principal{Subject: e.Subject, Scopes: e.Scopes}
	}
	return v, nil
}

// Digest returns the hex SHA-256 digest of token, as the file stores it.
func Digest(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Verify implements auth.Verifier.
//
// A token is found by its SHA-256 digest, never compared as plaintext. The
// lookup's timing depends only on the digest, and an attacker cannot steer a
// guess's digest toward a stored one (preimage resistance), so timing reveals
// nothing about any token. That is the property a constant-time comparison
// gives, at a cost that stays flat with 10,000 tokens where comparing against
// each in turn would not.
func (v *Verifier) Verify(_ context.Context, cred auth.Credential) (auth.Principal, error) {
	p, ok := v.byDigest[sha256.Sum256([]byte(cred.Token))]
	if !ok {
		return auth.Principal{}, auth.ErrUnknown
	}
	return p, nil
}

// Scoped reports whether any entry lists scopes. An API key file must not:
// which operations accept a key is the spec's decision (see openapi.yaml).
func (v *Verifier) Scoped() bool {
	for _, p := range v.byDigest {
		if len(p.Scopes) > 0 {
			return true
		}
	}
	return false
}

// Len reports how many tokens v knows.
func (v *Verifier) Len() int { return len(v.byDigest) }
