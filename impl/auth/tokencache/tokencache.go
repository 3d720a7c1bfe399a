// Package tokencache remembers what a verifier decided about a token, so
// that a client sending it again costs a hash and a lookup instead of a
// signature check or a call to the identity provider. Entries are keyed by
// the token's SHA-256 digest, never by the token, bounded in number (least
// recently used first out), and each is trusted until its own deadline.
// jwttoken and introspect share it.
package tokencache

import (
	"crypto/sha256"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Key is a token's SHA-256 digest.
type Key = [sha256.Size]byte

// KeyOf returns token's key.
func KeyOf(token string) Key { return sha256.Sum256([]byte(token)) }

// Cache holds up to a fixed number of values, each until a deadline. A nil
// *Cache holds nothing: Get misses and Add does nothing, so a verifier with
// its cache turned off needs no branch of its own.
type Cache[V any] struct {
	lru *lru.Cache[Key, entry[V]]
}

type entry[V any] struct {
	v     V
	until time.Time
}

// New returns a Cache of size entries; size must be positive.
func New[V any](size int) (*Cache[V], error) {
	l, err := lru.New[Key, entry[V]](size)
	if err != nil {
		return nil, err
	}
	return &Cache[V]{lru: l}, nil
}

// Get returns the value kept for k if its deadline is after now, and drops
// it once it is not.
func (c *Cache[V]) Get(k Key, now time.Time) (V, bool) {
	var zero V
	if c == nil {
		return zero, false
	}
	e, ok := c.lru.Get(k)
	if !ok {
		return zero, false
	}
	if !now.Before(e.until) {
		c.lru.Remove(k)
		return zero, false
	}
	return e.v, true
}

// Add keeps v for k until until.
func (c *Cache[V]) Add(k Key, v V, until time.Time) {
	if c != nil {
		c.lru.Add(k, entry[V]{v: v, until: until})
	}
}

// Until is how long to trust a token verified at now: ttl, but never past
// the token's own expiry exp (the zero time when it has none).
func Until(now time.Time, ttl time.Duration, exp time.Time) time.Time {
	until := now.Add(ttl)
	if !exp.IsZero() && exp.Before(until) {
		return exp
	}
	return until
}
