// Package auth authenticates requests by the security rules of openapi.yaml.
//
// Which operation needs which scheme and scopes is never written down here:
// the Authenticator reads it from the spec's security requirements (global
// default, per-operation override, `security: []` for public operations, OR
// across requirement objects, AND inside one). Each kind of security scheme
// is checked by a Scheme: Bearer here (http bearer, oauth2, openIdConnect),
// API keys and DPoP in packages of their own, handed to New by cmd/server.
// A Verifier decides whether a token is genuine; the Authenticator checks
// the scopes, so every kind of token gets the same scope rules.
//
// Failures are *Error values (a kind, a description, scopes, Retry-After):
// this package renders no HTTP body and no WWW-Authenticate header. The HTTP
// edge (impl/httpapi) does, with the spec's problem codes.
package auth

import (
	"context"
	"slices"
)

// Principal is who made a request, as established by a Verifier.
type Principal struct {
	Subject string
	Scopes  []string
	// ClientID is the OAuth client the token was issued to (RFC 9068
	// client_id, RFC 7662 client_id), when the verifier knows it.
	ClientID string
	// JKT is the RFC 7638 thumbprint of the key the token is bound to
	// (RFC 7800 cnf.jkt); "" for a token that is not key-bound. Bearer
	// refuses a key-bound token: only a scheme that checks a proof of
	// possession may accept one.
	JKT string
}

// HasScopes reports whether p carries every scope in required.
func (p Principal) HasScopes(required []string) bool {
	for _, s := range required {
		if !slices.Contains(p.Scopes, s) {
			return false
		}
	}
	return true
}

// Credential is what a client presented for one security scheme.
type Credential struct {
	// Scheme is the security scheme's name in the spec, e.g. "bearerAuth".
	Scheme string
	// Token is the secret itself. Never log it or put it in an error.
	Token string
}

// Verifier checks a credential and returns who it belongs to. It returns an
// *Error for a credential it rejects (ErrUnknown for one it does not know,
// so that Chain can ask the next verifier) or cannot check now (kind
// Unavailable); any other error means it failed and is answered with a 500.
type Verifier interface {
	Verify(ctx context.Context, cred Credential) (Principal, error)
}

// SigningAlgorithms are the asymmetric JWS algorithms (RFC 7518 §3.1, RFC
// 8037) that golang-jwt implements: what a signed token (JWT) or proof
// (DPoP) may be signed with. `none` has no signature, and HMAC would take a
// public key as its secret.
var SigningAlgorithms = []string{
	"RS256", "RS384", "RS512",
	"PS256", "PS384", "PS512",
	"ES256", "ES384", "ES512",
	"EdDSA",
}

type principalKey struct{}

// NewContext returns ctx carrying p.
func NewContext(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the principal of an authenticated request. ok is false
// for a public operation, which runs with no principal.
func FromContext(ctx context.Context) (p Principal, ok bool) {
	p, ok = ctx.Value(principalKey{}).(Principal)
	return p, ok
}
