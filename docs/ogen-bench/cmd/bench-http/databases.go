package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// databases are the databases -dbs may name, in the tables' order;
// postgres.go adds "postgres".
var databases = []string{"memory", "sqlite"}

// postgresServer is the run's PostgreSQL server; startPostgres starts one
// (postgres.go sets it).
type postgresServer interface {
	// create makes an empty database and returns its URL.
	create(name string) (string, error)
	drop(name string) error
	close() error
}

var startPostgres func() (postgresServer, error)

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
	pg      postgresServer
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
		d.pg, d.pgErr = startPostgres()
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
		url, err := d.pg.create(name)
		if err != nil {
			return "", err
		}
		d.created = append(d.created, name)
		return url, nil
	}
	return "", fmt.Errorf("unknown database %q", db)
}

// endRound removes the round's databases, once its servers have stopped,
// and prepares the next round's folder.
func (d *databaseSet) endRound() error {
	var errs []error
	for _, name := range d.created {
		errs = append(errs, d.pg.drop(name))
	}
	d.created = nil
	errs = append(errs, os.RemoveAll(d.roundDir), d.newRound())
	return errors.Join(errs...)
}

// close stops the PostgreSQL server and removes its folder.
func (d *databaseSet) close() {
	if d.pg != nil {
		if err := d.pg.close(); err != nil {
			fmt.Fprintln(os.Stderr, "bench-http:", err)
		}
		d.pg = nil
	}
}
