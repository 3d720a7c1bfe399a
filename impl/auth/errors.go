package auth

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Kind classifies why authentication failed. The HTTP edge gives each kind
// its status code and RFC 6750 error code.
type Kind int

const (
	// Missing: no credentials were sent (401, challenge without error code).
	Missing Kind = iota + 1
	// Malformed: credentials were sent but cannot be parsed (400 invalid_request).
	Malformed
	// Invalid: credentials were parsed and rejected (401 invalid_token, or
	// Error.Code).
	Invalid
	// Expired: the token was genuine but is out of date (401 invalid_token).
	Expired
	// InsufficientScope: the token is valid but lacks scopes (403 insufficient_scope).
	InsufficientScope
	// Unavailable: the credential cannot be checked now, for instance the
	// identity provider is down (503 with Retry-After). Never a pass.
	Unavailable
)

func (k Kind) String() string {
	switch k {
	case Missing:
		return "missing credentials"
	case Malformed:
		return "malformed credentials"
	case Invalid:
		return "invalid credentials"
	case Expired:
		return "expired credentials"
	case InsufficientScope:
		return "insufficient scope"
	case Unavailable:
		return "unavailable"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Error is a typed authentication failure. Description is sent to the client
// (as error_description and the problem detail), so it must never contain the
// credential.
type Error struct {
	Kind        Kind
	Description string
	// Code replaces the kind's RFC 6750 error code in the challenge, for
	// schemes that define their own (RFC 9449's invalid_dpop_proof).
	Code string
	// Scopes lists the scopes the operation needs, for InsufficientScope.
	Scopes []string
	// Header holds response headers the failure needs, such as a fresh
	// nonce the client must use.
	Header http.Header
	// RetryAfter is when to try again, for Unavailable.
	RetryAfter time.Duration
	// Err is the cause, for the log only: never sent to the client.
	Err error

	// Set by the Authenticator on the error it returns: the schemes the
	// operation accepts (one challenge each, in order) and the one whose
	// credential failed (its challenge carries the error; nil for Missing).
	Challenges []*Info
	Culprit    *Info
}

func (e *Error) Error() string {
	if e.Description == "" {
		return e.Kind.String()
	}
	return e.Kind.String() + ": " + e.Description
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of kind k with a formatted description.
func Errorf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Description: fmt.Sprintf(format, args...)}
}

// ErrUnknown is a Verifier's answer to a token it does not know: Chain asks
// the next verifier, and the client gets 401 invalid_token if none knows it.
var ErrUnknown = &Error{Kind: Invalid, Description: "the token is not recognised"}

func insufficientScope(required []string) *Error {
	return &Error{
		Kind:        InsufficientScope,
		Description: "the token lacks a required scope: " + strings.Join(required, " "),
		Scopes:      required,
	}
}

// rank orders kinds by which failure to report when every security
// requirement failed: the one that tells the client most about what to fix.
// A malformed header is a client bug (400); a valid token that lacks a scope
// (403) says more than a rejected one (401), which says more than none.
func (k Kind) rank() int {
	switch k {
	case Malformed:
		return 4
	case InsufficientScope:
		return 3
	case Invalid, Expired:
		return 2
	default:
		return 1
	}
}
