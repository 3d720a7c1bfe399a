package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/jwttoken"
)

// jwtConfig is the JWT option's flags. --jwt-issuer and --jwt-audience are
// not here: they name the identity provider and this API to it, which
// introspection and the RFC 9728 metadata read too.
type jwtConfig struct {
	jwksURL      string
	algorithms   string
	leeway       time.Duration
	skipTypCheck bool
}

func (c *jwtConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.jwksURL, "jwks-url", "", "the identity provider's JWKS URL: accept its JWTs (with --jwt-issuer, --jwt-audience); found by discovery when the spec declares openIdConnect")
	fs.StringVar(&c.algorithms, "jwt-algorithms", strings.Join(auth.SigningAlgorithms, ","), "accepted JWT signing algorithms, comma-separated; asymmetric only")
	fs.DurationVar(&c.leeway, "jwt-leeway", 30*time.Second, "clock skew allowed on JWT exp, nbf and iat")
	fs.BoolVar(&c.skipTypCheck, "jwt-skip-typ-check", false, "accept JWTs whose typ header is not at+jwt (RFC 9068), for providers that do not set it; an ID token then passes if its aud names this API")
}

// algorithmList is --jwt-algorithms as a list (DPoP proofs take it too).
func (c *jwtConfig) algorithmList() []string {
	var algs []string
	for a := range strings.SplitSeq(c.algorithms, ",") {
		if a = strings.TrimSpace(a); a != "" {
			algs = append(algs, a)
		}
	}
	return algs
}

// jwtVerifier returns the JWT verifier, or nil without --jwks-url.
func jwtVerifier(ctx context.Context, cfg config, client *http.Client, logger *slog.Logger) (auth.Verifier, error) {
	c := cfg.jwt
	if n := len(nonEmpty(c.jwksURL, cfg.jwtIssuer, cfg.jwtAudience)); n != 0 && n != 3 {
		return nil, errors.New("--jwks-url, --jwt-issuer and --jwt-audience go together")
	}
	if c.jwksURL == "" {
		return nil, nil
	}
	algs := c.algorithmList()
	v, err := jwttoken.New(ctx, jwttoken.Config{
		JWKSURL: c.jwksURL, Issuer: cfg.jwtIssuer, Audience: cfg.jwtAudience,
		Algorithms: algs, Leeway: c.leeway, Logger: logger, HTTPClient: client, SkipTypCheck: c.skipTypCheck,
	})
	if err != nil {
		return nil, err
	}
	logger.Info("JWT verification enabled", "jwks_url", c.jwksURL, "issuer", cfg.jwtIssuer,
		"audience", cfg.jwtAudience, "algorithms", strings.Join(algs, ","), "leeway", c.leeway.String(),
		"typ_check", !c.skipTypCheck)
	return v, nil
}

// jwtWantsDiscovery reports whether the JWKS URL or the issuer is to come
// from the spec's OpenID Connect discovery document: --jwt-audience alone.
func (c *config) jwtWantsDiscovery() bool {
	return c.jwtAudience != "" && (c.jwt.jwksURL == "" || c.jwtIssuer == "")
}

// jwtDiscovered fills what the flags left unset from discovery.
func (c *config) jwtDiscovered(jwksURI, issuer string) {
	if c.jwtWantsDiscovery() {
		c.jwt.jwksURL = cmp.Or(c.jwt.jwksURL, jwksURI)
		c.jwtIssuer = cmp.Or(c.jwtIssuer, issuer)
	}
}

// jwtNeedsAudience refuses JWT flags without --jwt-audience when the spec
// names a discovery document (url).
func (c *config) jwtNeedsAudience(url string) error {
	if url != "" && c.jwtAudience == "" && (c.jwt.jwksURL != "" || c.jwtIssuer != "") {
		return errors.New("--jwt-audience is required to verify the tokens of the spec's openIdConnect provider (--jwks-url and --jwt-issuer are optional: discovery finds them)")
	}
	return nil
}
