package main

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/google/uuid"

	"example.com/tasks/impl/domain"
)

// mapStore is a domain.TaskStore that keeps tasks in a Go map: the store of
// the bare-chi-map stack, the reference with no database at all, so that
// what a database costs shows in the tables. It keeps the store contract
// (impl/domain's doc) in the plainest way: one lock, each owner's keys in a
// sorted slice for the pages.
type mapStore struct {
	mu    sync.RWMutex
	tasks map[uuid.UUID]domain.Task
	// keys holds each owner's keys in Key order: a page is a binary search
	// for its start and a slice of the rows after it.
	keys map[string][]domain.Key
}

var _ domain.TaskStore = (*mapStore)(nil)

func newMapStore() *mapStore {
	return &mapStore{tasks: map[uuid.UUID]domain.Task{}, keys: map[string][]domain.Key{}}
}

func (m *mapStore) CreateTask(_ context.Context, t domain.Task) (domain.Task, error) {
	t.Version = 1
	t.CreatedAt, t.UpdatedAt = domain.Timestamp(t.CreatedAt), domain.Timestamp(t.UpdatedAt)
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.tasks[t.ID]; ok {
		return domain.Task{}, fmt.Errorf("mapstore: task %s exists", t.ID)
	}
	m.tasks[t.ID] = t
	// New tasks are the newest: the insertion point is almost always the end.
	keys := m.keys[t.Owner]
	i, _ := slices.BinarySearchFunc(keys, t.Key(), domain.Key.Compare)
	m.keys[t.Owner] = slices.Insert(keys, i, t.Key())
	return t, nil
}

func (m *mapStore) GetTask(_ context.Context, owner string, id uuid.UUID) (domain.Task, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.owned(owner, id)
}

// owned returns owner's task id, or domain.ErrNotFound; m.mu is held.
func (m *mapStore) owned(owner string, id uuid.UUID) (domain.Task, error) {
	t, ok := m.tasks[id]
	if !ok || t.Owner != owner {
		return domain.Task{}, domain.ErrNotFound
	}
	return t, nil
}

func (m *mapStore) UpdateTask(_ context.Context, owner string, t domain.Task, match int64) (domain.Task, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, err := m.owned(owner, t.ID)
	if err != nil {
		return domain.Task{}, err
	}
	if match != domain.AnyVersion && cur.Version != match {
		return domain.Task{}, domain.ErrVersionMismatch
	}
	cur.Title, cur.Description, cur.Status = t.Title, t.Description, t.Status
	cur.UpdatedAt = domain.Timestamp(t.UpdatedAt)
	cur.Version++
	m.tasks[cur.ID] = cur
	return cur, nil
}

func (m *mapStore) DeleteTask(_ context.Context, owner string, id uuid.UUID, match int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, err := m.owned(owner, id)
	if err != nil {
		return err
	}
	if match != domain.AnyVersion && cur.Version != match {
		return domain.ErrVersionMismatch
	}
	delete(m.tasks, id)
	keys := m.keys[owner]
	if i, ok := slices.BinarySearchFunc(keys, cur.Key(), domain.Key.Compare); ok {
		m.keys[owner] = slices.Delete(keys, i, i+1)
	}
	return nil
}

func (m *mapStore) ListTasks(_ context.Context, owner string, after *domain.Key, limit int) ([]domain.Task, bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	keys := m.keys[owner]
	start := 0
	if after != nil {
		i, found := slices.BinarySearchFunc(keys, *after, domain.Key.Compare)
		if found {
			i++ // after the key, not at it
		}
		start = i
	}
	end := min(start+limit, len(keys))
	tasks := make([]domain.Task, 0, end-start)
	for _, k := range keys[start:end] {
		tasks = append(tasks, m.tasks[k.ID])
	}
	return tasks, end < len(keys), nil
}
