package apitest

import (
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
		authn.Observe(telemetry.ObserveAuth)
	}
	return tel.Middleware
}
