// Package store holds what the storage engines share: helpers for
// conditional writes and pages, and the options an engine is
// opened with (telemetry). The contract they implement, each resource's
// store interface and the errors it returns, is in impl/domain.
//
// The database itself lives in an engine package, sqlite or postgres, whose
// DB type implements each resource's store interface (domain.TaskStore, ...)
// in a file of its own (tasks.go). backend opens an engine from a --db URL;
// storetest runs a test against every engine. Like the domain, nothing here
// imports HTTP code.
package store

import "example.com/tasks/impl/domain"

// WhyNoRow tells apart the two reasons a conditional write (one statement
// that checks owner and version as it writes) touched no row: the owner has
// no such row (domain.ErrNotFound), or its version moved on
// (domain.ErrVersionMismatch). exists reports whether the owner has the
// row; it is asked only when the write was conditional.
func WhyNoRow(match int64, exists func() (bool, error)) error {
	if match == domain.AnyVersion {
		return domain.ErrNotFound
	}
	ok, err := exists()
	switch {
	case err != nil:
		return err
	case !ok:
		return domain.ErrNotFound
	}
	return domain.ErrVersionMismatch
}

// Page cuts rows, fetched with a limit of limit+1, to limit, and reports
// whether more follow: the extra row is how a list query tells.
func Page[T any](rows []T, limit int) ([]T, bool) {
	if len(rows) > limit {
		return rows[:limit], true
	}
	return rows, false
}
