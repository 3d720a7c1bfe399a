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
// field of Stores that New is given (s.stores.Tasks). Adding a resource adds
// its files, a field of Stores, and its store in cmd/server's call of New.
package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"time"

	"example.com/tasks/gen"
	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/domain"
	"example.com/tasks/impl/httplog"
	"example.com/tasks/impl/problem"
)

// Stores are the stores the handlers use: one field per resource, typed
// with that resource's store interface from impl/domain. Adding a resource
// adds a field. cmd/server fills every field with the one database that
// impl/store/backend opens, which implements them all; a test may give each
// resource a fake of its own.
type Stores struct {
	Tasks domain.TaskStore
}

// missing names the fields of st that are nil. New refuses them: a store
// left out of the composition root is a start-up error, never a nil pointer
// at the first request.
func (st Stores) missing() []string {
	var names []string
	v := reflect.ValueOf(st)
	for i := range v.NumField() {
		if v.Field(i).IsNil() {
			names = append(names, v.Type().Field(i).Name)
		}
	}
	return names
}

// Server implements the API over the stores.
type Server struct {
	stores  Stores
	baseURL string           // the spec's server path, for Location headers
	now     func() time.Time // replaceable in tests
}

var _ gen.StrictServerInterface = (*Server)(nil)

// New returns a Server over stores, each resource's store: in cmd/server,
// an engine's database (impl/store/sqlite or impl/store/postgres, opened by
// impl/store/backend) in every field. baseURL is the path the API is served
// under (the spec's `servers` URL), for Location headers. It fails if a
// store is missing.
func New(stores Stores, baseURL string) (*Server, error) {
	if names := stores.missing(); len(names) > 0 {
		return nil, fmt.Errorf("api: no store for %s", strings.Join(names, ", "))
	}
	return &Server{stores: stores, baseURL: baseURL, now: time.Now}, nil
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
