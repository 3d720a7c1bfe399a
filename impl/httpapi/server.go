package httpapi

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Limits are the http.Server settings a deployment tunes (cmd/server's
// --read-header-timeout and friends).
type Limits struct {
	ReadHeaderTimeout time.Duration // slow-loris: headers must arrive promptly
	ReadTimeout       time.Duration // the whole request
	WriteTimeout      time.Duration // the whole response
	IdleTimeout       time.Duration // between keep-alive requests
	MaxHeaderBytes    int           // larger header blocks get 431
}

// DefaultLimits are cmd/server's defaults.
var DefaultLimits = Limits{
	ReadHeaderTimeout: 5 * time.Second,
	ReadTimeout:       15 * time.Second,
	WriteTimeout:      30 * time.Second,
	IdleTimeout:       120 * time.Second,
	MaxHeaderBytes:    64 << 10,
}

// NewServer returns the http.Server that serves h with limits l, logging its
// own errors to logger. Requests keep ctx's values but not its cancellation:
// when ctx ends (SIGTERM), in-flight requests get the graceful shutdown's
// grace period, not a cancelled context.
func NewServer(ctx context.Context, h http.Handler, l Limits, logger *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
}
