// Package httplog writes one structured access-log line per request.
//
// The line is written by the outermost middleware, but some of what it reports
// is learnt deeper down (who the caller is, why a request failed). Inner code
// records those facts with SetSubject and SetError on a per-request entry that
// the middleware puts in the context. Request headers are never logged, so no
// credential can reach the log.
package httplog

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"go.opentelemetry.io/otel/trace"
)

type entryKey struct{}

// entry collects what inner handlers learn about a request.
type entry struct {
	subject string
	err     error
	gone    bool
}

// StatusClientGone is what the log records for a request whose client left
// before it was answered (nginx's 499 "client closed request"); no response
// is sent, so no client ever sees it.
const StatusClientGone = 499

// SetSubject records who made the request. It does nothing outside Middleware.
func SetSubject(ctx context.Context, subject string) {
	if e, ok := ctx.Value(entryKey{}).(*entry); ok {
		e.subject = subject
	}
}

// SetError records why a request failed on the server's side (a 500). It does
// nothing outside Middleware.
func SetError(ctx context.Context, err error) {
	if e, ok := ctx.Value(entryKey{}).(*entry); ok {
		e.err = err
	}
}

// SetClientGone records that the client left before its answer was written.
// It does nothing outside Middleware.
func SetClientGone(ctx context.Context) {
	if e, ok := ctx.Value(entryKey{}).(*entry); ok {
		e.gone = true
	}
}

// Middleware logs every request once it is answered: request id, method, the
// route pattern (not the raw path, which may hold ids), status, size,
// duration, the trace id when tracing is on, and subject.
func Middleware(logger *slog.Logger) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			e := &entry{}
			ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
			next.ServeHTTP(ww, r.WithContext(context.WithValue(r.Context(), entryKey{}, e)))

			level := slog.LevelInfo
			if e.err != nil {
				level = slog.LevelError
			}
			if !logger.Enabled(r.Context(), level) {
				return
			}
			status := ww.Status()
			switch {
			case e.gone && status == 0:
				status = StatusClientGone
			case status == 0: // the handler wrote nothing: net/http sends 200
				status = http.StatusOK
			}
			route := "-"
			if rc := chi.RouteContext(r.Context()); rc != nil && rc.RoutePattern() != "" {
				route = rc.RoutePattern()
			}
			attrs := []slog.Attr{
				slog.String("request_id", middleware.GetReqID(r.Context())),
				slog.String("method", r.Method),
				slog.String("route", route),
				slog.Int("status", status),
				slog.Int("bytes", ww.BytesWritten()),
				slog.Duration("duration", time.Since(start)),
			}
			if id := TraceID(r.Context()); id != "" {
				attrs = append(attrs, slog.String("trace_id", id))
			}
			if e.subject != "" {
				attrs = append(attrs, slog.String("subject", e.subject))
			}
			if e.err != nil {
				attrs = append(attrs, slog.String("error", e.err.Error()))
			}
			logger.LogAttrs(r.Context(), level, "request", attrs...)
		})
	}
}

// TraceID returns the id of the trace ctx belongs to, or "" when there is
// none (tracing off), so that a log line or an error body can quote it.
func TraceID(ctx context.Context) string {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return ""
	}
	return sc.TraceID().String()
}
