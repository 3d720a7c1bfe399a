package ogenbench_test

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	ogenbench "example.com/tasks/docs/ogen-bench"
	"example.com/tasks/gen"
	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/store"
)

// TestServerKeepsTheContract sends the benchmark's scenarios, and a few
// more, to the ogen server and checks every response against openapi.yaml
// with the checker our own tests use, so that the benchmark compares servers
// that give the same answers.
func TestServerKeepsTheContract(t *testing.T) {
	t.Parallel()
	doc, err := gen.GetSpec()
	if err != nil {
		t.Fatal(err)
	}
	checker := apitest.NewChecker(doc, "/v1")
	s := store.NewMemory()
	now := time.Now().UTC()
	id := uuid.New()
	if _, err := s.Create(t.Context(), store.Task{ID: id, Owner: "alice", Title: "seeded", Status: "todo", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	h, err := ogenbench.New(s, apitest.Tokens())
	if err != nil {
		t.Fatal(err)
	}
	cases := scenarios(id)
	cases = append(cases,
		scenario{"BadToken401", "GET", "/v1/tasks/" + id.String(), "no-such-token", "", http.StatusUnauthorized},
		scenario{"NotUUID400", "GET", "/v1/tasks/not-a-uuid", apitest.AliceToken, "", http.StatusBadRequest},
		scenario{"OtherOwner404", "GET", "/v1/tasks/" + id.String(), apitest.BobToken, "", http.StatusNotFound},
		scenario{"Unknown404", "GET", "/v1/tasks/" + uuid.NewString(), apitest.AliceToken, "", http.StatusNotFound},
		scenario{"UnknownField400", "POST", "/v1/tasks", apitest.AliceToken, `{"title":"x","owner":"bob"}`, http.StatusBadRequest},
		scenario{"BadStatus400", "POST", "/v1/tasks", apitest.AliceToken, `{"title":"x","status":"later"}`, http.StatusBadRequest},
		scenario{"ControlChar400", "POST", "/v1/tasks", apitest.AliceToken, `{"title":"a\u0000b"}`, http.StatusBadRequest},
	)
	for _, sc := range cases {
		t.Run(sc.name, func(t *testing.T) {
			t.Parallel()
			var body *strings.Reader
			if sc.body != "" {
				body = strings.NewReader(sc.body)
			}
			req := newRequest(sc, body)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != sc.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, sc.want, rec.Body)
			}
			if err := checker.Check(req, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
				t.Error(err)
			}
			challenge := rec.Header().Get("WWW-Authenticate")
			switch sc.want {
			case http.StatusUnauthorized, http.StatusForbidden:
				if !strings.HasPrefix(challenge, `Bearer realm="tasks"`) {
					t.Errorf("WWW-Authenticate %q, want a Bearer challenge", challenge)
				}
			default:
				if challenge != "" {
					t.Errorf("WWW-Authenticate %q on a %d", challenge, sc.want)
				}
			}
		})
	}
}

// TestCopiesAreCurrent fails when the declarations copied from
// impl/httpapi/bench_test.go into bench_test.go differ from the originals,
// so that both benchmarks keep running the same scenarios on the same
// baseline.
func TestCopiesAreCurrent(t *testing.T) {
	t.Parallel()
	original := decls(t, "../../impl/httpapi/bench_test.go")
	copied := decls(t, "bench_test.go")
	for _, name := range []string{"scenario", "scenarios", "newRequest", "scenarioFor", "seed", "bareChi"} {
		if original[name] == "" {
			t.Errorf("%s is gone from impl/httpapi/bench_test.go", name)
		} else if copied[name] != original[name] {
			t.Errorf("%s differs from impl/httpapi/bench_test.go: copy it again", name)
		}
	}
}

// decls returns the source of each top-level type and function in a file.
func decls(t *testing.T, path string) map[string]string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, d := range f.Decls {
		var name string
		switch d := d.(type) {
		case *ast.FuncDecl:
			name = d.Name.Name
		case *ast.GenDecl:
			if ts, ok := d.Specs[0].(*ast.TypeSpec); ok && d.Tok == token.TYPE {
				name = ts.Name.Name
			}
		}
		var b bytes.Buffer
		if err := printer.Fprint(&b, fset, d); err != nil {
			t.Fatal(err)
		}
		out[name] = b.String()
	}
	return out
}
