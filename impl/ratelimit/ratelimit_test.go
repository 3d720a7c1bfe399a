package ratelimit_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"example.com/tasks/impl/ratelimit"
)

func TestParsePolicy(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in     string
		quota  int
		window time.Duration
		ok     bool
	}{
		{"600/1m", 600, time.Minute, true},
		{"10/1s", 10, time.Second, true},
		{"5000/1h", 5000, time.Hour, true},
		{"600", 0, 0, false},
		{"0/1m", 0, 0, false},
		{"-1/1m", 0, 0, false},
		{"x/1m", 0, 0, false},
		{"10/m", 0, 0, false},
		{"10/500ms", 0, 0, false},
		{"10/1500ms", 0, 0, false},
		{"10/0s", 0, 0, false},
		{"10/-1m", 0, 0, false},
		{"10/", 0, 0, false},
		{"/1m", 0, 0, false},
		{"1.5/1m", 0, 0, false},
		{" 10/1m", 0, 0, false},
		{"10/1m/1s", 0, 0, false},
		{"10/1m30s", 10, 90 * time.Second, true},
	}
	for _, c := range cases {
		p, err := ratelimit.ParsePolicy("p", c.in)
		if (err == nil) != c.ok || (c.ok && (p.Quota != c.quota || p.Window != c.window || p.Name != "p")) {
			t.Errorf("ParsePolicy(%q) = %+v, %v", c.in, p, err)
		}
		if err != nil && !strings.Contains(err.Error(), "want N/DURATION") {
			t.Errorf("ParsePolicy(%q): %v does not say what to write", c.in, err)
		}
	}
}

func TestClientAddress(t *testing.T) {
	t.Parallel()
	trusted, err := ratelimit.ParseProxies("10.0.0.0/8, 192.0.2.7")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ratelimit.ParseProxies("10.0.0.0/8, proxy.internal"); err == nil {
		t.Error("a host name was accepted as a trusted proxy")
	}
	cases := []struct {
		name, peer, xff, want string
		trusted               bool
	}{
		{"no proxies configured: the peer, whatever the header says", "203.0.113.9:4000", "198.51.100.1", "203.0.113.9", false},
		{"an untrusted peer's header is ignored", "203.0.113.9:4000", "198.51.100.1", "203.0.113.9", true},
		{"a trusted proxy names the client", "10.1.2.3:4000", "198.51.100.1", "198.51.100.1", true},
		{"chained trusted proxies are skipped from the right", "10.1.2.3:4000", "198.51.100.1, 192.0.2.7, 10.9.9.9", "198.51.100.1", true},
		{"what the client put left of its real address is ignored", "10.1.2.3:4000", "1.1.1.1, 198.51.100.1", "198.51.100.1", true},
		{"two header lines read as one list", "10.1.2.3:4000", "", "198.51.100.2", true},
		{"a garbled hop stops the walk at the last good one", "10.1.2.3:4000", "198.51.100.1, garbage", "10.1.2.3", true},
		{"a trusted proxy without the header is the client", "10.1.2.3:4000", "", "10.1.2.3", true},
		{"an IPv6 peer counts as its /64", "[2001:db8::1]:4000", "", "2001:db8::/64", true},
		{"another address in the same /64 is the same client", "[2001:db8::ffff:1]:4000", "", "2001:db8::/64", false},
		{"an IPv4-mapped IPv6 peer is its IPv4 address", "[::ffff:203.0.113.9]:4000", "", "203.0.113.9", false},
		{"a trusted proxy names an IPv6 client", "10.1.2.3:4000", "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := ratelimit.ClientAddress(nil)
			if c.trusted {
				f = ratelimit.ClientAddress(trusted)
			}
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.peer
			if c.xff != "" {
				r.Header.Set("X-Forwarded-For", c.xff)
			}
			if c.name == "two header lines read as one list" {
				r.Header.Add("X-Forwarded-For", "198.51.100.9")
				r.Header.Add("X-Forwarded-For", "198.51.100.2")
			}
			if got := f(r); got != c.want {
				t.Errorf("client %q, want %q", got, c.want)
			}
		})
	}
}

// TestMemoryIsExact: of many concurrent takes on one key, exactly the quota
// pass; the next window starts afresh.
func TestMemoryIsExact(t *testing.T) {
	t.Parallel()
	m := ratelimit.NewMemory()
	p := ratelimit.Policy{Name: "p", Quota: 100, Window: time.Minute}
	now := time.Date(2026, 1, 1, 12, 0, 18, 0, time.UTC)
	var allowed, refused atomic.Int64
	var wg sync.WaitGroup
	for range 1000 {
		wg.Go(func() {
			u, err := m.Take(context.Background(), "k", p, now)
			if err != nil {
				t.Error(err)
			}
			if u.Allowed {
				allowed.Add(1)
			} else {
				refused.Add(1)
			}
			if want := time.Date(2026, 1, 1, 12, 1, 0, 0, time.UTC); !u.Reset.Equal(want) {
				t.Errorf("reset %v, want %v", u.Reset, want)
			}
		})
	}
	wg.Wait()
	if allowed.Load() != 100 || refused.Load() != 900 {
		t.Fatalf("%d allowed, %d refused; want 100 and 900", allowed.Load(), refused.Load())
	}
	if u, _ := m.Take(context.Background(), "other", p, now); !u.Allowed || u.Remaining != 99 {
		t.Errorf("another key shares the count: %+v", u)
	}
	if u, _ := m.Take(context.Background(), "k", p, now.Add(42*time.Second)); !u.Allowed || u.Remaining != 99 {
		t.Errorf("the next window did not start afresh: %+v", u)
	}
}
