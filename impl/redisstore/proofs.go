package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"time"
)

// Proofs is the dpop.ReplayCache in Redis: a proof accepted by one instance
// is a replay at every other.
type Proofs struct{ c *Client }

// Proofs returns the client's DPoP replay cache.
func (c *Client) Proofs() Proofs { return Proofs{c} }

// Add implements dpop.ReplayCache with SET NX PX, in one round trip: of two
// instances adding the same proof, Redis lets one set it.
func (p Proofs) Add(ctx context.Context, key [sha256.Size]byte, ttl time.Duration) (bool, error) {
	var fresh bool
	err := p.c.do(ctx, func(ctx context.Context) error {
		// key is already a digest: it holds no token material.
		k := p.c.ns + ":dpop:" + base64.RawURLEncoding.EncodeToString(key[:])
		var err error
		fresh, err = p.c.rdb.SetNX(ctx, k, 1, ttl).Result()
		return err
	})
	return fresh, err
}
