// Package store keeps tasks. Handlers see only the Store interface. Memory,
// in this package, keeps them in the process; the sqlite and postgres
// subpackages keep them in a database, and backend opens one of the three
// from a --db URL. storetest holds the conformance suite all of them pass.
package store

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
)

var (
	// ErrNotFound is returned for a task that does not exist or that belongs
	// to another owner: the two are indistinguishable to a caller by design.
	ErrNotFound = errors.New("store: task not found")
	// ErrVersionMismatch is returned by a conditional Update or Delete when
	// the task has changed since the caller read it.
	ErrVersionMismatch = errors.New("store: task version does not match")
	// ErrUnavailable wraps failures to reach the database (down, restarting,
	// too busy): the request may succeed if retried later.
	ErrUnavailable = errors.New("store: database unavailable")
)

// AnyVersion, as the match argument of Update and Delete, makes them
// unconditional.
const AnyVersion int64 = 0

// Precision is the resolution at which every store keeps timestamps: that of
// PostgreSQL's timestamptz. Stores truncate to it, so a task reads back
// exactly as it was returned when written.
const Precision = time.Microsecond

// Task is a stored task.
type Task struct {
	ID          uuid.UUID
	Owner       string
	Title       string
	Description string
	Status      string
	// Version is 1 when the task is created and grows by one with each
	// update; it is the task's ETag.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Key is a position in an owner's task list, which is ordered by
// (CreatedAt, ID). Listing after a key is stable under inserts and deletes.
type Key struct {
	CreatedAt time.Time
	ID        uuid.UUID
}

// KeyOf returns t's position in its owner's list.
func KeyOf(t Task) Key { return Key{CreatedAt: t.CreatedAt, ID: t.ID} }

// Compare orders keys: -1 if k comes before o, 0 if equal, +1 if after.
// IDs compare as bytes, which is also the order of their canonical strings
// and of PostgreSQL's uuid type.
func (k Key) Compare(o Key) int {
	if c := k.CreatedAt.Compare(o.CreatedAt); c != 0 {
		return c
	}
	return bytes.Compare(k.ID[:], o.ID[:])
}

// Store keeps tasks. Every method that takes an owner only ever sees that
// owner's tasks. Implementations are safe for concurrent use.
type Store interface {
	// Create stores t, whose ID, Owner and timestamps are already set, and
	// returns it as stored: Version 1, timestamps truncated to Precision.
	Create(ctx context.Context, t Task) (Task, error)
	// Get returns owner's task id, or ErrNotFound.
	Get(ctx context.Context, owner string, id uuid.UUID) (Task, error)
	// Update replaces owner's task t.ID with t's Title, Description, Status
	// and UpdatedAt, if its version is match (any version for AnyVersion),
	// and returns the stored task with its new version. It returns
	// ErrNotFound, or ErrVersionMismatch when the version differs: the
	// check and the write are one atomic step.
	Update(ctx context.Context, owner string, t Task, match int64) (Task, error)
	// Delete removes owner's task id if its version is match (any version
	// for AnyVersion), or returns ErrNotFound or ErrVersionMismatch.
	Delete(ctx context.Context, owner string, id uuid.UUID, match int64) error
	// List returns up to limit of owner's tasks in order, starting after
	// the key after (from the start when after is nil), and whether more follow.
	List(ctx context.Context, owner string, after *Key, limit int) (tasks []Task, more bool, err error)
}
