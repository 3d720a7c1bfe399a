package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"go.opentelemetry.io/otel/metric"

	"example.com/tasks/impl/admin"
	"example.com/tasks/impl/redisstore"
	"example.com/tasks/impl/spec"
)

// redisConfig is the shared-state option's flags: Redis holds what every
// instance must see alike, the rate-limit counts and the DPoP proofs seen.
type redisConfig struct {
	url, passwordFile string
	timeout           time.Duration
}

func (c *redisConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.url, "redis-url", "", "Redis for the state instances share, the rate-limit counts and the DPoP proofs seen: redis://[user:password@]host:port[/db], or rediss:// for TLS; empty: each instance keeps its own")
	fs.StringVar(&c.passwordFile, "redis-password-file", "", "file holding the Redis password, used instead of the URL's")
	fs.DurationVar(&c.timeout, "redis-timeout", redisstore.DefaultTimeout, "how long a Redis command may take; past it, Redis is marked down until it answers a ping (rate limits then follow --rate-limit-fail-mode, DPoP proofs are refused with 503)")
}

// connectRedis connects to Redis when --redis-url is set and returns what
// it holds for the instances: the rate-limit counts, the DPoP proofs seen,
// and its readiness check. Its keys start with the product's name, so that
// several APIs can share one Redis.
func connectRedis(ctx context.Context, c config, doc *openapi3.T, meter metric.MeterProvider, logger *slog.Logger) (sharedState, error) {
	if c.redis.url == "" {
		return sharedState{}, nil
	}
	cfg := redisstore.Config{
		URL:       c.redis.url,
		Timeout:   c.redis.timeout,
		Namespace: strings.ToLower(strings.Join(strings.Fields(spec.Name(doc)), "-")),
		Logger:    logger,
		Meter:     meter,
	}
	if c.redis.passwordFile != "" {
		b, err := os.ReadFile(c.redis.passwordFile)
		if err != nil {
			return sharedState{}, fmt.Errorf("--redis-password-file: %w", err)
		}
		if cfg.Password = strings.TrimRight(string(b), "\r\n"); cfg.Password == "" {
			return sharedState{}, errors.New("--redis-password-file: the file is empty")
		}
	}
	r, err := redisstore.Open(ctx, cfg)
	if err != nil {
		return sharedState{}, fmt.Errorf("--redis-url: %w", err)
	}
	logger.Info("shared state in Redis", "addr", r.Addr(), "namespace", cfg.Namespace, "timeout", cfg.Timeout.String())
	// /readyz names Redis when it does not answer, and turns 503 only when
	// the rate limit fails closed: otherwise the instance serves without
	// it, and every instance shares it, so a 503 would take them all out.
	ready := admin.Dependency{Name: "redis", Ping: r.Ping}
	ready.Required = c.rateLimit.failClosed() // option:ratelimit
	s := sharedState{ready: []admin.Dependency{ready}, close: r.Close}
	s.limits = r.Limits() // option:ratelimit
	s.proofs = r.Proofs() // option:dpop
	return s, nil
}
