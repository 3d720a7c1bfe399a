package auth

import (
	"context"
	"errors"
	"strings"
)

// Verifiers is a Verifier that hands each credential to the verifier for its
// kind, so that static tokens, JWTs, opaque tokens introspected at the
// provider and API keys can be enabled together:
//
//   - API keys go to APIKeys;
//   - a bearer token shaped like a JWT (three dot-separated parts, RFC 7515
//     §7.1) goes to JWT when it is set;
//   - every other bearer token goes to Static, and when Static does not know
//     it, to Opaque (a local lookup before a round trip to the provider);
//   - with JWT alone, every bearer token goes to it; with no JWT, a
//     JWT-shaped token goes where other bearer tokens go.
//
// The shape decides between JWT and the others, not a trial of each
// verifier in turn: a JWT that fails must be answered with the JWT
// verifier's reason (expired, wrong audience), not with "not a static
// token". A nil field rejects what would go to it.
type Verifiers struct {
	Static  Verifier
	JWT     Verifier
	Opaque  Verifier
	APIKeys Verifier
}

var _ Verifier = Verifiers{}

// Verify implements Verifier.
func (vs Verifiers) Verify(ctx context.Context, cred Credential) (Principal, error) {
	switch {
	case cred.Type == APIKey:
		if vs.APIKeys == nil {
			return Principal{}, Errorf(Invalid, "the API key is not recognised")
		}
		return vs.APIKeys.Verify(ctx, cred)
	case vs.JWT != nil && ((vs.Static == nil && vs.Opaque == nil) || strings.Count(cred.Token, ".") == 2):
		return vs.JWT.Verify(ctx, cred)
	case vs.Static != nil:
		p, err := vs.Static.Verify(ctx, cred)
		var ae *Error
		if vs.Opaque != nil && errors.As(err, &ae) && ae.Kind == Invalid {
			return vs.Opaque.Verify(ctx, cred)
		}
		return p, err
	case vs.Opaque != nil:
		return vs.Opaque.Verify(ctx, cred)
	}
	return Principal{}, Errorf(Invalid, "the token is not recognised")
}

// Empty reports whether no verifier is set: nothing could ever pass.
func (vs Verifiers) Empty() bool {
	return vs.Static == nil && vs.JWT == nil && vs.Opaque == nil && vs.APIKeys == nil
}
