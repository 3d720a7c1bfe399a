package tasks

import (
	"context"
	"errors"

	"example.com/tasks/gen"
	"example.com/tasks/impl/store"
)

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
		var t store.Task
		t, err = s.store.Get(ctx, p.Subject, req.Id)
		if err != nil {
			break
		}
		if !ifMatch(req.Params.IfMatch, t.Version) {
			err = store.ErrVersionMismatch
			break
		}
		mergePatch(&t, *req.Body)
		t.UpdatedAt = s.now().UTC()
		t, err = s.store.Update(ctx, p.Subject, t, t.Version)
		if err == nil {
			return gen.PatchTask200JSONResponse{Body: toAPI(t), Headers: gen.PatchTask200ResponseHeaders{ETag: etag(t.Version)}}, nil
		}
		if !errors.Is(err, store.ErrVersionMismatch) || req.Params.IfMatch != nil {
			break
		}
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return gen.PatchTask404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(ctx)}, nil
	case errors.Is(err, store.ErrVersionMismatch) && req.Params.IfMatch != nil:
		return gen.PatchTask412ApplicationProblemPlusJSONResponse{PreconditionFailedApplicationProblemPlusJSONResponse: preconditionFailed(ctx)}, nil
	}
	return nil, storeFailure(ctx, err) // ErrVersionMismatch here: the task kept changing, a 500
}

// mergePatch applies patch to t (RFC 7396 §2): a member sets its field, null
// removes it, an absent member leaves it. The spec lets only description be
// null; title and status are required fields of a task.
func mergePatch(t *store.Task, patch gen.TaskPatch) {
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
