// Package telemetry sets up OpenTelemetry from the standard OTEL_* environment
// variables and instruments the server's requests with it.
//
// Traces are on when an OTLP endpoint is configured
// (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) or
// OTEL_TRACES_EXPORTER=otlp, and off otherwise or with OTEL_SDK_DISABLED=true
// or OTEL_TRACES_EXPORTER=none. They are sent over OTLP/HTTP (protobuf).
// Metrics are on when the admin listener serves them (Options.Metrics) and
// are read in Prometheus text format. With both off, Middleware returns the
// next handler itself: telemetry that is off costs nothing per request.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"

	promclient "github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/contrib/instrumentation/runtime"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	noopmetric "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/semconv/v1.43.0/httpconv"
	"go.opentelemetry.io/otel/trace"
)

// scope is the instrumentation scope of every span and metric made here:
// this package's import path, read from one of its types so that a renamed
// fork (make rename, or gonew, which rewrites imports but not strings) names
// its own module.
var scope = reflect.TypeFor[Telemetry]().PkgPath()

// Options says what to turn on.
type Options struct {
	// Getenv reads the OTEL_* variables (os.Getenv in production).
	Getenv func(string) string
	// ServiceName is service.name unless OTEL_SERVICE_NAME says otherwise.
	ServiceName string
	// Metrics turns on the metrics and their Prometheus handler.
	Metrics bool
	// SpanExporter, if set, receives the spans instead of the OTLP exporter
	// the environment configures, and turns tracing on (tests).
	SpanExporter sdktrace.SpanExporter
	// Reader, if set, is an extra metric reader (tests).
	Reader sdkmetric.Reader
}

// Telemetry is the server's tracer and meter providers and the instruments
// made from them. A nil *Telemetry is telemetry off.
type Telemetry struct {
	tp       *sdktrace.TracerProvider // nil: tracing off
	mp       *sdkmetric.MeterProvider // nil: metrics off
	tracer   trace.Tracer
	prop     propagation.TextMapPropagator
	metrics  http.Handler
	duration httpconv.ServerRequestDuration
	authN    metric.Int64Counter
}

// New configures telemetry from the environment. It returns nil, and no
// error, when everything is off.
func New(ctx context.Context, o Options) (*Telemetry, error) {
	getenv := o.Getenv
	tracing, err := tracesWanted(getenv)
	if err != nil {
		return nil, err
	}
	tracing = tracing || o.SpanExporter != nil
	if !tracing && !o.Metrics {
		return nil, nil
	}
	res, err := newResource(ctx, getenv, o.ServiceName)
	if err != nil {
		return nil, err
	}
	t := &Telemetry{prop: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})}
	if tracing {
		exp := o.SpanExporter
		if exp == nil {
			if exp, err = otlpExporter(ctx, getenv); err != nil {
				return nil, err
			}
		}
		// The sampler comes from OTEL_TRACES_SAMPLER and _ARG (default:
		// parent-based, always on), read by the SDK.
		t.tp = sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
		t.tracer = t.tp.Tracer(scope)
	}
	if o.Metrics {
		reg := promclient.NewRegistry()
		exp, err := otelprom.New(otelprom.WithRegisterer(reg))
		if err != nil {
			return nil, fmt.Errorf("telemetry: prometheus exporter: %w", err)
		}
		opts := []sdkmetric.Option{sdkmetric.WithReader(exp), sdkmetric.WithResource(res)}
		if o.Reader != nil {
			opts = append(opts, sdkmetric.WithReader(o.Reader))
		}
		t.mp = sdkmetric.NewMeterProvider(opts...)
		t.metrics = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
		meter := t.mp.Meter(scope)
		if t.duration, err = httpconv.NewServerRequestDuration(meter); err != nil {
			return nil, err
		}
		if t.authN, err = meter.Int64Counter("auth.outcomes", metric.WithUnit("{request}"),
			metric.WithDescription("Authentication outcomes of secured requests, by scheme type and result.")); err != nil {
			return nil, err
		}
		if err := runtime.Start(runtime.WithMeterProvider(t.mp)); err != nil {
			return nil, fmt.Errorf("telemetry: runtime metrics: %w", err)
		}
	}
	return t, nil
}

// tracesWanted reads whether the environment asks for traces.
func tracesWanted(getenv func(string) string) (bool, error) {
	if strings.EqualFold(getenv("OTEL_SDK_DISABLED"), "true") {
		return false, nil
	}
	switch e := getenv("OTEL_TRACES_EXPORTER"); e {
	case "none":
		return false, nil
	case "otlp":
		return true, nil
	case "":
	default:
		return false, fmt.Errorf("telemetry: OTEL_TRACES_EXPORTER=%q: this server sends traces with otlp only (or none)", e)
	}
	for _, k := range []string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"} {
		if p := getenv(k); p != "" {
			if p != "http/protobuf" {
				return false, fmt.Errorf("telemetry: %s=%q: this server sends OTLP over http/protobuf only", k, p)
			}
			break
		}
	}
	return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "", nil
}

// otlpExporter is the OTLP/HTTP exporter. The endpoint is passed from getenv
// (the signal's own URL as given, the generic one with /v1/traces appended,
// as the specification says); headers, timeout, compression and TLS are read
// by the exporter itself from the process environment.
func otlpExporter(ctx context.Context, getenv func(string) string) (sdktrace.SpanExporter, error) {
	var opts []otlptracehttp.Option
	if u := getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"); u != "" {
		opts = append(opts, otlptracehttp.WithEndpointURL(u))
	} else if u := getenv("OTEL_EXPORTER_OTLP_ENDPOINT"); u != "" {
		opts = append(opts, otlptracehttp.WithEndpointURL(strings.TrimSuffix(u, "/")+"/v1/traces"))
	}
	exp, err := otlptracehttp.New(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("telemetry: OTLP exporter: %w", err)
	}
	return exp, nil
}

// newResource describes this process: service.name from OTEL_SERVICE_NAME
// or the default, plus OTEL_RESOURCE_ATTRIBUTES.
func newResource(ctx context.Context, getenv func(string) string, service string) (*resource.Resource, error) {
	if s := getenv("OTEL_SERVICE_NAME"); s != "" {
		service = s
	}
	res, err := resource.New(ctx, resource.WithTelemetrySDK(), resource.WithFromEnv(),
		resource.WithAttributes(semconv.ServiceName(service)))
	if err != nil && !errors.Is(err, resource.ErrPartialResource) {
		return nil, fmt.Errorf("telemetry: resource: %w", err)
	}
	return res, nil
}

// MetricsHandler serves the metrics in Prometheus text format, or is nil
// when metrics are off.
func (t *Telemetry) MetricsHandler() http.Handler {
	if t == nil {
		return nil
	}
	return t.metrics
}

// TracerProvider is the provider for spans of other packages (the JWKS
// client, the database), or nil when tracing is off.
func (t *Telemetry) TracerProvider() trace.TracerProvider {
	if t == nil || t.tp == nil {
		return nil
	}
	return t.tp
}

// MeterProvider is the provider for other packages' metrics, or nil when
// metrics are off.
func (t *Telemetry) MeterProvider() metric.MeterProvider {
	if t == nil || t.mp == nil {
		return nil
	}
	return t.mp
}

// Shutdown flushes the spans still buffered and stops the providers.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	var errs []error
	if t.tp != nil {
		errs = append(errs, t.tp.Shutdown(ctx))
	}
	if t.mp != nil {
		errs = append(errs, t.mp.Shutdown(ctx))
	}
	return errors.Join(errs...)
}

// HTTPClient returns a client whose requests (the JWKS fetches) are client
// spans carrying the W3C traceparent, or nil when tracing is off.
func (t *Telemetry) HTTPClient() *http.Client {
	if t == nil || t.tp == nil {
		return nil
	}
	return &http.Client{Transport: otelhttp.NewTransport(http.DefaultTransport,
		otelhttp.WithTracerProvider(t.tp), otelhttp.WithPropagators(t.prop),
		otelhttp.WithMeterProvider(noopmetric.NewMeterProvider()))}
}

// ForceFlush sends the spans still buffered.
func (t *Telemetry) ForceFlush(ctx context.Context) error {
	if t == nil || t.tp == nil {
		return nil
	}
	return t.tp.ForceFlush(ctx)
}
