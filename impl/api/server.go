// Package api implements the API's operations: gen.StrictServerInterface,
// one file per resource (health.go, me.go, tasks.go).
//
// Handlers receive typed, already-validated requests (the validator checked
// them against openapi.yaml) and an authenticated principal in the context,
// and return the typed responses the spec declares. Domain errors from the
// store are mapped to those responses here; an unreachable database becomes
// a 503 and any other error a 500.
//
// Each resource file declares the store interface its handlers need
// (TaskStore in tasks.go) and reaches it with storeOf. The database that New
// is given, an engine's DB from impl/store, implements every one of them, so
// adding a resource adds files and edits none here.
package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"time"

	"example.com/tasks/gen"
	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/httplog"
	"example.com/tasks/impl/problem"
	"example.com/tasks/impl/store"
)

// Server implements the API over a database.
type Server struct {
	db      any              // implements every interface registered with storeOf
	baseURL string           // the spec's server path, for Location headers
	now     func() time.Time // replaceable in tests
}

var _ gen.StrictServerInterface = (*Server)(nil)

// New returns a Server over db, an engine's database (impl/store/sqlite or
// impl/store/postgres, opened by impl/store/backend). baseURL is the path
// the API is served under (the spec's `servers` URL), for Location headers.
// It fails if db lacks the store of a resource.
func New(db any, baseURL string) (*Server, error) {
	var errs []error
	for _, check := range storeChecks {
		errs = append(errs, check(db))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Server{db: db, baseURL: baseURL, now: time.Now}, nil
}

// storeChecks holds one check per storeOf call: does the database implement
// that store interface?
var storeChecks []func(db any) error

// storeOf declares that a resource's handlers need the store interface S,
// and returns how they reach it:
//
//	var taskStore = storeOf[TaskStore]()
//	...
//	t, err := taskStore(s).Get(ctx, owner, id)
//
// New refuses a database that does not implement S, so a missing method is
// a start-up error, never a 500 at the first request.
func storeOf[S any]() func(*Server) S {
	storeChecks = append(storeChecks, func(db any) error {
		if _, ok := db.(S); !ok {
			return fmt.Errorf("api: the database (%T) does not implement %v", db, reflect.TypeFor[S]())
		}
		return nil
	})
	return func(s *Server) S { return s.db.(S) }
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
