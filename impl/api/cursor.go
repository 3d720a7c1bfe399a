package api

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"time"

	"github.com/google/uuid"
)

// Key is a position in a list ordered by (CreatedAt, ID): listing after a
// key is stable under inserts and deletes. Any resource listed in creation
// order can use it, and its cursors.
type Key struct {
	CreatedAt time.Time
	ID        uuid.UUID
}

// Compare orders keys: -1 if k comes before o, 0 if equal, +1 if after.
// IDs compare as bytes, which is also the order of their canonical strings
// and of PostgreSQL's uuid type.
func (k Key) Compare(o Key) int {
	if c := k.CreatedAt.Compare(o.CreatedAt); c != 0 {
		return c
	}
	return bytes.Compare(k.ID[:], o.ID[:])
}

// A cursor is the key of the last row on a page: 8 bytes of creation time
// (Unix nanoseconds) and the 16-byte id, base64url-encoded. It is opaque to
// clients; its alphabet is the one the spec's `cursor` pattern allows.
func encodeCursor(k Key) string {
	var b [24]byte
	binary.BigEndian.PutUint64(b[:8], uint64(k.CreatedAt.UnixNano()))
	copy(b[8:], k.ID[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func decodeCursor(s string) (Key, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 24 {
		return Key{}, false
	}
	return Key{
		CreatedAt: time.Unix(0, int64(binary.BigEndian.Uint64(b[:8]))).UTC(),
		ID:        uuid.UUID(b[8:]),
	}, true
}
