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
	// Reason is a short code for operators (the access log, the
	// auth.outcomes metric) naming what was wrong, one of the Reason*
	// constants; "" falls back to one from the kind (see ReasonCode).
	Reason string

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

// Refusedf returns an *Error of kind k with reason and a formatted
// description.
func Refusedf(k Kind, reason, format string, args ...any) *Error {
	return &Error{Kind: k, Reason: reason, Description: fmt.Sprintf(format, args...)}
}

// Reasons: why a credential was refused, in a word an operator can grep and
// a metric can carry (a closed set, so its cardinality stays small). They
// say what was wrong, never anything read from the credential.
const (
	ReasonMissing           = "missing"            // no credential sent
	ReasonMalformed         = "malformed"          // cannot be parsed
	ReasonUnknown           = "unknown"            // no verifier knows it (static token, API key)
	ReasonInactive          = "inactive"           // the provider says it is not active (RFC 7662)
	ReasonTokenType         = "token_type"         // a refresh or ID token introspected as an access token
	ReasonTyp               = "typ"                // a JWT whose typ is not at+jwt (RFC 9068)
	ReasonAlgorithm         = "algorithm"          // a signing algorithm not allowed
	ReasonUnknownKID        = "unknown_kid"        // no published key matches its kid
	ReasonSignature         = "signature"          // the signature does not verify
	ReasonExpired           = "expired"            // exp passed (beyond the leeway)
	ReasonNotYetValid       = "not_yet_valid"      // nbf or iat in the future (beyond the leeway)
	ReasonIssuer            = "issuer"             // iss is not the configured issuer
	ReasonAudience          = "audience"           // aud does not name this API
	ReasonClaims            = "claims"             // a required claim (sub, exp…) is missing or ill-typed
	ReasonKeyBound          = "key_bound"          // a DPoP-bound token sent as Bearer
	ReasonInsufficientScope = "insufficient_scope" // valid, but lacks a scope
	ReasonUnavailable       = "unavailable"        // the provider cannot be asked now
)

// ReasonCode returns e.Reason, or when it is unset a code derived from the
// kind (or from Code, such as RFC 9449's invalid_dpop_proof).
func (e *Error) ReasonCode() string {
	switch {
	case e.Reason != "":
		return e.Reason
	case e.Code != "":
		return e.Code
	}
	switch e.Kind {
	case Missing:
		return ReasonMissing
	case Malformed:
		return ReasonMalformed
	case Expired:
		return ReasonExpired
	case InsufficientScope:
		return ReasonInsufficientScope
	case Unavailable:
		return ReasonUnavailable
	}
	return "invalid"
}

// ErrUnknown is a Verifier's answer to a token it does not know: Chain asks
// the next verifier, and the client gets 401 invalid_token if none knows it.
var ErrUnknown = &Error{Kind: Invalid, Reason: ReasonUnknown, Description: "the token is not recognised"}

func insufficientScope(required []string) *Error {
	return &Error{
		Kind:        InsufficientScope,
		Reason:      ReasonInsufficientScope,
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
