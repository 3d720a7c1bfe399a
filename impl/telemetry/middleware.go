package telemetry

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/semconv/v1.43.0/httpconv"
	"go.opentelemetry.io/otel/trace"

	"example.com/tasks/impl/auth"
)

// Middleware makes one server span per request and records its duration,
// following the stable HTTP semantic conventions. It is written here rather
// than taken from otelhttp because the span's name and the metric's
// http.route need the route pattern, which chi knows only once it has
// routed: the middleware runs inside the chi router and reads the pattern
// when the request is done. Only the method, route, status, scheme, host,
// path, protocol, client address and user agent are recorded: never a
// header that carries a credential, a query or a body.
//
// With telemetry off (t is nil) it returns next itself.
func (t *Telemetry) Middleware(next http.Handler) http.Handler {
	if t == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		method, original := requestMethod(r.Method)
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		ctx := r.Context()
		span := trace.SpanFromContext(ctx) // a no-op span when tracing is off
		if t.tracer != nil {
			attrs := []attribute.KeyValue{
				semconv.HTTPRequestMethodKey.String(method),
				semconv.URLScheme(scheme),
				semconv.URLPath(r.URL.Path),
				semconv.NetworkProtocolVersion(protocolVersion(r)),
			}
			if original != "" {
				attrs = append(attrs, semconv.HTTPRequestMethodOriginal(original))
			}
			attrs = append(attrs, serverAddress(r.Host)...)
			if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
				attrs = append(attrs, semconv.ClientAddress(host))
			}
			if ua := r.UserAgent(); ua != "" {
				attrs = append(attrs, semconv.UserAgentOriginal(ua))
			}
			ctx = t.prop.Extract(ctx, propagation.HeaderCarrier(r.Header))
			ctx, span = t.tracer.Start(ctx, method, trace.WithSpanKind(trace.SpanKindServer), trace.WithAttributes(attrs...))
			defer span.End()
		}
		if t.mp != nil {
			ctx = context.WithValue(ctx, telemetryKey{}, t)
		}
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		r = r.WithContext(ctx)
		next.ServeHTTP(ww, r)

		status := ww.Status()
		if status == 0 { // the handler wrote nothing: net/http sends 200
			status = http.StatusOK
		}
		var route string
		if rc := chi.RouteContext(ctx); rc != nil {
			route = rc.RoutePattern()
		}
		var errorType string
		if status >= http.StatusInternalServerError {
			errorType = strconv.Itoa(status)
		}
		if t.tracer != nil {
			if route != "" {
				span.SetName(method + " " + route)
				span.SetAttributes(semconv.HTTPRoute(route))
			}
			span.SetAttributes(semconv.HTTPResponseStatusCode(status))
			if errorType != "" {
				span.SetAttributes(semconv.ErrorTypeKey.String(errorType))
				span.SetStatus(codes.Error, "")
			}
		}
		if t.mp != nil {
			attrs := []attribute.KeyValue{t.duration.AttrResponseStatusCode(status)}
			if route != "" {
				attrs = append(attrs, t.duration.AttrRoute(route))
			}
			if errorType != "" {
				attrs = append(attrs, t.duration.AttrErrorType(httpconv.ErrorTypeAttr(errorType)))
			}
			t.duration.Record(ctx, time.Since(start).Seconds(), httpconv.RequestMethodAttr(method), scheme, attrs...)
		}
	})
}

type telemetryKey struct{}

// RecordAuth counts one authentication outcome: the kind of credential
// ("bearer", "api_key") and the result (auth.Outcome's). It never records
// who the caller is. Outside Middleware, or with metrics off, it does
// nothing.
func RecordAuth(ctx context.Context, scheme, result string) {
	recordAuth(ctx, scheme, result, "")
}

// recordAuth is RecordAuth with the refusal's reason (auth.reason, one of
// auth's Reason* codes: a closed set, so the cardinality stays small).
func recordAuth(ctx context.Context, scheme, result, reason string) {
	t, ok := ctx.Value(telemetryKey{}).(*Telemetry)
	if !ok {
		return
	}
	attrs := []attribute.KeyValue{attribute.String("auth.scheme", scheme), attribute.String("auth.result", result)}
	if reason != "" {
		attrs = append(attrs, attribute.String("auth.reason", reason))
	}
	t.authN.Add(ctx, 1, metric.WithAttributes(attrs...))
}

// ObserveAuth records an authentication outcome, with the reason of a
// refusal, for auth.Authenticator.Observe.
func ObserveAuth(ctx context.Context, o auth.Outcome) { recordAuth(ctx, o.Type, o.Result(), o.Reason) }

// knownMethods are the methods the conventions name; any other is recorded
// as _OTHER so that a client cannot grow the metrics' cardinality.
var knownMethods = map[string]bool{
	http.MethodConnect: true, http.MethodDelete: true, http.MethodGet: true, http.MethodHead: true,
	http.MethodOptions: true, http.MethodPatch: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodTrace: true, "QUERY": true,
}

func requestMethod(m string) (method, original string) {
	if knownMethods[m] {
		return m, ""
	}
	return "_OTHER", m
}

func protocolVersion(r *http.Request) string {
	switch r.ProtoMajor {
	case 2:
		return "2"
	case 3:
		return "3"
	}
	return "1." + strconv.Itoa(r.ProtoMinor)
}

func serverAddress(host string) []attribute.KeyValue {
	if host == "" {
		return nil
	}
	h, p, err := net.SplitHostPort(host)
	if err != nil {
		return []attribute.KeyValue{semconv.ServerAddress(host)}
	}
	attrs := []attribute.KeyValue{semconv.ServerAddress(h)}
	if port, err := strconv.Atoi(p); err == nil {
		attrs = append(attrs, semconv.ServerPort(port))
	}
	return attrs
}
