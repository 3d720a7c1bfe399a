// Package api implements the API's operations: gen.StrictServerInterface,
// one file per resource (health.go, me.go, tasks.go).
//
// Handlers receive typed, already-validated requests (the validator checked
// them against openapi.yaml) and an authenticated principal in the context,
// and return the typed responses the spec declares. Domain errors from the
// store are mapped to those responses here; an unreachable database becomes
// a 503 and any other error a 500.
//
// The domain types and each resource's store interface live in impl/domain,
// which knows no HTTP; the handlers reach a resource's store through the
// domain.Stores that New is given. Adding a resource (`make resource`) adds
// its files here and in the layers below, and its store interface to
// domain.Stores; nothing else of this package changes.
package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"

	"example.com/tasks/gen"
	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/domain"
	"example.com/tasks/impl/httplog"
	"example.com/tasks/impl/problem"
)

// Server implements the API over the stores.
type Server struct {
	stores  domain.Stores
	baseURL string           // the spec's server path, for Location headers
	now     func() time.Time // replaceable in tests
}

var _ gen.StrictServerInterface = (*Server)(nil)

// New returns a Server over stores, every resource's store: in cmd/server
// the database impl/store/backend opens (an engine's DB implements them
// all). baseURL is the path the API is served under (the spec's `servers`
// URL), for Location headers.
func New(stores domain.Stores, baseURL string) (*Server, error) {
	if stores == nil {
		return nil, errors.New("api: no stores")
	}
	return &Server{stores: stores, baseURL: baseURL, now: time.Now}, nil
}

// newRecord is a new row's Record: a new id, the caller as its owner, the
// parent's id for a nested resource (uuid.Nil for a top-level one), and
// now as both its timestamps.
func (s *Server) newRecord(p auth.Principal, parent uuid.UUID) domain.Record {
	now := s.now().UTC()
	return domain.Record{ID: uuid.New(), Owner: p.Subject, Parent: parent, CreatedAt: now, UpdatedAt: now}
}

// principal returns the caller. The authenticator ran before every secured
// operation's handler, so a missing principal is a wiring bug.
func principal(ctx context.Context) (auth.Principal, error) {
	p, ok := auth.FromContext(ctx)
	if !ok {
		return auth.Principal{}, errors.New("api: secured operation reached without a principal")
	}
	return p, nil
}

// notFound is the 404 body for a missing row of a resource ("task"). It is
// the same answer for "no such row" and "someone else's row": the caller
// must not learn that another user's id exists.
func notFound(ctx context.Context, resource string) gen.NotFoundApplicationProblemPlusJSONResponse {
	return gen.NotFoundApplicationProblemPlusJSONResponse(
		problem.Body(ctx, http.StatusNotFound, gen.ProblemCodeNotFound, "no "+resource+" with this id"))
}

// preconditionFailed is the 412 body for a write whose If-Match no longer
// matches.
func preconditionFailed(ctx context.Context, resource string) gen.PreconditionFailedApplicationProblemPlusJSONResponse {
	return gen.PreconditionFailedApplicationProblemPlusJSONResponse(problem.Body(ctx, http.StatusPreconditionFailed,
		gen.ProblemCodePreconditionFailed, "the "+resource+" has changed since you read it; GET it again for its new ETag"))
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
	if !errors.Is(err, domain.ErrUnavailable) {
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
