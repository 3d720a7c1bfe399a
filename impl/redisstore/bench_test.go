package redisstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"testing"
	"time"

	"example.com/tasks/impl/ratelimit"
	"example.com/tasks/impl/redisstore"
	"example.com/tasks/impl/redisstore/redistest"
)

// BenchmarkTake: one request counted, in the process's memory (the
// baseline) and in Redis over loopback (one script, one round trip).
func BenchmarkTake(b *testing.B) {
	srv := redistest.New(b, "")
	c, err := redisstore.Open(context.Background(), redisstore.Config{URL: srv.URL(), Namespace: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
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

// BenchmarkProofsAdd: one DPoP proof remembered in Redis (SET NX PX).
func BenchmarkProofsAdd(b *testing.B) {
	srv := redistest.New(b, "")
	c, err := redisstore.Open(context.Background(), redisstore.Config{URL: srv.URL(), Namespace: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.ReportAllocs()
	ctx := context.Background()
	var key [sha256.Size]byte
	var i uint64
	for b.Loop() {
		i++
		binary.LittleEndian.PutUint64(key[:], i)
		if ok, err := c.Proofs().Add(ctx, key, time.Minute); err != nil || !ok {
			b.Fatal(ok, err)
		}
	}
}
