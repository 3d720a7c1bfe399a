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
	needIntrospection := false
	needIntrospection = c.introspection.wantsDiscovery() // option:introspect
	if url != "" && (needJWT || needIntrospection) {
		p, err := oidc.Discover(ctx, nil, url)
		if err != nil {
			return c, fmt.Errorf("the spec's openIdConnectUrl: %w", err)
		}
		if needJWT {
			c.jwksURL = cmp.Or(c.jwksURL, p.JWKSURI)
			c.jwtIssuer = cmp.Or(c.jwtIssuer, p.Issuer)
		}
		if err := c.introspection.discovered(p.IntrospectionEndpoint, url); err != nil { // option:introspect
			return c, err // option:introspect
		} // option:introspect
		logger.Info("OpenID Connect discovery", "url", url, "issuer", c.jwtIssuer, "jwks_url", c.jwksURL)
	}
	if url != "" && c.jwtAudience == "" && (c.jwksURL != "" || c.jwtIssuer != "") {
		return c, errors.New("--jwt-audience is required to verify the tokens of the spec's openIdConnect provider (--jwks-url and --jwt-issuer are optional: discovery finds them)")
	}
	return c, nil
}
