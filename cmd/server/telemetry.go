package main

import (
	"context"
	"log/slog"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/spec"
	"example.com/tasks/impl/store"
	"example.com/tasks/impl/telemetry"
)

// startTelemetry configures OpenTelemetry from the OTEL_* variables (off and
// free when none is set); metrics are on when the admin listener can serve
// them. It returns what the server's parts take from it.
func startTelemetry(ctx context.Context, cfg config, doc *openapi3.T, getenv func(string) string, logger *slog.Logger) (observability, error) {
	tel, err := telemetry.New(ctx, telemetry.Options{
		Getenv: getenv, ServiceName: spec.Name(doc), Metrics: cfg.adminAddr != "",
	})
	if err != nil {
		return observability{}, err
	}
	logger.Info("telemetry", "traces", tel.TracerProvider() != nil, "metrics", tel.MeterProvider() != nil)
	obs := observability{
		httpClient: tel.HTTPClient(),
		store:      store.Telemetry{Tracer: tel.TracerProvider(), Meter: tel.MeterProvider()},
		metrics:    tel.MetricsHandler(),
		middleware: tel.Middleware,
		shutdown:   tel.Shutdown,
	}
	if tel.MeterProvider() != nil {
		obs.observeAuth = telemetry.ObserveAuth
	}
	return obs, nil
}
