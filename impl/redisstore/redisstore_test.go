package redisstore_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"example.com/tasks/impl/redisstore"
	"example.com/tasks/impl/redisstore/redistest"
)

// open connects a client to srv, as one instance of the server does,
// logging to logs (nil: nowhere).
func open(t testing.TB, srv *redistest.Server, logs *syncBuffer) *redisstore.Client {
	t.Helper()
	var logger *slog.Logger
	if logs != nil {
		logger = slog.New(slog.NewTextHandler(logs, nil))
	}
	return openWith(t, redisstore.Config{URL: srv.URL(), Namespace: "test", Logger: logger})
}

// openWith opens cfg and closes it when t ends.
func openWith(t testing.TB, cfg redisstore.Config) *redisstore.Client {
	t.Helper()
	c, err := redisstore.Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestProofKeys: a proof's key is namespaced, holds its digest, and
// expires when the proof would be too old anyway.
func TestProofKeys(t *testing.T) {
	t.Parallel()
	srv := redistest.New(t, "")
	c := open(t, srv, nil)
	if _, err := c.Proofs().Add(context.Background(), sha256.Sum256([]byte("thumbprint jti")), time.Minute); err != nil {
		t.Fatal(err)
	}
	checkKeys(t, srv, "test:dpop:", time.Minute)
}

// checkKeys checks that srv holds one key, that it starts with prefix,
// holds nothing in clear, and expires within ttl.
func checkKeys(t *testing.T, srv *redistest.Server, prefix string, ttl time.Duration) {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr()})
	defer rdb.Close()
	keys, err := rdb.Keys(context.Background(), "*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 {
		t.Fatalf("keys %q, want one", keys)
	}
	k := keys[0]
	if !strings.HasPrefix(k, prefix) {
		t.Errorf("key %q, want it under %q", k, prefix)
	}
	// What follows the prefix is a SHA-256 digest, base64url.
	if d := strings.TrimPrefix(k, prefix); len(d) != 43 || strings.ContainsAny(d, "@: ") {
		t.Errorf("key %q does not end in a digest", k)
	}
	if left := rdb.PTTL(context.Background(), k).Val(); left <= 0 || left > ttl {
		t.Errorf("key %q expires in %s, want within %s", k, left, ttl)
	}
}

// TestProofsOnce: of many adds of one proof through two clients at once,
// exactly one is new; it is new again once its time is over.
func TestProofsOnce(t *testing.T) {
	t.Parallel()
	srv := redistest.New(t, "")
	a, b := open(t, srv, nil), open(t, srv, nil)
	key := sha256.Sum256([]byte("jkt jti"))
	var fresh atomic.Int32
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			cache := a.Proofs()
			if i%2 == 1 {
				cache = b.Proofs()
			}
			ok, err := cache.Add(context.Background(), key, 300*time.Millisecond)
			if err != nil {
				t.Error(err)
			}
			if ok {
				fresh.Add(1)
			}
		})
	}
	wg.Wait()
	if fresh.Load() != 1 {
		t.Fatalf("%d adds of one proof were new, want 1", fresh.Load())
	}
	time.Sleep(400 * time.Millisecond)
	if ok, err := b.Proofs().Add(context.Background(), key, time.Minute); err != nil || !ok {
		t.Errorf("after its ttl: %v %v, want new", ok, err)
	}
}

// TestOutage: with Redis gone, calls fail at once with ErrUnavailable (no
// request waits on it), the log says so once, and the client comes back by
// itself when Redis does.
func TestOutage(t *testing.T) {
	t.Parallel()
	srv := redistest.New(t, "")
	var logs syncBuffer
	c := open(t, srv, &logs)
	ctx := context.Background()
	if _, err := c.Proofs().Add(ctx, sha256.Sum256([]byte("before")), time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := srv.Pause(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Proofs().Add(ctx, sha256.Sum256([]byte("during")), time.Minute); err == nil {
		t.Fatal("an add with Redis gone succeeded")
	}
	if c.Up() {
		t.Error("Up after a failed command")
	}
	start := time.Now()
	for range 100 {
		if _, err := c.Proofs().Add(ctx, sha256.Sum256([]byte("x")), time.Minute); err != redisstore.ErrUnavailable { //nolint:errorlint // returned as is
			t.Fatalf("while down: %v, want ErrUnavailable", err)
		}
	}
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Errorf("100 calls while down took %s: they should fail at once", d)
	}
	if err := c.Ping(ctx); err == nil {
		t.Error("Ping succeeded while down")
	}
	if err := srv.Resume(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !c.Up() && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !c.Up() {
		t.Fatal("not up 5s after Redis came back")
	}
	// Redis lost what it held (nothing is saved in the tests): the proof
	// seen before is new to it, as it would be after a real restart.
	if ok, err := c.Proofs().Add(ctx, sha256.Sum256([]byte("after")), time.Minute); err != nil || !ok {
		t.Errorf("after the outage: %v %v", ok, err)
	}
	out := logs.String()
	if n := strings.Count(out, "redis does not answer"); n != 1 {
		t.Errorf("the outage was logged %d times, want once:\n%s", n, out)
	}
	if n := strings.Count(out, "redis answers again"); n != 1 {
		t.Errorf("the recovery was logged %d times, want once:\n%s", n, out)
	}
}

// TestSlow: a Redis that answers later than the timeout is down for the
// request (it waits the timeout, not Redis), and up again once it answers.
func TestSlow(t *testing.T) {
	t.Parallel()
	srv := redistest.New(t, "")
	c := openWith(t, redisstore.Config{URL: srv.URL(), Namespace: "test", Timeout: 100 * time.Millisecond})
	other := redis.NewClient(&redis.Options{Addr: srv.Addr(), DisableIdentity: true})
	defer other.Close()
	asleep := make(chan error, 1)
	go func() { asleep <- other.Do(context.Background(), "DEBUG", "SLEEP", "1.5").Err() }()
	time.Sleep(100 * time.Millisecond) // the server is now asleep
	start := time.Now()
	if _, err := c.Proofs().Add(context.Background(), sha256.Sum256([]byte("slow")), time.Minute); err == nil {
		t.Fatal("an add to a Redis asleep for 1.5s succeeded")
	}
	if waited := time.Since(start); waited > 500*time.Millisecond {
		t.Errorf("the add waited %s with a timeout of 100ms", waited)
	}
	if c.Up() {
		t.Error("up after a timeout")
	}
	if err := <-asleep; err != nil {
		t.Fatalf("DEBUG SLEEP: %v", err)
	}
	for deadline := time.Now().Add(5 * time.Second); !c.Up() && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if ok, err := c.Proofs().Add(context.Background(), sha256.Sum256([]byte("awake")), time.Minute); err != nil || !ok {
		t.Errorf("once Redis answers again: %v %v", ok, err)
	}
}

// TestOpen: a server that does not answer, a wrong password and a bad URL
// stop the start, and no error repeats the password.
func TestOpen(t *testing.T) {
	t.Parallel()
	const secret = "s3cret-pass"
	srv := redistest.New(t, secret)
	ctx := context.Background()
	withPassword := strings.Replace(srv.URL(), "redis://", "redis://:"+secret+"@", 1)
	for _, tt := range []struct {
		name string
		cfg  redisstore.Config
		ok   bool
	}{
		{"password in the URL", redisstore.Config{URL: withPassword}, true},
		{"password apart", redisstore.Config{URL: srv.URL(), Password: secret}, true},
		{"no password", redisstore.Config{URL: srv.URL()}, false},
		{"wrong password", redisstore.Config{URL: strings.Replace(withPassword, secret, secret+"x", 1)}, false},
		{"bad URL", redisstore.Config{URL: "http://:" + secret + "@host"}, false},
		{"nothing listening", redisstore.Config{URL: "redis://:" + secret + "@127.0.0.1:1", Timeout: 50 * time.Millisecond}, false},
	} {
		c, err := redisstore.Open(ctx, tt.cfg)
		if tt.ok != (err == nil) {
			t.Errorf("%s: %v, want ok=%v", tt.name, err, tt.ok)
		}
		if err != nil && strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the error shows the password: %v", tt.name, err)
		}
		if c != nil {
			_ = c.Close()
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
