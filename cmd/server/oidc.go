package main

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/auth/oidc"
)

// withDiscovery completes the JWT settings from the OpenID Connect discovery
// document the spec's openIdConnect scheme names: with --audience, that
// URL is all the server needs. --jwks-url and --issuer, when given,
// override what the document says. With --introspection-client-id and no
// --introspection-url, the document's introspection_endpoint is used. A provider that cannot be reached, or a
// document that fails OpenID Connect Discovery §4.3, stops the start.
func withDiscovery(ctx context.Context, doc *openapi3.T, c config, logger *slog.Logger) (config, error) {
	url, err := oidc.DiscoveryURL(doc)
	if err != nil {
		return c, err
	}
	if err := c.jwtNeedsAudience(url); err != nil { // option:jwt
		return c, err // option:jwt
	} // option:jwt
	wanted := []bool{ // who needs the document
		c.jwtWantsDiscovery(),            // option:jwt
		c.introspection.wantsDiscovery(), // option:introspect
	}
	if url != "" && slices.Contains(wanted, true) {
		p, err := oidc.Discover(ctx, nil, url)
		if err != nil {
			return c, fmt.Errorf("the spec's openIdConnectUrl: %w", err)
		}
		c.idp.issuer = cmp.Or(c.idp.issuer, p.Issuer)                                    // iss checks, RFC 9728
		c.jwtDiscovered(p.JWKSURI)                                                       // option:jwt
		if err := c.introspection.discovered(p.IntrospectionEndpoint, url); err != nil { // option:introspect
			return c, err // option:introspect
		} // option:introspect
		logger.Info("OpenID Connect discovery", "url", url, "issuer", p.Issuer)
	}
	return c, nil
}
