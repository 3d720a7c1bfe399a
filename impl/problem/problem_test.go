package problem_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/trace"

	"example.com/tasks/gen"
	"example.com/tasks/impl/httplog"
	"example.com/tasks/impl/problem"
)

const requestID = "req-42"

// request is a request inside httplog.Begin, as the edge serves it: its
// context carries the request id and the access-log entry.
type request struct {
	w     *httptest.ResponseRecorder
	rw    http.ResponseWriter
	r     *http.Request
	entry *httplog.Entry
}

func newRequest(ctx context.Context) *request {
	w := httptest.NewRecorder()
	rw, r, e := httplog.Begin(w, httptest.NewRequestWithContext(ctx, http.MethodGet, "/v1/tasks", nil), requestID)
	return &request{w: w, rw: rw, r: r, entry: e}
}

// logged is the request's access-log line.
func (q *request) logged() string {
	var buf bytes.Buffer
	q.entry.Log(slog.New(slog.NewJSONHandler(&buf, nil)), q.r)
	return buf.String()
}

func (q *request) body(t *testing.T) gen.Problem {
	t.Helper()
	if ct := q.w.Header().Get("Content-Type"); ct != problem.ContentType {
		t.Errorf("Content-Type %q, want %q", ct, problem.ContentType)
	}
	var p gen.Problem
	if err := json.Unmarshal(q.w.Body.Bytes(), &p); err != nil {
		t.Fatalf("body %s: %v", q.w.Body, err)
	}
	return p
}

func TestWriteError(t *testing.T) {
	t.Parallel()
	cause := errors.New("the limiter said no")
	pe := &problem.Error{
		Status: http.StatusTooManyRequests,
		Code:   gen.ProblemCodeRateLimited,
		Detail: "slow down",
		Header: http.Header{"Retry-After": {"7"}},
		Err:    cause,
	}
	for name, err := range map[string]error{
		"as is":   pe,
		"wrapped": fmt.Errorf("checks: %w", pe), // found with errors.As
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			q := newRequest(context.Background())
			problem.Write(q.rw, q.r, err)
			if q.w.Code != http.StatusTooManyRequests {
				t.Errorf("status %d, want 429", q.w.Code)
			}
			if ra := q.w.Header().Get("Retry-After"); ra != "7" {
				t.Errorf("Retry-After %q, want 7", ra)
			}
			p := q.body(t)
			want := gen.Problem{Type: "about:blank", Title: "Too Many Requests", Status: 429, Code: gen.ProblemCodeRateLimited}
			if p.Type != want.Type || p.Title != want.Title || p.Status != want.Status || p.Code != want.Code {
				t.Errorf("body %+v, want %+v", p, want)
			}
			if p.Detail == nil || *p.Detail != "slow down" {
				t.Errorf("detail %v", p.Detail)
			}
			if p.Instance == nil || *p.Instance != requestID {
				t.Errorf("instance %v, want the request id %q", p.Instance, requestID)
			}
			if p.Errors != nil || p.TraceId != nil {
				t.Errorf("errors %v, trace id %v: want neither", p.Errors, p.TraceId)
			}
			if strings.Contains(q.logged(), `"error"`) {
				t.Errorf("a client's error logged as the server's: %s", q.logged())
			}
			if !errors.Is(err, cause) {
				t.Error("the cause is not reachable with errors.Is")
			}
		})
	}
}

func TestWriteValidationErrors(t *testing.T) {
	t.Parallel()
	name, in := "limit", gen.Query
	pe := problem.New(http.StatusBadRequest, gen.ProblemCodeValidationFailed, "the request does not match the API")
	pe.Errors = []gen.ValidationError{
		{Detail: "must be at most 100", Parameter: &name, In: &in},
		{Detail: "title is required", Pointer: new("/title")},
	}
	q := newRequest(context.Background())
	problem.Write(q.rw, q.r, pe)
	if q.w.Code != http.StatusBadRequest {
		t.Errorf("status %d, want 400", q.w.Code)
	}
	p := q.body(t)
	if p.Errors == nil || len(*p.Errors) != 2 {
		t.Fatalf("errors %v, want both", p.Errors)
	}
	got := (*p.Errors)[0]
	if got.Detail != "must be at most 100" || got.Parameter == nil || *got.Parameter != "limit" || got.In == nil || *got.In != gen.Query {
		t.Errorf("first error %+v", got)
	}
	if got := (*p.Errors)[1]; got.Pointer == nil || *got.Pointer != "/title" {
		t.Errorf("second error %+v", got)
	}
}

// TestWriteInternal: any error that is not an *Error is a generic 500: the
// client learns nothing of it, the access log gets it all.
func TestWriteInternal(t *testing.T) {
	t.Parallel()
	secret := errors.New(`pq: password authentication failed for user "admin" at 10.0.0.7`)
	q := newRequest(context.Background())
	problem.Write(q.rw, q.r, fmt.Errorf("get task: %w", secret))
	if q.w.Code != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", q.w.Code)
	}
	if strings.Contains(q.w.Body.String(), "10.0.0.7") || strings.Contains(q.w.Body.String(), "get task") {
		t.Errorf("the cause reached the client: %s", q.w.Body)
	}
	p := q.body(t)
	if p.Code != gen.ProblemCodeInternalError || p.Detail == nil || *p.Detail != "the server could not complete the request" {
		t.Errorf("body %+v", p)
	}
	if p.Instance == nil || *p.Instance != requestID {
		t.Errorf("instance %v, want %q", p.Instance, requestID)
	}
	line := q.logged()
	if !strings.Contains(line, "get task: pq: password") || !strings.Contains(line, `"level":"ERROR"`) || !strings.Contains(line, `"status":500`) {
		t.Errorf("log line %s, want the cause at ERROR with status 500", line)
	}
}

// TestWriteClientGone: a request whose client left is answered with
// nothing, and logged as 499, not as a failure.
func TestWriteClientGone(t *testing.T) {
	t.Parallel()
	for name, err := range map[string]error{
		"canceled":          context.Canceled,
		"wrapped":           fmt.Errorf("list tasks: %w", context.Canceled),
		"wrapped in *Error": &problem.Error{Status: 503, Code: gen.ProblemCodeServiceUnavailable, Err: context.Canceled},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			q := newRequest(ctx)
			cancel()
			problem.Write(q.rw, q.r, err)
			if q.w.Body.Len() != 0 || len(q.w.Header()) != 0 || q.w.Code != http.StatusOK {
				t.Errorf("wrote %d %v %s, want nothing", q.w.Code, q.w.Header(), q.w.Body)
			}
			line := q.logged()
			if !strings.Contains(line, fmt.Sprintf(`"status":%d`, httplog.StatusClientGone)) || strings.Contains(line, `"error"`) {
				t.Errorf("log line %s, want status 499 and no error", line)
			}
		})
	}

	// A context error while the client is still there is the server's own.
	q := newRequest(context.Background())
	problem.Write(q.rw, q.r, context.DeadlineExceeded)
	if q.w.Code != http.StatusInternalServerError {
		t.Errorf("a deadline while the client waits: status %d, want 500", q.w.Code)
	}
}

func TestBody(t *testing.T) {
	t.Parallel()
	traced := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
		SpanID:  trace.SpanID{1, 2, 3, 4, 5, 6, 7, 8},
	}))
	const traceID = "0102030405060708090a0b0c0d0e0f10"
	inRequest := func(ctx context.Context) context.Context { return newRequest(ctx).r.Context() }
	for _, c := range []struct {
		name     string
		ctx      context.Context
		status   int
		detail   string
		instance string // "" for none
		traceID  string // "" for none
	}{
		{"outside a request", context.Background(), 404, "no task", "", ""},
		{"in a request", inRequest(context.Background()), 404, "no task", requestID, ""},
		{"client error, traced", inRequest(traced), 412, "changed", requestID, ""},
		{"server error, traced", inRequest(traced), 503, "retry", requestID, traceID},
		{"server error, untraced", inRequest(context.Background()), 500, "", requestID, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			p := problem.Body(c.ctx, c.status, gen.ProblemCodeNotFound, c.detail)
			if p.Type != "about:blank" || p.Title != http.StatusText(c.status) || int(p.Status) != c.status || p.Code != gen.ProblemCodeNotFound {
				t.Errorf("body %+v", p)
			}
			if got := deref(p.Detail); got != c.detail {
				t.Errorf("detail %q, want %q (absent when empty)", got, c.detail)
			}
			if got := deref(p.Instance); got != c.instance {
				t.Errorf("instance %q, want %q", got, c.instance)
			}
			if got := deref(p.TraceId); got != c.traceID {
				t.Errorf("trace_id %q, want %q (only on a server error)", got, c.traceID)
			}
		})
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
