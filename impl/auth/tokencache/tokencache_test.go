package tokencache_test

import (
	"testing"
	"time"

	"example.com/tasks/impl/auth/tokencache"
)

func TestCache(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_000_000, 0)
	c, err := tokencache.New[string](2)
	if err != nil {
		t.Fatal(err)
	}
	a, b, d := tokencache.KeyOf("a"), tokencache.KeyOf("b"), tokencache.KeyOf("d")
	c.Add(a, "alice", now.Add(time.Minute))
	if v, ok := c.Get(a, now.Add(59*time.Second)); !ok || v != "alice" {
		t.Errorf("before its deadline: %q, %v; want alice", v, ok)
	}
	if _, ok := c.Get(a, now.Add(time.Minute)); ok {
		t.Error("at its deadline the entry is still served")
	}
	if _, ok := c.Get(a, now); ok {
		t.Error("an expired entry was not dropped")
	}
	c.Add(a, "1", now.Add(time.Hour))
	c.Add(b, "2", now.Add(time.Hour))
	c.Add(d, "3", now.Add(time.Hour)) // evicts a, the least recently used
	if _, ok := c.Get(a, now); ok {
		t.Error("the cache holds more entries than its size")
	}

	var none *tokencache.Cache[string] // caching turned off
	none.Add(a, "x", now.Add(time.Hour))
	if _, ok := none.Get(a, now); ok {
		t.Error("a nil cache returned a value")
	}
}

func TestUntil(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_000_000, 0)
	for _, tt := range []struct {
		name string
		exp  time.Time
		want time.Time
	}{
		{"no expiry: the TTL", time.Time{}, now.Add(time.Minute)},
		{"expiry after the TTL: the TTL", now.Add(time.Hour), now.Add(time.Minute)},
		{"expiry before the TTL: the expiry", now.Add(time.Second), now.Add(time.Second)},
	} {
		if got := tokencache.Until(now, time.Minute, tt.exp); !got.Equal(tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
