package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"example.com/tasks/impl/domain"
	"example.com/tasks/impl/store"
)

var _ domain.TaskStore = (*DB)(nil)

// Ids are canonical lowercase UUID strings, which sort as their bytes do.
const taskColumns = `id, owner, title, description, status, version, created_at, updated_at`

func (d *DB) CreateTask(ctx context.Context, t domain.Task) (domain.Task, error) {
	t.Version = 1
	t.CreatedAt, t.UpdatedAt = store.Timestamp(t.CreatedAt), store.Timestamp(t.UpdatedAt)
	_, err := d.db.ExecContext(ctx,
		`INSERT INTO tasks (`+taskColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		t.ID.String(), t.Owner, t.Title, t.Description, t.Status, t.Version, fromTime(t.CreatedAt), fromTime(t.UpdatedAt))
	if err != nil {
		return domain.Task{}, wrap("create task", err)
	}
	return t, nil
}

func (d *DB) GetTask(ctx context.Context, owner string, id uuid.UUID) (domain.Task, error) {
	row := d.db.QueryRowContext(ctx, `SELECT `+taskColumns+` FROM tasks WHERE owner = ? AND id = ?`, owner, id.String())
	t, err := scanTask(row)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Task{}, domain.ErrNotFound
	}
	if err != nil {
		return domain.Task{}, wrap("get task", err)
	}
	return t, nil
}

func (d *DB) UpdateTask(ctx context.Context, owner string, t domain.Task, match int64) (domain.Task, error) {
	// One statement checks the owner and the version and writes: no other
	// writer can slip in between.
	row := d.db.QueryRowContext(ctx, `
		UPDATE tasks SET title = ?, description = ?, status = ?, updated_at = ?, version = version + 1
		WHERE owner = ? AND id = ? AND (? = 0 OR version = ?)
		RETURNING `+taskColumns,
		t.Title, t.Description, t.Status, fromTime(t.UpdatedAt), owner, t.ID.String(), match, match)
	got, err := scanTask(row)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Task{}, store.WhyNoRow(match, d.taskExists(ctx, owner, t.ID))
	}
	if err != nil {
		return domain.Task{}, wrap("update task", err)
	}
	return got, nil
}

func (d *DB) DeleteTask(ctx context.Context, owner string, id uuid.UUID, match int64) error {
	res, err := d.db.ExecContext(ctx, `DELETE FROM tasks WHERE owner = ? AND id = ? AND (? = 0 OR version = ?)`,
		owner, id.String(), match, match)
	if err != nil {
		return wrap("delete task", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return wrap("delete task", err)
	} else if n == 0 {
		return store.WhyNoRow(match, d.taskExists(ctx, owner, id))
	}
	return nil
}

func (d *DB) taskExists(ctx context.Context, owner string, id uuid.UUID) func() (bool, error) {
	return func() (bool, error) {
		return d.exists(ctx, `SELECT 1 FROM tasks WHERE owner = ? AND id = ?`, owner, id.String())
	}
}

func (d *DB) ListTasks(ctx context.Context, owner string, after *domain.Key, limit int) ([]domain.Task, bool, error) {
	var rows *sql.Rows
	var err error
	// One more than asked tells whether more follow.
	if after == nil {
		rows, err = d.db.QueryContext(ctx, `SELECT `+taskColumns+` FROM tasks WHERE owner = ?
			ORDER BY created_at, id LIMIT ?`, owner, limit+1)
	} else {
		rows, err = d.db.QueryContext(ctx, `SELECT `+taskColumns+` FROM tasks WHERE owner = ? AND (created_at, id) > (?, ?)
			ORDER BY created_at, id LIMIT ?`, owner, fromTime(after.CreatedAt), after.ID.String(), limit+1)
	}
	if err != nil {
		return nil, false, wrap("list tasks", err)
	}
	defer rows.Close()
	tasks := make([]domain.Task, 0, limit)
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, false, wrap("list tasks", err)
		}
		tasks = append(tasks, t)
	}
	if err := rows.Err(); err != nil {
		return nil, false, wrap("list tasks", err)
	}
	tasks, more := store.Page(tasks, limit)
	return tasks, more, nil
}

func scanTask(row interface{ Scan(...any) error }) (domain.Task, error) {
	var t domain.Task
	var id string
	var created, updated int64
	if err := row.Scan(&id, &t.Owner, &t.Title, &t.Description, &t.Status, &t.Version, &created, &updated); err != nil {
		return domain.Task{}, err
	}
	var err error
	if t.ID, err = uuid.Parse(id); err != nil {
		return domain.Task{}, fmt.Errorf("stored id %q: %w", id, err)
	}
	t.CreatedAt, t.UpdatedAt = toTime(created), toTime(updated)
	return t, nil
}
