package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"example.com/tasks/impl/domain"
	"example.com/tasks/impl/store/storetest"
)

// TestReadAfterWrite: a read made right after a write returns, on whatever
// connection of the pool it runs (SQLite's readers are not its writer),
// sees the write. 16 writers at once, each reading back every step of its
// own rows: create, update, delete.
func TestReadAfterWrite(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, e storetest.Engine) {
		s := e.Open(t)
		ctx := context.Background()
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				owner := "owner-" + uuid.NewString()
				for i := range 25 {
					now := time.Now()
					created, err := s.CreateTask(ctx, domain.Task{
						Record: domain.Record{ID: uuid.New(), Owner: owner, CreatedAt: now, UpdatedAt: now},
						Title:  "written", Status: "todo",
					})
					if err != nil {
						t.Error(err)
						return
					}
					if got, err := s.GetTask(ctx, owner, created.ID); err != nil || got.Version != 1 {
						t.Errorf("step %d: get right after create: %+v, %v", i, got, err)
						return
					}
					if page, _, err := s.ListTasks(ctx, owner, nil, 100); err != nil || len(page) != 1 || page[0].ID != created.ID {
						t.Errorf("step %d: list right after create: %d rows, %v; want the one created", i, len(page), err)
						return
					}
					created.Title = "rewritten"
					if _, err := s.UpdateTask(ctx, owner, created, created.Version); err != nil {
						t.Error(err)
						return
					}
					if got, err := s.GetTask(ctx, owner, created.ID); err != nil || got.Version != 2 || got.Title != "rewritten" {
						t.Errorf("step %d: get right after update: %+v, %v; want version 2", i, got, err)
						return
					}
					if err := s.DeleteTask(ctx, owner, created.ID, domain.AnyVersion); err != nil {
						t.Error(err)
						return
					}
					if _, err := s.GetTask(ctx, owner, created.ID); !errors.Is(err, domain.ErrNotFound) {
						t.Errorf("step %d: get right after delete: %v, want ErrNotFound", i, err)
						return
					}
				}
			})
		}
		wg.Wait()
	})
}
