package dpop

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"time"

	"example.com/tasks/impl/auth"
)

// Server-provided nonces (RFC 9449 §8-9), when Config.Nonces is on: a
// proof must carry a nonce this server issued no longer than MaxAge ago,
// so that a client cannot sign proofs ahead of time with a clock set
// forward. A proof without one, or with a stale one, is answered 401
// use_dpop_nonce with a fresh nonce in the DPoP-Nonce header; the client
// signs a new proof with it and retries.
//
// Nonces are stateless: the time they were issued and an HMAC of it under
// a key drawn at start-up, so any nonce this instance issued is checked
// without a lookup. The key is per instance: behind a load balancer a
// client sent to another instance is asked once more, with that one's nonce.

const nonceMACBytes = 16

type nonces struct {
	key [32]byte
}

func newNonces() *nonces {
	n := &nonces{}
	_, _ = rand.Read(n.key[:]) // crypto/rand.Read never fails (Go 1.24+)
	return n
}

// issue returns a nonce for now.
func (n *nonces) issue(now time.Time) string {
	var b [8 + nonceMACBytes]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.Unix()))
	copy(b[8:], n.mac(b[:8]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// valid reports whether nonce is one this instance issued within
// [now-maxAge, now+leeway].
func (n *nonces) valid(nonce string, now time.Time, maxAge, leeway time.Duration) bool {
	b, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil || len(b) != 8+nonceMACBytes || !hmac.Equal(b[8:], n.mac(b[:8])) {
		return false
	}
	issued := time.Unix(int64(binary.BigEndian.Uint64(b[:8])), 0)
	return !issued.Before(now.Add(-maxAge)) && !issued.After(now.Add(leeway))
}

func (n *nonces) mac(ts []byte) []byte {
	m := hmac.New(sha256.New, n.key[:])
	m.Write(ts)
	return m.Sum(nil)[:nonceMACBytes]
}

// useNonce is the refusal that hands the client a fresh nonce.
func (c *Checker) useNonce(now time.Time, description string) error {
	return &auth.Error{
		Kind:        auth.Invalid,
		Code:        "use_dpop_nonce",
		Description: description,
		Header:      http.Header{"Dpop-Nonce": {c.nonces.issue(now)}},
	}
}
