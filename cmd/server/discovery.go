package main

import (
	"cmp"
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
// override what the document says. With --introspection-client-id and no
// --introspection-url, the document's introspection_endpoint is used. A provider that cannot be reached, or a
// document that fails OpenID Connect Discovery §4.3, stops the start.
func withDiscovery(ctx context.Context, doc *openapi3.T, c config, logger *slog.Logger) (config, error) {
	url, err := oidc.DiscoveryURL(doc)
	if err != nil {
		return c, err
	}
	needJWT := c.jwtAudience != "" && (c.jwksURL == "" || c.jwtIssuer == "")
	needIntrospection := c.introspection.clientID != "" && c.introspection.url == ""
	if url != "" && (needJWT || needIntrospection) {
		p, err := oidc.Discover(ctx, nil, url)
		if err != nil {
			return c, fmt.Errorf("the spec's openIdConnectUrl: %w", err)
		}
		if needJWT {
			c.jwksURL = cmp.Or(c.jwksURL, p.JWKSURI)
			c.jwtIssuer = cmp.Or(c.jwtIssuer, p.Issuer)
		}
		if needIntrospection {
			if p.IntrospectionEndpoint == "" {
				return c, fmt.Errorf("the spec's openIdConnectUrl: %s publishes no introspection_endpoint: pass --introspection-url", url)
			}
			c.introspection.url = p.IntrospectionEndpoint
		}
		logger.Info("OpenID Connect discovery", "url", url, "issuer", c.jwtIssuer, "jwks_url", c.jwksURL, "introspection_url", c.introspection.url)
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
