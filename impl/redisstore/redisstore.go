// Package redisstore keeps in Redis the state that every instance of the
// server must share: the rate-limit counts (Client.Limits, a
// ratelimit.Store) and the DPoP proofs already seen (Client.Proofs, a
// dpop.ReplayCache), in one round trip per request each.
//
// The client is github.com/redis/go-redis/v9, Redis's own Go client and
// the one operators most often already run: redis:// and rediss:// URLs, a
// connection pool, and scripts sent by digest (EVALSHA) once loaded.
// valkey-go pipelines commands on its own and wins under heavy load, but at
// one command per request the pool is enough, and go-redis is what
// go-redis/redis_rate and httprate-redis build on.
//
// Keys start with the namespace (the product's name) and never hold a
// subject, an address or token material in clear: each is a SHA-256 digest.
//
// When Redis fails to answer within the timeout, the client is marked down:
// every call then fails at once with ErrUnavailable, so that no request
// waits on a dead server, while a probe pings Redis every ProbeInterval; the
// first answer marks it up again. Each transition is logged once, and the
// metric redis.available follows it.
package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/metric"
)

// DefaultTimeout bounds each command (dial, write, read) when
// Config.Timeout is 0: short, because every rate-limited request waits on
// one, and a Redis on the same network answers in well under a millisecond.
const DefaultTimeout = 250 * time.Millisecond

// ProbeInterval is how often a client marked down pings Redis: how long
// service takes to resume after Redis is back, at most.
const ProbeInterval = 500 * time.Millisecond

// ErrUnavailable is what every call returns while Redis is marked down.
var ErrUnavailable = errors.New("redis is unavailable")

// Config is what Open needs.
type Config struct {
	// URL is redis://[user:password@]host:port[/db] or rediss:// for TLS.
	URL string
	// Password replaces the URL's, when not "" (read from a file, so that
	// it is in no process list or environment).
	Password string
	// Timeout bounds each command; 0 means DefaultTimeout.
	Timeout time.Duration
	// Namespace starts every key, such as the product's name.
	Namespace string
	Logger    *slog.Logger
	// Meter, when not nil, gets the gauge redis.available.
	Meter metric.MeterProvider
}

// Client is a connection pool to Redis, with its up or down state.
type Client struct {
	rdb     *redis.Client
	addr    string
	ns      string
	timeout time.Duration
	logger  *slog.Logger

	up       atomic.Bool
	mu       sync.Mutex // guards down and the probe's start
	down     time.Time  // when it was marked down
	closing  chan struct{}
	probing  sync.WaitGroup
	gaugeReg metric.Registration
}

// Open connects to Redis and pings it: a URL that is wrong, or a server
// that does not answer, stops the start (as the database does), rather
// than leaving every instance alone with its own limits unnoticed.
func Open(ctx context.Context, cfg Config) (*Client, error) {
	opts, err := redis.ParseURL(cfg.URL)
	if err != nil {
		// go-redis's message may quote the URL, password included.
		return nil, errors.New("redis: want redis://[user:password@]host:port[/db] or rediss://…")
	}
	if cfg.Password != "" {
		opts.Password = cfg.Password
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	opts.DialTimeout, opts.ReadTimeout, opts.WriteTimeout, opts.PoolTimeout = timeout, timeout, timeout, timeout
	// One retry, on a fresh connection: after Redis restarts, the pool's
	// connections are dead, and the first command on each fails. A dial
	// is not retried (go-redis would try 5 times, 100 ms apart): the probe
	// is the retry, and a request does not wait for it.
	opts.MaxRetries = 1
	opts.DialerRetries = 1
	// CLIENT SETINFO is refused by Redis before 7.2 and by proxies; it
	// names the library, which no one here reads.
	opts.DisableIdentity = true
	// go-redis prints its own lines (dial failures) to stderr, unstructured;
	// the transitions logged here say the same once.
	quietLibrary.Do(func() { redis.SetLogger(discard{}) })
	c := &Client{
		rdb: redis.NewClient(opts), addr: opts.Addr, ns: cfg.Namespace, timeout: timeout,
		logger: cfg.Logger, closing: make(chan struct{}),
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	pingCtx, cancel := context.WithTimeout(ctx, max(5*timeout, 2*time.Second))
	defer cancel()
	if err := c.rdb.Ping(pingCtx).Err(); err != nil {
		_ = c.rdb.Close()
		return nil, fmt.Errorf("redis at %s does not answer: %w", c.addr, err)
	}
	c.up.Store(true)
	if cfg.Meter != nil {
		if err := c.gauge(cfg.Meter); err != nil {
			_ = c.rdb.Close()
			return nil, err
		}
	}
	return c, nil
}

var quietLibrary sync.Once

// discard is a go-redis logger that prints nothing.
type discard struct{}

func (discard) Printf(context.Context, string, ...any) {}

// Addr is the server's host:port, for logs (the URL may hold a password).
func (c *Client) Addr() string { return c.addr }

// Up reports whether Redis answered the last command or probe.
func (c *Client) Up() bool { return c.up.Load() }

// Ping checks that Redis answers now, for readiness: ErrUnavailable at once
// while it is marked down.
func (c *Client) Ping(ctx context.Context) error {
	return c.do(ctx, func(ctx context.Context) error { return c.rdb.Ping(ctx).Err() })
}

// Close stops the probe and closes the pool.
func (c *Client) Close() error {
	close(c.closing)
	c.probing.Wait()
	if c.gaugeReg != nil {
		_ = c.gaugeReg.Unregister()
	}
	return c.rdb.Close()
}

// key names a key of kind under the namespace, by the digest of what it
// is about: "tasks:ratelimit:<digest>".
func (c *Client) key(kind string, parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0}) // so that ("ab","c") and ("a","bc") differ
	}
	return c.ns + ":" + kind + ":" + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// do runs one command within the timeout, unless Redis is marked down. A
// failure marks it down, except when ctx itself ended (the client went
// away: not Redis's fault).
func (c *Client) do(ctx context.Context, command func(context.Context) error) error {
	if !c.up.Load() {
		return ErrUnavailable
	}
	cmdCtx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	err := command(cmdCtx)
	if err != nil && ctx.Err() == nil {
		c.markDown(err)
	}
	return err
}

// markDown records an outage once, and starts the probe that ends it.
func (c *Client) markDown(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.up.Load() {
		return
	}
	select {
	case <-c.closing:
		return // Close waits for probes: start none after it
	default:
	}
	c.up.Store(false)
	c.down = time.Now()
	c.logger.Warn("redis does not answer: shared rate limits and DPoP replay checks are unavailable until it does",
		"addr", c.addr, "error", err.Error())
	c.probing.Add(1)
	go c.probe()
}

// probe pings Redis until it answers, then marks it up.
func (c *Client) probe() {
	defer c.probing.Done()
	tick := time.NewTicker(ProbeInterval)
	defer tick.Stop()
	for {
		select {
		case <-c.closing:
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
		err := c.rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			c.mu.Lock()
			c.up.Store(true)
			down := time.Since(c.down).Round(time.Millisecond)
			c.mu.Unlock()
			c.logger.Info("redis answers again: shared rate limits and DPoP replay checks resume", "addr", c.addr, "down_for", down.String())
			return
		}
	}
}

// gauge registers redis.available: 1 while Redis answers, 0 while it is
// marked down.
func (c *Client) gauge(mp metric.MeterProvider) error {
	meter := mp.Meter("redisstore")
	g, err := meter.Int64ObservableGauge("redis.available",
		metric.WithDescription("1 while Redis answers, 0 while it is marked down (shared rate limits and DPoP replay checks unavailable)"))
	if err != nil {
		return err
	}
	c.gaugeReg, err = meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		v := int64(0)
		if c.up.Load() {
			v = 1
		}
		o.ObserveInt64(g, v)
		return nil
	}, g)
	return err
}
