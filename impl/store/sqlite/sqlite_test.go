package sqlite_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"example.com/tasks/impl/store"
	"example.com/tasks/impl/store/sqlite"
	"example.com/tasks/impl/store/storetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func open(t *testing.T, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	t.Parallel()
	s := open(t, filepath.Join(t.TempDir(), "tasks.db"))
	t.Cleanup(func() { s.Close() })
	storetest.Run(t, func(*testing.T) store.Store { return s })
}

func TestPersistence(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "tasks.db")
	storetest.RunPersistence(t, func(t *testing.T) (store.Store, func() error) {
		s := open(t, path)
		return s, s.Close
	})
}

func TestOpenRefusesBadPaths(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"", filepath.Join(t.TempDir(), "no-such-folder", "tasks.db"), "tasks.db?mode=ro"} {
		if s, err := sqlite.Open(context.Background(), path, quiet); err == nil {
			s.Close()
			t.Errorf("Open(%q) succeeded, want an error", path)
		}
	}
}

// TestWAL: the database runs in write-ahead-log mode, which keeps a -wal
// file beside the database while it is open.
func TestWAL(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "tasks.db")
	s := open(t, path)
	defer s.Close()
	if _, err := os.Stat(path + "-wal"); err != nil {
		t.Errorf("no write-ahead log beside the database: %v", err)
	}
}
