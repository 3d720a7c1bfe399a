// Package store keeps tasks. Handlers see only the Store interface; Memory is
// the default implementation.
package store

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
)

// ErrNotFound is returned for a task that does not exist or that belongs to
// another owner: the two are indistinguishable to a caller by design.
var ErrNotFound = errors.New("store: task not found")

// Task is a stored task.
type Task struct {
	ID          uuid.UUID
	Owner       string
	Title       string
	Description string
	Status      string
	CreatedAt   time.Time
	UpdatedAt   time.Time
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
func (k Key) Compare(o Key) int {
	if c := k.CreatedAt.Compare(o.CreatedAt); c != 0 {
		return c
	}
	return bytes.Compare(k.ID[:], o.ID[:])
}

// Store keeps tasks. Every method that takes an owner only ever sees that
// owner's tasks. Implementations are safe for concurrent use.
type Store interface {
	// Create stores t, whose ID, Owner and timestamps are already set.
	Create(ctx context.Context, t Task) error
	// Get returns owner's task id, or ErrNotFound.
	Get(ctx context.Context, owner string, id uuid.UUID) (Task, error)
	// Update replaces owner's task t.ID with t and returns it, or ErrNotFound.
	// CreatedAt is kept from the stored task.
	Update(ctx context.Context, owner string, t Task) (Task, error)
	// Delete removes owner's task id, or returns ErrNotFound.
	Delete(ctx context.Context, owner string, id uuid.UUID) error
	// List returns up to limit of owner's tasks in order, starting after
	// the key after (from the start when after is nil), and whether more follow.
	List(ctx context.Context, owner string, after *Key, limit int) (tasks []Task, more bool, err error)
}
