package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"example.com/tasks/impl/admin"
	"example.com/tasks/impl/httpapi"
)

// adminServer is the admin listener: probes and metrics, never on the API's port.
type adminServer struct {
	*admin.Admin
	srv    *http.Server
	served chan error
}

// startAdmin serves the admin endpoints on cfg.adminAddr, or returns nil
// when it is not set. /readyz pings db, then deps.
func startAdmin(ctx context.Context, cfg config, db admin.Pinger, deps []admin.Dependency, metrics http.Handler, logger *slog.Logger) (*adminServer, error) {
	if cfg.adminAddr == "" {
		return nil, nil
	}
	a := &adminServer{
		Admin:  admin.New(admin.Config{Logger: logger, DB: db, Dependencies: deps, Metrics: metrics}),
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

// close stops the admin listener at once.
func (a *adminServer) close() {
	if a != nil {
		_ = a.srv.Close()
	}
}
