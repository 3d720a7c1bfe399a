package api

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"example.com/tasks/gen"
	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/domain"
)

// The task handlers. Each calls the store through a helper of resource.go
// and maps the domain errors to its operation's typed responses: 404 for a
// row that is missing or someone else's, 412 for a stale If-Match. A task's
// business rules (the default status) are in taskFromAPI.

func (s *Server) ListTasks(ctx context.Context, req gen.ListTasksRequestObject) (gen.ListTasksResponseObject, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	items, next, err := page(req.Params.Limit, req.Params.Cursor, func(after *domain.Key, limit int) ([]domain.Task, bool, error) {
		return s.stores.ListTasks(ctx, p.Subject, after, limit)
	}, taskToAPI)
	switch {
	case errors.Is(err, errBadCursor):
		return gen.ListTasks400ApplicationProblemPlusJSONResponse{BadRequestApplicationProblemPlusJSONResponse: badCursor(ctx)}, nil
	case err != nil:
		return nil, storeFailure(ctx, err)
	}
	return gen.ListTasks200JSONResponse{Items: items, NextCursor: next}, nil
}

func (s *Server) CreateTask(ctx context.Context, req gen.CreateTaskRequestObject) (gen.CreateTaskResponseObject, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	t := taskFromAPI(*req.Body)
	t.Record = s.newRecord(p, uuid.Nil)
	t, err = s.stores.CreateTask(ctx, t)
	if err != nil {
		return nil, storeFailure(ctx, err)
	}
	return gen.CreateTask201JSONResponse{Body: taskToAPI(t), Headers: gen.CreateTask201ResponseHeaders{
		Location: s.baseURL + "/tasks/" + t.ID.String(), ETag: etag(t.Version),
	}}, nil
}

func (s *Server) GetTask(ctx context.Context, req gen.GetTaskRequestObject) (gen.GetTaskResponseObject, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.stores.GetTask(ctx, p.Subject, req.Id)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return gen.GetTask404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(ctx, "task")}, nil
	case err != nil:
		return nil, storeFailure(ctx, err)
	case notModified(req.Params.IfNoneMatch, t.Version):
		return gen.GetTask304Response{Headers: gen.GetTask304ResponseHeaders{ETag: etag(t.Version)}}, nil
	}
	return gen.GetTask200JSONResponse{Body: taskToAPI(t), Headers: gen.GetTask200ResponseHeaders{ETag: etag(t.Version)}}, nil
}

func (s *Server) UpdateTask(ctx context.Context, req gen.UpdateTaskRequestObject) (gen.UpdateTaskResponseObject, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	t := taskFromAPI(*req.Body)
	t.ID, t.UpdatedAt = req.Id, s.now().UTC()
	t, err = replace(req.Params.IfMatch, t, s.getTask(ctx, p, req.Id), s.updateTask(ctx, p))
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return gen.UpdateTask404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(ctx, "task")}, nil
	case errors.Is(err, domain.ErrVersionMismatch):
		return gen.UpdateTask412ApplicationProblemPlusJSONResponse{PreconditionFailedApplicationProblemPlusJSONResponse: preconditionFailed(ctx, "task")}, nil
	case err != nil:
		return nil, storeFailure(ctx, err)
	}
	return gen.UpdateTask200JSONResponse{Body: taskToAPI(t), Headers: gen.UpdateTask200ResponseHeaders{ETag: etag(t.Version)}}, nil
}

func (s *Server) PatchTask(ctx context.Context, req gen.PatchTaskRequestObject) (gen.PatchTaskResponseObject, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	t, err := patch(req.Params.IfMatch, s.now().UTC(), s.getTask(ctx, p, req.Id), s.updateTask(ctx, p), func(t *domain.Task) {
		mergeTask(t, *req.Body)
	})
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return gen.PatchTask404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(ctx, "task")}, nil
	case errors.Is(err, domain.ErrVersionMismatch):
		return gen.PatchTask412ApplicationProblemPlusJSONResponse{PreconditionFailedApplicationProblemPlusJSONResponse: preconditionFailed(ctx, "task")}, nil
	case err != nil:
		return nil, storeFailure(ctx, err)
	}
	return gen.PatchTask200JSONResponse{Body: taskToAPI(t), Headers: gen.PatchTask200ResponseHeaders{ETag: etag(t.Version)}}, nil
}

func (s *Server) DeleteTask(ctx context.Context, req gen.DeleteTaskRequestObject) (gen.DeleteTaskResponseObject, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	err = remove(req.Params.IfMatch, s.getTask(ctx, p, req.Id), func(match int64) error {
		return s.stores.DeleteTask(ctx, p.Subject, req.Id, match)
	})
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return gen.DeleteTask404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(ctx, "task")}, nil
	case errors.Is(err, domain.ErrVersionMismatch):
		return gen.DeleteTask412ApplicationProblemPlusJSONResponse{PreconditionFailedApplicationProblemPlusJSONResponse: preconditionFailed(ctx, "task")}, nil
	case err != nil:
		return nil, storeFailure(ctx, err)
	}
	return gen.DeleteTask204Response{}, nil
}

// getTask and updateTask bind the store's methods to the caller, for the
// helpers of resource.go.
func (s *Server) getTask(ctx context.Context, p auth.Principal, id uuid.UUID) func() (domain.Task, error) {
	return func() (domain.Task, error) { return s.stores.GetTask(ctx, p.Subject, id) }
}

func (s *Server) updateTask(ctx context.Context, p auth.Principal) func(domain.Task, int64) (domain.Task, error) {
	return func(t domain.Task, match int64) (domain.Task, error) {
		return s.stores.UpdateTask(ctx, p.Subject, t, match)
	}
}

// taskFromAPI is a new task, or a replacement, as the client sent it: a
// task's status is "todo" unless it says otherwise.
func taskFromAPI(n gen.NewTask) domain.Task {
	t := domain.Task{Title: n.Title, Status: string(gen.Todo)}
	if n.Description != nil {
		t.Description = *n.Description
	}
	if n.Status != nil {
		t.Status = string(*n.Status)
	}
	return t
}

// mergeTask applies patch to t (RFC 7396 §2): a member sets its field, null
// removes it, an absent member leaves it. The spec lets only description be
// null; title and status are required fields of a task.
func mergeTask(t *domain.Task, patch gen.TaskPatch) {
	if patch.Title != nil {
		t.Title = *patch.Title
	}
	if patch.Description.IsSpecified() {
		t.Description = ""
		if !patch.Description.IsNull() {
			t.Description = patch.Description.MustGet()
		}
	}
	if patch.Status != nil {
		t.Status = string(*patch.Status)
	}
}

func taskToAPI(t domain.Task) gen.Task {
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
