// Package store holds what every resource's storage shares: the errors a
// store method returns and the rules for versions and timestamps.
//
// The database itself lives in an engine package, sqlite or postgres, whose
// DB type implements each resource's store interface (api.TaskStore, ...) in a
// file of its own (tasks.go). backend opens an engine from a --db URL;
// storetest runs a test against every engine.
package store

import (
	"errors"
	"time"
)

var (
	// ErrNotFound is returned for a row that does not exist or that belongs
	// to another owner: the two are indistinguishable to a caller by design.
	ErrNotFound = errors.New("store: not found")
	// ErrVersionMismatch is returned by a conditional write when the row has
	// changed since the caller read it.
	ErrVersionMismatch = errors.New("store: version does not match")
	// ErrUnavailable wraps failures to reach the database (down, restarting,
	// too busy): the request may succeed if retried later.
	ErrUnavailable = errors.New("store: database unavailable")
)

// AnyVersion, as the version a conditional write must find, makes it
// unconditional.
const AnyVersion int64 = 0

// Precision is the resolution at which every engine keeps timestamps: that
// of PostgreSQL's timestamptz. Engines truncate to it, so a row reads back
// exactly as it was returned when written.
const Precision = time.Microsecond

// Timestamp is t as every engine stores it: UTC, truncated to Precision.
func Timestamp(t time.Time) time.Time { return t.Truncate(Precision).UTC() }

// WhyNoRow tells apart the two reasons a conditional write (one statement
// that checks owner and version as it writes) touched no row: the owner has
// no such row, or its version moved on. exists reports whether the owner
// has the row; it is asked only when the write was conditional.
func WhyNoRow(match int64, exists func() (bool, error)) error {
	if match == AnyVersion {
		return ErrNotFound
	}
	ok, err := exists()
	switch {
	case err != nil:
		return err
	case !ok:
		return ErrNotFound
	}
	return ErrVersionMismatch
}

// Page cuts rows, fetched with a limit of limit+1, to limit, and reports
// whether more follow: the extra row is how a list query tells.
func Page[T any](rows []T, limit int) ([]T, bool) {
	if len(rows) > limit {
		return rows[:limit], true
	}
	return rows, false
}
