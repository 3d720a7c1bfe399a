package main

import (
	"context"
	"net/url"

	"github.com/jackc/pgx/v5"

	"example.com/tasks/impl/store/postgres/pgtest"
)

// PostgreSQL for bench-http, in a file of its own so that a fork that
// removes PostgreSQL (docs/FORKING.md) deletes this file and nothing else
// here: without it -dbs knows memory and sqlite only.
func init() {
	databases = append(databases, "postgres")
	startPostgres = func() (postgresServer, error) {
		s, err := pgtest.Start()
		if err != nil {
			return nil, err
		}
		return pgServer{s}, nil
	}
}

// pgServer is a throwaway PostgreSQL server (pgtest: initdb into a
// temporary folder, on a free port of 127.0.0.1).
type pgServer struct{ *pgtest.Server }

func (s pgServer) create(name string) (string, error) {
	if err := s.exec("CREATE DATABASE " + pgx.Identifier{name}.Sanitize()); err != nil {
		return "", err
	}
	u, err := url.Parse(s.URL())
	if err != nil {
		return "", err
	}
	u.Path = "/" + name
	return u.String(), nil
}

func (s pgServer) drop(name string) error {
	// FORCE: a stopped server's sessions may not have ended yet.
	return s.exec("DROP DATABASE " + pgx.Identifier{name}.Sanitize() + " WITH (FORCE)")
}

func (s pgServer) close() error { return s.Close() }

// exec runs one statement on the server's postgres database.
func (s pgServer) exec(sql string) error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, s.URL())
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}
