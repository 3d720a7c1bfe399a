// Package sqlite keeps the API's data in SQLite, through the pure-Go
// modernc.org/sqlite driver: no C toolchain, nothing to install. It is the
// default for one machine, and in memory for tests and demos. The schema is
// migrated when the database opens.
//
// DB implements each resource's store interface in a file of its own
// (tasks.go). Queries are hand-written, one per operation, rather than
// generated with sqlc: the owner check sits in each WHERE clause where a
// reader can see it.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/XSAM/otelsql"
	"github.com/pressly/goose/v3"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"example.com/tasks/impl/domain"
	"example.com/tasks/impl/store"
	"example.com/tasks/impl/store/migrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// pragmas apply to every connection: WAL lets readers run beside the one
// writer, the busy timeout makes a writer wait for the lock instead of
// failing at once, foreign keys are off by default in SQLite, and
// _txlock=immediate takes the write lock when a transaction begins, so
// that two transactions never deadlock upgrading their locks.
const pragmas = "_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(ON)&_pragma=synchronous(NORMAL)&_txlock=immediate"

// DB is the API's data in a SQLite database.
type DB struct {
	db *sql.DB
}

// Open opens (creating it if needed) the database file at path, applies
// pending migrations and returns it. The file's folder must exist.
func Open(ctx context.Context, path string, logger *slog.Logger, opts ...store.Option) (*DB, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlite: %q is not a usable file path", path)
	}
	db, err := open(path+"?"+pragmas, store.Apply(opts))
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return migrated(ctx, db, path, logger)
}

// OpenMemory returns a new, empty database in memory, lost when it is
// closed. It has one connection, since each connection to ":memory:" would
// be a database of its own; requests take turns on it.
func OpenMemory(ctx context.Context, logger *slog.Logger, opts ...store.Option) (*DB, error) {
	db, err := open(":memory:?_pragma=foreign_keys(ON)", store.Apply(opts))
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	return migrated(ctx, db, ":memory:", logger)
}

// open opens the database, through otelsql when telemetry is on: a span per
// statement (its text, never its arguments) and its duration, but none for
// connection resets, prepares and row iteration, which only add noise.
func open(dsn string, o store.Options) (*sql.DB, error) {
	if !o.Telemetry.On() {
		return sql.Open("sqlite", dsn)
	}
	tp, mp := o.Telemetry.Providers()
	return otelsql.Open("sqlite", dsn,
		otelsql.WithTracerProvider(tp), otelsql.WithMeterProvider(mp),
		otelsql.WithAttributes(semconv.DBSystemNameSQLite),
		otelsql.WithSpanOptions(otelsql.SpanOptions{OmitConnResetSession: true, OmitRows: true, OmitConnPrepare: true}))
}

func migrated(ctx context.Context, db *sql.DB, name string, logger *slog.Logger) (*DB, error) {
	if err := migrate.Up(ctx, "sqlite", goose.DialectSQLite3, db, migrations, logger); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", name, err)
	}
	return &DB{db: db}, nil
}

// New uses db as it is, with no migration: for a pool configured by the
// caller, and for tests that need a database that fails.
func New(db *sql.DB) *DB { return &DB{db: db} }

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.db.PingContext(ctx); err != nil {
		return wrap("ping", err)
	}
	return nil
}

// Close closes the database.
func (d *DB) Close() error { return d.db.Close() }

// exists reports whether query, which selects 1, finds a row.
func (d *DB) exists(ctx context.Context, query string, args ...any) (bool, error) {
	var one int
	err := d.db.QueryRowContext(ctx, query, args...).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, wrap("exists", err)
	}
	return true, nil
}

// Times are stored as Unix microseconds (domain.Precision), so that they
// sort as numbers.
func fromTime(t time.Time) int64 { return t.UnixMicro() }
func toTime(us int64) time.Time  { return time.UnixMicro(us).UTC() }

// timeColumn writes and reads a resource's time.Time field as Unix
// microseconds: a table's values and scan return timeColumn{&v.Field}.
type timeColumn struct{ t *time.Time }

func (c timeColumn) Value() (driver.Value, error) { return fromTime(*c.t), nil }

func (c timeColumn) Scan(src any) error {
	us, ok := src.(int64)
	if !ok {
		return fmt.Errorf("sqlite: a time column holds %T, want an integer", src)
	}
	*c.t = toTime(us)
	return nil
}

// optionalTimeColumn is timeColumn for an optional field (*time.Time):
// NULL when it is nil.
type optionalTimeColumn struct{ t **time.Time }

func (c optionalTimeColumn) Value() (driver.Value, error) {
	if *c.t == nil {
		return nil, nil
	}
	return fromTime(**c.t), nil
}

func (c optionalTimeColumn) Scan(src any) error {
	if src == nil {
		*c.t = nil
		return nil
	}
	var t time.Time
	if err := (timeColumn{&t}).Scan(src); err != nil {
		return err
	}
	*c.t = &t
	return nil
}

// wrap marks the errors that mean "the database is not there right now" as
// domain.ErrUnavailable, so that clients get a 503 they may retry rather than
// a 500: a locked or busy database (the busy timeout ran out), one that
// cannot be opened, and a connection that broke.
func wrap(op string, err error) error {
	if unavailable(err) {
		return fmt.Errorf("sqlite: %s: %w: %w", op, domain.ErrUnavailable, err)
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

func unavailable(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // the primary code of an extended one
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR:
			return true
		}
	}
	return errors.Is(err, driver.ErrBadConn)
}
