package main

import (
	"errors"
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

// opaqueVerifier returns the introspection verifier, or nil when no
// introspection URL is configured. audience, when set, must be among the
// aud values the provider answers with.
func opaqueVerifier(c introspectionConfig, audience string, logger *slog.Logger) (auth.Verifier, error) {
	if c.url == "" {
		if c.clientID != "" || c.clientSecret != "" || c.secretFile != "" {
			return nil, errors.New("--introspection-client-id and its secret need --introspection-url")
		}
		return nil, nil
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
		URL: c.url, ClientID: c.clientID, ClientSecret: secret, Audience: audience, CacheTTL: c.cacheTTL,
	})
	if err != nil {
		return nil, err
	}
	logger.Info("token introspection enabled", "url", c.url, "client_id", c.clientID, "cache_ttl", c.cacheTTL.String())
	return v, nil
}
