package idptest

import (
	"testing"

	"example.com/tasks/impl/auth/jwttoken"
)

// Config returns the verifier configuration that trusts iss.
func (iss *Issuer) Config() jwttoken.Config {
	return jwttoken.Config{JWKSURL: iss.URL, Issuer: iss.Name, Audiences: []string{Audience}}
}

// Verifier returns a verifier for iss's tokens, with cfg's other settings,
// that stops refreshing when t ends.
func (iss *Issuer) Verifier(t testing.TB, cfg jwttoken.Config) *jwttoken.Verifier {
	t.Helper()
	base := iss.Config()
	cfg.JWKSURL, cfg.Issuer, cfg.Audiences = base.JWKSURL, base.Issuer, base.Audiences
	v, err := jwttoken.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
