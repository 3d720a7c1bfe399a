package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"example.com/tasks/gen"
	"example.com/tasks/impl/domain"
	"example.com/tasks/impl/problem"
)

// What every resource's handlers do the same way, written once: a page of a
// list, a conditional replace or delete, a merge patch. A resource's file
// (tasks.go) calls these with closures over its store methods, and maps
// the domain errors they return to the typed responses of its operations.

// defaultLimit is the page size when the client gives none; the spec's
// default for `limit` says the same.
const defaultLimit = 20

// errBadCursor is returned by page for a cursor this server did not issue;
// badCursor is its 400 body.
var errBadCursor = errors.New("api: cursor is not one this server issued")

// page lists one page of rows with list, from the position cursor names
// (from the start without one), and returns them as toAPI renders them with
// the cursor of the next page (nil on the last).
func page[T interface{ Key() domain.Key }, I any](limit *gen.Limit, cursor *gen.Cursor,
	list func(after *domain.Key, limit int) ([]T, bool, error), toAPI func(T) I) ([]I, *string, error) {
	n := defaultLimit
	if limit != nil {
		n = int(*limit)
	}
	var after *domain.Key
	if cursor != nil {
		k, ok := DecodeCursor(*cursor)
		if !ok {
			return nil, nil, errBadCursor
		}
		after = &k
	}
	rows, more, err := list(after, n)
	if err != nil {
		return nil, nil, err
	}
	items := make([]I, 0, len(rows))
	for _, r := range rows {
		items = append(items, toAPI(r))
	}
	var next *string
	if more && len(rows) > 0 {
		c := EncodeCursor(rows[len(rows)-1].Key())
		next = &c
	}
	return items, next, nil
}

// badCursor is the 400 body for errBadCursor.
func badCursor(ctx context.Context) gen.BadRequestApplicationProblemPlusJSONResponse {
	const detail = "cursor is not one this server issued"
	body := problem.Body(ctx, http.StatusBadRequest, gen.ProblemCodeValidationFailed, detail)
	name, in := "cursor", gen.Query
	body.Errors = &[]gen.ValidationError{{Detail: detail, Parameter: &name, In: &in}}
	return gen.BadRequestApplicationProblemPlusJSONResponse{Body: body}
}

// replace writes v (its own fields and UpdatedAt) over the stored row,
// on the condition an If-Match header sets (versionToMatch); get reads the
// row's current version when the header lists several tags.
func replace[T any, R domain.Row[T]](header *string, v T,
	get func() (T, error), update func(v T, match int64) (T, error)) (T, error) {
	match, err := versionToMatch(header, version[T, R](get))
	if err != nil {
		return v, err
	}
	return update(v, match)
}

// remove deletes the row on the condition an If-Match header sets.
func remove[T any, R domain.Row[T]](header *string, get func() (T, error), del func(match int64) error) error {
	match, err := versionToMatch(header, version[T, R](get))
	if err != nil {
		return err
	}
	return del(match)
}

// version adapts a row's getter to the version getter versionToMatch takes.
func version[T any, R domain.Row[T]](get func() (T, error)) func() (int64, error) {
	return func() (int64, error) {
		v, err := get()
		return R(&v).Rec().Version, err
	}
}

// patchAttempts bounds how often patch re-reads a row that changed between
// its read and its write when the client sent no If-Match.
const patchAttempts = 3

// patch applies a JSON Merge Patch (RFC 7396) with merge: read the row,
// merge, and write it back on condition that it is still at the version
// read, so that a concurrent write is never overwritten with a merge of
// stale fields. With If-Match the client's version must be the one read
// (else domain.ErrVersionMismatch); without it, a row that changed
// meanwhile is read and merged again. A row that keeps changing is a
// domain.ErrVersionMismatch without If-Match too: a 500, not a 412.
func patch[T any, R domain.Row[T]](header *string, now time.Time, get func() (T, error),
	update func(v T, match int64) (T, error), merge func(*T)) (T, error) {
	var v T
	var err error
	for range patchAttempts {
		if v, err = get(); err != nil {
			return v, err
		}
		current := R(&v).Rec().Version
		if !ifMatch(header, current) {
			return v, domain.ErrVersionMismatch
		}
		merge(&v)
		R(&v).Rec().UpdatedAt = now
		if v, err = update(v, current); !errors.Is(err, domain.ErrVersionMismatch) || header != nil {
			return v, err
		}
	}
	return v, errPatchRace
}

// errPatchRace is patch's failure when the row kept changing under it.
var errPatchRace = errors.New("api: the row kept changing during a merge patch")
