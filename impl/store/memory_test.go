package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"example.com/tasks/impl/store"
)

func newTask(owner string, at time.Time) store.Task {
	return store.Task{ID: uuid.New(), Owner: owner, Title: "t", Status: "todo", CreatedAt: at, UpdatedAt: at}
}

func TestMemoryOwnership(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := store.NewMemory()
	a := newTask("alice", time.Now())
	if err := m.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Get(ctx, "bob", a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("bob's Get = %v, want ErrNotFound", err)
	}
	if _, err := m.Update(ctx, "bob", a); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("bob's Update = %v, want ErrNotFound", err)
	}
	if err := m.Delete(ctx, "bob", a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("bob's Delete = %v, want ErrNotFound", err)
	}
	if got, _, _ := m.List(ctx, "bob", nil, 10); len(got) != 0 {
		t.Errorf("bob lists %d tasks", len(got))
	}
	if got, err := m.Get(ctx, "alice", a.ID); err != nil || got != a {
		t.Errorf("alice's Get = %+v, %v", got, err)
	}
}

// TestMemoryListAfterDeletedKey: a cursor stays valid when the task it points
// at is deleted, and ties in creation time are broken by id.
func TestMemoryListAfterDeletedKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := store.NewMemory()
	at := time.Now()
	for range 5 {
		tk := newTask("alice", at) // same instant: order by id
		if err := m.Create(ctx, tk); err != nil {
			t.Fatal(err)
		}
	}
	first, more, err := m.List(ctx, "alice", nil, 2)
	if err != nil || len(first) != 2 || !more {
		t.Fatalf("first page = %d tasks, more %v, %v", len(first), more, err)
	}
	if err := m.Delete(ctx, "alice", first[1].ID); err != nil {
		t.Fatal(err)
	}
	k := store.KeyOf(first[1])
	rest, more, err := m.List(ctx, "alice", &k, 10)
	if err != nil || len(rest) != 3 || more {
		t.Fatalf("rest = %d tasks, more %v, %v; want the 3 after the deleted key", len(rest), more, err)
	}
	for i := 1; i < len(rest); i++ {
		if store.KeyOf(rest[i-1]).Compare(store.KeyOf(rest[i])) >= 0 {
			t.Errorf("list out of order at %d", i)
		}
	}
}

// TestMemoryConcurrent runs writers and readers together under -race and
// checks that no write is lost.
func TestMemoryConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	m := store.NewMemory()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			owner := fmt.Sprint("user", w%2)
			for range 50 {
				tk := newTask(owner, time.Now())
				if err := m.Create(ctx, tk); err != nil {
					t.Error(err)
				}
				tk.Title = "changed"
				if _, err := m.Update(ctx, owner, tk); err != nil {
					t.Error(err)
				}
				if _, _, err := m.List(ctx, owner, nil, 5); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	for _, owner := range []string{"user0", "user1"} {
		got, more, err := m.List(ctx, owner, nil, 1000)
		if err != nil || more || len(got) != 200 {
			t.Errorf("%s has %d tasks (more %v, %v), want 200", owner, len(got), more, err)
		}
	}
}
