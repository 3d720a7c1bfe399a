package redisstore_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"example.com/tasks/impl/ratelimit"
	"example.com/tasks/impl/redisstore"
	"example.com/tasks/impl/redisstore/redistest"
)

// TestLimitsAreShared: two clients (two instances) taking from one quota
// at once let exactly the quota through, and agree on what remains.
func TestLimitsAreShared(t *testing.T) {
	t.Parallel()
	srv := redistest.New(t, "")
	a, b := open(t, srv, nil), open(t, srv, nil)
	p := ratelimit.Policy{Name: "per-subject", Quota: 25, Window: time.Hour}
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for i := range 80 {
		wg.Go(func() {
			store := a.Limits()
			if i%2 == 1 {
				store = b.Limits()
			}
			u, err := store.Take(context.Background(), "subject:alice", p, time.Now())
			if err != nil {
				t.Error(err)
				return
			}
			if u.Allowed {
				allowed.Add(1)
			}
			if u.Remaining < 0 || u.Remaining > p.Quota-1 {
				t.Errorf("remaining %d out of [0, %d]", u.Remaining, p.Quota-1)
			}
			if left := time.Until(u.Reset); left <= 0 || left > p.Window {
				t.Errorf("reset in %s, want within the window", left)
			}
		})
	}
	wg.Wait()
	if got := allowed.Load(); got != int32(p.Quota) {
		t.Errorf("%d requests allowed across two clients, want exactly %d", got, p.Quota)
	}
	// Another key has a quota of its own.
	u, err := b.Limits().Take(context.Background(), "subject:bob", p, time.Now())
	if err != nil || !u.Allowed || u.Remaining != p.Quota-1 {
		t.Errorf("another subject: %+v %v", u, err)
	}
}

// TestLimitsWindowEnds: the count starts again in the next window, read
// from Redis's clock.
func TestLimitsWindowEnds(t *testing.T) {
	t.Parallel()
	c := open(t, redistest.New(t, ""), nil)
	p := ratelimit.Policy{Name: "per-address", Quota: 1, Window: time.Second}
	take := func() ratelimit.Usage {
		u, err := c.Limits().Take(context.Background(), "address:192.0.2.1", p, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	first := take()
	if !first.Allowed {
		// The first request of a fresh key is allowed in any window.
		t.Fatalf("first request refused: %+v", first)
	}
	second := take()
	if second.Allowed {
		// Unless the window turned between the two calls; then the third
		// is the one refused.
		if third := take(); third.Allowed {
			t.Fatalf("three requests in at most two 1s windows with a quota of 1 were all allowed")
		}
	}
	time.Sleep(time.Until(first.Reset) + 1100*time.Millisecond)
	if u := take(); !u.Allowed {
		t.Errorf("after the window: %+v, want allowed", u)
	}
}

// TestLimitKeys: a count's key is namespaced, holds the digest of the
// subject or address, and expires with its window.
func TestLimitKeys(t *testing.T) {
	t.Parallel()
	srv := redistest.New(t, "")
	c := open(t, srv, nil)
	p := ratelimit.Policy{Name: "per-subject", Quota: 5, Window: time.Minute}
	if _, err := c.Limits().Take(context.Background(), "subject:alice@example.com", p, time.Now()); err != nil {
		t.Fatal(err)
	}
	checkKeys(t, srv, "test:ratelimit:", time.Minute)
}

// TestLimitsFailFast: while Redis is down, a take fails at once, so that
// the limiter's fallback (or its 503) answers without waiting.
func TestLimitsFailFast(t *testing.T) {
	t.Parallel()
	srv := redistest.New(t, "")
	c := open(t, srv, nil)
	p := ratelimit.Policy{Name: "per-subject", Quota: 100, Window: time.Minute}
	ctx := context.Background()
	if err := srv.Pause(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Limits().Take(ctx, "subject:a", p, time.Now()); err == nil {
		t.Fatal("a take with Redis gone succeeded")
	}
	if _, err := c.Limits().Take(ctx, "subject:a", p, time.Now()); err != redisstore.ErrUnavailable { //nolint:errorlint // returned as is
		t.Fatalf("while down: %v, want ErrUnavailable", err)
	}
}

// BenchmarkTake: one request counted, in the process's memory (the
// baseline) and in Redis over loopback (one script, one round trip).
func BenchmarkTake(b *testing.B) {
	srv := redistest.New(b, "")
	c := open(b, srv, nil)
	p := ratelimit.Policy{Name: "per-subject", Quota: 1 << 30, Window: time.Hour}
	for _, s := range []struct {
		name  string
		store ratelimit.Store
	}{{"memory", ratelimit.NewMemory()}, {"redis", c.Limits()}} {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			ctx, now := context.Background(), time.Now()
			for b.Loop() {
				if _, err := s.store.Take(ctx, "subject:alice", p, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
