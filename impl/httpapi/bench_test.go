package httpapi_test

import (
	"net/http"
	"testing"

	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/store/backend"
)

// BenchmarkRequest compares the full stack as shipped (httpapi.New, as
// cmd/server builds it: access log to a discarding handler, spec-derived
// auth, full request validation, problem+json errors), with and without
// --validate-responses, against bare chi doing the same work by hand.
// docs/PERFORMANCE.md has the commands and results.
func BenchmarkRequest(b *testing.B) {
	full := func(validateResponses bool) func(backend.DB) http.Handler {
		return func(db backend.DB) http.Handler {
			h, err := apitest.Handler(b, apitest.Config{API: apitest.API(b, db), ValidateResponses: validateResponses})
			if err != nil {
				b.Fatal(err)
			}
			return h
		}
	}
	apitest.BenchmarkRequests(b, []apitest.Stack{
		apitest.BareChi,
		{Name: "stack=full", Build: full(false)},
		{Name: "stack=full+validate-responses", Build: full(true)},
	})
}
