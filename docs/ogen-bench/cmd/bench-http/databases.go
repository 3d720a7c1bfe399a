package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"example.com/tasks/impl/store/postgres/pgtest"
)

// databases are the databases -dbs may name, in the tables' order.
var databases = []string{"memory", "sqlite", "postgres"}

// parseDBs reads -dbs: names of databases, comma-separated, returned in the
// order of databases.
func parseDBs(list string) ([]string, error) {
	var dbs []string
	for name := range strings.SplitSeq(list, ",") {
		name = strings.TrimSpace(name)
		if !slices.Contains(databases, name) {
			return nil, fmt.Errorf("-dbs: unknown database %q: want some of %s", name, strings.Join(databases, ", "))
		}
		dbs = append(dbs, name)
	}
	return slices.DeleteFunc(slices.Clone(databases), func(d string) bool { return !slices.Contains(dbs, d) }), nil
}

// databaseSet gives each server of a round a fresh database, so that no
// server finds the rows of another, or of an earlier round, in its tables:
// memory: is new in every process; a SQLite file is new in the round's
// folder; a PostgreSQL database is created on the run's one server.
type databaseSet struct {
	dir      string // the run's temporary folder
	roundDir string // the current round's folder: SQLite files, access logs
	round    int
	// pg is the run's PostgreSQL server, nil if postgres is not in -dbs or
	// did not start; pgErr says why it did not.
	pg      *pgtest.Server
	pgErr   error
	created []string // this round's PostgreSQL databases
}

// openDatabases prepares the databases of dbs in dir: for postgres, starts
// the server. A server that cannot start (no binaries) is not an error:
// pgErr keeps the reason, which the report prints in place of the rows.
func openDatabases(dbs []string, dir string) (*databaseSet, error) {
	d := &databaseSet{dir: dir}
	if slices.Contains(dbs, "postgres") {
		fmt.Fprintln(os.Stderr, "starting PostgreSQL (impl/store/postgres/pgtest)")
		d.pg, d.pgErr = pgtest.Start()
	}
	return d, d.newRound()
}

func (d *databaseSet) newRound() error {
	d.round++
	d.roundDir = filepath.Join(d.dir, fmt.Sprintf("round-%d", d.round))
	return os.Mkdir(d.roundDir, 0o755)
}

// fresh returns the URL of a new, empty database of kind db ("" for none),
// named name (unique in the round).
func (d *databaseSet) fresh(db, name string) (string, error) {
	switch db {
	case "":
		return "", nil
	case "memory":
		return "memory:", nil
	case "sqlite":
		return "sqlite:" + filepath.Join(d.roundDir, name+".db"), nil
	case "postgres":
		if d.pg == nil {
			return "", fmt.Errorf("postgres did not start: %w", d.pgErr)
		}
		if err := d.pgExec("CREATE DATABASE " + pgx.Identifier{name}.Sanitize()); err != nil {
			return "", err
		}
		d.created = append(d.created, name)
		u, err := url.Parse(d.pg.URL())
		if err != nil {
			return "", err
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	return "", fmt.Errorf("unknown database %q", db)
}

// endRound removes the round's databases, once its servers have stopped,
// and prepares the next round's folder.
func (d *databaseSet) endRound() error {
	var errs []error
	for _, name := range d.created {
		// FORCE: a stopped server's sessions may not have ended yet.
		errs = append(errs, d.pgExec("DROP DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"))
	}
	d.created = nil
	errs = append(errs, os.RemoveAll(d.roundDir), d.newRound())
	return errors.Join(errs...)
}

// pgExec runs one statement on the PostgreSQL server's postgres database.
func (d *databaseSet) pgExec(sql string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, d.pg.URL())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// close stops the PostgreSQL server and removes its folder.
func (d *databaseSet) close() {
	if d.pg != nil {
		if err := d.pg.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "bench-http:", err)
		}
		d.pg = nil
	}
}
