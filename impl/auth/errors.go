package auth

import (
	"fmt"
	"net/http"
	"strings"
)

// Kind classifies why authentication failed; each kind has its own status
// code and RFC 6750 error code.
type Kind int

const (
	// Missing: no credentials were sent (401, challenge without error code).
	Missing Kind = iota + 1
	// Malformed: credentials were sent but cannot be parsed (400 invalid_request).
	Malformed
	// Invalid: credentials were parsed and rejected (401 invalid_token).
	Invalid
	// Expired: the token was genuine but is out of date (401 invalid_token).
	Expired
	// InsufficientScope: the token is valid but lacks scopes (403 insufficient_scope).
	InsufficientScope
	// InvalidProof: a DPoP proof is missing or fails a check of RFC 9449
	// §4.3 (401 invalid_dpop_proof).
	InvalidProof
	// UseDPoPNonce: the DPoP proof lacks the nonce the server requires, or
	// its nonce is stale (401 use_dpop_nonce, RFC 9449 §9; Header carries
	// a fresh one).
	UseDPoPNonce
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
	case InvalidProof:
		return "invalid_dpop_proof"
	case UseDPoPNonce:
		return "use_dpop_nonce"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// Error is a typed authentication failure. Description is sent to the client
// (as error_description and the problem detail), so it must never contain the
// credential.
type Error struct {
	Kind        Kind
	Description string
	// Scopes lists the scopes the operation needs, for InsufficientScope.
	Scopes []string
	// Header holds response headers the failure needs, such as the
	// DPoP-Nonce of UseDPoPNonce.
	Header http.Header
}

func (e *Error) Error() string {
	if e.Description == "" {
		return e.Kind.String()
	}
	return e.Kind.String() + ": " + e.Description
}

// Errorf returns an *Error of kind k with a formatted description.
func Errorf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Description: fmt.Sprintf(format, args...)}
}

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
	case Invalid, Expired, InvalidProof, UseDPoPNonce:
		return 2
	default:
		return 1
	}
}
