package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/google/uuid"

	"example.com/tasks/gen"
	"example.com/tasks/impl/domain"
	"example.com/tasks/impl/problem"
)

// defaultLimit is the page size when the client gives none; the spec's
// default for `limit` says the same.
const defaultLimit = 20

func (s *Server) ListTasks(ctx context.Context, req gen.ListTasksRequestObject) (gen.ListTasksResponseObject, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	limit := defaultLimit
	if req.Params.Limit != nil {
		limit = int(*req.Params.Limit)
	}
	var after *domain.Key
	if req.Params.Cursor != nil {
		k, ok := decodeCursor(*req.Params.Cursor)
		if !ok {
			const detail = "cursor is not one this server issued"
			body := problem.Body(ctx, http.StatusBadRequest, gen.ProblemCodeValidationFailed, detail)
			name, in := "cursor", gen.Query
			body.Errors = &[]gen.ValidationError{{Detail: detail, Parameter: &name, In: &in}}
			return gen.ListTasks400ApplicationProblemPlusJSONResponse{BadRequestApplicationProblemPlusJSONResponse: gen.BadRequestApplicationProblemPlusJSONResponse{
				Body: body,
			}}, nil
		}
		after = &k
	}
	tasks, more, err := s.stores.Tasks.ListTasks(ctx, p.Subject, after, limit)
	if err != nil {
		return nil, storeFailure(ctx, err)
	}
	page := gen.TaskPage{Items: make([]gen.Task, 0, len(tasks))}
	for _, t := range tasks {
		page.Items = append(page.Items, taskToAPI(t))
	}
	if more && len(tasks) > 0 {
		c := encodeCursor(tasks[len(tasks)-1].Key())
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
	t := taskFromAPI(*req.Body)
	t.ID, t.Owner, t.CreatedAt, t.UpdatedAt = uuid.New(), p.Subject, now, now
	t, err = s.stores.Tasks.CreateTask(ctx, t)
	if err != nil {
		return nil, storeFailure(ctx, err)
	}
	return gen.CreateTask201JSONResponse{
		Body:    taskToAPI(t),
		Headers: gen.CreateTask201ResponseHeaders{Location: s.baseURL + "/tasks/" + t.ID.String(), ETag: etag(t.Version)},
	}, nil
}

func (s *Server) GetTask(ctx context.Context, req gen.GetTaskRequestObject) (gen.GetTaskResponseObject, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	t, err := s.stores.Tasks.GetTask(ctx, p.Subject, req.Id)
	if errors.Is(err, domain.ErrNotFound) {
		return gen.GetTask404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(ctx, "task")}, nil
	}
	if err != nil {
		return nil, storeFailure(ctx, err)
	}
	if notModified(req.Params.IfNoneMatch, t.Version) {
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
	match, err := versionToMatch(req.Params.IfMatch, s.taskVersion(ctx, p.Subject, req.Id))
	if err == nil {
		t, err = s.stores.Tasks.UpdateTask(ctx, p.Subject, t, match)
	}
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

func (s *Server) DeleteTask(ctx context.Context, req gen.DeleteTaskRequestObject) (gen.DeleteTaskResponseObject, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	match, err := versionToMatch(req.Params.IfMatch, s.taskVersion(ctx, p.Subject, req.Id))
	if err == nil {
		err = s.stores.Tasks.DeleteTask(ctx, p.Subject, req.Id, match)
	}
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

// patchAttempts bounds how often PatchTask re-reads a task that changed
// between its read and its write when the client sent no If-Match.
const patchAttempts = 3

// PatchTask applies a JSON Merge Patch (RFC 7396): read the task, merge, and
// write it back on condition that it is still at the version read, so that a
// concurrent write is never overwritten with a merge of stale fields. With
// If-Match the client's version must be the one read (else 412); without
// it, a task that changed meanwhile is read and merged again.
func (s *Server) PatchTask(ctx context.Context, req gen.PatchTaskRequestObject) (gen.PatchTaskResponseObject, error) {
	p, err := principal(ctx)
	if err != nil {
		return nil, err
	}
	for range patchAttempts {
		var t domain.Task
		t, err = s.stores.Tasks.GetTask(ctx, p.Subject, req.Id)
		if err != nil {
			break
		}
		if !ifMatch(req.Params.IfMatch, t.Version) {
			err = domain.ErrVersionMismatch
			break
		}
		mergePatch(&t, *req.Body)
		t.UpdatedAt = s.now().UTC()
		t, err = s.stores.Tasks.UpdateTask(ctx, p.Subject, t, t.Version)
		if err == nil {
			return gen.PatchTask200JSONResponse{Body: taskToAPI(t), Headers: gen.PatchTask200ResponseHeaders{ETag: etag(t.Version)}}, nil
		}
		if !errors.Is(err, domain.ErrVersionMismatch) || req.Params.IfMatch != nil {
			break
		}
	}
	switch {
	case errors.Is(err, domain.ErrNotFound):
		return gen.PatchTask404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(ctx, "task")}, nil
	case errors.Is(err, domain.ErrVersionMismatch) && req.Params.IfMatch != nil:
		return gen.PatchTask412ApplicationProblemPlusJSONResponse{PreconditionFailedApplicationProblemPlusJSONResponse: preconditionFailed(ctx, "task")}, nil
	}
	return nil, storeFailure(ctx, err) // ErrVersionMismatch here: the task kept changing, a 500
}

// mergePatch applies patch to t (RFC 7396 §2): a member sets its field, null
// removes it, an absent member leaves it. The spec lets only description be
// null; title and status are required fields of a task.
func mergePatch(t *domain.Task, patch gen.TaskPatch) {
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

// taskVersion reads the current version of owner's task id, for an If-Match
// that lists several tags.
func (s *Server) taskVersion(ctx context.Context, owner string, id uuid.UUID) func() (int64, error) {
	return func() (int64, error) {
		t, err := s.stores.Tasks.GetTask(ctx, owner, id)
		return t.Version, err
	}
}

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
