package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"example.com/tasks/impl/domain"
	"example.com/tasks/impl/store"
)

// table holds the queries every resource has, written once: a resource's
// file (tasks.go) declares its table and calls these methods. The owner,
// and a nested resource's parent, are in every WHERE clause.
//
// Besides its own columns, every table has those of domain.Record: id,
// owner, the parent's id column for a nested resource, version,
// created_at and updated_at (see a migration).
type table[T any, R domain.Row[T]] struct {
	name   string    // the table, e.g. "comments"
	parent parentRef // set for a nested resource
	// columns are the resource's own columns; values and scan return, in
	// their order, the arguments that write them and the destinations that
	// read them.
	columns []string
	values  func(*T) []any
	scan    func(*T) []any

	once sync.Once
	sql  tableSQL // its statements, written once (statements)
}

// parentRef names a nested resource's parent: its table and the column
// holding its id, e.g. {"tasks", "task_id"}.
type parentRef struct{ table, column string }

// tableSQL is the text of a table's statements, built once. pgx prepares
// each on a connection the first time it runs there (postgres.go).
type tableSQL struct {
	insert, get, update, delete, exists, list, listAfter, parentExists string
}

// statements returns the table's statements. Every WHERE clause starts with
// the scope: the owner, and the parent of a nested resource (scope).
func (t *table[T, R]) statements() *tableSQL {
	t.once.Do(func() {
		n := 0
		next := func() string { n++; return "$" + strconv.Itoa(n) }
		cols := []string{"id", "owner"}
		if t.parent.column != "" {
			cols = append(cols, t.parent.column)
		}
		cols = append(append(cols, "version", "created_at", "updated_at"), t.columns...)
		all := strings.Join(cols, ", ")
		// where writes the scope and the id, numbered from $1 onwards after
		// the placeholders already taken.
		where := func(withID bool) string {
			w := " WHERE owner = " + next()
			if t.parent.column != "" {
				w += " AND " + t.parent.column + " = " + next()
			}
			if withID {
				w += " AND id = " + next()
			}
			return w
		}
		reset := func() { n = 0 }

		marks := make([]string, len(cols))
		for i := range marks {
			marks[i] = next()
		}
		t.sql.insert = `INSERT INTO ` + t.name + ` (` + all + `) VALUES (` + strings.Join(marks, ", ") + `)`
		reset()
		t.sql.get = `SELECT ` + all + ` FROM ` + t.name + where(true)
		reset()
		t.sql.exists = `SELECT 1 FROM ` + t.name + where(true)
		reset()
		set := ""
		for _, c := range t.columns {
			set += c + " = " + next() + ", "
		}
		set += "updated_at = " + next() + ", version = version + 1"
		w := where(true)
		m := next()
		// One statement checks the owner and the version and writes. Under
		// READ COMMITTED a concurrent writer waits for the row lock, then
		// re-checks the version against the row as committed: only one of
		// them matches.
		t.sql.update = `UPDATE ` + t.name + ` SET ` + set + w + ` AND (` + m + `::bigint = 0 OR version = ` + m + `) RETURNING ` + all
		reset()
		w = where(true)
		m = next()
		t.sql.delete = `DELETE FROM ` + t.name + w + ` AND (` + m + `::bigint = 0 OR version = ` + m + `)`
		reset()
		// One more than asked tells whether more follow.
		t.sql.list = `SELECT ` + all + ` FROM ` + t.name + where(false) + ` ORDER BY created_at, id LIMIT ` + next()
		reset()
		w = where(false)
		t.sql.listAfter = `SELECT ` + all + ` FROM ` + t.name + w + ` AND (created_at, id) > (` + next() + `, ` + next() + `) ORDER BY created_at, id LIMIT ` + next()
		t.sql.parentExists = `SELECT 1 FROM ` + t.parent.table + ` WHERE owner = $1 AND id = $2`
	})
	return &t.sql
}

// scope returns the arguments of a WHERE clause's scope, with room for
// more.
func (t *table[T, R]) scope(owner string, parent uuid.UUID, more int) []any {
	args := make([]any, 0, 2+more)
	if t.parent.column == "" {
		return append(args, owner)
	}
	return append(args, owner, parent)
}

func (t *table[T, R]) create(ctx context.Context, d *DB, v T) (T, error) {
	r := R(&v).Rec()
	r.Version = 1
	r.CreatedAt, r.UpdatedAt = domain.Timestamp(r.CreatedAt), domain.Timestamp(r.UpdatedAt)
	args := []any{r.ID, r.Owner}
	if t.parent.column != "" {
		args = append(args, r.Parent)
	}
	args = append(append(args, r.Version, r.CreatedAt, r.UpdatedAt), t.values(&v)...)
	_, err := d.pool.Exec(ctx, t.statements().insert, args...)
	if t.parent.column != "" && isForeignKey(err) {
		// The parent does not exist for this owner: the foreign key is on
		// (owner, parent id), so another owner's row does not count.
		return v, domain.ErrNotFound
	}
	if err != nil {
		return v, wrap("create in "+t.name, err)
	}
	return v, nil
}

func (t *table[T, R]) get(ctx context.Context, d *DB, owner string, parent, id uuid.UUID) (T, error) {
	v, err := t.scanRow(d.pool.QueryRow(ctx, t.statements().get, append(t.scope(owner, parent, 1), id)...))
	if errors.Is(err, pgx.ErrNoRows) {
		return v, domain.ErrNotFound
	}
	if err != nil {
		return v, wrap("get from "+t.name, err)
	}
	return v, nil
}

// update writes v's own columns and UpdatedAt over the row v.ID, if its
// version is match (any version for domain.AnyVersion).
func (t *table[T, R]) update(ctx context.Context, d *DB, owner string, v T, match int64) (T, error) {
	r := R(&v).Rec()
	args := append(t.values(&v), domain.Timestamp(r.UpdatedAt))
	args = append(append(args, t.scope(owner, r.Parent, 0)...), r.ID, match)
	got, err := t.scanRow(d.pool.QueryRow(ctx, t.statements().update, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return v, store.WhyNoRow(match, t.exists(ctx, d, owner, r.Parent, r.ID))
	}
	if err != nil {
		return v, wrap("update in "+t.name, err)
	}
	return got, nil
}

func (t *table[T, R]) delete(ctx context.Context, d *DB, owner string, parent, id uuid.UUID, match int64) error {
	tag, err := d.pool.Exec(ctx, t.statements().delete, append(t.scope(owner, parent, 2), id, match)...)
	if err != nil {
		return wrap("delete from "+t.name, err)
	}
	if tag.RowsAffected() == 0 {
		return store.WhyNoRow(match, t.exists(ctx, d, owner, parent, id))
	}
	return nil
}

func (t *table[T, R]) exists(ctx context.Context, d *DB, owner string, parent, id uuid.UUID) func() (bool, error) {
	return func() (bool, error) {
		return d.exists(ctx, t.statements().exists, append(t.scope(owner, parent, 1), id)...)
	}
}

// list returns up to limit rows in domain.Key order after the key after,
// and whether more follow. A nested resource's list is ErrNotFound when
// the parent does not exist for owner.
func (t *table[T, R]) list(ctx context.Context, d *DB, owner string, parent uuid.UUID, after *domain.Key, limit int) ([]T, bool, error) {
	query, args := t.statements().list, t.scope(owner, parent, 3)
	if after != nil {
		query, args = t.statements().listAfter, append(args, after.CreatedAt, after.ID)
	}
	rows, err := d.pool.Query(ctx, query, append(args, limit+1)...)
	if err != nil {
		return nil, false, wrap("list "+t.name, err)
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return t.scanRow(r) })
	if err != nil {
		return nil, false, wrap("list "+t.name, err)
	}
	if len(items) == 0 && t.parent.column != "" {
		// An empty list, or no such parent: only the second is a 404.
		ok, err := d.exists(ctx, t.statements().parentExists, owner, parent)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			return nil, false, domain.ErrNotFound
		}
	}
	items, more := store.Page(items, limit)
	return items, more, nil
}

func (t *table[T, R]) scanRow(row pgx.Row) (T, error) {
	var v T
	r := R(&v).Rec()
	dest := []any{&r.ID, &r.Owner}
	if t.parent.column != "" {
		dest = append(dest, &r.Parent)
	}
	dest = append(append(dest, &r.Version, &r.CreatedAt, &r.UpdatedAt), t.scan(&v)...)
	err := row.Scan(dest...)
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return v, err
}

// isForeignKey reports whether err is a foreign key violation.
func isForeignKey(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23503" // foreign_key_violation
}
