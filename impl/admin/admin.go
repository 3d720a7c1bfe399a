// Package admin serves the operator endpoints on a listener of their own,
// never on the public API port:
//
//	/livez    200 while the process serves (it checks nothing else, so a
//	          slow database never gets a healthy process restarted)
//	/readyz   200 when the database answers a ping within a deadline and the
//	          server is not draining; otherwise 503 problem+json, Retry-After.
//	          Other dependencies (Redis) are pinged too: a required one that
//	          fails makes it 503; one the server works without is named in
//	          the 200's "degraded" list
//	/metrics  Prometheus text format, when metrics are on
//
// Every error is a problem+json body written by impl/problem.
package admin

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"example.com/tasks/gen"
	"example.com/tasks/impl/problem"
)

// Pinger is a database that can say whether it answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// DefaultPingTimeout bounds a readiness check's database ping.
const DefaultPingTimeout = time.Second

// retryAfter is the Retry-After of a 503 from /readyz, in seconds: about a
// probe period, after which the answer may have changed.
const retryAfter = 5

// Config is what Handler needs.
type Config struct {
	Logger *slog.Logger
	// DB is pinged by /readyz; nil means there is nothing to check.
	DB Pinger
	// PingTimeout bounds the ping; 0 means DefaultPingTimeout.
	PingTimeout time.Duration
	// Metrics serves /metrics; nil leaves it out (404).
	Metrics http.Handler
	// Dependencies are pinged by /readyz after the database.
	Dependencies []Dependency
}

// Dependency is a service other than the database that readiness reports.
type Dependency struct {
	Name string // "redis"
	Ping func(context.Context) error
	// Required: when it fails, the instance is not ready (503). Otherwise
	// the instance serves without it, and /readyz says so but stays 200:
	// every instance shares the dependency, so a 503 would take them all
	// out of the load balancer at once.
	Required bool
}

// Admin is the admin handler and the readiness switch cmd/server flips on
// SIGTERM.
type Admin struct {
	cfg      Config
	draining atomic.Bool
	mux      *http.ServeMux
}

// New returns the admin endpoints.
func New(cfg Config) *Admin {
	if cfg.PingTimeout <= 0 {
		cfg.PingTimeout = DefaultPingTimeout
	}
	a := &Admin{cfg: cfg, mux: http.NewServeMux()}
	a.mux.HandleFunc("GET /livez", func(w http.ResponseWriter, _ *http.Request) { writeOK(w) })
	a.mux.HandleFunc("GET /readyz", a.ready)
	if cfg.Metrics != nil {
		a.mux.Handle("GET /metrics", cfg.Metrics)
	}
	a.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		problem.Write(w, r, problem.New(http.StatusNotFound, gen.ProblemCodeNotFound, "no such admin endpoint: /livez, /readyz, /metrics"))
	})
	return a
}

// Drain turns readiness to 503 for good: the load balancer stops sending
// new requests while the server still answers those already on their way.
func (a *Admin) Drain() { a.draining.Store(true) }

// ServeHTTP serves the admin endpoints.
func (a *Admin) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

func (a *Admin) ready(w http.ResponseWriter, r *http.Request) {
	if a.draining.Load() {
		notReady(w, r, "the server is shutting down")
		return
	}
	if a.cfg.DB != nil {
		ctx, cancel := context.WithTimeout(r.Context(), a.cfg.PingTimeout)
		defer cancel()
		if err := a.cfg.DB.Ping(ctx); err != nil {
			if a.cfg.Logger != nil {
				a.cfg.Logger.Warn("not ready: the database does not answer", "error", err.Error())
			}
			notReady(w, r, "the database does not answer within "+a.cfg.PingTimeout.String())
			return
		}
	}
	var degraded []string
	for _, d := range a.cfg.Dependencies {
		ctx, cancel := context.WithTimeout(r.Context(), a.cfg.PingTimeout)
		err := d.Ping(ctx)
		cancel()
		switch {
		case err == nil:
		case d.Required:
			notReady(w, r, d.Name+" does not answer")
			return
		default:
			degraded = append(degraded, d.Name)
		}
	}
	writeReady(w, degraded)
}

func notReady(w http.ResponseWriter, r *http.Request, detail string) {
	problem.Write(w, r, &problem.Error{
		Status: http.StatusServiceUnavailable,
		Code:   gen.ProblemCodeServiceUnavailable,
		Detail: detail,
		Header: http.Header{"Retry-After": {strconv.Itoa(retryAfter)}, "Cache-Control": {"no-store"}},
	})
}

// writeOK answers as the public health check does.
func writeOK(w http.ResponseWriter) { writeReady(w, nil) }

// writeReady answers as the public health check does, naming the
// dependencies that fail without making the instance unready.
func writeReady(w http.ResponseWriter, degraded []string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(struct {
		gen.Health
		Degraded []string `json:"degraded,omitempty"`
	}{gen.Health{Status: gen.Ok}, degraded})
}
