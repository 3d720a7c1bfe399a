package ogenbench_test

import (
	"net/http"
	"testing"

	ogenbench "example.com/tasks/docs/ogen-bench"
	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/store/backend"
)

// BenchmarkRequest runs the scenarios of impl/httpapi's BenchmarkRequest
// (apitest.BenchmarkRequests) on three stacks in one run: bare chi (the
// baseline), our full stack (httpapi.New, as cmd/server serves it) and the
// ogen-generated server of this module. `benchstat -col /stack` gives the
// ratios against bare chi.
func BenchmarkRequest(b *testing.B) {
	apitest.BenchmarkRequests(b, []apitest.Stack{
		apitest.BareChi,
		{Name: "stack=full", Build: func(db backend.DB) http.Handler {
			h, err := apitest.Handler(b, apitest.Config{API: apitest.API(b, db)})
			if err != nil {
				b.Fatal(err)
			}
			return h
		}},
		{Name: "stack=ogen", Build: func(db backend.DB) http.Handler {
			h, err := ogenbench.New(db, apitest.Tokens())
			if err != nil {
				b.Fatal(err)
			}
			return h
		}},
	})
}
