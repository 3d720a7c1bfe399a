// Package oidc reads an OpenID Connect provider's discovery document
// (OpenID Connect Discovery 1.0) named by the spec's `openIdConnect`
// security scheme, so that a spec-first server needs only that URL and its
// audience to verify the provider's tokens.
//
// Written here rather than taken from github.com/coreos/go-oidc: that
// library verifies ID tokens for a relying party and would bring a second
// JOSE stack; a resource server needs two fields of the document, checked as
// §4.3 says, and verifies access tokens with impl/auth/jwttoken.
package oidc

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/auth/secureurl"
)

// wellKnown is the suffix OpenID Connect Discovery §4 appends to the issuer.
const wellKnown = "/.well-known/openid-configuration"

// DefaultTimeout bounds the discovery request when the caller sets none.
const DefaultTimeout = 10 * time.Second

const maxDocumentBytes = 1 << 20

// Provider is what a resource server needs from the discovery document.
type Provider struct {
	Issuer  string `json:"issuer"`
	JWKSURI string `json:"jwks_uri"`
	// IntrospectionEndpoint is RFC 8414's introspection_endpoint, when the
	// provider publishes one.
	IntrospectionEndpoint string `json:"introspection_endpoint"`
}

// DiscoveryURL returns the openIdConnectUrl of the spec's openIdConnect
// schemes ("" when it declares none). Several schemes must name the same
// URL: one server trusts one provider.
func DiscoveryURL(doc *openapi3.T) (string, error) {
	if doc.Components == nil {
		return "", nil
	}
	var found []string
	for _, name := range slices.Sorted(maps.Keys(doc.Components.SecuritySchemes)) {
		s := doc.Components.SecuritySchemes[name].Value
		if s != nil && s.Type == "openIdConnect" && !slices.Contains(found, s.OpenIdConnectUrl) {
			found = append(found, s.OpenIdConnectUrl)
		}
	}
	switch len(found) {
	case 0:
		return "", nil
	case 1:
		return found[0], nil
	}
	return "", fmt.Errorf("oidc: the spec's openIdConnect schemes name %d providers (%s); one server trusts one", len(found), strings.Join(found, ", "))
}

// Discover fetches the discovery document at url and checks it: the issuer
// must be the one url was built from (§4.3: url is the issuer followed by
// /.well-known/openid-configuration; this stops a document served from one
// place from speaking for another issuer), and every URL in it must be
// https (http on loopback only). client nil means a client with
// DefaultTimeout.
func Discover(ctx context.Context, client *http.Client, url string) (Provider, error) {
	p, err := discover(ctx, client, url)
	if err != nil {
		return Provider{}, fmt.Errorf("oidc: discovery from %s: %w", url, err)
	}
	return p, nil
}

func discover(ctx context.Context, client *http.Client, url string) (Provider, error) {
	if _, err := secureurl.Parse("discovery URL", url); err != nil {
		return Provider{}, err
	}
	if !strings.HasSuffix(url, wellKnown) {
		return Provider{}, fmt.Errorf("an OpenID Connect discovery URL ends in %s", wellKnown)
	}
	if client == nil {
		client = &http.Client{Timeout: DefaultTimeout}
	}
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(client.Timeout, DefaultTimeout))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Provider{}, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return Provider{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Provider{}, fmt.Errorf("status %s", resp.Status)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		return Provider{}, fmt.Errorf("Content-Type %q, want application/json", resp.Header.Get("Content-Type"))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentBytes+1))
	if err != nil {
		return Provider{}, err
	}
	if len(body) > maxDocumentBytes {
		return Provider{}, errors.New("the document is larger than 1 MiB")
	}
	var p Provider
	if err := json.Unmarshal(body, &p); err != nil {
		return Provider{}, fmt.Errorf("not a discovery document: %w", err)
	}
	if p.Issuer == "" || p.JWKSURI == "" {
		return Provider{}, errors.New("the document lacks issuer or jwks_uri")
	}
	// §4.3 compares the strings exactly; only the slash that joins the two
	// parts may be shared.
	if want := strings.TrimSuffix(p.Issuer, "/") + wellKnown; want != url {
		return Provider{}, fmt.Errorf("the document's issuer %q does not match the URL it was fetched from (OpenID Connect Discovery §4.3)", p.Issuer)
	}
	if _, err := secureurl.Parse("jwks_uri", p.JWKSURI); err != nil {
		return Provider{}, err
	}
	if p.IntrospectionEndpoint != "" {
		if _, err := secureurl.Parse("introspection_endpoint", p.IntrospectionEndpoint); err != nil {
			return Provider{}, err
		}
	}
	return p, nil
}
