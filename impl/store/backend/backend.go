// Package backend opens the store that a --db URL names:
//
//	memory:                       in the process; lost on exit (tests, demos)
//	sqlite:PATH                   a SQLite file, e.g. sqlite:data/app.db
//	postgres://user:pw@host/db    PostgreSQL (also postgresql://), shared by instances
//
// Opening a database applies its pending schema migrations.
package backend

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"example.com/tasks/impl/store"
	"example.com/tasks/impl/store/postgres"
	"example.com/tasks/impl/store/sqlite"
)

// Forms lists the accepted URL forms, for error and help messages.
const Forms = "memory:, sqlite:PATH or postgres://…"

// Open opens the store url names, migrated to the current schema, and
// returns it with the function that closes it. A database that cannot be
// opened or reached is an error: there is no fallback.
func Open(ctx context.Context, url string, logger *slog.Logger) (store.Store, func() error, error) {
	switch {
	case url == "memory:":
		logger.Warn("tasks are kept in memory and lost when the server stops", "db", "memory")
		return store.NewMemory(), func() error { return nil }, nil
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(url, "sqlite:")
		s, err := sqlite.Open(ctx, path, logger)
		if err != nil {
			return nil, nil, err
		}
		logger.Info("database opened", "db", "sqlite", "path", path)
		return s, s.Close, nil
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		s, err := postgres.Open(ctx, url, logger)
		if err != nil {
			return nil, nil, err
		}
		logger.Info("database opened", "db", "postgres") // the URL may hold a password
		return s, s.Close, nil
	case url == "":
		return nil, nil, errors.New("no database: want " + Forms)
	}
	scheme, _, _ := strings.Cut(url, ":") // never the rest: it may hold a password
	return nil, nil, fmt.Errorf("unsupported database %q: want %s", scheme+":…", Forms)
}

// Migrate applies the pending migrations of the database url names, then
// closes it.
func Migrate(ctx context.Context, url string, logger *slog.Logger) error {
	_, closeFn, err := Open(ctx, url, logger)
	if err != nil {
		return err
	}
	return closeFn()
}
