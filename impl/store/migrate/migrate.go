// Package migrate applies an engine's embedded schema migrations with goose.
//
// goose, rather than golang-migrate, because its Provider API takes the
// *sql.DB and fs.FS it is given and keeps no global state, its SQL files
// hold the up and down steps together, and it ships a PostgreSQL advisory
// lock, so that two instances starting at once do not migrate twice.
package migrate

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/pressly/goose/v3"
)

// Up applies the pending migrations in fsys's folder "migrations" (files
// named NNNNN_name.sql, applied in that order) and logs each one it applied
// as "migration applied" with the engine's name.
func Up(ctx context.Context, engine string, dialect goose.Dialect, db *sql.DB, fsys fs.FS, logger *slog.Logger, opts ...goose.ProviderOption) error {
	dir, err := fs.Sub(fsys, "migrations")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	p, err := goose.NewProvider(dialect, db, dir, append(opts, goose.WithDisableGlobalRegistry(true))...)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	results, err := p.Up(ctx)
	for _, r := range results {
		logger.Info("migration applied", "db", engine, "migration", r.Source.Path)
	}
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}
