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
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
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

// Each runs test once per engine, as parallel subtests named after them.
// Share each engine's database between the cases of one call and keep them
// apart by owner. PostgreSQL is one server for the whole test binary when
// the package's TestMain calls Main, else one server per call of Each.
func Each(t *testing.T, test func(t *testing.T, e Engine)) {
	engines := []struct {
		name       string
		persistent bool
		url        func(t testing.TB) string
	}{
		{"memory", false, func(testing.TB) string { return "memory:" }},
		{"sqlite", true, func(t testing.TB) string { return "sqlite:" + filepath.Join(t.TempDir(), "test.db") }},
		{"postgres", true, postgresURL},
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

// shared is the PostgreSQL server of a test binary whose TestMain calls Main,
// started by the first test that needs it.
var shared struct {
	main   bool // Main is running the tests
	once   sync.Once
	server *pgtest.Server
	err    error
}

// Main runs a package's tests with one PostgreSQL server for all of them,
// started on first use and removed when they end, so that tests can call
// Each many times (go test -count=200) at the cost of one server:
//
//	func TestMain(m *testing.M) { storetest.Main(m) }
func Main(m *testing.M) {
	shared.main = true
	code := m.Run()
	if shared.server != nil {
		if err := shared.server.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "storetest:", err)
		}
	}
	os.Exit(code)
}

// Bench runs bench once per engine, as sub-benchmarks named after them,
// each on a new database (PostgreSQL's server shared as with Each).
func Bench(b *testing.B, bench func(b *testing.B, db backend.DB)) {
	for _, e := range []struct {
		name string
		url  func(tb testing.TB) string
	}{
		{"memory", func(testing.TB) string { return "memory:" }},
		{"sqlite", func(tb testing.TB) string { return "sqlite:" + filepath.Join(tb.TempDir(), "bench.db") }},
		{"postgres", postgresURL},
	} {
		b.Run(e.name, func(b *testing.B) {
			db, err := backend.Open(context.Background(), e.url(b), quiet)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			bench(b, db)
		})
	}
}

func postgresURL(t testing.TB) string {
	if !shared.main {
		return pgtest.New(t).URL()
	}
	shared.once.Do(func() { shared.server, shared.err = pgtest.Start() })
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.server.URL()
}

// Down returns a database that cannot be reached: every call fails with an
// error wrapping domain.ErrUnavailable whose text says "connection refused",
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
