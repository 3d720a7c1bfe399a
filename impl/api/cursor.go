package api

import (
	"encoding/base64"
	"encoding/binary"
	"time"

	"github.com/google/uuid"

	"example.com/tasks/impl/domain"
)

// EncodeCursor returns the cursor of a list position: the domain.Key of the
// last row on a page, as 8 bytes of creation time (Unix nanoseconds) and the
// 16-byte id, base64url-encoded. It is opaque to clients; its alphabet is
// the one the spec's `cursor` pattern allows. Exported for the benchmarks'
// baseline servers, which page the same way.
func EncodeCursor(k domain.Key) string {
	var b [24]byte
	binary.BigEndian.PutUint64(b[:8], uint64(k.CreatedAt.UnixNano()))
	copy(b[8:], k.ID[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// DecodeCursor returns the position cursor names, or false for a string
// EncodeCursor did not make.
func DecodeCursor(s string) (domain.Key, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 24 {
		return domain.Key{}, false
	}
	return domain.Key{
		CreatedAt: time.Unix(0, int64(binary.BigEndian.Uint64(b[:8]))).UTC(),
		ID:        uuid.UUID(b[8:]),
	}, true
}
