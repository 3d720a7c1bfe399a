package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/admin"
	"example.com/tasks/impl/httpapi"
	"example.com/tasks/impl/ratelimit"
	"example.com/tasks/impl/spec"
	"example.com/tasks/impl/telemetry"
)

// startTelemetry configures OpenTelemetry from the OTEL_* variables; metrics
// are on when the admin listener can serve them.
func startTelemetry(ctx context.Context, cfg config, doc *openapi3.T, getenv func(string) string, logger *slog.Logger) (*telemetry.Telemetry, error) {
	tel, err := telemetry.New(ctx, telemetry.Options{
		Getenv: getenv, ServiceName: spec.Name(doc), Metrics: cfg.adminAddr != "",
	})
	if err != nil {
		return nil, err
	}
	logger.Info("telemetry", "traces", tel.TracerProvider() != nil, "metrics", tel.MeterProvider() != nil)
	return tel, nil
}

// adminServer is the admin listener: probes and metrics, never on the API's port.
type adminServer struct {
	*admin.Admin
	srv    *http.Server
	served chan error
}

// startAdmin serves the admin endpoints on cfg.adminAddr, or returns nil
// when it is not set. /readyz pings db.
func startAdmin(ctx context.Context, cfg config, db admin.Pinger, tel *telemetry.Telemetry, logger *slog.Logger) (*adminServer, error) {
	if cfg.adminAddr == "" {
		return nil, nil
	}
	a := &adminServer{
		Admin:  admin.New(admin.Config{Logger: logger, DB: db, Metrics: tel.MetricsHandler()}),
		served: make(chan error, 1),
	}
	a.srv = httpapi.NewServer(ctx, a.Admin, cfg.limits, logger)
	ln, err := net.Listen("tcp", cfg.adminAddr)
	if err != nil {
		return nil, err
	}
	logger.Info("admin listening", "addr", ln.Addr().String(), "endpoints", "/livez /readyz /metrics")
	go func() { a.served <- a.srv.Serve(ln) }()
	return a, nil
}

// drain is the first step of a shutdown: readiness turns 503 so that the
// load balancer stops sending requests, while the API still serves for
// delay (the time the balancer needs to notice), before the graceful
// shutdown refuses new connections.
func (a *adminServer) drain(delay time.Duration, logger *slog.Logger) {
	if a != nil {
		a.Drain()
	}
	if delay > 0 {
		logger.Info("draining: readiness is 503, still serving", "delay", delay.String())
		time.Sleep(delay)
	}
}

// shutdown stops the admin listener last, so that probes answer throughout.
func (a *adminServer) shutdown(ctx context.Context) error {
	if a == nil {
		return nil
	}
	if err := a.srv.Shutdown(ctx); err != nil {
		return err
	}
	if err := <-a.served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// rateLimiter returns the configured rate limits, or nil when there are none.
func rateLimiter(cfg config, logger *slog.Logger) (*ratelimit.Limiter, error) {
	proxies, err := ratelimit.ParseProxies(cfg.trustedProxies)
	if err != nil {
		return nil, fmt.Errorf("--trusted-proxies: %w", err)
	}
	l := &ratelimit.Limiter{Store: ratelimit.NewMemory(), ClientAddress: ratelimit.ClientAddress(proxies)}
	for _, f := range []struct {
		flag, value, name string
		dst               **ratelimit.Policy
	}{
		{"--rate-limit", cfg.rateLimit, "per-subject", &l.Subject},
		{"--rate-limit-anonymous", cfg.rateLimitAnon, "per-address", &l.Anonymous},
	} {
		if f.value == "" {
			continue
		}
		p, err := ratelimit.ParsePolicy(f.name, f.value)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.flag, err)
		}
		*f.dst = &p
	}
	if l.Subject == nil && l.Anonymous == nil {
		return nil, nil
	}
	logger.Info("rate limits (per instance)", "per_subject", policyString(l.Subject), "per_address", policyString(l.Anonymous),
		"trusted_proxies", len(proxies))
	return l, nil
}

func policyString(p *ratelimit.Policy) string {
	if p == nil {
		return "none"
	}
	return p.String()
}

// close stops the admin listener at once.
func (a *adminServer) close() {
	if a != nil {
		_ = a.srv.Close()
	}
}
