package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"

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
}

// args collects a statement's arguments; add returns the placeholder of
// the one it adds ($1, $2, ...).
type args []any

func (a *args) add(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// parentRef names a nested resource's parent: its table and the column
// holding its id, e.g. {"tasks", "task_id"}.
type parentRef struct{ table, column string }

// all lists every column, in the order scanRow reads them.
func (t table[T, R]) all() string {
	cols := []string{"id", "owner"}
	if t.parent.column != "" {
		cols = append(cols, t.parent.column)
	}
	return strings.Join(append(append(cols, "version", "created_at", "updated_at"), t.columns...), ", ")
}

// where is the WHERE clause that scopes a query to one owner (and parent).
func (t table[T, R]) where(a *args, owner string, parent uuid.UUID) string {
	if t.parent.column == "" {
		return "owner = " + a.add(owner)
	}
	return "owner = " + a.add(owner) + " AND " + t.parent.column + " = " + a.add(parent)
}

func (t table[T, R]) create(ctx context.Context, d *DB, v T) (T, error) {
	r := R(&v).Rec()
	r.Version = 1
	r.CreatedAt, r.UpdatedAt = domain.Timestamp(r.CreatedAt), domain.Timestamp(r.UpdatedAt)
	values := []any{r.ID, r.Owner}
	if t.parent.column != "" {
		values = append(values, r.Parent)
	}
	values = append(append(values, r.Version, r.CreatedAt, r.UpdatedAt), t.values(&v)...)
	var a args
	marks := make([]string, len(values))
	for i, v := range values {
		marks[i] = a.add(v)
	}
	_, err := d.pool.Exec(ctx, `INSERT INTO `+t.name+` (`+t.all()+`) VALUES (`+strings.Join(marks, ", ")+`)`, a...)
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

func (t table[T, R]) get(ctx context.Context, d *DB, owner string, parent, id uuid.UUID) (T, error) {
	var a args
	where := t.where(&a, owner, parent)
	v, err := t.scanRow(d.pool.QueryRow(ctx, `SELECT `+t.all()+` FROM `+t.name+` WHERE `+where+` AND id = `+a.add(id), a...))
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
func (t table[T, R]) update(ctx context.Context, d *DB, owner string, v T, match int64) (T, error) {
	r := R(&v).Rec()
	var a args
	set := make([]string, 0, len(t.columns)+2)
	for i, value := range t.values(&v) {
		set = append(set, t.columns[i]+" = "+a.add(value))
	}
	set = append(set, "updated_at = "+a.add(domain.Timestamp(r.UpdatedAt)), "version = version + 1")
	where := t.where(&a, owner, r.Parent) + " AND id = " + a.add(r.ID)
	m := a.add(match)
	// One statement checks the owner and the version and writes. Under READ
	// COMMITTED a concurrent writer waits for the row lock, then re-checks
	// the version against the row as committed: only one of them matches.
	got, err := t.scanRow(d.pool.QueryRow(ctx, `UPDATE `+t.name+` SET `+strings.Join(set, ", ")+`
		WHERE `+where+` AND (`+m+`::bigint = 0 OR version = `+m+`) RETURNING `+t.all(), a...))
	if errors.Is(err, pgx.ErrNoRows) {
		return v, store.WhyNoRow(match, t.exists(ctx, d, owner, r.Parent, r.ID))
	}
	if err != nil {
		return v, wrap("update in "+t.name, err)
	}
	return got, nil
}

func (t table[T, R]) delete(ctx context.Context, d *DB, owner string, parent, id uuid.UUID, match int64) error {
	var a args
	where := t.where(&a, owner, parent) + " AND id = " + a.add(id)
	m := a.add(match)
	tag, err := d.pool.Exec(ctx, `DELETE FROM `+t.name+` WHERE `+where+` AND (`+m+`::bigint = 0 OR version = `+m+`)`, a...)
	if err != nil {
		return wrap("delete from "+t.name, err)
	}
	if tag.RowsAffected() == 0 {
		return store.WhyNoRow(match, t.exists(ctx, d, owner, parent, id))
	}
	return nil
}

func (t table[T, R]) exists(ctx context.Context, d *DB, owner string, parent, id uuid.UUID) func() (bool, error) {
	return func() (bool, error) {
		var a args
		where := t.where(&a, owner, parent) + " AND id = " + a.add(id)
		return d.exists(ctx, `SELECT 1 FROM `+t.name+` WHERE `+where, a...)
	}
}

// list returns up to limit rows in domain.Key order after the key after,
// and whether more follow. A nested resource's list is ErrNotFound when
// the parent does not exist for owner.
func (t table[T, R]) list(ctx context.Context, d *DB, owner string, parent uuid.UUID, after *domain.Key, limit int) ([]T, bool, error) {
	var a args
	where := t.where(&a, owner, parent)
	if after != nil {
		where += " AND (created_at, id) > (" + a.add(after.CreatedAt) + ", " + a.add(after.ID) + ")"
	}
	// One more than asked tells whether more follow.
	rows, err := d.pool.Query(ctx, `SELECT `+t.all()+` FROM `+t.name+` WHERE `+where+`
		ORDER BY created_at, id LIMIT `+a.add(limit+1), a...)
	if err != nil {
		return nil, false, wrap("list "+t.name, err)
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (T, error) { return t.scanRow(r) })
	if err != nil {
		return nil, false, wrap("list "+t.name, err)
	}
	if len(items) == 0 && t.parent.column != "" {
		// An empty list, or no such parent: only the second is a 404.
		ok, err := d.exists(ctx, `SELECT 1 FROM `+t.parent.table+` WHERE owner = $1 AND id = $2`, owner, parent)
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

func (t table[T, R]) scanRow(row pgx.Row) (T, error) {
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
