package store

import (
	"go.opentelemetry.io/otel/metric"
	noopmetric "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"
	nooptrace "go.opentelemetry.io/otel/trace/noop"
)

// Telemetry is where a database reports its calls: a span per query, child
// of the request's span, and the db.client.operation.duration histogram.
// The instrumentation sits at the driver (pgx's tracer, a database/sql
// wrapper), so no store method has to know about it. The zero value, or a
// nil provider, reports nothing and wraps nothing.
type Telemetry struct {
	Tracer trace.TracerProvider
	Meter  metric.MeterProvider
}

// On reports whether t reports anything.
func (t Telemetry) On() bool { return t.Tracer != nil || t.Meter != nil }

// Option configures how an engine opens its database.
type Option func(*Options)

// Options are what Option sets.
type Options struct {
	Telemetry Telemetry
	// Readers is how many connections of SQLite's read pool may be open
	// at once; 0 means its default (sqlite.Readers).
	Readers int
}

// WithReaders sizes SQLite's read pool: n connections, or its default for
// 0. PostgreSQL sizes its pool from its URL (pool_max_conns).
func WithReaders(n int) Option { return func(o *Options) { o.Readers = n } }

// WithTelemetry has the database report its calls to t.
func WithTelemetry(t Telemetry) Option { return func(o *Options) { o.Telemetry = t } }

// Apply returns the options opts set.
func Apply(opts []Option) Options {
	var o Options
	for _, f := range opts {
		f(&o)
	}
	return o
}

// Providers returns t's providers with no-ops for the nil ones, for
// instrumentation libraries that would fall back to the global ones.
func (t Telemetry) Providers() (trace.TracerProvider, metric.MeterProvider) {
	tp, mp := t.Tracer, t.Meter
	if tp == nil {
		tp = nooptrace.NewTracerProvider()
	}
	if mp == nil {
		mp = noopmetric.NewMeterProvider()
	}
	return tp, mp
}
