package redisstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"testing"
	"time"

	"example.com/tasks/impl/redisstore/redistest"
)

// BenchmarkProofsAdd: one DPoP proof remembered in Redis (SET NX PX).
func BenchmarkProofsAdd(b *testing.B) {
	srv := redistest.New(b, "")
	c := open(b, srv, nil)
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
