package auth

import (
	"context"
	"strings"
)

// Verifiers is a Verifier that hands each credential to the verifier for its
// kind, so that static tokens, JWTs and API keys can be enabled together:
//
//   - API keys go to APIKeys;
//   - a bearer token shaped like a JWT (three dot-separated parts, RFC 7515
//     §7.1) goes to JWT when it is set, and every other bearer token to Static;
//   - with only one of Static and JWT set, every bearer token goes to it.
//
// The shape decides, not a trial of each verifier in turn: a JWT that fails
// must be answered with the JWT verifier's reason (expired, wrong audience),
// not with "not a static token". A nil field rejects what would go to it.
type Verifiers struct {
	Static  Verifier
	JWT     Verifier
	APIKeys Verifier
}

var _ Verifier = Verifiers{}

// Verify implements Verifier.
func (vs Verifiers) Verify(ctx context.Context, cred Credential) (Principal, error) {
	var v Verifier
	switch {
	case cred.Type == APIKey:
		if vs.APIKeys == nil {
			return Principal{}, Errorf(Invalid, "the API key is not recognised")
		}
		v = vs.APIKeys
	case vs.JWT != nil && (vs.Static == nil || strings.Count(cred.Token, ".") == 2):
		v = vs.JWT
	case vs.Static != nil:
		v = vs.Static
	default:
		return Principal{}, Errorf(Invalid, "the token is not recognised")
	}
	return v.Verify(ctx, cred)
}

// Empty reports whether no verifier is set: nothing could ever pass.
func (vs Verifiers) Empty() bool {
	return vs.Static == nil && vs.JWT == nil && vs.APIKeys == nil
}
