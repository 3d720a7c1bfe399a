// Package storetest runs store tests against every engine, so that the
// engines cannot drift apart: SQLite, in memory and in a file, and PostgreSQL
// (a throwaway server from pgtest, which needs the server binaries). A
// resource's store test (impl/store/tasks_test.go) calls Each; adding a
// resource adds a test file and edits none.
package storetest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"example.com/tasks/impl/store/backend"
	"example.com/tasks/impl/store/postgres/pgtest"
	"example.com/tasks/impl/store/sqlite"
)

// Engine is one database engine under test.
type Engine struct {
	Name string
	// Persistent is false for the in-memory engine, whose every Open
	// returns a new, empty database.
	Persistent bool
	// Open opens the engine's test database, migrated. Each call opens the
	// same database anew (if Persistent), so that data written through one
	// handle can be read through the next. Cleanup closes it.
	Open func(t *testing.T) backend.DB
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// Each runs test once per engine, as parallel subtests named after them. A
// PostgreSQL server is started for the call and removed after it: call Each
// once per test function and share its database between cases (keep them
// apart by owner).
func Each(t *testing.T, test func(t *testing.T, e Engine)) {
	engines := []struct {
		name       string
		persistent bool
		url        func(t *testing.T) string
	}{
		{"memory", false, func(*testing.T) string { return "memory:" }},
		{"sqlite", true, func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "test.db") }},
		{"postgres", true, func(t *testing.T) string { return pgtest.New(t).URL() }},
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			t.Parallel()
			url := e.url(t)
			test(t, Engine{Name: e.name, Persistent: e.persistent, Open: func(t *testing.T) backend.DB {
				t.Helper()
				db, err := backend.Open(context.Background(), url, quiet)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db.Close() })
				return db
			}})
		})
	}
}

// Down returns a database that cannot be reached: every call fails with an
// error wrapping store.ErrUnavailable whose text says "connection refused",
// as a database that is down does. It implements every store interface,
// whatever resources there are. Cleanup closes it.
func Down(tb testing.TB) backend.DB {
	db := sqlite.New(sql.OpenDB(downConnector{}))
	tb.Cleanup(func() { db.Close() })
	return db
}

type downConnector struct{}

func (downConnector) Connect(context.Context) (driver.Conn, error) {
	return nil, errors.Join(errors.New("dial tcp 127.0.0.1:5432: connection refused"), driver.ErrBadConn)
}

func (downConnector) Driver() driver.Driver { return nil }
