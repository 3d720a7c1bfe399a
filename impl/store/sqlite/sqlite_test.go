package sqlite_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"example.com/tasks/impl/domain"
	"example.com/tasks/impl/store/storetest"

	"example.com/tasks/impl/store/sqlite"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func open(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path, quiet)
	if err != nil {
		t.Fatal(err)
	}
	return s
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

// TestMemoryIsOneDatabase: every request of an in-memory database sees the
// same data, though database/sql may hand out several connections.
func TestMemoryIsOneDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := sqlite.OpenMemory(ctx, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	task := domain.Task{Record: domain.Record{ID: uuid.New(), Owner: "o", CreatedAt: time.Now(), UpdatedAt: time.Now()}, Title: "t", Status: "todo"}
	if _, err := db.CreateTask(ctx, task); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := db.GetTask(ctx, "o", task.ID); err != nil {
				t.Errorf("concurrent read: %v", err)
			}
		})
	}
	wg.Wait()
}

// TestDownIsUnavailable: a connection that cannot be made is reported as
// domain.ErrUnavailable (a 503 the client may retry), not as a failure.
func TestDownIsUnavailable(t *testing.T) {
	t.Parallel()
	db := storetest.Down(t)
	if err := db.Ping(context.Background()); !errors.Is(err, domain.ErrUnavailable) {
		t.Errorf("Ping = %v, want domain.ErrUnavailable", err)
	}
	if _, err := db.GetTask(context.Background(), "o", uuid.New()); !errors.Is(err, domain.ErrUnavailable) {
		t.Errorf("GetTask = %v, want domain.ErrUnavailable", err)
	}
}
