package domain

import (
	"errors"
	"time"
)

// The errors every store method may return. Engines wrap their own errors
// in them (errors.Is finds them); handlers map them to responses.
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
// unconditional. Versions start at 1.
const AnyVersion int64 = 0

// Precision is the resolution at which every engine keeps timestamps: that
// of PostgreSQL's timestamptz. Engines truncate to it, so a row reads back
// exactly as it was returned when written.
const Precision = time.Microsecond

// Timestamp is t as every engine stores it: UTC, truncated to Precision.
// Handlers apply it to the times a client sends, so that what a write
// answers is what a later read returns.
func Timestamp(t time.Time) time.Time { return t.Truncate(Precision).UTC() }
