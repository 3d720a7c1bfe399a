package apitest

import (
	"context"
	"net/http"

	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/telemetry"
)

// withTelemetry wires tel as cmd/server does (its telemetry.go): a span per
// request, and a metric per authentication when metrics are on.
func withTelemetry(tel *telemetry.Telemetry, authn *auth.Authenticator) func(http.Handler) http.Handler {
	if tel == nil {
		return nil
	}
	if tel.MeterProvider() != nil {
		authn.Observe(func(ctx context.Context, o auth.Outcome) { telemetry.RecordAuth(ctx, o.Type, o.Result()) })
	}
	return tel.Middleware
}
