package admin_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"example.com/tasks/gen"
	"example.com/tasks/impl/admin"
	"example.com/tasks/impl/problem"
)

// pinger answers a ping with err, after delay unless the context ends first.
type pinger struct {
	err   error
	delay time.Duration
}

func (p pinger) Ping(ctx context.Context) error {
	select {
	case <-time.After(p.delay):
		return p.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

func TestEndpoints(t *testing.T) {
	t.Parallel()
	metrics := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "up 1\n") })
	cases := []struct {
		name     string
		db       admin.Pinger
		drain    bool
		path     string
		status   int
		metrics  http.Handler
		deps     []admin.Dependency
		degraded []string
	}{
		{"live", pinger{err: errors.New("down")}, false, "/livez", http.StatusOK, nil, nil, nil},
		{"live while draining", nil, true, "/livez", http.StatusOK, nil, nil, nil},
		{"ready", pinger{}, false, "/readyz", http.StatusOK, nil, nil, nil},
		{"ready with nothing to ping", nil, false, "/readyz", http.StatusOK, nil, nil, nil},
		{"database fails", pinger{err: errors.New("connection refused")}, false, "/readyz", http.StatusServiceUnavailable, nil, nil, nil},
		{"database too slow", pinger{delay: time.Minute}, false, "/readyz", http.StatusServiceUnavailable, nil, nil, nil},
		{"draining", pinger{}, true, "/readyz", http.StatusServiceUnavailable, nil, nil, nil},
		{"metrics", nil, false, "/metrics", http.StatusOK, metrics, nil, nil},
		{"metrics off", nil, false, "/metrics", http.StatusNotFound, nil, nil, nil},
		{"unknown", nil, false, "/v1/health", http.StatusNotFound, nil, nil, nil},
		{"optional dependency fails", pinger{}, false, "/readyz", http.StatusOK, nil,
			[]admin.Dependency{{Name: "redis", Ping: pinger{err: errors.New("down")}.Ping}}, []string{"redis"}},
		{"optional dependency too slow", pinger{}, false, "/readyz", http.StatusOK, nil,
			[]admin.Dependency{{Name: "redis", Ping: pinger{delay: time.Minute}.Ping}}, []string{"redis"}},
		{"required dependency fails", pinger{}, false, "/readyz", http.StatusServiceUnavailable, nil,
			[]admin.Dependency{{Name: "redis", Ping: pinger{err: errors.New("down")}.Ping, Required: true}}, nil},
		{"dependencies answer", pinger{}, false, "/readyz", http.StatusOK, nil,
			[]admin.Dependency{{Name: "redis", Ping: pinger{}.Ping, Required: true}}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			a := admin.New(admin.Config{Logger: slog.New(slog.DiscardHandler), DB: c.db, PingTimeout: 50 * time.Millisecond, Metrics: c.metrics, Dependencies: c.deps})
			if c.drain {
				a.Drain()
			}
			rec := httptest.NewRecorder()
			start := time.Now()
			a.ServeHTTP(rec, httptest.NewRequest("GET", c.path, nil))
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("answered in %v: the ping deadline was not applied", took)
			}
			if rec.Code != c.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, c.status, rec.Body)
			}
			switch {
			case c.path == "/metrics" && rec.Code == http.StatusOK:
				if rec.Body.String() != "up 1\n" {
					t.Errorf("body %q", rec.Body)
				}
			case rec.Code == http.StatusOK:
				var h struct {
					gen.Health
					Degraded []string `json:"degraded"`
				}
				if err := json.Unmarshal(rec.Body.Bytes(), &h); err != nil || h.Status != gen.Ok || rec.Header().Get("Content-Type") != "application/json" {
					t.Errorf("body %s (%v), want {\"status\":\"ok\"}", rec.Body, err)
				}
				if !slices.Equal(h.Degraded, c.degraded) {
					t.Errorf("degraded %q, want %q", h.Degraded, c.degraded)
				}
			default:
				var p gen.Problem
				if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || rec.Header().Get("Content-Type") != problem.ContentType || p.Status != int32(c.status) {
					t.Fatalf("not a problem+json %d: %s", c.status, rec.Body)
				}
				if c.status == http.StatusServiceUnavailable && (p.Code != gen.ProblemCodeServiceUnavailable || rec.Header().Get("Retry-After") == "") {
					t.Errorf("503 code %s, Retry-After %q; want service_unavailable with Retry-After", p.Code, rec.Header().Get("Retry-After"))
				}
			}
		})
	}
}
