// Package problem renders every error the server sends as an RFC 9457
// problem details body (application/problem+json), using the type generated
// from openapi.yaml so that the bodies cannot drift from the contract.
package problem

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"example.com/tasks/gen"
	"example.com/tasks/impl/httplog"
)

// ContentType is the media type of every error body (RFC 9457 §3).
const ContentType = "application/problem+json"

// Error is an error that knows its HTTP answer. Anything that fails a request
// for a reason the client can act on returns one; any other error is a 500.
type Error struct {
	Status int
	Code   gen.ProblemCode
	Detail string
	// Header holds extra response headers, such as WWW-Authenticate or Allow.
	Header http.Header
	// Errors lists each failure of a request that failed validation (the
	// problem's errors member).
	Errors []gen.ValidationError
	// Err is the typed cause, if any, for callers that use errors.As.
	Err error
}

func (e *Error) Error() string { return string(e.Code) + ": " + e.Detail }

func (e *Error) Unwrap() error { return e.Err }

// New returns an Error with no extra headers.
func New(status int, code gen.ProblemCode, detail string) *Error {
	return &Error{Status: status, Code: code, Detail: detail}
}

// Body returns a problem details body. Handlers of the strict server use it
// to fill the typed error responses the spec declares.
func Body(ctx context.Context, status int, code gen.ProblemCode, detail string) gen.Problem {
	p := gen.Problem{
		Type:   "about:blank",
		Title:  http.StatusText(status),
		Status: int32(status),
		Code:   code,
	}
	if detail != "" {
		p.Detail = &detail
	}
	if id := httplog.RequestID(ctx); id != "" {
		p.Instance = &id
	}
	if status >= http.StatusInternalServerError {
		// The server's own failure: the trace id lets an operator find it.
		if id := httplog.TraceID(ctx); id != "" {
			p.TraceId = &id
		}
	}
	return p
}

// internal is what a client sees for any error that is not an *Error: the
// cause goes to the access log, never to the client.
var internal = New(http.StatusInternalServerError, gen.ProblemCodeInternalError,
	"the server could not complete the request")

// contentType is shared by every error response, set without Header.Set's
// allocation; appending to it copies (its capacity is its length).
var contentType = []string{ContentType}

// Write is the one error writer: it renders err as problem+json. An *Error
// (found with errors.As) is sent as it says; any other error is logged with
// the request and answered with a generic 500, unless it is the request's
// own context ending because the client left.
func Write(w http.ResponseWriter, r *http.Request, err error) {
	// A client that went away reads no answer, and its leaving is no server
	// failure: the access log records it (499) and nothing is written.
	if gone := r.Context().Err(); gone != nil && errors.Is(err, gone) {
		httplog.SetClientGone(r.Context())
		return
	}
	var pe *Error
	if !errors.As(err, &pe) {
		httplog.SetError(r.Context(), err)
		pe = internal
	}
	h := w.Header()
	for k, v := range pe.Header {
		h[k] = v
	}
	h["Content-Type"] = contentType
	w.WriteHeader(pe.Status)
	// An encoding error here means the client went away; there is no one to tell.
	body := Body(r.Context(), pe.Status, pe.Code, pe.Detail)
	if len(pe.Errors) > 0 {
		body.Errors = &pe.Errors
	}
	_ = json.NewEncoder(w).Encode(body)
}
