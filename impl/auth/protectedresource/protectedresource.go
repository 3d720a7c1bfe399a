// Package protectedresource serves the API's OAuth 2.0 Protected Resource
// Metadata (RFC 9728): a JSON document that tells a client, from a 401
// alone, which authorization servers issue tokens for this API and which
// scopes it knows. The document is built from openapi.yaml at start-up;
// nothing in it is kept by hand.
//
// The Model Context Protocol's authorization spec requires it of every
// protected MCP server. Written here because no Go library serves it.
package protectedresource

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/auth/secureurl"
)

// WellKnown is the well-known URI suffix RFC 9728 §3 registers.
const WellKnown = "/.well-known/oauth-protected-resource"

// Config is what the document says beyond the spec.
type Config struct {
	// PublicURL is the origin clients reach the API at, such as
	// https://api.example.com: behind a proxy, the proxy's. https, or http
	// on a loopback host; no path, query or fragment (RFC 9728 §2: the
	// resource identifier has no fragment; the well-known document lives at
	// the origin's root).
	PublicURL string
	// AuthorizationServers are the issuer identifiers of the authorization
	// servers whose tokens the API accepts; omitted from the document when
	// empty.
	AuthorizationServers []string
	// Scopes are the scopes the spec declares (spec.Scopes).
	Scopes []string
	// DPoPAlgorithms are the JWS algorithms accepted in DPoP proofs; empty
	// when DPoP is off.
	DPoPAlgorithms []string
}

// Metadata is the document, RFC 9728 §2. Members with no value are omitted
// (§3.2).
type Metadata struct {
	Resource                      string   `json:"resource"`
	AuthorizationServers          []string `json:"authorization_servers,omitempty"`
	ScopesSupported               []string `json:"scopes_supported,omitempty"`
	BearerMethodsSupported        []string `json:"bearer_methods_supported,omitempty"`
	DPoPSigningAlgValuesSupported []string `json:"dpop_signing_alg_values_supported,omitempty"`
	ResourceName                  string   `json:"resource_name,omitempty"`
	ResourceDocumentation         string   `json:"resource_documentation,omitempty"`
}

// Document is the rendered metadata and where it is served.
type Document struct {
	// Path is where this server serves it: WellKnown then the API's base
	// path (§3.1: `/.well-known/oauth-protected-resource/v1` for `/v1`).
	Path string
	// URL is Path on the public origin: what challenges point to.
	URL string
	// Metadata is what it says.
	Metadata Metadata
	body     []byte
}

// New builds the document for doc, whose operations are served under
// basePath ("/v1", or "" at the root), with docsPath the server's page of
// human-readable documentation ("" for none). It fails on a public URL that
// breaks RFC 9728's rules, so that the server refuses to start with it.
func New(doc *openapi3.T, basePath, docsPath string, cfg Config) (*Document, error) {
	origin, err := CheckPublicURL(cfg.PublicURL)
	if err != nil {
		return nil, err
	}
	for _, as := range cfg.AuthorizationServers {
		if _, err := secureurl.Parse("authorization server", as); err != nil {
			return nil, fmt.Errorf("protectedresource: %w", err)
		}
	}
	m := Metadata{
		Resource:                      origin + basePath,
		AuthorizationServers:          slices.Clone(cfg.AuthorizationServers),
		ScopesSupported:               slices.Clone(cfg.Scopes),
		BearerMethodsSupported:        []string{"header"}, // the query and the form body are refused
		DPoPSigningAlgValuesSupported: slices.Clone(cfg.DPoPAlgorithms),
	}
	if doc.Info != nil {
		m.ResourceName = doc.Info.Title
	}
	if docsPath != "" {
		m.ResourceDocumentation = origin + docsPath
	}
	body, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("protectedresource: %w", err)
	}
	path := WellKnown + basePath
	return &Document{Path: path, URL: origin + path, Metadata: m, body: body}, nil
}

// CheckPublicURL checks the configured public URL and returns it as an
// origin, without a trailing slash.
func CheckPublicURL(raw string) (string, error) {
	u, err := secureurl.Parse("public URL", raw)
	if err != nil {
		return "", fmt.Errorf("protectedresource: %w", err)
	}
	var errs []error
	if u.Fragment != "" || strings.Contains(raw, "#") {
		errs = append(errs, errors.New("it has a fragment, which a resource identifier must not have (RFC 9728 §1.2)"))
	}
	if u.RawQuery != "" || u.ForceQuery {
		errs = append(errs, errors.New("it has a query"))
	}
	if u.User != nil {
		errs = append(errs, errors.New("it has user information"))
	}
	if strings.TrimSuffix(u.EscapedPath(), "/") != "" {
		errs = append(errs, errors.New("it has a path: give the origin only (https://api.example.com); the spec's server URL adds the base path"))
	}
	if err := errors.Join(errs...); err != nil {
		return "", fmt.Errorf("protectedresource: public URL %q: %w", raw, err)
	}
	return u.Scheme + "://" + u.Host, nil
}

// ServeHTTP serves the document. It is public: a client reads it before it
// has a token.
func (d *Document) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	// The document changes only with a redeploy; an hour spares the
	// clients that fetch it on every 401.
	h.Set("Cache-Control", "public, max-age=3600")
	_, _ = w.Write(d.body)
}
