package apitest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"example.com/tasks/impl/api"
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

// Scenario is one benchmarked request and the answer it must get.
type Scenario struct {
	Name, Method, Path, Token, Body string
	// Want is the status; Items, for a list, the number of items the
	// answer holds (0: not a list).
	Want, Items int
}

// listPage is the page size of the List20 scenario: the spec's default,
// what a client that sets no limit gets.
const listPage = 20

// Scenarios returns the benchmarked requests; the GET ones read task id,
// the list pages through bob's tasks (SeedStore gives him more than a page).
func Scenarios(id uuid.UUID) []Scenario {
	item := "/v1/tasks/" + id.String()
	list := "/v1/tasks?limit=" + strconv.Itoa(listPage)
	return []Scenario{
		{"GetByID", "GET", item, AliceToken, "", http.StatusOK, 0},
		{"List20", "GET", list, BobToken, "", http.StatusOK, listPage},
		{"NoToken401", "GET", item, "", "", http.StatusUnauthorized, 0},
		{"Scope403", "POST", "/v1/tasks", CarolToken, `{"title":"bench"}`, http.StatusForbidden, 0},
		{"Post", "POST", "/v1/tasks", AliceToken, `{"title":"bench","status":"todo"}`, http.StatusCreated, 0},
		{"InvalidBody400", "POST", "/v1/tasks", AliceToken, `{"title":""}`, http.StatusBadRequest, 0},
	}
}

// Check returns an error unless an answer is the one the scenario wants:
// its status and, for a list, its number of items. Decoding a list costs
// more than the request does, so a load generator calls it on a sample of
// the answers and compares only the status of the others.
func (sc Scenario) Check(status int, body []byte) error {
	if status != sc.Want {
		return fmt.Errorf("status %d, want %d: %.300s", status, sc.Want, body)
	}
	if sc.Items == 0 {
		return nil
	}
	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(body, &page); err != nil {
		return fmt.Errorf("list answer: %w: %.300s", err, body)
	}
	if len(page.Items) != sc.Items {
		return fmt.Errorf("%d items, want %d: %.300s", len(page.Items), sc.Items, body)
	}
	return nil
}

// BenchmarkRequests runs every scenario on every stack, as sub-benchmarks
// named Scenario/stack=Name: `benchstat -col /stack` puts the stacks side by
// side, the first one as the baseline. Each gets a fresh in-memory database
// holding Seed's tasks, which the GET and list scenarios read. The first
// answer is checked in full (Check), the others by their status.
func BenchmarkRequests(b *testing.B, stacks []Stack) {
	for i := range Scenarios(uuid.Nil) {
		for _, stack := range stacks {
			db := MemoryDB(b)
			sc := Scenarios(Seed(b, db))[i]
			b.Run(sc.Name+"/"+stack.Name, func(b *testing.B) {
				h := stack.Build(db)
				first := httptest.NewRecorder()
				h.ServeHTTP(first, sc.Request())
				if err := sc.Check(first.Code, first.Body.Bytes()); err != nil {
					b.Fatal(err)
				}
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

// Seed stores SeedStore's tasks in db and returns the id of alice's.
func Seed(tb testing.TB, db backend.DB) uuid.UUID {
	id, err := SeedStore(context.Background(), db)
	if err != nil {
		tb.Fatal(err)
	}
	return id
}

// listSeeded is how many tasks bob has: more than a page, so that the list
// scenario's answer carries a next cursor, as a real first page does.
const listSeeded = listPage + 5

// SeedStore stores one task of alice's, which the GET scenarios read, and
// listSeeded of bob's, which the list scenario pages through, and returns
// the id of alice's. It is Seed for a program (docs/ogen-bench's
// bench-http servers) and for a store that is not a backend.DB.
func SeedStore(ctx context.Context, s domain.TaskStore) (uuid.UUID, error) {
	create := func(owner, title string) (uuid.UUID, error) {
		now := time.Now().UTC()
		t := domain.Task{Record: domain.Record{ID: uuid.New(), Owner: owner, CreatedAt: now, UpdatedAt: now}, Title: title, Status: "todo"}
		_, err := s.CreateTask(ctx, t)
		return t.ID, err
	}
	for i := range listSeeded {
		if _, err := create("bob", fmt.Sprintf("listed %d", i+1)); err != nil {
			return uuid.Nil, err
		}
	}
	return create("alice", "seeded")
}

// BareChi is the baseline stack: the same routes and work (store, JSON) with
// a hand-written bearer and scope check and no spec, no validation, no
// request id, no access log.
var BareChi = Stack{Name: "stack=bare-chi", Build: func(db backend.DB) http.Handler { return BareChiHandler(db) }}

// BareChiHandler is BareChi's handler over any task store (docs/ogen-bench
// runs it over a Go map as well, a baseline without a database).
func BareChiHandler(s domain.TaskStore) http.Handler {
	type principal struct {
		subject string
		scopes  map[string]bool
	}
	tokens := map[string]principal{
		AliceToken: {"alice", map[string]bool{"tasks:read": true, "tasks:write": true}},
		BobToken:   {"bob", map[string]bool{"tasks:read": true, "tasks:write": true}},
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
	r.Get("/v1/tasks", authed("tasks:read", func(w http.ResponseWriter, r *http.Request, p principal) {
		q := r.URL.Query()
		limit := listPage
		if v := q.Get("limit"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 100 {
				fail(w, http.StatusBadRequest, "")
				return
			}
			limit = n
		}
		var after *domain.Key
		if c := q.Get("cursor"); c != "" {
			k, ok := api.DecodeCursor(c)
			if !ok {
				fail(w, http.StatusBadRequest, "")
				return
			}
			after = &k
		}
		tasks, more, err := s.ListTasks(r.Context(), p.subject, after, limit)
		if err != nil {
			fail(w, http.StatusInternalServerError, "")
			return
		}
		page := taskPage{Items: make([]taskJSON, 0, len(tasks))}
		for _, t := range tasks {
			page.Items = append(page.Items, toJSON(t))
		}
		if more && len(tasks) > 0 {
			page.NextCursor = api.EncodeCursor(tasks[len(tasks)-1].Key())
		}
		writeJSON(w, http.StatusOK, page)
	}))
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

// taskPage is the spec's TaskPage.
type taskPage struct {
	Items      []taskJSON `json:"items"`
	NextCursor string     `json:"next_cursor,omitempty"`
}
