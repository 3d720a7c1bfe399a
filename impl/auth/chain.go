package auth

import (
	"context"
	"errors"
)

// Chain returns a Verifier that asks each of vs in turn (nil ones are
// skipped) until one knows the token: the first answer that is not
// ErrUnknown (or an error wrapping it) decides; when none knows it, the
// last one's answer is returned. Static tokens, JWTs and introspected opaque tokens can
// so be enabled together; put the cheapest first. A verifier that knows a
// token by its shape (a JWT has three dot-separated parts, RFC 7515 §7.1)
// answers for every token of that shape, so that a JWT that fails gets its
// own reason (expired, wrong audience), not "not recognised".
func Chain(vs ...Verifier) Verifier {
	var c chain
	for _, v := range vs {
		if v != nil {
			c = append(c, v)
		}
	}
	if len(c) == 1 {
		return c[0]
	}
	return c
}

type chain []Verifier

func (c chain) Verify(ctx context.Context, cred Credential) (Principal, error) {
	var err error = ErrUnknown
	for _, v := range c {
		var p Principal
		if p, err = v.Verify(ctx, cred); !errors.Is(err, ErrUnknown) {
			return p, err
		}
	}
	return Principal{}, err
}
