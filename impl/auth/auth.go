// Package auth authenticates requests by the security rules of openapi.yaml.
//
// Which operation needs which scheme and scopes is never written down here:
// the Authenticator reads it from the spec's security requirements (global
// default, per-operation override, `security: []` for public operations, OR
// across requirement objects, AND inside one). Credentials are read where
// the scheme says: `Authorization: Bearer` for http bearer, oauth2 and
// openIdConnect, `Authorization: DPoP` with a `DPoP` proof for http DPoP
// (RFC 9449), a header for apiKey. A Verifier decides whether a credential
// is genuine; the Authenticator checks the scopes, so every kind of token
// gets the same scope rules.
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
	// (RFC 9449 cnf.jkt); "" for a token that is not DPoP-bound.
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

// CredentialType says how a credential was sent, so that one Verifier can
// serve several schemes and tell their credentials apart.
type CredentialType int

const (
	// BearerToken is an RFC 6750 `Authorization: Bearer` token: the http
	// bearer, oauth2 and openIdConnect schemes all send one.
	BearerToken CredentialType = iota
	// APIKey is the value of the header an apiKey scheme names.
	APIKey
	// DPoPToken is an RFC 9449 `Authorization: DPoP` token, sent with a
	// proof of possession of the key it is bound to: an http scheme DPoP.
	DPoPToken
)

// String names the credential type in metrics: bearer, api_key or dpop.
func (t CredentialType) String() string {
	switch t {
	case APIKey:
		return "api_key"
	case DPoPToken:
		return "dpop"
	}
	return "bearer"
}

// Credential is what a client presented for one security scheme.
type Credential struct {
	// Scheme is the security scheme's name in the spec, e.g. "bearerAuth".
	Scheme string
	// Type is how the credential was sent.
	Type CredentialType
	// Token is the secret itself. Never log it or put it in an error.
	Token string
}

// Verifier checks a credential and returns who it belongs to. It returns an
// *Error of kind Invalid or Expired for a credential it rejects; any other
// error means it could not decide (for example, a key server is down) and is
// answered with a 500.
type Verifier interface {
	Verify(ctx context.Context, cred Credential) (Principal, error)
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
