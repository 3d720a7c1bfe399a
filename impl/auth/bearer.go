package auth

import (
	"context"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/querystring"
)

// BearerAuthScheme is the auth-scheme of RFC 6750 (`Authorization: Bearer`).
const BearerAuthScheme = "Bearer"

// Bearer returns the SchemeFunc for the schemes whose credential is an RFC
// 6750 bearer token: http bearer, oauth2 and openIdConnect. v verifies the
// tokens (Chain combines several).
func Bearer(v Verifier) SchemeFunc {
	b := &bearer{v: v}
	return func(s *openapi3.SecurityScheme) Scheme {
		switch {
		case s.Type == "http" && strings.EqualFold(s.Scheme, "bearer"), s.Type == "oauth2", s.Type == "openIdConnect":
			return b
		}
		return nil
	}
}

type bearer struct{ v Verifier }

var bearerInfo = &Info{Type: "bearer", AuthScheme: BearerAuthScheme, OAuth: true, Needs: "a bearer token"}

func (b *bearer) Info() *Info { return bearerInfo }

// Authenticate reads and verifies the bearer token. A key-bound token
// (cnf.jkt) is refused (RFC 9449 §7.2): without its proof of possession,
// whoever holds it could be a thief.
func (b *bearer) Authenticate(ctx context.Context, r *http.Request, name string) (Principal, error) {
	token, perr := bearerToken(r)
	if perr != nil {
		return Principal{}, perr
	}
	p, err := b.v.Verify(ctx, Credential{Scheme: name, Token: token})
	if err == nil && p.JKT != "" {
		return Principal{}, Refusedf(Invalid, ReasonKeyBound, "the token is DPoP-bound: send it with Authorization: DPoP and a DPoP proof")
	}
	return p, err
}

// bearerToken extracts an RFC 6750 bearer token from the Authorization header.
//
// Written by hand because net/http has no parser for it and the libraries that
// do (in JWT middlewares) accept more than the RFC allows; here every
// deviation must map to a precise error. It returns an *Error of kind Missing
// when there is no bearer credential and Malformed when there is a broken one.
func bearerToken(r *http.Request) (string, *Error) {
	return AuthorizationToken(r, BearerAuthScheme, errNoBearer)
}

// AuthorizationToken extracts the token of the Authorization header's
// authScheme (Bearer, or DPoP: RFC 9449 §7.1 uses Bearer's syntax), or none
// when the header holds another scheme.
func AuthorizationToken(r *http.Request, authScheme string, none *Error) (string, *Error) {
	// RFC 6750 §2.3 allows a token in the query string but says it SHOULD
	// NOT be used: URLs end up in logs. Refuse it, loudly, however the name
	// is spelt and even if the value does not decode (r.URL.Query() would
	// drop such a pair).
	if querystring.HasName(r.URL.RawQuery, "access_token") {
		return "", Errorf(Malformed, "send the token in the Authorization header, not in the query string")
	}
	values := r.Header.Values("Authorization")
	switch len(values) {
	case 0:
		return "", none
	case 1:
	default:
		return "", Errorf(Malformed, "send exactly one Authorization header")
	}
	// credentials = auth-scheme [ 1*SP token68 ] (RFC 9110 §11.4); the scheme
	// name is case-insensitive (§11.1).
	scheme, token, _ := strings.Cut(values[0], " ")
	if scheme == "" {
		return "", Errorf(Malformed, "the Authorization header is empty")
	}
	if !strings.EqualFold(scheme, authScheme) {
		// Another scheme (Basic, say) is not this credential at all.
		return "", none
	}
	token = strings.TrimLeft(token, " ")
	if token == "" {
		return "", Errorf(Malformed, "the Authorization header has no token after %s", authScheme)
	}
	if !isB64Token(token) {
		return "", Errorf(Malformed, "the %s token has characters outside RFC 6750's b64token", strings.ToLower(authScheme))
	}
	return token, nil
}

// isB64Token reports whether s matches RFC 6750 §2.1:
// b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
func isB64Token(s string) bool {
	body := strings.TrimRight(s, "=")
	if body == "" {
		return false
	}
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case c == '-', c == '.', c == '_', c == '~', c == '+', c == '/':
		default:
			return false
		}
	}
	return true
}

// errNoBearer is shared: the cheapest answer is to the commonest failure.
var errNoBearer = &Error{Kind: Missing, Description: "this operation needs a bearer token"}
