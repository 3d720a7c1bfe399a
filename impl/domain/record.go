package domain

import (
	"time"

	"github.com/google/uuid"
)

// Record is what every stored row has beside its resource's own fields:
// each resource type embeds it (type Task struct { Record; ... }). Handlers
// and engines handle these fields once, for every resource, through Rec.
type Record struct {
	ID uuid.UUID
	// Owner is the subject whose row it is: every store method takes it
	// and sees no other owner's rows.
	Owner string
	// Parent is the id of the row a nested resource belongs to (a comment's
	// task), of the same owner; uuid.Nil for a top-level resource.
	Parent uuid.UUID
	// Version is 1 when the row is created and grows by one with each
	// update; it is the row's ETag.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Rec returns r itself: code written once for every resource (the engines'
// tables, impl/api's handlers) reaches these fields of a *Task or a
// *Comment through it.
func (r *Record) Rec() *Record { return r }

// Key returns the row's position in its owner's list.
func (r Record) Key() Key { return Key{CreatedAt: r.CreatedAt, ID: r.ID} }

// Row is the constraint of generic code over resources: a pointer to a
// resource type that embeds Record.
type Row[T any] interface {
	*T
	Rec() *Record
}
