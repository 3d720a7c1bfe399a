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

// jwtConfig is the JWT option's flags. --issuer, --audience and --leeway
// are not here (idp.go): they name the identity provider and this API to
// it, which introspection and the RFC 9728 metadata read too.
type jwtConfig struct {
	jwksURL         string
	algorithms      string
	skipTypCheck    bool
	refreshInterval time.Duration
}

func (c *jwtConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.jwksURL, "jwks-url", "", "the identity provider's JWKS URL: accept its JWTs (with --issuer, --audience); found by discovery when the spec declares openIdConnect")
	fs.StringVar(&c.algorithms, "jwt-algorithms", strings.Join(auth.SigningAlgorithms, ","), "accepted JWT signing algorithms, comma-separated; asymmetric only")
	fs.DurationVar(&c.refreshInterval, "jwks-refresh-interval", jwttoken.DefaultRefreshInterval, "how often the JWKS is refetched: a key the provider withdraws stops verifying new tokens within this (a new key is fetched when a token names it, at most every "+jwttoken.DefaultUnknownKIDInterval.String()+")")
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
	if c.jwksURL == "" {
		return nil, nil
	}
	var errs []error
	if cfg.idp.issuer == "" {
		errs = append(errs, errors.New("--jwks-url needs --issuer: the iss of the provider's tokens"))
	}
	if cfg.idp.audience == "" {
		errs = append(errs, errors.New("--jwks-url needs --audience: this API's identifier at the provider (without it, a token for another API would pass)"))
	}
	if c.refreshInterval <= 0 {
		errs = append(errs, errors.New("--jwks-refresh-interval must be positive"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	algs := c.algorithmList()
	v, err := jwttoken.New(ctx, jwttoken.Config{
		JWKSURL: c.jwksURL, Issuer: cfg.idp.issuer, Audiences: cfg.idp.audiences(), RefreshInterval: c.refreshInterval,
		Algorithms: algs, Leeway: cfg.idp.leeway, Logger: logger, HTTPClient: client, SkipTypCheck: c.skipTypCheck,
	})
	if err != nil {
		return nil, err
	}
	logger.Info("JWT verification enabled", "jwks_url", c.jwksURL, "issuer", cfg.idp.issuer,
		"audiences", strings.Join(cfg.idp.audiences(), " "), "algorithms", strings.Join(algs, ","), "leeway", cfg.idp.leeway.String(),
		"typ_check", !c.skipTypCheck, "jwks_refresh_interval", c.refreshInterval.String())
	return v, nil
}

// jwtWantsDiscovery reports whether the JWKS URL or the issuer is to come
// from the spec's OpenID Connect discovery document: --audience alone.
func (c *config) jwtWantsDiscovery() bool {
	return c.idp.audience != "" && (c.jwt.jwksURL == "" || c.idp.issuer == "")
}

// jwtDiscovered fills what the flags left unset from discovery.
func (c *config) jwtDiscovered(jwksURI string) {
	if c.jwtWantsDiscovery() {
		c.jwt.jwksURL = cmp.Or(c.jwt.jwksURL, jwksURI)
	}
}

// jwtNeedsAudience refuses JWT flags without --audience when the spec
// names a discovery document (url).
func (c *config) jwtNeedsAudience(url string) error {
	if url != "" && c.idp.audience == "" && (c.jwt.jwksURL != "" || c.idp.issuer != "") {
		return errors.New("--audience is required to verify the tokens of the spec's openIdConnect provider (--jwks-url and --issuer are optional: discovery finds them)")
	}
	return nil
}
