// Package sqlite keeps the API's data in SQLite, through the pure-Go
// modernc.org/sqlite driver: no C toolchain, nothing to install. It is the
// default for one machine, and in memory for tests and demos. The schema is
// migrated when the database opens.
//
// DB implements each resource's store interface in a file of its own
// (tasks.go), which declares the resource's table: its name, columns and
// how to read and write its fields. The queries every resource has are
// hand-written once, in table.go, rather than generated with sqlc: the
// owner check sits in each WHERE clause where a reader can see it.
package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/XSAM/otelsql"
	"github.com/google/uuid"
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

// pragmas apply to every connection: the busy timeout makes a connection
// wait for a lock instead of failing at once, and foreign keys are off by
// default in SQLite. A file adds WAL, which lets readers run beside the one
// writer and see each commit as soon as it is made, and synchronous=NORMAL,
// which is durable in WAL mode but for the last commits on a power loss.
const (
	pragmas     = "_pragma=busy_timeout(5000)&_pragma=foreign_keys(ON)"
	filePragmas = "_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&" + pragmas
	// readOnly makes a reader connection refuse to write, so that a bug
	// cannot write around the writer.
	readOnly = "&_pragma=query_only(1)"
	// writer: _txlock=immediate takes the write lock when a transaction
	// begins, so that a transaction never fails to upgrade its lock.
	writer = "&_txlock=immediate"
)

// DB is the API's data in a SQLite database, as servers use SQLite: a pool
// of connections that only read, which run side by side, and one that
// writes, since SQLite has one writer at a time whatever the pool. Each
// query is prepared once per connection and then reused (statement).
type DB struct {
	read, write *sql.DB
	statements  sync.Map // statementKey → *sql.Stmt
	// keep holds an in-memory database open: it lives as long as one
	// connection to it does, and a pool may close its idle ones.
	keep *sql.Conn
}

type statementKey struct {
	pool  *sql.DB
	query string
}

// Readers is the number of reader connections when no store.WithReaders
// says otherwise: one per CPU the Go scheduler uses. Reads spend their time
// on the CPU (SQLite's pages are in memory or the OS's cache), so more
// would only queue.
func Readers() int { return runtime.GOMAXPROCS(0) }

// Open opens (creating it if needed) the database file at path, applies
// pending migrations and returns it. The file's folder must exist.
func Open(ctx context.Context, path string, logger *slog.Logger, opts ...store.Option) (*DB, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlite: %q is not a usable file path", path)
	}
	return openPools(ctx, path, "file:"+path+"?"+filePragmas, store.Apply(opts), logger)
}

// OpenMemory returns a new, empty database in memory, lost when it is
// closed, and seen by no other: SQLite's memdb VFS, under a name of its
// own, shared by the connections of both pools. (":memory:" would be a
// database per connection, and a shared cache, "file::memory:?cache=shared",
// locks tables rather than waiting on the busy timeout.)
func OpenMemory(ctx context.Context, logger *slog.Logger, opts ...store.Option) (*DB, error) {
	name := "file:/" + uuid.NewString() + "?vfs=memdb&" + pragmas
	return openPools(ctx, ":memory:", name, store.Apply(opts), logger)
}

// openPools opens the writer and the readers on dsn, applies the
// migrations with the writer, and prepares nothing yet.
func openPools(ctx context.Context, name, dsn string, o store.Options, logger *slog.Logger) (*DB, error) {
	d := &DB{}
	var err error
	if d.write, err = open(dsn+writer, o); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	d.write.SetMaxOpenConns(1)
	d.write.SetMaxIdleConns(1)
	d.write.SetConnMaxIdleTime(0)
	d.write.SetConnMaxLifetime(0)
	// The migrations first: a reader must not open a file that WAL mode
	// has not been set on yet, nor query tables that do not exist.
	if err := migrate.Up(ctx, "sqlite", goose.DialectSQLite3, d.write, migrations, logger); err != nil {
		d.write.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", name, err)
	}
	readers := cmp.Or(o.Readers, Readers())
	memory := strings.Contains(dsn, "vfs=memdb")
	if memory {
		readers++ // keep's
	}
	if d.read, err = open(dsn+readOnly, o); err != nil {
		d.write.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	d.read.SetMaxOpenConns(readers)
	d.read.SetMaxIdleConns(readers)
	d.read.SetConnMaxIdleTime(0)
	d.read.SetConnMaxLifetime(0)
	if memory {
		if d.keep, err = d.read.Conn(ctx); err != nil {
			d.Close()
			return nil, fmt.Errorf("sqlite: %w", err)
		}
	}
	return d, nil
}

// open opens a pool on dsn, through otelsql when telemetry is on: a span per
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

// New uses db as it is, for reads and writes, with no migration: for a
// pool configured by the caller, and for tests that need a database that
// fails.
func New(db *sql.DB) *DB { return &DB{read: db, write: db} }

// Ping checks that the database answers, to a reader and to the writer.
func (d *DB) Ping(ctx context.Context) error {
	for _, pool := range []*sql.DB{d.read, d.write} {
		if err := pool.PingContext(ctx); err != nil {
			return wrap("ping", err)
		}
	}
	return nil
}

// Close closes the database: an in-memory one is gone.
func (d *DB) Close() error {
	d.statements.Range(func(_, st any) bool {
		st.(*sql.Stmt).Close()
		return true
	})
	if d.keep != nil {
		d.keep.Close()
	}
	if d.read == d.write {
		return d.write.Close()
	}
	return errors.Join(d.read.Close(), d.write.Close())
}

// statement returns query prepared on pool. database/sql prepares it on
// each connection the first time it runs there and keeps it, so SQLite
// parses and plans each query once per connection rather than per call.
func (d *DB) statement(ctx context.Context, pool *sql.DB, query string) (*sql.Stmt, error) {
	key := statementKey{pool, query}
	if st, ok := d.statements.Load(key); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := pool.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := d.statements.LoadOrStore(key, st); loaded {
		st.Close() // another call prepared it first
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// queryRow runs query, which returns one row, prepared on pool.
func (d *DB) queryRow(ctx context.Context, pool *sql.DB, query string, args ...any) interface{ Scan(...any) error } {
	st, err := d.statement(ctx, pool, query)
	if err != nil {
		return failedRow{err}
	}
	return st.QueryRowContext(ctx, args...)
}

// query runs query, prepared on pool.
func (d *DB) query(ctx context.Context, pool *sql.DB, query string, args ...any) (*sql.Rows, error) {
	st, err := d.statement(ctx, pool, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// exec runs query, prepared on the writer.
func (d *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := d.statement(ctx, d.write, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// failedRow is a row whose query could not be prepared.
type failedRow struct{ err error }

func (r failedRow) Scan(...any) error { return r.err }

// exists reports whether query, which selects 1, finds a row.
func (d *DB) exists(ctx context.Context, query string, args ...any) (bool, error) {
	var one int
	err := d.queryRow(ctx, d.read, query, args...).Scan(&one)
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
