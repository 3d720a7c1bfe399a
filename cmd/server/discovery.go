package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/auth/oidc"
)

// withDiscovery completes the JWT settings from the OpenID Connect discovery
// document the spec's openIdConnect scheme names: with --jwt-audience, that
// URL is all the server needs. --jwks-url and --jwt-issuer, when given,
// override what the document says. A provider that cannot be reached, or a
// document that fails OpenID Connect Discovery §4.3, stops the start.
func withDiscovery(ctx context.Context, doc *openapi3.T, c config, logger *slog.Logger) (config, error) {
	url, err := oidc.DiscoveryURL(doc)
	if err != nil {
		return c, err
	}
	if url != "" && c.jwtAudience != "" && (c.jwksURL == "" || c.jwtIssuer == "") {
		p, err := oidc.Discover(ctx, nil, url)
		if err != nil {
			return c, fmt.Errorf("the spec's openIdConnectUrl: %w", err)
		}
		if c.jwksURL == "" {
			c.jwksURL = p.JWKSURI
		}
		if c.jwtIssuer == "" {
			c.jwtIssuer = p.Issuer
		}
		logger.Info("OpenID Connect discovery", "url", url, "issuer", c.jwtIssuer, "jwks_url", c.jwksURL)
	}
	set := 0
	for _, v := range []string{c.jwksURL, c.jwtIssuer, c.jwtAudience} {
		if v != "" {
			set++
		}
	}
	if set != 0 && set != 3 {
		if url != "" {
			return c, errors.New("--jwt-audience is required to verify the tokens of the spec's openIdConnect provider (--jwks-url and --jwt-issuer are optional: discovery finds them)")
		}
		return c, errors.New("--jwks-url, --jwt-issuer and --jwt-audience go together")
	}
	return c, nil
}
