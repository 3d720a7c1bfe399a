package ratelimit_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/ratelimit"
)

// start is 18 s into a minute: a one-minute window resets in 42 s.
var start = time.Date(2026, 1, 1, 12, 0, 18, 0, time.UTC)

func limiter(quota int, now *time.Time) *ratelimit.Limiter {
	return &ratelimit.Limiter{
		Store:     ratelimit.NewMemory(),
		Subject:   &ratelimit.Policy{Name: "user", Quota: quota, Window: time.Minute},
		Anonymous: &ratelimit.Policy{Name: "anon", Quota: quota, Window: time.Minute},
		Now:       func() time.Time { return *now },
	}
}

// req is a request from addr, authenticated as subject unless it is "".
func req(subject, addr string) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = addr + ":1234"
	if subject != "" {
		r = r.WithContext(auth.NewContext(r.Context(), auth.Principal{Subject: subject}))
	}
	return r
}

// TestQuota: exactly the quota passes, with the RateLimit fields counting
// down; the next request is refused until the window ends, exactly then.
func TestQuota(t *testing.T) {
	t.Parallel()
	now := start
	l := limiter(3, &now)
	for i, want := range []string{`"user";r=2;t=42`, `"user";r=1;t=42`, `"user";r=0;t=42`} {
		w := httptest.NewRecorder()
		if err := l.Check(w, req("alice", "192.0.2.1")); err != nil {
			t.Fatalf("request %d: %v", i+1, err)
		}
		if got := w.Header().Get("RateLimit"); got != want {
			t.Errorf("request %d: RateLimit %q, want %q", i+1, got, want)
		}
		if got := w.Header().Get("RateLimit-Policy"); got != `"user";q=3;w=60` {
			t.Errorf("request %d: RateLimit-Policy %q", i+1, got)
		}
	}
	w := httptest.NewRecorder()
	err := l.Check(w, req("alice", "192.0.2.1"))
	var ex *ratelimit.Exceeded
	if !errors.As(err, &ex) || ex.RetryAfter() != 42*time.Second || ex.Policy.Name != "user" || ex.Policy.Quota != 3 {
		t.Fatalf("over the quota: %v, want Exceeded with 42s", err)
	}
	if got := w.Header().Get("RateLimit"); got != `"user";r=0;t=42` {
		t.Errorf("refused: RateLimit %q", got)
	}
	if got := err.Error(); got != "the quota of 3 requests per 1m0s is used up; retry in 42s" {
		t.Errorf("Error() = %q", got)
	}
	now = start.Add(42*time.Second - time.Nanosecond)
	if err := l.Check(httptest.NewRecorder(), req("alice", "192.0.2.1")); !errors.As(err, &ex) || ex.RetryAfter() != time.Second {
		t.Errorf("a nanosecond before the window ends: %v, want Exceeded, retry in 1s", err)
	}
	now = start.Add(42 * time.Second)
	w = httptest.NewRecorder()
	if err := l.Check(w, req("alice", "192.0.2.1")); err != nil {
		t.Errorf("when the window ends: %v", err)
	}
	if got := w.Header().Get("RateLimit"); got != `"user";r=2;t=60` {
		t.Errorf("new window: RateLimit %q", got)
	}
}

// TestRetryAfterRoundsUp: a client that waits Retry-After finds the new
// window open: the wait is rounded up to whole seconds, never down.
func TestRetryAfterRoundsUp(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		into time.Duration // into the minute
		want time.Duration
		t    string
	}{
		{18 * time.Second, 42 * time.Second, "42"},
		{18*time.Second + 500*time.Millisecond, 42 * time.Second, "42"},
		{18*time.Second + time.Millisecond, 42 * time.Second, "42"},
		{59*time.Second + 999*time.Millisecond, time.Second, "1"},
		{0, time.Minute, "60"},
	} {
		now := start.Truncate(time.Minute).Add(tt.into)
		l := limiter(1, &now)
		if err := l.Check(httptest.NewRecorder(), req("", "192.0.2.1")); err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		err := l.Check(w, req("", "192.0.2.1"))
		var ex *ratelimit.Exceeded
		if !errors.As(err, &ex) || ex.RetryAfter() != tt.want {
			t.Errorf("at +%v: %v, want retry after %v", tt.into, err, tt.want)
		}
		if got, want := w.Header().Get("RateLimit"), `"anon";r=0;t=`+tt.t; got != want {
			t.Errorf("at +%v: RateLimit %q, want %q", tt.into, got, want)
		}
	}
}

// TestKeys: an authenticated request counts against its subject, wherever
// it comes from; an anonymous one against its address; the two never share.
func TestKeys(t *testing.T) {
	t.Parallel()
	now := start
	l := limiter(1, &now)
	steps := []struct {
		name          string
		subject, addr string
		allowed       bool
		policy        string
	}{
		{"alice", "alice", "192.0.2.1", true, "user"},
		{"alice from elsewhere", "alice", "192.0.2.2", false, "user"},
		{"bob from alice's address", "bob", "192.0.2.1", true, "user"},
		{"anonymous from alice's address", "", "192.0.2.1", true, "anon"},
		{"anonymous again", "", "192.0.2.1", false, "anon"},
		{"anonymous from another address", "", "192.0.2.3", true, "anon"},
		{"a subject named like an address", "192.0.2.3", "192.0.2.9", true, "user"},
	}
	for _, s := range steps {
		w := httptest.NewRecorder()
		err := l.Check(w, req(s.subject, s.addr))
		if (err == nil) != s.allowed {
			t.Errorf("%s: %v, want allowed %v", s.name, err, s.allowed)
		}
		if got := w.Header().Get("RateLimit-Policy"); !strings.HasPrefix(got, `"`+s.policy+`"`) {
			t.Errorf("%s: policy %q, want %q", s.name, got, s.policy)
		}
	}

	// An empty subject is anonymous: it cannot share one count with every
	// other principal that has none.
	l = limiter(1, &now)
	anonymousPrincipal := func(addr string) *http.Request {
		r := req("", addr)
		return r.WithContext(auth.NewContext(r.Context(), auth.Principal{}))
	}
	if err := l.Check(httptest.NewRecorder(), anonymousPrincipal("192.0.2.1")); err != nil {
		t.Fatal(err)
	}
	if err := l.Check(httptest.NewRecorder(), anonymousPrincipal("192.0.2.2")); err != nil {
		t.Errorf("two principals without a subject share a count: %v", err)
	}

	// ClientAddress decides the anonymous key.
	l = limiter(1, &now)
	l.ClientAddress = func(*http.Request) string { return "one-client" }
	if err := l.Check(httptest.NewRecorder(), req("", "192.0.2.1")); err != nil {
		t.Fatal(err)
	}
	if err := l.Check(httptest.NewRecorder(), req("", "192.0.2.2")); err == nil {
		t.Error("ClientAddress was not used")
	}
}

// TestNoPolicy: a nil policy leaves its kind of request unlimited and
// unlabelled.
func TestNoPolicy(t *testing.T) {
	t.Parallel()
	now := start
	for _, tt := range []struct {
		name    string
		l       *ratelimit.Limiter
		subject string
	}{
		{"no subject policy", &ratelimit.Limiter{Store: ratelimit.NewMemory(), Anonymous: &ratelimit.Policy{Name: "anon", Quota: 1, Window: time.Minute}, Now: func() time.Time { return now }}, "alice"},
		{"no anonymous policy", &ratelimit.Limiter{Store: ratelimit.NewMemory(), Subject: &ratelimit.Policy{Name: "user", Quota: 1, Window: time.Minute}, Now: func() time.Time { return now }}, ""},
	} {
		for range 3 {
			w := httptest.NewRecorder()
			if err := tt.l.Check(w, req(tt.subject, "192.0.2.1")); err != nil || len(w.Header()) != 0 {
				t.Errorf("%s: %v, headers %v", tt.name, err, w.Header())
			}
		}
	}
}

// TestExactUnderConcurrency: of many concurrent requests by one subject,
// exactly the quota pass, through the Limiter.
func TestExactUnderConcurrency(t *testing.T) {
	t.Parallel()
	now := start
	l := limiter(50, &now)
	var allowed, exceeded atomic.Int64
	var wg sync.WaitGroup
	for range 400 {
		wg.Go(func() {
			err := l.Check(httptest.NewRecorder(), req("alice", "192.0.2.1"))
			var ex *ratelimit.Exceeded
			switch {
			case err == nil:
				allowed.Add(1)
			case errors.As(err, &ex):
				exceeded.Add(1)
			default:
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if allowed.Load() != 50 || exceeded.Load() != 350 {
		t.Errorf("%d allowed, %d exceeded; want 50 and 350", allowed.Load(), exceeded.Load())
	}
}

type failingStore struct{ err error }

func (s failingStore) Take(context.Context, string, ratelimit.Policy, time.Time) (ratelimit.Usage, error) {
	return ratelimit.Usage{}, s.err
}

// TestStoreError: a store that fails is a server error, not a 429: Check
// returns it wrapped, never as Exceeded, and labels nothing.
func TestStoreError(t *testing.T) {
	t.Parallel()
	down := errors.New("redis: connection refused")
	l := &ratelimit.Limiter{Store: failingStore{down}, Subject: &ratelimit.Policy{Name: "user", Quota: 1, Window: time.Minute}}
	w := httptest.NewRecorder()
	err := l.Check(w, req("alice", "192.0.2.1"))
	var ex *ratelimit.Exceeded
	if !errors.Is(err, down) || errors.As(err, &ex) {
		t.Errorf("Check = %v, want the store's error, not Exceeded", err)
	}
	if len(w.Header()) != 0 {
		t.Errorf("headers %v on a store failure", w.Header())
	}
}

// TestMemoryWindows: a window ends on a multiple of its length, keys count
// apart, an ended window is forgotten.
func TestMemoryWindows(t *testing.T) {
	t.Parallel()
	m := ratelimit.NewMemory()
	p := ratelimit.Policy{Name: "p", Quota: 2, Window: 10 * time.Second}
	ctx := context.Background()
	at := time.Date(2026, 1, 1, 0, 0, 7, 0, time.UTC)
	for i, want := range []ratelimit.Usage{
		{Allowed: true, Remaining: 1, Reset: at.Add(3 * time.Second)},
		{Allowed: true, Remaining: 0, Reset: at.Add(3 * time.Second)},
		{Allowed: false, Remaining: 0, Reset: at.Add(3 * time.Second)},
	} {
		if u, err := m.Take(ctx, "k", p, at); err != nil || u != want {
			t.Errorf("take %d: %+v, %v; want %+v", i+1, u, err, want)
		}
	}
	end := at.Add(3 * time.Second)
	if u, _ := m.Take(ctx, "k", p, end.Add(-time.Nanosecond)); u.Allowed {
		t.Errorf("just before the end: %+v", u)
	}
	if u, _ := m.Take(ctx, "k", p, end); !u.Allowed || u.Remaining != 1 || !u.Reset.Equal(end.Add(10*time.Second)) {
		t.Errorf("at the end: %+v, want a new window", u)
	}
	// Long after, the key starts afresh even if the sweep did not run.
	if u, _ := m.Take(ctx, "k", p, end.Add(time.Hour)); !u.Allowed || u.Remaining != 1 {
		t.Errorf("an hour later: %+v", u)
	}
}
