package validator_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/go-chi/chi/v5"

	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/auth/statictoken"
	"example.com/tasks/impl/problem"
	"example.com/tasks/impl/validator"
)

// generatedSpec returns a spec with n secured GET operations, /r0/{id} to
// /r{n-1}/{id}, each with a uuid path parameter and a bounded query parameter.
func generatedSpec(n int) string {
	var b strings.Builder
	b.WriteString(`openapi: 3.0.3
info: {title: scale, version: "1"}
security:
  - bearerAuth: []
paths:
`)
	for i := range n {
		fmt.Fprintf(&b, `  /r%d/{id}:
    get:
      operationId: get%d
      security:
        - bearerAuth: []
          oauth2: [read]
      parameters:
        - {name: id, in: path, required: true, schema: {type: string, format: uuid}}
        - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 100}}
      responses: {"204": {description: ok}}
`, i, i)
	}
	b.WriteString(`components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
    oauth2:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://auth.example.com/token
          scopes: {read: read}
`)
	return b.String()
}

func loadSpec(b *testing.B, spec string) *openapi3.T {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(spec))
	if err != nil {
		b.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		b.Fatal(err)
	}
	return doc
}

func benchTokens(b *testing.B) *statictoken.Verifier {
	v, err := statictoken.Parse([]byte("tokens:\n  - {subject: s, scopes: [read], sha256: " + statictoken.Digest("tok") + "}\n"))
	if err != nil {
		b.Fatal(err)
	}
	return v
}

// BenchmarkScaling: the per-request cost of validation must not grow with
// the number of operations in the spec (chi's pattern → operation map).
func BenchmarkScaling(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		doc := loadSpec(b, generatedSpec(n))
		h := apitest.Mount(b, doc, benchTokens(b), func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusNoContent)
		})
		path := fmt.Sprintf("/r%d/3f0e4b8e-8f9a-4c51-9d3c-1b2a7f6e5d40?limit=10", n/2)
		b.Run(fmt.Sprintf("ops=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest("GET", path, nil)
				req.Header.Set("Authorization", "Bearer tok")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				if rec.Code != http.StatusNoContent {
					b.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
			}
		})
		// For comparison: the route lookup alone in kin-openapi's gorillamux
		// router, which the nethttp-middleware validator does per request.
		b.Run(fmt.Sprintf("ops=%d/kin-gorillamux-lookup-only", n), func(b *testing.B) {
			router, err := gorillamux.NewRouter(doc)
			if err != nil {
				b.Fatal(err)
			}
			req := httptest.NewRequest("GET", path, nil)
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := router.FindRoute(req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkStartup: loading, validating and compiling a spec of n operations.
func BenchmarkStartup(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		spec := generatedSpec(n)
		v := benchTokens(b)
		b.Run(fmt.Sprintf("ops=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				apitest.Mount(b, loadSpec(b, spec), v, func(http.ResponseWriter, *http.Request) {})
			}
		})
	}
}

// BenchmarkRequest: validator.Request alone, on testdata/items.yaml, for
// requests like those of apitest.Scenarios that reach it (a uuid path
// parameter; a small JSON body, valid and not), a list with a query
// string, and a body to which the schema adds a default. The request is copied from a prepared one on each iteration, so
// the numbers are the validator's plus three small allocations.
func BenchmarkRequest(b *testing.B) {
	v := validator.New(itemsSpec(b), 1<<20)
	const id = "3f0e4b8e-8f9a-4c51-9d3c-1b2a7f6e5d40"
	for _, bc := range []struct {
		name, method, path, url, body string
		want                          int // 0: valid
	}{
		{"GetByID", "GET", "/items/{id}", "/items/" + id, "", 0},
		{"List", "GET", "/items", "/items?limit=10&cursor=GOqkQN_KQAA", "", 0},
		{"Post", "POST", "/labels", "/labels", `{"name":"bench","kind":"x"}`, 0},
		{"InvalidBody400", "POST", "/labels", "/labels", `{"name":""}`, http.StatusBadRequest},
		{"PostDefaults", "POST", "/items", "/items", `{"name":"bench","kind":"x","size":1}`, 0},
	} {
		b.Run(bc.name, func(b *testing.B) {
			op := v.Operation(bc.path, bc.method)
			rc := chi.NewRouteContext()
			if strings.Contains(bc.path, "{id}") {
				rc.URLParams.Add("id", id)
			}
			base := httptest.NewRequest(bc.method, bc.url, nil)
			base = base.WithContext(context.WithValue(base.Context(), chi.RouteCtxKey, rc))
			if bc.body != "" {
				base.Header.Set("Content-Type", "application/json")
				base.ContentLength = int64(len(bc.body))
			}
			w := httptest.NewRecorder()
			b.ReportAllocs()
			for b.Loop() {
				r := *base
				u := *base.URL
				r.URL = &u
				r.Body = io.NopCloser(strings.NewReader(bc.body))
				err := v.Request(w, &r, op)
				var pe *problem.Error
				switch {
				case bc.want == 0 && err != nil:
					b.Fatal(err)
				case bc.want != 0 && (!errors.As(err, &pe) || pe.Status != bc.want):
					b.Fatalf("got %v, want status %d", err, bc.want)
				}
			}
		})
	}
}
