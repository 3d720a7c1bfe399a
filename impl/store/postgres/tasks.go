package postgres

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"example.com/tasks/impl/domain"
	"example.com/tasks/impl/store"
)

var _ domain.TaskStore = (*DB)(nil)

const taskColumns = `id, owner, title, description, status, version, created_at, updated_at`

func (d *DB) CreateTask(ctx context.Context, t domain.Task) (domain.Task, error) {
	t.Version = 1
	t.CreatedAt, t.UpdatedAt = store.Timestamp(t.CreatedAt), store.Timestamp(t.UpdatedAt)
	_, err := d.pool.Exec(ctx,
		`INSERT INTO tasks (`+taskColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		t.ID, t.Owner, t.Title, t.Description, t.Status, t.Version, t.CreatedAt, t.UpdatedAt)
	if err != nil {
		return domain.Task{}, wrap("create task", err)
	}
	return t, nil
}

func (d *DB) GetTask(ctx context.Context, owner string, id uuid.UUID) (domain.Task, error) {
	t, err := scanTask(d.pool.QueryRow(ctx, `SELECT `+taskColumns+` FROM tasks WHERE owner = $1 AND id = $2`, owner, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Task{}, domain.ErrNotFound
	}
	if err != nil {
		return domain.Task{}, wrap("get task", err)
	}
	return t, nil
}

func (d *DB) UpdateTask(ctx context.Context, owner string, t domain.Task, match int64) (domain.Task, error) {
	// One statement checks the owner and the version and writes. Under READ
	// COMMITTED a concurrent writer waits for the row lock, then re-checks
	// the version against the row as committed: only one of them matches.
	got, err := scanTask(d.pool.QueryRow(ctx, `
		UPDATE tasks SET title = $3, description = $4, status = $5, updated_at = $6, version = version + 1
		WHERE owner = $1 AND id = $2 AND ($7::bigint = 0 OR version = $7)
		RETURNING `+taskColumns,
		owner, t.ID, t.Title, t.Description, t.Status, store.Timestamp(t.UpdatedAt), match))
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Task{}, store.WhyNoRow(match, d.taskExists(ctx, owner, t.ID))
	}
	if err != nil {
		return domain.Task{}, wrap("update task", err)
	}
	return got, nil
}

func (d *DB) DeleteTask(ctx context.Context, owner string, id uuid.UUID, match int64) error {
	tag, err := d.pool.Exec(ctx, `DELETE FROM tasks WHERE owner = $1 AND id = $2 AND ($3::bigint = 0 OR version = $3)`,
		owner, id, match)
	if err != nil {
		return wrap("delete task", err)
	}
	if tag.RowsAffected() == 0 {
		return store.WhyNoRow(match, d.taskExists(ctx, owner, id))
	}
	return nil
}

func (d *DB) taskExists(ctx context.Context, owner string, id uuid.UUID) func() (bool, error) {
	return func() (bool, error) {
		return d.exists(ctx, `SELECT 1 FROM tasks WHERE owner = $1 AND id = $2`, owner, id)
	}
}

func (d *DB) ListTasks(ctx context.Context, owner string, after *domain.Key, limit int) ([]domain.Task, bool, error) {
	var rows pgx.Rows
	var err error
	// One more than asked tells whether more follow.
	if after == nil {
		rows, err = d.pool.Query(ctx, `SELECT `+taskColumns+` FROM tasks WHERE owner = $1
			ORDER BY created_at, id LIMIT $2`, owner, limit+1)
	} else {
		rows, err = d.pool.Query(ctx, `SELECT `+taskColumns+` FROM tasks WHERE owner = $1 AND (created_at, id) > ($2, $3)
			ORDER BY created_at, id LIMIT $4`, owner, after.CreatedAt, after.ID, limit+1)
	}
	if err != nil {
		return nil, false, wrap("list tasks", err)
	}
	tasks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Task, error) { return scanTask(r) })
	if err != nil {
		return nil, false, wrap("list tasks", err)
	}
	tasks, more := store.Page(tasks, limit)
	return tasks, more, nil
}

func scanTask(row pgx.Row) (domain.Task, error) {
	var t domain.Task
	err := row.Scan(&t.ID, &t.Owner, &t.Title, &t.Description, &t.Status, &t.Version, &t.CreatedAt, &t.UpdatedAt)
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	return t, err
}
