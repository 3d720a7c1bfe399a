package main

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"example.com/tasks/impl/domain"
)

// TestMapStore checks the map store against the store contract where the
// benchmark leans on it: owners apart, pages in Key order, each task once,
// versions on update and delete.
func TestMapStore(t *testing.T) {
	ctx := t.Context()
	m := newMapStore()
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var bobs []domain.Key
	// Created out of order, two at the same instant (then the id decides).
	for i, sec := range []int{3, 1, 2, 2, 5, 4, 0} {
		at := base.Add(time.Duration(sec) * time.Second)
		owner := "bob"
		if i == 2 {
			owner = "alice"
		}
		task, err := m.CreateTask(ctx, domain.Task{Record: domain.Record{ID: uuid.New(), Owner: owner, CreatedAt: at, UpdatedAt: at}, Title: "t"})
		if err != nil {
			t.Fatal(err)
		}
		if task.Version != 1 {
			t.Fatalf("version %d on create, want 1", task.Version)
		}
		if owner == "bob" {
			bobs = append(bobs, task.Key())
		}
	}
	slices.SortFunc(bobs, domain.Key.Compare)

	// Pages of 2 from the start hold bob's keys in order, each once.
	var got []domain.Key
	var after *domain.Key
	for {
		page, more, err := m.ListTasks(ctx, "bob", after, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, task := range page {
			got = append(got, task.Key())
		}
		if !more {
			break
		}
		k := page[len(page)-1].Key()
		after = &k
	}
	if !slices.Equal(got, bobs) {
		t.Fatalf("pages hold %v, want %v", got, bobs)
	}

	alices, _, _ := m.ListTasks(ctx, "alice", nil, 10)
	if len(alices) != 1 {
		t.Fatalf("alice has %d tasks, want 1", len(alices))
	}
	id := alices[0].ID
	if _, err := m.GetTask(ctx, "bob", id); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("bob gets alice's task: %v, want ErrNotFound", err)
	}
	upd := alices[0]
	upd.Title = "new"
	if _, err := m.UpdateTask(ctx, "alice", upd, 2); !errors.Is(err, domain.ErrVersionMismatch) {
		t.Errorf("update at version 2: %v, want ErrVersionMismatch", err)
	}
	if upd, err := m.UpdateTask(ctx, "alice", upd, 1); err != nil || upd.Version != 2 || upd.Title != "new" {
		t.Errorf("update at version 1: %+v, %v", upd, err)
	}
	if err := m.DeleteTask(ctx, "bob", id, domain.AnyVersion); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("bob deletes alice's task: %v, want ErrNotFound", err)
	}
	if err := m.DeleteTask(ctx, "alice", id, 2); err != nil {
		t.Fatal(err)
	}
	if left, more, _ := m.ListTasks(ctx, "alice", nil, 10); len(left) != 0 || more {
		t.Errorf("after delete alice lists %d tasks (more %v)", len(left), more)
	}
}
