// Package tasks implements the API's operations: gen.StrictServerInterface.
//
// Handlers receive typed, already-validated requests (the validator checked
// them against openapi.yaml) and an authenticated principal in the context,
// and return the typed responses the spec declares. Domain errors from the
// store are mapped to those responses here; an unreachable database becomes
// a 503 and any other error a 500.
package tasks

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"

	"example.com/tasks/gen"
	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/httplog"
	"example.com/tasks/impl/problem"
	"example.com/tasks/impl/store"
)

// Server implements the API over a Store.
type Server struct {
	store   store.Store
	baseURL string           // the spec's server path, for Location headers
	now     func() time.Time // replaceable in tests
}

var _ gen.StrictServerInterface = (*Server)(nil)

// defaultLimit is the page size when the client gives none; the spec's
// default for `limit` says the same.
const defaultLimit = 20

// New returns a Server that keeps tasks in s. baseURL is the path the API is
// served under (the spec's `servers` URL), used to build Location headers.
func New(s store.Store, baseURL string) *Server {
	return &Server{store: s, baseURL: baseURL, now: time.Now}
}

func (s *Server) GetHealth(context.Context, gen.GetHealthRequestObject) (gen.GetHealthResponseObject, error) {
	return gen.GetHealth200JSONResponse{Status: gen.Ok}, nil
}

func (s *Server) GetMe(ctx context.Context, _ gen.GetMeRequestObject) (gen.GetMeResponseObject, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	scopes := p.Scopes
	if scopes == nil {
		scopes = []string{} // the spec requires an array, never null
	}
	return gen.GetMe200JSONResponse{Subject: p.Subject, Scopes: scopes}, nil
}

func (s *Server) ListTasks(ctx context.Context, req gen.ListTasksRequestObject) (gen.ListTasksResponseObject, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	limit := defaultLimit
	if req.Params.Limit != nil {
		limit = int(*req.Params.Limit)
	}
	var after *store.Key
	if req.Params.Cursor != nil {
		k, ok := decodeCursor(*req.Params.Cursor)
		if !ok {
			return gen.ListTasks400ApplicationProblemPlusJSONResponse{BadRequestApplicationProblemPlusJSONResponse: gen.BadRequestApplicationProblemPlusJSONResponse{
				Body: problem.Body(ctx, http.StatusBadRequest, gen.ProblemCodeValidationFailed, "cursor is not one this server issued"),
			}}, nil
		}
		after = &k
	}
	tasks, more, err := s.store.List(ctx, p.Subject, after, limit)
	if err != nil {
		return nil, storeFailure(ctx, err)
	}
	page := gen.TaskPage{Items: make([]gen.Task, 0, len(tasks))}
	for _, t := range tasks {
		page.Items = append(page.Items, toAPI(t))
	}
	if more && len(tasks) > 0 {
		c := encodeCursor(store.KeyOf(tasks[len(tasks)-1]))
		page.NextCursor = &c
	}
	return gen.ListTasks200JSONResponse(page), nil
}

func (s *Server) CreateTask(ctx context.Context, req gen.CreateTaskRequestObject) (gen.CreateTaskResponseObject, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	t := fromAPI(*req.Body)
	t.ID, t.Owner, t.CreatedAt, t.UpdatedAt = uuid.New(), p.Subject, now, now
	t, err = s.store.Create(ctx, t)
	if err != nil {
		return nil, storeFailure(ctx, err)
	}
	return gen.CreateTask201JSONResponse{
		Body:    toAPI(t),
		Headers: gen.CreateTask201ResponseHeaders{Location: s.baseURL + "/tasks/" + t.ID.String(), ETag: etag(t.Version)},
	}, nil
}

func (s *Server) GetTask(ctx context.Context, req gen.GetTaskRequestObject) (gen.GetTaskResponseObject, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.store.Get(ctx, p.Subject, req.Id)
	if errors.Is(err, store.ErrNotFound) {
		return gen.GetTask404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(ctx)}, nil
	}
	if err != nil {
		return nil, storeFailure(ctx, err)
	}
	if notModified(req.Params.IfNoneMatch, t.Version) {
		return gen.GetTask304Response{Headers: gen.GetTask304ResponseHeaders{ETag: etag(t.Version)}}, nil
	}
	return gen.GetTask200JSONResponse{Body: toAPI(t), Headers: gen.GetTask200ResponseHeaders{ETag: etag(t.Version)}}, nil
}

func (s *Server) UpdateTask(ctx context.Context, req gen.UpdateTaskRequestObject) (gen.UpdateTaskResponseObject, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	t := fromAPI(*req.Body)
	t.ID, t.UpdatedAt = req.Id, s.now().UTC()
	match, err := s.versionToMatch(ctx, p.Subject, req.Id, req.Params.IfMatch)
	if err == nil {
		t, err = s.store.Update(ctx, p.Subject, t, match)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return gen.UpdateTask404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(ctx)}, nil
	case errors.Is(err, store.ErrVersionMismatch):
		return gen.UpdateTask412ApplicationProblemPlusJSONResponse{PreconditionFailedApplicationProblemPlusJSONResponse: preconditionFailed(ctx)}, nil
	case err != nil:
		return nil, storeFailure(ctx, err)
	}
	return gen.UpdateTask200JSONResponse{Body: toAPI(t), Headers: gen.UpdateTask200ResponseHeaders{ETag: etag(t.Version)}}, nil
}

func (s *Server) DeleteTask(ctx context.Context, req gen.DeleteTaskRequestObject) (gen.DeleteTaskResponseObject, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	match, err := s.versionToMatch(ctx, p.Subject, req.Id, req.Params.IfMatch)
	if err == nil {
		err = s.store.Delete(ctx, p.Subject, req.Id, match)
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return gen.DeleteTask404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(ctx)}, nil
	case errors.Is(err, store.ErrVersionMismatch):
		return gen.DeleteTask412ApplicationProblemPlusJSONResponse{PreconditionFailedApplicationProblemPlusJSONResponse: preconditionFailed(ctx)}, nil
	case err != nil:
		return nil, storeFailure(ctx, err)
	}
	return gen.DeleteTask204Response{}, nil
}

// principal returns the caller. The validator authenticated every secured
// operation before its handler runs, so a missing principal is a wiring bug.
func principal(ctx context.Context) (auth.Principal, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return auth.Principal{}, errors.New("tasks: secured operation reached without a principal")
	}
	return p, nil
}

func notFound(ctx context.Context) gen.NotFoundApplicationProblemPlusJSONResponse {
	// The same answer for "no such task" and "someone else's task": the
	// caller must not learn that another user's id exists.
	return gen.NotFoundApplicationProblemPlusJSONResponse(
		problem.Body(ctx, http.StatusNotFound, gen.ProblemCodeNotFound, "no task with this id"))
}

func preconditionFailed(ctx context.Context) gen.PreconditionFailedApplicationProblemPlusJSONResponse {
	return gen.PreconditionFailedApplicationProblemPlusJSONResponse(problem.Body(ctx, http.StatusPreconditionFailed,
		gen.ProblemCodePreconditionFailed, "the task has changed since you read it; GET it again for its new ETag"))
}

// retryAfter is the Retry-After a client gets while the database is away:
// long enough not to hammer it, short enough to notice it is back.
const retryAfter = "2"

// storeFailure turns a store error into what the client gets: a 503 with
// Retry-After when the database cannot be reached (the spec documents it on
// every operation that uses the store), else the error itself, a 500. One
// function that every store error passes through, rather than a typed 503
// response built in each handler.
func storeFailure(ctx context.Context, err error) error {
	if !errors.Is(err, store.ErrUnavailable) {
		return err
	}
	httplog.SetError(ctx, err) // the cause is for the log, not the client
	return &problem.Error{
		Status: http.StatusServiceUnavailable,
		Code:   gen.ProblemCodeServiceUnavailable,
		Detail: "the database cannot be reached; retry later",
		Header: http.Header{"Retry-After": {retryAfter}},
		Err:    err,
	}
}

func fromAPI(n gen.NewTask) store.Task {
	t := store.Task{Title: n.Title, Status: string(gen.Todo)}
	if n.Description != nil {
		t.Description = *n.Description
	}
	if n.Status != nil {
		t.Status = string(*n.Status)
	}
	return t
}

func toAPI(t store.Task) gen.Task {
	out := gen.Task{
		Id:        t.ID,
		Title:     t.Title,
		Status:    gen.TaskStatus(t.Status),
		CreatedAt: t.CreatedAt,
		UpdatedAt: t.UpdatedAt,
	}
	if t.Description != "" {
		out.Description = &t.Description
	}
	return out
}

// A cursor is the key of the last task on a page: 8 bytes of creation time
// (Unix nanoseconds) and the 16-byte id, base64url-encoded. It is opaque to
// clients; its alphabet is the one the spec's `cursor` pattern allows.
func encodeCursor(k store.Key) string {
	var b [24]byte
	binary.BigEndian.PutUint64(b[:8], uint64(k.CreatedAt.UnixNano()))
	copy(b[8:], k.ID[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func decodeCursor(s string) (store.Key, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 24 {
		return store.Key{}, false
	}
	return store.Key{
		CreatedAt: time.Unix(0, int64(binary.BigEndian.Uint64(b[:8]))).UTC(),
		ID:        uuid.UUID(b[8:]),
	}, true
}
