package httpapi

import (
	"fmt"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"

	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/httplog"
	"example.com/tasks/impl/problem"
	"example.com/tasks/impl/validator"
)

// operation is one spec operation, prepared at start-up for each step that
// runs in front of its handler.
type operation struct {
	policy *auth.Policy         // its security requirements, compiled
	check  *validator.Operation // its parameters and body
}

// Check is a step Guard runs once the caller is known and before
// validation, such as the rate limiter's (ratelimit.Limiter.Check). It may
// set response headers; an error it returns is the answer (failures.write).
type Check func(w http.ResponseWriter, r *http.Request) error

// operations are the spec's operations by chi route pattern: "GET /v1/tasks/{id}".
type operations map[string]*operation

// newOperations prepares every operation of doc served under basePath.
func newOperations(doc *openapi3.T, basePath string, authn *auth.Authenticator, val *validator.Validator) operations {
	ops := operations{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			// chi and OpenAPI write path parameters the same way: /tasks/{id}.
			ops[method+" "+basePath+path] = &operation{policy: authn.Policy(op), check: val.Operation(path, method)}
		}
	}
	return ops
}

// find returns the operation of the route chi matched for r, by its
// pattern: a map lookup, however many paths the spec has. A HEAD request is
// a GET without the body (RFC 9110 §9.3.2), routed to the GET operation by
// chi's middleware.GetHead, and handled as one.
func (ops operations) find(r *http.Request) (*operation, error) {
	method := r.Method
	if method == http.MethodHead {
		method = http.MethodGet
	}
	pattern := chi.RouteContext(r.Context()).RoutePattern()
	op := ops[method+" "+pattern]
	if op == nil {
		// Every route comes from the spec, so this is a wiring bug.
		return nil, fmt.Errorf("httpapi: no operation for %s %s", r.Method, pattern)
	}
	return op, nil
}

// Guard returns the route middleware that runs in front of every operation
// of doc served under basePath, in order: find the operation chi matched,
// authenticate, the checks, validate. New mounts it on the generated
// routes; tests mount it on a spec of their own (apitest.Mount).
//
// Authentication runs before anything reads a parameter or the body: an
// anonymous caller learns nothing of the API's shape, and sends no body
// that is read. The principal reaches the handlers in the request's context
// (auth.FromContext).
//
// The steps are one middleware, not one each: a step of its own would need
// the operation passed in the context, a context value and a copy of the
// request for every request.
// realm names the protection space in its challenges.
func Guard(doc *openapi3.T, basePath, realm string, authn *auth.Authenticator, val *validator.Validator, checks ...Check) func(http.Handler) http.Handler {
	return guard(newOperations(doc, basePath, authn, val), authn, val, checks, failures{realm: realm})
}

func guard(ops operations, authn *auth.Authenticator, val *validator.Validator, checks []Check, fail failures) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			op, err := ops.find(r)
			if err != nil {
				problem.Write(w, r, err)
				return
			}
			var p auth.Principal
			var ok bool
			if verified, found := auth.VerifiedFromContext(r.Context()); found {
				// A call from an Endpoint (MCP), whose caller was authenticated
				// there: only the operation's requirements are checked.
				p, ok, err = authn.Authorize(r.Context(), verified, op.policy)
			} else {
				p, ok, err = authn.Authenticate(r.Context(), r, op.policy)
			}
			if err != nil {
				fail.write(w, r, err)
				return
			}
			if ok {
				httplog.SetSubject(r.Context(), p.Subject)
				r = r.WithContext(auth.NewContext(r.Context(), p))
			}
			for _, check := range checks {
				if err := check(w, r); err != nil {
					fail.write(w, r, err)
					return
				}
			}
			if err := val.Request(w, r, op.check); err != nil {
				problem.Write(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// checkResponses validates every response against the spec
// (Config.ValidateResponses).
func checkResponses(ops operations, val *validator.Validator) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			op, err := ops.find(r)
			if err != nil {
				problem.Write(w, r, err)
				return
			}
			val.CheckResponse(w, r, op.check, next)
		})
	}
}
