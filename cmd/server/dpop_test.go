package main

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/auth/jwttoken"
	"example.com/tasks/impl/spec"
)

// TestProofChecker: DPoP is on exactly when the spec declares it, with the
// JWT algorithm allow-list, and a bad public URL stops the start.
func TestProofChecker(t *testing.T) {
	quiet := slog.New(slog.DiscardHandler)
	real, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	withDPoP := apitest.EditedSpec(t, "dpopAuth", &openapi3.SecurityScheme{Type: "http", Scheme: "DPoP"}, false)
	base := config{jwtAlgorithms: "ES256, EdDSA", publicURL: "https://api.example.com", dpopMaxAge: defaultDPoPMaxAge}

	if pc, err := proofChecker(real, base, quiet); pc != nil || err != nil {
		t.Errorf("the real spec: %v, %v; want no DPoP", pc, err)
	}
	pc, err := proofChecker(withDPoP, base, quiet)
	if err != nil || pc == nil || strings.Join(pc.Algorithms(), " ") != "ES256 EdDSA" {
		t.Fatalf("a DPoP spec: %v, %v", pc, err)
	}
	for _, edit := range []func(*config){
		func(c *config) { c.publicURL = "http://api.example.com" },
		func(c *config) { c.jwtAlgorithms = "HS256" },
	} {
		c := base
		edit(&c)
		if _, err := proofChecker(withDPoP, c, quiet); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
	c := base
	c.jwtAlgorithms = strings.Join(jwttoken.DefaultAlgorithms, ",")
	c.publicURL = ""
	if pc, err := proofChecker(withDPoP, c, quiet); err != nil || len(pc.Algorithms()) != len(jwttoken.DefaultAlgorithms) {
		t.Errorf("without a public URL: %v", err)
	}
}
