package auth

import (
	"context"
	"maps"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

// An endpoint beside the API that dispatches its callers' requests to the
// API's operations (MCP at /mcp) authenticates each caller once, at its own
// URL: a DPoP proof is bound to that URL and method, so the request it makes
// to an operation cannot present the credential again. It hands the
// operation the principal instead, in the request's context, where no client
// can put one: only code in this process calls NewVerifiedContext.

type verifiedKey struct{}

// NewVerifiedContext returns ctx carrying p, a principal this process has
// already authenticated (with TokenPolicy). A request with such a context is
// authorised by Authorize, and its credential headers are not read.
func NewVerifiedContext(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, verifiedKey{}, p)
}

// VerifiedFromContext returns the principal NewVerifiedContext put in ctx.
func VerifiedFromContext(ctx context.Context) (p Principal, ok bool) {
	p, ok = ctx.Value(verifiedKey{}).(Principal)
	return p, ok
}

// TokenPolicy accepts a credential of any OAuth scheme the spec names
// (a bearer token, verified by whichever verifier knows it, or a DPoP-bound
// one with its proof), with no scope: what an endpoint beside the API
// requires before it looks at what is asked of it. Its 401 carries one
// challenge per such scheme. Nil when the spec names no OAuth scheme.
func (a *Authenticator) TokenPolicy() *Policy {
	var srs openapi3.SecurityRequirements
	var seen []Scheme
	for _, name := range slices.Sorted(maps.Keys(a.schemes)) {
		s := a.schemes[name]
		if !s.Info().OAuth || slices.Contains(seen, s) {
			continue // bearerAuth and oauth2 read the same token: one alternative
		}
		seen = append(seen, s)
		srs = append(srs, openapi3.SecurityRequirement{name: []string{}})
	}
	if len(srs) == 0 {
		return nil
	}
	return a.compile(srs)
}

// Authorize checks p, a principal authenticated by an OAuth scheme (see
// TokenPolicy), against pol, an operation's requirements: each of pol's
// OAuth schemes is satisfied by p when p has its scopes, and no other scheme
// is (its credential was not sent). It answers as Authenticate does: ok is
// false for a public operation, and a failure is an *Error with the
// operation's challenges, InsufficientScope naming the scopes it needs.
// It calls no verifier and records no outcome (the credential's was
// recorded when it was verified).
func (a *Authenticator) Authorize(ctx context.Context, p Principal, pol *Policy) (Principal, bool, error) {
	if len(pol.alternatives) == 0 {
		return Principal{}, false, nil
	}
	at := attempt{verified: &p}
	var buf [4]schemeFailure
	failures := buf[:0]
	for _, req := range pol.alternatives {
		who, f, ok := at.satisfy(ctx, req)
		if ok {
			return who, true, nil
		}
		failures = append(failures, f)
	}
	_, err := failure(failures, pol)
	return Principal{}, false, err
}
