// Package migrate applies a store's embedded schema migrations with goose.
//
// goose, rather than golang-migrate, because its Provider API takes the
// *sql.DB and embed.FS it is given and keeps no global state, its SQL files
// hold the up and down steps together, and it ships a PostgreSQL advisory
// lock, so that two instances starting at once do not migrate twice.
package migrate

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
)

// Up applies the pending migrations in fsys (files named NNNNN_name.sql)
// and returns the names of those it applied, oldest first.
func Up(ctx context.Context, dialect goose.Dialect, db *sql.DB, fsys fs.FS, opts ...goose.ProviderOption) ([]string, error) {
	p, err := goose.NewProvider(dialect, db, fsys, append(opts, goose.WithDisableGlobalRegistry(true))...)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	applied := make([]string, 0, len(results))
	for _, r := range results {
		applied = append(applied, r.Source.Path)
	}
	return applied, nil
}
