package domain

import (
	"context"

	"github.com/google/uuid"
)

// Task is a stored task.
type Task struct {
	Record
	Title       string
	Description string // "" when the task has none
	Status      string
}

// TaskStore keeps tasks; each engine implements it in its tasks.go. Every
// method that takes an owner only ever sees that owner's tasks.
// Implementations are safe for concurrent use, and wrap a failure to reach
// the database in ErrUnavailable.
type TaskStore interface {
	// CreateTask stores t, whose ID, Owner and timestamps are already set,
	// and returns it as stored: Version 1, timestamps truncated to
	// Precision.
	CreateTask(ctx context.Context, t Task) (Task, error)
	// GetTask returns owner's task id, or ErrNotFound.
	GetTask(ctx context.Context, owner string, id uuid.UUID) (Task, error)
	// UpdateTask replaces owner's task t.ID with t's Title, Description,
	// Status and UpdatedAt, if its version is match (any version for
	// AnyVersion), and returns the stored task with its new version.
	// It returns ErrNotFound, or ErrVersionMismatch when the version
	// differs: the check and the write are one atomic step.
	UpdateTask(ctx context.Context, owner string, t Task, match int64) (Task, error)
	// DeleteTask removes owner's task id if its version is match (any
	// version for AnyVersion), or returns ErrNotFound or
	// ErrVersionMismatch.
	DeleteTask(ctx context.Context, owner string, id uuid.UUID, match int64) error
	// ListTasks returns up to limit of owner's tasks in Key order, starting
	// after the key after (from the start when after is nil), and whether
	// more follow.
	ListTasks(ctx context.Context, owner string, after *Key, limit int) (tasks []Task, more bool, err error)
}
