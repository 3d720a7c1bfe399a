package domain

import (
	"bytes"
	"time"

	"github.com/google/uuid"
)

// Key is a position in a list ordered by (CreatedAt, ID): listing after a
// key is stable under inserts and deletes. Any resource listed in creation
// order can use it; impl/api turns it into the opaque cursors clients see.
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
