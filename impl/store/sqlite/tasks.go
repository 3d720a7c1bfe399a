package sqlite

import (
	"context"

	"github.com/google/uuid"

	"example.com/tasks/impl/domain"
)

var _ domain.TaskStore = (*DB)(nil)

// tasks is the tasks table (migrations/00001_create_tasks.sql).
var tasks = table[domain.Task, *domain.Task]{
	name:    "tasks",
	columns: []string{"title", "description", "status"},
	values:  func(t *domain.Task) []any { return []any{t.Title, t.Description, t.Status} },
	scan:    func(t *domain.Task) []any { return []any{&t.Title, &t.Description, &t.Status} },
}

func (d *DB) CreateTask(ctx context.Context, t domain.Task) (domain.Task, error) {
	return tasks.create(ctx, d, t)
}

func (d *DB) GetTask(ctx context.Context, owner string, id uuid.UUID) (domain.Task, error) {
	return tasks.get(ctx, d, owner, uuid.Nil, id)
}

func (d *DB) UpdateTask(ctx context.Context, owner string, t domain.Task, match int64) (domain.Task, error) {
	return tasks.update(ctx, d, owner, t, match)
}

func (d *DB) DeleteTask(ctx context.Context, owner string, id uuid.UUID, match int64) error {
	return tasks.delete(ctx, d, owner, uuid.Nil, id, match)
}

func (d *DB) ListTasks(ctx context.Context, owner string, after *domain.Key, limit int) ([]domain.Task, bool, error) {
	return tasks.list(ctx, d, owner, uuid.Nil, after, limit)
}
