// Package backend opens the database that a --db URL names:
//
//	memory:                       SQLite in the process's memory; lost on exit (tests, demos)
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

	"example.com/tasks/impl/domain"
	"example.com/tasks/impl/store"
	"example.com/tasks/impl/store/postgres"
	"example.com/tasks/impl/store/sqlite"
)

// Forms lists the accepted URL forms, for error and help messages.
const Forms = "memory:, sqlite:PATH or postgres://…"

// DB is an open database: an engine's DB (*sqlite.DB, *postgres.DB). It
// embeds domain.Stores, every resource's store interface, so an engine
// that lacks a method does not compile; cmd/server hands it to impl/api.
type DB interface {
	domain.Stores

	// Ping checks that the database answers.
	Ping(ctx context.Context) error
	Close() error
}

// Open opens the database url names, migrated to the current schema. A
// database that cannot be opened or reached is an error: there is no
// fallback.
func Open(ctx context.Context, url string, logger *slog.Logger, opts ...store.Option) (DB, error) {
	switch {
	case url == "memory:":
		logger.Warn("data is kept in memory and lost when the server stops", "db", "memory")
		return sqlite.OpenMemory(ctx, logger, opts...)
	case strings.HasPrefix(url, "sqlite:"):
		path := strings.TrimPrefix(url, "sqlite:")
		db, err := sqlite.Open(ctx, path, logger, opts...)
		if err != nil {
			return nil, err
		}
		logger.Info("database opened", "db", "sqlite", "path", path)
		return db, nil
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		db, err := postgres.Open(ctx, url, logger, opts...)
		if err != nil {
			return nil, err
		}
		logger.Info("database opened", "db", "postgres") // the URL may hold a password
		return db, nil
	case url == "":
		return nil, errors.New("no database: want " + Forms)
	}
	scheme, _, _ := strings.Cut(url, ":") // never the rest: it may hold a password
	return nil, fmt.Errorf("unsupported database %q: want %s", scheme+":…", Forms)
}

// Migrate applies the pending migrations of the database url names, then
// closes it.
func Migrate(ctx context.Context, url string, logger *slog.Logger) error {
	db, err := Open(ctx, url, logger)
	if err != nil {
		return err
	}
	return db.Close()
}
