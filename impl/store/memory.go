package store

import (
	"context"
	"slices"
	"sync"

	"github.com/google/uuid"
)

// Memory is an in-memory Store. Its data is lost when the process exits.
type Memory struct {
	mu     sync.RWMutex
	tasks  map[uuid.UUID]Task
	byUser map[string][]Key // each owner's keys, sorted
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty Memory store.
func NewMemory() *Memory {
	return &Memory{tasks: make(map[uuid.UUID]Task), byUser: make(map[string][]Key)}
}

func (m *Memory) Create(_ context.Context, t Task) (Task, error) {
	t.Version = 1
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.Truncate(Precision), t.UpdatedAt.Truncate(Precision)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tasks[t.ID] = t
	keys := m.byUser[t.Owner]
	k := KeyOf(t)
	i, _ := slices.BinarySearchFunc(keys, k, compareKeys)
	m.byUser[t.Owner] = slices.Insert(keys, i, k)
	return t, nil
}

func (m *Memory) Get(_ context.Context, owner string, id uuid.UUID) (Task, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	t, ok := m.tasks[id]
	if !ok || t.Owner != owner {
		return Task{}, ErrNotFound
	}
	return t, nil
}

func (m *Memory) Update(_ context.Context, owner string, t Task, match int64) (Task, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	old, ok := m.tasks[t.ID]
	if !ok || old.Owner != owner {
		return Task{}, ErrNotFound
	}
	if match != AnyVersion && old.Version != match {
		return Task{}, ErrVersionMismatch
	}
	t.Owner, t.CreatedAt, t.Version = old.Owner, old.CreatedAt, old.Version+1
	t.UpdatedAt = t.UpdatedAt.Truncate(Precision)
	m.tasks[t.ID] = t
	return t, nil
}

func (m *Memory) Delete(_ context.Context, owner string, id uuid.UUID, match int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tasks[id]
	if !ok || t.Owner != owner {
		return ErrNotFound
	}
	if match != AnyVersion && t.Version != match {
		return ErrVersionMismatch
	}
	delete(m.tasks, id)
	keys := m.byUser[owner]
	if i, found := slices.BinarySearchFunc(keys, KeyOf(t), compareKeys); found {
		m.byUser[owner] = slices.Delete(keys, i, i+1)
	}
	return nil
}

func (m *Memory) List(_ context.Context, owner string, after *Key, limit int) ([]Task, bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	keys := m.byUser[owner]
	start := 0
	if after != nil {
		i, found := slices.BinarySearchFunc(keys, *after, compareKeys)
		if found {
			i++
		}
		start = i
	}
	end := min(start+limit, len(keys))
	out := make([]Task, 0, end-start)
	for _, k := range keys[start:end] {
		out = append(out, m.tasks[k.ID])
	}
	return out, end < len(keys), nil
}

func compareKeys(a, b Key) int { return a.Compare(b) }
