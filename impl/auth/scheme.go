package auth

import (
	"context"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
)

// Scheme checks the credential of one kind of security scheme in a request.
// Schemes that read the same credential are the same Scheme value, so that
// a request's credential is verified once however many schemes name it.
type Scheme interface {
	// Authenticate reads the scheme's credential from r and verifies it. It
	// returns an *Error of kind Missing when r carries none, Malformed when
	// it cannot be parsed, and as Verifier says otherwise. It never reads
	// the body.
	Authenticate(ctx context.Context, r *http.Request, name string) (Principal, error)
	// Info says how the scheme's challenge looks and where its credential
	// travels. It returns the same pointer every time.
	Info() *Info
}

// SchemeFunc returns the Scheme that checks the spec's security scheme s,
// or nil when s is not of its kind. New asks each in turn.
type SchemeFunc func(s *openapi3.SecurityScheme) Scheme

// Info describes a scheme to the HTTP edge, which renders its challenge:
//
//	AuthScheme realm="…"[, Lead…][, error=…, error_description=…][, scope=…][, Trail…][, resource_metadata=…]
type Info struct {
	// Type names the credential in metrics: bearer, api_key, dpop.
	Type string
	// AuthScheme is the challenge's auth-scheme: Bearer, DPoP, APIKey.
	AuthScheme string
	// Lead and Trail are the challenge's own parameters.
	Lead, Trail []Param
	// OAuth is true for an OAuth access token: its challenge carries the
	// scopes and the RFC 9728 resource_metadata, and it names the user when
	// a requirement ANDs it with another scheme.
	OAuth bool
	// Needs says what to send, for a request that sent nothing: "a bearer token".
	Needs string
	// RequestHeaders carry the credential (never logged, cached or let
	// across origins without thought); ResponseHeaders are those a browser
	// client must be able to read on a failure.
	RequestHeaders, ResponseHeaders []string
}

// Param is one auth-param of a challenge; the edge quotes the value.
type Param struct{ Name, Value string }
