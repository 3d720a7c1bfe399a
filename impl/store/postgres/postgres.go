// Package postgres is a store.Store in PostgreSQL, through a pgx connection
// pool. Several server instances can share one database: every write is a
// single statement that checks the owner and the version as it writes. The
// schema is migrated when the store opens, under an advisory lock.
//
// Queries are hand-written here, one per operation, rather than generated
// with sqlc: there are five, and the owner check sits in each WHERE clause
// where a reader can see it.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"example.com/tasks/impl/store"
	"example.com/tasks/impl/store/migrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// connectTimeout bounds each attempt to reach the server when the URL sets
// no connect_timeout: a request must not hang on a database that is down.
const connectTimeout = 5 * time.Second

// Store keeps tasks in PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at url (postgres://user:password@host:port/db?...,
// with pgxpool's pool_max_conns and friends), checks that it answers,
// applies pending migrations and returns the store.
func Open(ctx context.Context, url string, logger *slog.Logger) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err) // pgx leaves any password out
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = connectTimeout
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
	return &Store{pool: pool}, nil
}

func migrateUp(ctx context.Context, pool *pgxpool.Pool, logger *slog.Logger) error {
	// Instances that start together wait for each other on this lock
	// instead of applying the same migration twice.
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return err
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	db := stdlib.OpenDBFromPool(pool) // goose speaks database/sql; closing db leaves the pool open
	defer db.Close()
	applied, err := migrate.Up(ctx, goose.DialectPostgres, db, sub, goose.WithSessionLocker(locker))
	for _, m := range applied {
		logger.Info("migration applied", "db", "postgres", "migration", m)
	}
	return err
}

// Close closes every connection of the pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

const columns = `id, owner, title, description, status, version, created_at, updated_at`

func (s *Store) Create(ctx context.Context, t store.Task) (store.Task, error) {
	t.Version = 1
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.Truncate(store.Precision).UTC(), t.UpdatedAt.Truncate(store.Precision).UTC()
	_, err := s.pool.Exec(ctx,
		`INSERT INTO tasks (`+columns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		t.ID, t.Owner, t.Title, t.Description, t.Status, t.Version, t.CreatedAt, t.UpdatedAt)
	if err != nil {
		return store.Task{}, wrap("create", err)
	}
	return t, nil
}

func (s *Store) Get(ctx context.Context, owner string, id uuid.UUID) (store.Task, error) {
	t, err := scan(s.pool.QueryRow(ctx, `SELECT `+columns+` FROM tasks WHERE owner = $1 AND id = $2`, owner, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Task{}, store.ErrNotFound
	}
	if err != nil {
		return store.Task{}, wrap("get", err)
	}
	return t, nil
}

func (s *Store) Update(ctx context.Context, owner string, t store.Task, match int64) (store.Task, error) {
	// One statement checks the owner and the version and writes. Under READ
	// COMMITTED a concurrent writer waits for the row lock, then re-checks
	// the version against the row as committed: only one of them matches.
	got, err := scan(s.pool.QueryRow(ctx, `
		UPDATE tasks SET title = $3, description = $4, status = $5, updated_at = $6, version = version + 1
		WHERE owner = $1 AND id = $2 AND ($7::bigint = 0 OR version = $7)
		RETURNING `+columns,
		owner, t.ID, t.Title, t.Description, t.Status, t.UpdatedAt.Truncate(store.Precision), match))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Task{}, s.whyNoRow(ctx, owner, t.ID, match)
	}
	if err != nil {
		return store.Task{}, wrap("update", err)
	}
	return got, nil
}

func (s *Store) Delete(ctx context.Context, owner string, id uuid.UUID, match int64) error {
	tag, err := s.pool.Exec(ctx, `DELETE FROM tasks WHERE owner = $1 AND id = $2 AND ($3::bigint = 0 OR version = $3)`,
		owner, id, match)
	if err != nil {
		return wrap("delete", err)
	}
	if tag.RowsAffected() == 0 {
		return s.whyNoRow(ctx, owner, id, match)
	}
	return nil
}

// whyNoRow tells apart the two reasons a conditional write touched no row:
// the owner has no such task, or its version moved on.
func (s *Store) whyNoRow(ctx context.Context, owner string, id uuid.UUID, match int64) error {
	if match == store.AnyVersion {
		return store.ErrNotFound
	}
	var one int
	err := s.pool.QueryRow(ctx, `SELECT 1 FROM tasks WHERE owner = $1 AND id = $2`, owner, id).Scan(&one)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return store.ErrNotFound
	case err != nil:
		return wrap("check version", err)
	}
	return store.ErrVersionMismatch
}

func (s *Store) List(ctx context.Context, owner string, after *store.Key, limit int) ([]store.Task, bool, error) {
	var rows pgx.Rows
	var err error
	// One more than asked tells whether more follow.
	if after == nil {
		rows, err = s.pool.Query(ctx, `SELECT `+columns+` FROM tasks WHERE owner = $1
			ORDER BY created_at, id LIMIT $2`, owner, limit+1)
	} else {
		rows, err = s.pool.Query(ctx, `SELECT `+columns+` FROM tasks WHERE owner = $1 AND (created_at, id) > ($2, $3)
			ORDER BY created_at, id LIMIT $4`, owner, after.CreatedAt, after.ID, limit+1)
	}
	if err != nil {
		return nil, false, wrap("list", err)
	}
	tasks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Task, error) { return scan(r) })
	if err != nil {
		return nil, false, wrap("list", err)
	}
	if len(tasks) > limit {
		return tasks[:limit], true, nil
	}
	return tasks, false, nil
}

func scan(row pgx.Row) (store.Task, error) {
	var t store.Task
	err := row.Scan(&t.ID, &t.Owner, &t.Title, &t.Description, &t.Status, &t.Version, &t.CreatedAt, &t.UpdatedAt)
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	return t, err
}

// wrap marks the errors that mean "the database is not there right now" as
// store.ErrUnavailable, so that clients get a 503 they may retry rather
// than a 500.
func wrap(op string, err error) error {
	if unavailable(err) {
		return fmt.Errorf("postgres: %s: %w: %w", op, store.ErrUnavailable, err)
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
