package apitest

import (
	"log/slog"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"

	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/apikey" // option:apikey
	"example.com/tasks/impl/httpapi"
	"example.com/tasks/impl/validator"
)

// Mount serves every operation of doc with handler, behind httpapi.Guard
// exactly as httpapi mounts the generated routes. Tests use it to
// prove behaviour that comes from a spec alone, with no generated code.
// v verifies bearer tokens and API keys alike.
func Mount(t testing.TB, doc *openapi3.T, v auth.Verifier, handler http.HandlerFunc) http.Handler {
	t.Helper()
	schemes := []auth.SchemeFunc{auth.Bearer(v)}
	schemes = append(schemes, apikey.Scheme(v)) // option:apikey
	a, err := auth.New(doc, schemes...)
	if err != nil {
		t.Fatal(err)
	}
	r := chi.NewRouter()
	r.Use(httpapi.Edge(slog.New(slog.DiscardHandler), nil))
	api := r.With(httpapi.Guard(doc, "", "test", a, validator.New(doc, 1<<10)))
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			api.MethodFunc(method, path, handler)
		}
	}
	return r
}
