package httpapi

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"strconv"
	"sync"
	"time"

	"example.com/tasks/gen"
	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/httplog"
	"example.com/tasks/impl/problem"
)

// failures renders the typed errors of the steps in front of the handlers
// (authentication, rate limit) as the spec's problems: this is the one place
// where their status codes, problem codes and WWW-Authenticate challenges
// (RFC 9110 §11.6.1, RFC 6750 §3) are decided.
type failures struct {
	realm string
	// metadata is the RFC 9728 metadata URL that 401 and 403 challenges of
	// OAuth schemes point to; "" when none is served.
	metadata string
	// missing holds the rendered answer to each operation's "no
	// credentials" failure (auth.Policy prebuilds one *auth.Error per
	// operation, so its pointer is the key): the commonest refusal costs
	// 33 allocations instead of 44 (BenchmarkRequest/NoToken401).
	missing *sync.Map
}

// write answers err: a typed failure as the spec says, anything else as
// problem.Write does (a *problem.Error as it says, the rest a 500).
func (f failures) write(w http.ResponseWriter, r *http.Request, err error) {
	problem.Write(w, r, f.problem(r.Context(), err))
}

func (f failures) problem(ctx context.Context, err error) error {
	var ae *auth.Error
	if errors.As(err, &ae) {
		return f.auth(ctx, ae)
	}
	return f.check(ctx, err)
}

// check renders the failures of the Checks. A function of its own so that
// its error variables, which escape, cost an authentication failure
// nothing (BenchmarkRequest/NoToken401).
func (f failures) check(ctx context.Context, err error) error {
	var over overQuota
	var later retryLater
	switch {
	case errors.As(err, &over):
		return &problem.Error{
			Status: http.StatusTooManyRequests,
			Code:   gen.ProblemCodeRateLimited,
			Detail: over.Error(),
			Header: http.Header{"Retry-After": {seconds(over.RetryAfter())}},
		}
	case errors.As(err, &later):
		// Its cause (Redis does not answer…) is for the log, never the client.
		if cause := errors.Unwrap(later); cause != nil {
			httplog.SetError(ctx, cause)
		} else {
			httplog.SetError(ctx, err)
		}
		return &problem.Error{
			Status: http.StatusServiceUnavailable,
			Code:   gen.ProblemCodeServiceUnavailable,
			Detail: later.Error(),
			Header: http.Header{"Retry-After": {seconds(later.RetryLater())}},
			Err:    err,
		}
	}
	return err
}

// retryLater is the error of a Check that cannot decide now, such as the
// rate limiter's when its shared store is down (ratelimit.Unavailable): a
// 503 with Retry-After. Its message is the client's; its cause is logged.
type retryLater interface {
	error
	RetryLater() time.Duration
}

// overQuota is the error of a Check that refuses a client over its quota
// (ratelimit.Exceeded): a 429 with Retry-After. An interface, so that the
// rate limiter is an option this package does not import.
type overQuota interface {
	error
	RetryAfter() time.Duration
}

// auth renders an authentication failure: status, code and one challenge
// per scheme the operation accepts, Bearer first, the error parameters on
// the challenge of the scheme at fault.
func (f failures) auth(ctx context.Context, e *auth.Error) *problem.Error {
	httplog.SetAuthReason(ctx, e.ReasonCode())
	if e.Kind == auth.Missing && f.missing != nil {
		if pe, ok := f.missing.Load(e); ok {
			return pe.(*problem.Error)
		}
		pe := f.render(ctx, e)
		f.missing.Store(e, pe)
		return pe
	}
	return f.render(ctx, e)
}

func (f failures) render(ctx context.Context, e *auth.Error) *problem.Error {
	var status int
	var code gen.ProblemCode
	var errCode string
	switch e.Kind {
	case auth.Malformed:
		status, code, errCode = http.StatusBadRequest, gen.ProblemCodeInvalidRequest, "invalid_request"
	case auth.Invalid, auth.Expired:
		status, code, errCode = http.StatusUnauthorized, gen.ProblemCodeInvalidToken, cmp.Or(e.Code, "invalid_token")
	case auth.InsufficientScope:
		status, code, errCode = http.StatusForbidden, gen.ProblemCodeInsufficientScope, "insufficient_scope"
	case auth.Unavailable:
		// Not the client's fault and no challenge: retry later.
		if e.Err != nil {
			httplog.SetError(ctx, e.Err) // the cause is for the log, never the client
		}
		return &problem.Error{
			Status: http.StatusServiceUnavailable,
			Code:   gen.ProblemCodeServiceUnavailable,
			Detail: e.Description,
			Header: http.Header{"Retry-After": {seconds(e.RetryAfter)}},
			Err:    e,
		}
	default:
		// RFC 6750 §3.1: no error code when the request had no credentials.
		status, code = http.StatusUnauthorized, gen.ProblemCodeMissingCredentials
	}
	metadata := ""
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		// A 400 gets none: the client must fix the request first.
		metadata = f.metadata
	}
	header := make([]string, 0, len(e.Challenges))
	for _, i := range e.Challenges {
		if i == e.Culprit && errCode != "" {
			header = append(header, challenge(i, f.realm, errCode, e.Description, e.Scopes, metadata))
		} else {
			header = append(header, challenge(i, f.realm, "", "", nil, metadata))
		}
	}
	h := http.Header{"Www-Authenticate": header}
	for k, v := range e.Header {
		h[k] = v
	}
	return &problem.Error{Status: status, Code: code, Detail: e.Description, Header: h, Err: e}
}

// seconds renders a Retry-After delay in whole seconds, at least 1.
func seconds(d time.Duration) string {
	return strconv.Itoa(max(1, int((d+time.Second-1)/time.Second)))
}
