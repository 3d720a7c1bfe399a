package httpapi

import (
	"context"
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

// Guard returns the route middleware that runs in front of every operation
// of doc served under basePath, in order: find the operation chi matched,
// authenticate, validate. New mounts it on the generated routes; tests mount
// it on a spec of their own (apitest.Mount).
//
// Authentication runs before anything reads a parameter or the body: an
// anonymous caller learns nothing of the API's shape, and sends no body
// that is read.
//
// afterAuth runs between authentication and validation: what needs to know
// the caller, such as the rate limiter.
func Guard(doc *openapi3.T, basePath string, authn *auth.Authenticator, val *validator.Validator, afterAuth ...func(http.Handler) http.Handler) []func(http.Handler) http.Handler {
	ops := map[string]*operation{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			// chi and OpenAPI write path parameters the same way: /tasks/{id}.
			ops[method+" "+basePath+path] = &operation{policy: authn.Policy(op), check: val.Operation(path, method)}
		}
	}
	mw := []func(http.Handler) http.Handler{findOperation(ops), authenticate(authn)}
	return append(append(mw, afterAuth...), validate(val))
}

type operationKey struct{}

// operationOf returns the operation findOperation found for r.
func operationOf(r *http.Request) *operation {
	op, _ := r.Context().Value(operationKey{}).(*operation)
	return op
}

// findOperation finds the spec operation of the route chi matched, by its
// pattern: a map lookup, however many paths the spec has. A HEAD request is
// a GET without the body (RFC 9110 §9.3.2), routed to the GET operation by
// chi's middleware.GetHead, and handled as one.
func findOperation(ops map[string]*operation) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			method := r.Method
			if method == http.MethodHead {
				method = http.MethodGet
			}
			pattern := chi.RouteContext(r.Context()).RoutePattern()
			op := ops[method+" "+pattern]
			if op == nil {
				// Every route comes from the spec, so this is a wiring bug.
				problem.Write(w, r, fmt.Errorf("httpapi: no operation for %s %s", r.Method, pattern))
				return
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), operationKey{}, op)))
		})
	}
}

// authenticate enforces the operation's security requirements and passes
// the principal on in the request's context (auth.FromContext).
func authenticate(authn *auth.Authenticator) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			p, ok, err := authn.Authenticate(r.Context(), r, operationOf(r).policy)
			if err != nil {
				problem.Write(w, r, err)
				return
			}
			if ok {
				httplog.SetSubject(r.Context(), p.Subject)
				r = r.WithContext(auth.NewContext(r.Context(), p))
			}
			next.ServeHTTP(w, r)
		})
	}
}

// validate checks the request's parameters and body against the spec.
func validate(val *validator.Validator) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := val.Request(w, r, operationOf(r).check); err != nil {
				problem.Write(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// checkResponses validates every response against the spec
// (Config.ValidateResponses).
func checkResponses(val *validator.Validator) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			val.CheckResponse(w, r, operationOf(r).check, next)
		})
	}
}
