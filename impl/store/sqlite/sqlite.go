// Package sqlite is a store.Store in a SQLite file, through the pure-Go
// modernc.org/sqlite driver: no C toolchain, nothing to install. It is the
// default for one machine; the schema is migrated when the store opens.
//
// Queries are hand-written here, one per operation, rather than generated
// with sqlc: there are five, and the owner check sits in each WHERE clause
// where a reader can see it.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

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

// Store keeps tasks in a SQLite database file.
type Store struct {
	db *sql.DB
}

var _ store.Store = (*Store)(nil)

// Open opens (creating it if needed) the database file at path, applies
// pending migrations and returns the store. The file's folder must exist.
func Open(ctx context.Context, path string, logger *slog.Logger) (*Store, error) {
	if path == "" || strings.ContainsAny(path, "?#") {
		return nil, fmt.Errorf("sqlite: %q is not a usable file path", path)
	}
	db, err := sql.Open("sqlite", path+"?"+pragmas)
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	applied, err := migrate.Up(ctx, goose.DialectSQLite3, db, mustSub(migrations, "migrations"))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	for _, m := range applied {
		logger.Info("migration applied", "db", "sqlite", "migration", m)
	}
	return &Store{db: db}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

const columns = `id, owner, title, description, status, version, created_at, updated_at`

func (s *Store) Create(ctx context.Context, t store.Task) (store.Task, error) {
	t.Version = 1
	t.CreatedAt, t.UpdatedAt = toTime(fromTime(t.CreatedAt)), toTime(fromTime(t.UpdatedAt))
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO tasks (`+columns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID.String(), t.Owner, t.Title, t.Description, t.Status, t.Version, fromTime(t.CreatedAt), fromTime(t.UpdatedAt))
	if err != nil {
		return store.Task{}, wrap("create", err)
	}
	return t, nil
}

func (s *Store) Get(ctx context.Context, owner string, id uuid.UUID) (store.Task, error) {
	row := s.db.QueryRowContext(ctx, `SELECT `+columns+` FROM tasks WHERE owner = ? AND id = ?`, owner, id.String())
	t, err := scan(row)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Task{}, store.ErrNotFound
	}
	if err != nil {
		return store.Task{}, wrap("get", err)
	}
	return t, nil
}

func (s *Store) Update(ctx context.Context, owner string, t store.Task, match int64) (store.Task, error) {
	// One statement checks the owner and the version and writes: no other
	// writer can slip in between.
	row := s.db.QueryRowContext(ctx, `
		UPDATE tasks SET title = ?, description = ?, status = ?, updated_at = ?, version = version + 1
		WHERE owner = ? AND id = ? AND (? = 0 OR version = ?)
		RETURNING `+columns,
		t.Title, t.Description, t.Status, fromTime(t.UpdatedAt), owner, t.ID.String(), match, match)
	got, err := scan(row)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Task{}, s.whyNoRow(ctx, owner, t.ID, match)
	}
	if err != nil {
		return store.Task{}, wrap("update", err)
	}
	return got, nil
}

func (s *Store) Delete(ctx context.Context, owner string, id uuid.UUID, match int64) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM tasks WHERE owner = ? AND id = ? AND (? = 0 OR version = ?)`,
		owner, id.String(), match, match)
	if err != nil {
		return wrap("delete", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return wrap("delete", err)
	} else if n == 0 {
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
	err := s.db.QueryRowContext(ctx, `SELECT 1 FROM tasks WHERE owner = ? AND id = ?`, owner, id.String()).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return store.ErrNotFound
	case err != nil:
		return wrap("check version", err)
	}
	return store.ErrVersionMismatch
}

func (s *Store) List(ctx context.Context, owner string, after *store.Key, limit int) ([]store.Task, bool, error) {
	var rows *sql.Rows
	var err error
	// One more than asked tells whether more follow.
	if after == nil {
		rows, err = s.db.QueryContext(ctx, `SELECT `+columns+` FROM tasks WHERE owner = ?
			ORDER BY created_at, id LIMIT ?`, owner, limit+1)
	} else {
		rows, err = s.db.QueryContext(ctx, `SELECT `+columns+` FROM tasks WHERE owner = ? AND (created_at, id) > (?, ?)
			ORDER BY created_at, id LIMIT ?`, owner, fromTime(after.CreatedAt), after.ID.String(), limit+1)
	}
	if err != nil {
		return nil, false, wrap("list", err)
	}
	defer rows.Close()
	tasks := make([]store.Task, 0, limit)
	for rows.Next() {
		t, err := scan(rows)
		if err != nil {
			return nil, false, wrap("list", err)
		}
		tasks = append(tasks, t)
	}
	if err := rows.Err(); err != nil {
		return nil, false, wrap("list", err)
	}
	if len(tasks) > limit {
		return tasks[:limit], true, nil
	}
	return tasks, false, nil
}

func scan(row interface{ Scan(...any) error }) (store.Task, error) {
	var t store.Task
	var id string
	var created, updated int64
	if err := row.Scan(&id, &t.Owner, &t.Title, &t.Description, &t.Status, &t.Version, &created, &updated); err != nil {
		return store.Task{}, err
	}
	var err error
	if t.ID, err = uuid.Parse(id); err != nil {
		return store.Task{}, fmt.Errorf("stored id %q: %w", id, err)
	}
	t.CreatedAt, t.UpdatedAt = toTime(created), toTime(updated)
	return t, nil
}

func fromTime(t time.Time) int64 { return t.UnixMicro() }
func toTime(us int64) time.Time  { return time.UnixMicro(us).UTC() }

// wrap marks a locked or busy database (the busy timeout ran out) as
// unavailable: the client may retry.
func wrap(op string, err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff { // the primary code of an extended one
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return fmt.Errorf("sqlite: %s: %w: %w", op, store.ErrUnavailable, err)
		}
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// mustSub returns the embedded migrations folder; it exists at compile time.
func mustSub(fsys embed.FS, dir string) fs.FS {
	sub, err := fs.Sub(fsys, dir)
	if err != nil {
		panic(err)
	}
	return sub
}
