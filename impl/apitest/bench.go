package apitest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"example.com/tasks/impl/domain"
	"example.com/tasks/impl/store/backend"
)

// The request benchmarks: one set of scenarios sent to several stacks in one
// run, so that every ratio comes from the same run. impl/httpapi compares the
// full stack with a bare chi baseline; docs/ogen-bench adds an ogen server.
// docs/PERFORMANCE.md has the commands and the results.

// Stack is a handler under benchmark, built over the database it must use.
type Stack struct {
	Name  string // the sub-benchmark name: "stack=full"
	Build func(backend.DB) http.Handler
}

// Scenario is one benchmarked request and the status it must get.
type Scenario struct {
	Name, Method, Path, Token, Body string
	Want                            int
}

// Scenarios returns the benchmarked requests; the GET ones read task id.
func Scenarios(id uuid.UUID) []Scenario {
	item := "/v1/tasks/" + id.String()
	return []Scenario{
		{"GetByID", "GET", item, AliceToken, "", http.StatusOK},
		{"NoToken401", "GET", item, "", "", http.StatusUnauthorized},
		{"Scope403", "POST", "/v1/tasks", CarolToken, `{"title":"bench"}`, http.StatusForbidden},
		{"Post", "POST", "/v1/tasks", AliceToken, `{"title":"bench","status":"todo"}`, http.StatusCreated},
		{"InvalidBody400", "POST", "/v1/tasks", AliceToken, `{"title":""}`, http.StatusBadRequest},
	}
}

// BenchmarkRequests runs every scenario on every stack, as sub-benchmarks
// named Scenario/stack=Name: `benchstat -col /stack` puts the stacks side by
// side, the first one as the baseline. Each gets a fresh in-memory database
// holding one task of alice's (Seed), which the GET scenarios read.
func BenchmarkRequests(b *testing.B, stacks []Stack) {
	for i := range Scenarios(uuid.Nil) {
		for _, stack := range stacks {
			db := MemoryDB(b)
			sc := Scenarios(Seed(b, db))[i]
			b.Run(sc.Name+"/"+stack.Name, func(b *testing.B) {
				h := stack.Build(db)
				b.ReportAllocs()
				for b.Loop() {
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, sc.Request())
					if rec.Code != sc.Want {
						b.Fatalf("status %d, want %d: %s", rec.Code, sc.Want, rec.Body)
					}
				}
			})
		}
	}
}

// Request builds the scenario's request, as httptest does for a handler.
func (sc Scenario) Request() *http.Request {
	var req *http.Request
	if sc.Body != "" {
		req = httptest.NewRequest(sc.Method, sc.Path, strings.NewReader(sc.Body))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(sc.Method, sc.Path, nil)
	}
	if sc.Token != "" {
		req.Header.Set("Authorization", "Bearer "+sc.Token)
	}
	return req
}

// Seed stores one task of alice's in db and returns its id.
func Seed(tb testing.TB, db backend.DB) uuid.UUID {
	id, err := SeedTask(context.Background(), db)
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// SeedTask is Seed for a program (docs/ogen-bench's bench-http servers).
func SeedTask(ctx context.Context, db backend.DB) (uuid.UUID, error) {
	now := time.Now().UTC()
	t := domain.Task{Record: domain.Record{ID: uuid.New(), Owner: "alice", CreatedAt: now, UpdatedAt: now}, Title: "seeded", Status: "todo"}
	_, err := db.CreateTask(ctx, t)
	return t.ID, err
}

// BareChi is the baseline stack: the same routes and work (store, JSON) with
// a hand-written bearer and scope check and no spec, no validation, no
// request id, no access log.
var BareChi = Stack{Name: "stack=bare-chi", Build: bareChi}

func bareChi(db backend.DB) http.Handler {
	s := db
	type principal struct {
		subject string
		scopes  map[string]bool
	}
	tokens := map[string]principal{
		AliceToken: {"alice", map[string]bool{"tasks:read": true, "tasks:write": true}},
		CarolToken: {"carol", map[string]bool{"tasks:read": true}},
	}
	fail := func(w http.ResponseWriter, status int, challenge string) {
		w.Header().Set("WWW-Authenticate", challenge)
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"status":%d}`, status)
	}
	authed := func(scope string, next func(http.ResponseWriter, *http.Request, principal)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
			if !ok {
				fail(w, http.StatusUnauthorized, `Bearer realm="tasks"`)
				return
			}
			p, ok := tokens[token]
			if !ok {
				fail(w, http.StatusUnauthorized, `Bearer realm="tasks", error="invalid_token"`)
				return
			}
			if !p.scopes[scope] {
				fail(w, http.StatusForbidden, `Bearer realm="tasks", error="insufficient_scope"`)
				return
			}
			next(w, r, p)
		}
	}
	writeJSON := func(w http.ResponseWriter, status int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
	r := chi.NewRouter()
	r.Get("/v1/tasks/{id}", authed("tasks:read", func(w http.ResponseWriter, r *http.Request, p principal) {
		id, err := uuid.Parse(chi.URLParam(r, "id"))
		if err != nil {
			fail(w, http.StatusBadRequest, "")
			return
		}
		t, err := s.GetTask(r.Context(), p.subject, id)
		if err != nil {
			fail(w, http.StatusNotFound, "")
			return
		}
		writeJSON(w, http.StatusOK, toJSON(t))
	}))
	r.Post("/v1/tasks", authed("tasks:write", func(w http.ResponseWriter, r *http.Request, p principal) {
		var in struct{ Title, Status string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Title == "" {
			fail(w, http.StatusBadRequest, "")
			return
		}
		now := time.Now().UTC()
		t := domain.Task{Record: domain.Record{ID: uuid.New(), Owner: p.subject, CreatedAt: now, UpdatedAt: now}, Title: in.Title, Status: in.Status}
		if _, err := s.CreateTask(r.Context(), t); err != nil {
			fail(w, http.StatusInternalServerError, "")
			return
		}
		writeJSON(w, http.StatusCreated, toJSON(t))
	}))
	return r
}

// taskJSON is a task as bare chi renders it: the spec's Task, but for the
// description, which the benchmarks never set. A struct, as a hand-written
// handler would use, not a map: a map costs encoding/json about 15 more
// allocations per task, which would make the baseline the slowest stack on
// a page of 20.
type taskJSON struct {
	ID        uuid.UUID `json:"id"`
	Title     string    `json:"title"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toJSON(t domain.Task) taskJSON {
	return taskJSON{ID: t.ID, Title: t.Title, Status: t.Status, CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt}
}
