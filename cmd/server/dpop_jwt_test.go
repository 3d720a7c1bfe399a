package main

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/dpop"
	"example.com/tasks/impl/spec"
)

// TestWithDPoP: DPoP is on exactly when the spec declares it, with the JWT
// algorithm allow-list, and a bad public URL stops the start.
func TestWithDPoP(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	real, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	declared := apitest.EditedSpec(t, "dpopAuth", &openapi3.SecurityScheme{Type: "http", Scheme: "DPoP"}, false)
	base := config{jwt: jwtConfig{algorithms: "ES256, EdDSA"}, publicURL: "https://api.example.com", dpop: dpopConfig{maxAge: dpop.DefaultMaxAge}}

	if schemes, algs, err := withDPoP(nil, real, base, nil, nil, quiet); len(schemes) != 0 || algs != nil || err != nil {
		t.Errorf("the real spec: %d schemes, %v, %v; want no DPoP", len(schemes), algs, err)
	}
	schemes, algs, err := withDPoP(nil, declared, base, nil, nil, quiet)
	if err != nil || len(schemes) != 1 || strings.Join(algs, " ") != "ES256 EdDSA" {
		t.Fatalf("a DPoP spec: %d schemes, %v, %v", len(schemes), algs, err)
	}
	for _, edit := range []func(*config){
		func(c *config) { c.publicURL = "http://api.example.com" },
		func(c *config) { c.jwt.algorithms = "HS256" },
	} {
		c := base
		edit(&c)
		if _, _, err := withDPoP(nil, declared, c, nil, nil, quiet); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	c := base
	c.jwt.algorithms = strings.Join(auth.SigningAlgorithms, ",")
	c.publicURL = ""
	if _, algs, err := withDPoP(nil, declared, c, nil, nil, quiet); err != nil || len(algs) != len(auth.SigningAlgorithms) {
		t.Errorf("without a public URL: %v", err)
	}
}
