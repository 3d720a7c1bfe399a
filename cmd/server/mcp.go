package main

import (
	"flag"
	"log/slog"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/auth/protectedresource"
	"example.com/tasks/impl/httpapi"
	"example.com/tasks/impl/mcp"
)

// mcpConfig is the MCP option's flags.
type mcpConfig struct {
	on bool
}

func (c *mcpConfig) flags(fs *flag.FlagSet) {
	fs.BoolVar(&c.on, "mcp", false, "serve the spec's operations as MCP tools at "+mcp.Path+" (streamable HTTP, stateless), behind the same bearer tokens and scopes")
}

// resources is what a token for /mcp carries as its audience, besides
// --audience: the endpoint's RFC 9728 resource, PUBLIC_URL/mcp, which MCP
// clients name when they ask for a token (RFC 8707); none without
// --public-url or --mcp.
func (c mcpConfig) resources(publicURL string) []string {
	origin, err := protectedresource.CheckPublicURL(publicURL)
	if !c.on || publicURL == "" || err != nil {
		return nil // a bad --public-url is refused where it is used
	}
	return []string{origin + mcp.Path}
}

// withMCP adds the MCP endpoint to endpoints when --mcp is on. With
// --public-url, the endpoint's own RFC 9728 metadata (its resource is
// PUBLIC_URL/mcp) is served and named in its challenges.
func withMCP(endpoints []httpapi.Endpoint, doc *openapi3.T, c config, proofAlgorithms []string, logger *slog.Logger) ([]httpapi.Endpoint, error) {
	if !c.mcp.on {
		return endpoints, nil
	}
	metadata, err := c.metadata(doc, mcp.Path, proofAlgorithms)
	if err != nil {
		return nil, err
	}
	e := httpapi.Endpoint{Path: mcp.Path, Metadata: metadata}
	e.New = func(api http.Handler, gate *httpapi.Gate) (http.Handler, error) {
		return mcp.New(mcp.Config{Spec: doc, API: api, Gate: gate, MaxBodyBytes: c.maxBodyBytes + 64<<10, Logger: logger})
	}
	logger.Info("MCP enabled", "path", mcp.Path)
	return append(endpoints, e), nil
}
