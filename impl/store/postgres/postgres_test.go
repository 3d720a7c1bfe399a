package postgres_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"

	"example.com/tasks/impl/store/postgres"
	"example.com/tasks/impl/store/postgres/pgtest"
)

// server is one PostgreSQL for the whole test binary: starting one takes
// seconds, and the cases keep apart by owner.
var server *pgtest.Server

func TestMain(m *testing.M) {
	var err error
	server, err = pgtest.Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	if err := server.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestOpenRefusesBadURLs(t *testing.T) {
	t.Parallel()
	for _, url := range []string{
		"postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2", // nothing listens on port 1
		"postgres://postgres:s3cret@127.0.0.1:%zz/postgres",
		server.URL() + "&pool_max_conns=zero",
	} {
		if s, err := postgres.Open(context.Background(), url, quiet); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded, want an error", url)
		} else if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}
