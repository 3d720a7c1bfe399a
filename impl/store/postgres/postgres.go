// Package postgres keeps the API's data in PostgreSQL, through a pgx
// connection pool. Several server instances can share one database: every
// write is a single statement that checks the owner and the version as it
// writes. The schema is migrated when the database opens, under an advisory
// lock.
//
// DB implements each resource's store interface in a file of its own
// (tasks.go), which declares the resource's table: its name, columns and
// how to read and write its fields. The queries every resource has are
// hand-written once, in table.go, rather than generated with sqlc: the
// owner check sits in each WHERE clause where a reader can see it.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/exaring/otelpgx"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"example.com/tasks/impl/domain"
	"example.com/tasks/impl/store"
	"example.com/tasks/impl/store/migrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// connectTimeout bounds each attempt to reach the server when the URL sets
// no connect_timeout: a request must not hang on a database that is down.
const connectTimeout = 5 * time.Second

// DB is the API's data in PostgreSQL.
type DB struct {
	pool *pgxpool.Pool
}

// Open connects to the database at url (postgres://user:password@host:port/db?...,
// with pgxpool's pool_max_conns and friends), checks that it answers,
// applies pending migrations and returns it.
func Open(ctx context.Context, url string, logger *slog.Logger, opts ...store.Option) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err) // pgx leaves any password out
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
	}
	// Prepared statements: pgx's default mode (cache_statement) prepares a
	// query on a connection the first time it runs there and keeps it (512
	// per connection), so PostgreSQL parses and plans each query once per
	// connection; the queries of table.go are the same text each time, so
	// they hit the cache. A pooler in transaction mode that cannot keep
	// prepared statements (PgBouncer before 1.21) needs
	// default_query_exec_mode=exec in the URL, which pgx reads.
	// Times read back in UTC, as every engine returns them (pgx's default
	// is the machine's zone): a client sees the offset it was given.
	cfg.AfterConnect = func(_ context.Context, conn *pgx.Conn) error {
		conn.TypeMap().RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID,
			Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}})
		return nil
	}
	if t := store.Apply(opts).Telemetry; t.On() {
		// pgx's tracer: a span per query (its text, never its arguments)
		// and its duration; none for taking a connection from the pool.
		tp, mp := t.Providers()
		cfg.ConnConfig.Tracer = otelpgx.NewTracer(otelpgx.WithTracerProvider(tp), otelpgx.WithMeterProvider(mp),
			otelpgx.WithDisableAcquireTracer())
	}
	where := fmt.Sprintf("%s:%d/%s", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s: %w", where, err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: cannot reach %s: %w", where, err)
	}
	if err := migrateUp(ctx, pool, logger); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %s: %w", where, err)
	}
	return &DB{pool: pool}, nil
}

func migrateUp(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger) error {
	// Instances that start together wait for each other on this lock
	// instead of applying the same migration twice.
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return err
	}
	db := stdlib.OpenDBFromPool(pool) // goose speaks database/sql; closing db leaves the pool open
	defer db.Close()
	return migrate.Up(ctx, "postgres", goose.DialectPostgres, db, migrations, logger, goose.WithSessionLocker(locker))
}

// Ping checks that the database answers.
func (d *DB) Ping(ctx context.Context) error {
	if err := d.pool.Ping(ctx); err != nil {
		return wrap("ping", err)
	}
	return nil
}

// Close closes every connection of the pool.
func (d *DB) Close() error {
	d.pool.Close()
	return nil
}

// exists reports whether query, which selects 1, finds a row.
func (d *DB) exists(ctx context.Context, query string, args ...any) (bool, error) {
	var one int
	err := d.pool.QueryRow(ctx, query, args...).Scan(&one)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return false, nil
	case err != nil:
		return false, wrap("exists", err)
	}
	return true, nil
}

// wrap marks the errors that mean "the database is not there right now" as
// domain.ErrUnavailable, so that clients get a 503 they may retry rather
// than a 500.
func wrap(op string, err error) error {
	if unavailable(err) {
		return fmt.Errorf("postgres: %s: %w: %w", op, domain.ErrUnavailable, err)
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

func unavailable(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// 08: connection exception; 53: insufficient resources (too many
		// connections); 57P01-57P03: the server is shutting down or starting.
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "53") ||
			pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	// No answer at all: the server could not be reached or the connection broke.
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || pgconn.Timeout(err)
}
