package ogenbench_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	ogenbench "example.com/tasks/docs/ogen-bench"
	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/httpapi"
	"example.com/tasks/impl/store"
)

// BenchmarkRequest runs the scenarios of BenchmarkRequest in
// impl/httpapi/bench_test.go on three stacks in one run: bare chi (the
// baseline), our full stack (httpapi.New, as cmd/server serves it) and the
// ogen-generated server of this module. `benchstat -col /stack` gives the
// ratios against bare chi.
func BenchmarkRequest(b *testing.B) {
	stacks := []struct {
		name  string
		build func(store.Store) http.Handler
	}{
		{"stack=bare-chi", bareChi},
		{"stack=full", func(s store.Store) http.Handler {
			h, err := httpapi.New(httpapi.Config{Logger: slog.New(slog.DiscardHandler), Verifier: apitest.Tokens(), Store: s})
			if err != nil {
				b.Fatal(err)
			}
			return h
		}},
		{"stack=ogen", func(s store.Store) http.Handler {
			h, err := ogenbench.New(s, apitest.Tokens())
			if err != nil {
				b.Fatal(err)
			}
			return h
		}},
	}
	for _, sc := range scenarios(uuid.Nil) {
		for _, stack := range stacks {
			b.Run(sc.name+"/"+stack.name, func(b *testing.B) {
				s := store.NewMemory()
				id := seed(b, s)
				sc := scenarioFor(sc, id)
				h := stack.build(s)
				b.ReportAllocs()
				for b.Loop() {
					var body *strings.Reader
					if sc.body != "" {
						body = strings.NewReader(sc.body)
					}
					req := newRequest(sc, body)
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != sc.want {
						b.Fatalf("status %d, want %d: %s", rec.Code, sc.want, rec.Body)
					}
				}
			})
		}
	}
}

// Everything below is copied from impl/httpapi/bench_test.go, where it is
// test code of another package and cannot be imported. TestCopiesAreCurrent
// fails when the original changes and this copy does not.

type scenario struct {
	name   string
	method string
	path   string
	token  string
	body   string
	want   int
}

func scenarios(id uuid.UUID) []scenario {
	return []scenario{
		{"GetByID", "GET", "/v1/tasks/" + id.String(), apitest.AliceToken, "", http.StatusOK},
		{"NoToken401", "GET", "/v1/tasks/" + id.String(), "", "", http.StatusUnauthorized},
		{"Scope403", "POST", "/v1/tasks", apitest.CarolToken, `{"title":"bench"}`, http.StatusForbidden},
		{"Post", "POST", "/v1/tasks", apitest.AliceToken, `{"title":"bench","status":"todo"}`, http.StatusCreated},
		{"InvalidBody400", "POST", "/v1/tasks", apitest.AliceToken, `{"title":""}`, http.StatusBadRequest},
	}
}

func newRequest(sc scenario, body *strings.Reader) *http.Request {
	var req *http.Request
	if body != nil {
		req = httptest.NewRequest(sc.method, sc.path, body)
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(sc.method, sc.path, nil)
	}
	if sc.token != "" {
		req.Header.Set("Authorization", "Bearer "+sc.token)
	}
	return req
}

func scenarioFor(sc scenario, id uuid.UUID) scenario {
	sc.path = strings.Replace(sc.path, uuid.Nil.String(), id.String(), 1)
	return sc
}

func seed(b *testing.B, s store.Store) uuid.UUID {
	now := time.Now().UTC()
	t := store.Task{ID: uuid.New(), Owner: "alice", Title: "seeded", Status: "todo", CreatedAt: now, UpdatedAt: now}
	if _, err := s.Create(context.Background(), t); err != nil {
		b.Fatal(err)
	}
	return t.ID
}

// bareChi is the baseline: the same routes and work (store, JSON) with a
// hand-written bearer check and no spec, no validation, no access log.
func bareChi(s store.Store) http.Handler {
	type principal struct {
		subject string
		scopes  map[string]bool
	}
	tokens := map[string]principal{
		apitest.AliceToken: {"alice", map[string]bool{"tasks:read": true, "tasks:write": true}},
		apitest.CarolToken: {"carol", map[string]bool{"tasks:read": true}},
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
		t, err := s.Get(r.Context(), p.subject, id)
		if err != nil {
			fail(w, http.StatusNotFound, "")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": t.ID, "title": t.Title, "status": t.Status, "created_at": t.CreatedAt, "updated_at": t.UpdatedAt})
	}))
	r.Post("/v1/tasks", authed("tasks:write", func(w http.ResponseWriter, r *http.Request, p principal) {
		var in struct{ Title, Status string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Title == "" {
			fail(w, http.StatusBadRequest, "")
			return
		}
		now := time.Now().UTC()
		t := store.Task{ID: uuid.New(), Owner: p.subject, Title: in.Title, Status: in.Status, CreatedAt: now, UpdatedAt: now}
		if _, err := s.Create(r.Context(), t); err != nil {
			fail(w, http.StatusInternalServerError, "")
			return
		}
		writeJSON(w, http.StatusCreated, map[string]any{"id": t.ID, "title": t.Title, "status": t.Status, "created_at": t.CreatedAt, "updated_at": t.UpdatedAt})
	}))
	return r
}
