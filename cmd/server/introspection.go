package main

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/introspect"
)

// introspectionConfig is the RFC 7662 part of the configuration.
type introspectionConfig struct {
	url, clientID, clientSecret, secretFile string
	cacheTTL                                time.Duration
}

func (c *introspectionConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.url, "introspection-url", "", "the identity provider's RFC 7662 introspection endpoint: accept its opaque tokens (with --introspection-client-id, a secret and --audience)")
	fs.StringVar(&c.clientID, "introspection-client-id", "", "this server's client id at the introspection endpoint")
	fs.StringVar(&c.clientSecret, "introspection-client-secret", "", "this server's client secret at the introspection endpoint (prefer --introspection-client-secret-file)")
	fs.StringVar(&c.secretFile, "introspection-client-secret-file", "", "a file holding the introspection client secret (a mounted secret)")
	fs.DurationVar(&c.cacheTTL, "introspection-cache-ttl", introspect.DefaultCacheTTL, "the longest an active introspection answer is trusted (never past the token's exp): a revoked token works this long")
}

// wantsDiscovery reports whether the endpoint is to be found by OpenID
// Connect discovery: a client id without --introspection-url.
func (c *introspectionConfig) wantsDiscovery() bool { return c.clientID != "" && c.url == "" }

// discovered takes the introspection endpoint that discovery found at url
// when c wants it.
func (c *introspectionConfig) discovered(endpoint, url string) error {
	if !c.wantsDiscovery() {
		return nil
	}
	if endpoint == "" {
		return fmt.Errorf("the spec's openIdConnectUrl: %s publishes no introspection_endpoint: pass --introspection-url", url)
	}
	c.url = endpoint
	return nil
}

// opaqueVerifier returns the introspection verifier, or nil when no
// introspection URL is configured. It checks the answers against idp:
// audience (required), issuer and leeway.
func opaqueVerifier(c introspectionConfig, idp idpConfig, logger *slog.Logger) (auth.Verifier, error) {
	if c.url == "" {
		if c.clientID != "" || c.clientSecret != "" || c.secretFile != "" {
			return nil, errors.New("--introspection-client-id and its secret need --introspection-url")
		}
		return nil, nil
	}
	if idp.audience == "" {
		// The provider answers active for a token it issued to any API.
		return nil, errors.New("--introspection-url needs --audience: this API's identifier at the provider (without it, a token for another API would pass)")
	}
	secret := c.clientSecret
	switch {
	case c.secretFile != "" && secret != "":
		return nil, errors.New("--introspection-client-secret and --introspection-client-secret-file are exclusive")
	case c.secretFile != "":
		b, err := os.ReadFile(c.secretFile)
		if err != nil {
			return nil, fmt.Errorf("--introspection-client-secret-file: %w", err)
		}
		// A secret file written by `echo` ends in a newline that is no part of it.
		secret = strings.TrimRight(string(b), "\r\n")
	}
	v, err := introspect.New(introspect.Config{
		URL: c.url, ClientID: c.clientID, ClientSecret: secret, CacheTTL: c.cacheTTL,
		Audiences: idp.audiences(), Issuer: idp.issuer, Leeway: idp.leeway,
	})
	if err != nil {
		return nil, err
	}
	logger.Info("token introspection enabled", "url", c.url, "client_id", c.clientID, "cache_ttl", c.cacheTTL.String(),
		"audiences", strings.Join(idp.audiences(), " "), "issuer", idp.issuer, "leeway", idp.leeway.String())
	return v, nil
}
