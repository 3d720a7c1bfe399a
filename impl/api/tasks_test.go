package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/oapi-codegen/nullable"

	"example.com/tasks/gen"
	"example.com/tasks/impl/domain"
)

// fakeTasks is a domain.TaskStore in memory, with the contract's semantics
// (owners, versions, conditional writes, Key order), and ways to fail. The
// embedded domain.Stores stands for the other resources' stores, which a
// task handler never calls (nil: a call would panic).
type fakeTasks struct {
	domain.Stores
	mu   sync.Mutex
	rows map[uuid.UUID]domain.Task
	// err, when set, is what every call returns.
	err error
	// races is how many of the next UpdateTask calls find that another
	// writer got there first: before each, the row's status becomes "done"
	// and its version moves on, as a concurrent PUT would do.
	races int
	// calls counts calls by method name.
	calls map[string]int
}

var _ domain.TaskStore = (*fakeTasks)(nil)

func newFakeTasks(rows ...domain.Task) *fakeTasks {
	f := &fakeTasks{rows: map[uuid.UUID]domain.Task{}, calls: map[string]int{}}
	for _, t := range rows {
		f.rows[t.ID] = t
	}
	return f
}

func (f *fakeTasks) begin(method string) error {
	f.mu.Lock()
	f.calls[method]++
	return f.err
}

// row returns owner's task id, as the store has it.
func (f *fakeTasks) row(owner string, id uuid.UUID) (domain.Task, bool) {
	t, ok := f.rows[id]
	return t, ok && t.Owner == owner
}

func (f *fakeTasks) CreateTask(_ context.Context, t domain.Task) (domain.Task, error) {
	defer f.mu.Unlock()
	if err := f.begin("CreateTask"); err != nil {
		return domain.Task{}, err
	}
	t.Version = 1
	f.rows[t.ID] = t
	return t, nil
}

func (f *fakeTasks) GetTask(_ context.Context, owner string, id uuid.UUID) (domain.Task, error) {
	defer f.mu.Unlock()
	if err := f.begin("GetTask"); err != nil {
		return domain.Task{}, err
	}
	t, ok := f.row(owner, id)
	if !ok {
		return domain.Task{}, domain.ErrNotFound
	}
	return t, nil
}

// conditional applies the contract's check of a conditional write.
func (f *fakeTasks) conditional(owner string, id uuid.UUID, match int64) (domain.Task, error) {
	t, ok := f.row(owner, id)
	switch {
	case !ok:
		return domain.Task{}, domain.ErrNotFound
	case match != domain.AnyVersion && t.Version != match:
		return domain.Task{}, domain.ErrVersionMismatch
	}
	return t, nil
}

func (f *fakeTasks) UpdateTask(_ context.Context, owner string, t domain.Task, match int64) (domain.Task, error) {
	defer f.mu.Unlock()
	if err := f.begin("UpdateTask"); err != nil {
		return domain.Task{}, err
	}
	if cur, ok := f.row(owner, t.ID); ok && f.races > 0 {
		f.races--
		cur.Status, cur.Version = "done", cur.Version+1
		f.rows[cur.ID] = cur
	}
	cur, err := f.conditional(owner, t.ID, match)
	if err != nil {
		return domain.Task{}, err
	}
	cur.Title, cur.Description, cur.Status, cur.UpdatedAt = t.Title, t.Description, t.Status, t.UpdatedAt
	cur.Version++
	f.rows[cur.ID] = cur
	return cur, nil
}

func (f *fakeTasks) DeleteTask(_ context.Context, owner string, id uuid.UUID, match int64) error {
	defer f.mu.Unlock()
	if err := f.begin("DeleteTask"); err != nil {
		return err
	}
	if _, err := f.conditional(owner, id, match); err != nil {
		return err
	}
	delete(f.rows, id)
	return nil
}

func (f *fakeTasks) ListTasks(_ context.Context, owner string, after *domain.Key, limit int) ([]domain.Task, bool, error) {
	defer f.mu.Unlock()
	if err := f.begin("ListTasks"); err != nil {
		return nil, false, err
	}
	var tasks []domain.Task
	for _, t := range f.rows {
		if t.Owner == owner && (after == nil || t.Key().Compare(*after) > 0) {
			tasks = append(tasks, t)
		}
	}
	slices.SortFunc(tasks, func(a, b domain.Task) int { return a.Key().Compare(b.Key()) })
	if len(tasks) > limit {
		return tasks[:limit], true, nil
	}
	return tasks, false, nil
}

// get returns the stored row id, whoever owns it.
func (f *fakeTasks) get(id uuid.UUID) (domain.Task, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.rows[id]
	return t, ok
}

const (
	alice = "alice"
	bob   = "bob"
)

var (
	aliceTask = domain.Task{
		Record: domain.Record{
			ID: uuid.MustParse("00000000-0000-4000-8000-00000000000a"), Owner: alice, Version: 1,
			CreatedAt: testNow.Add(-time.Hour), UpdatedAt: testNow.Add(-time.Hour),
		},
		Title: "write tests", Description: "for the handlers", Status: "todo",
	}
	bobTask = domain.Task{
		Record: domain.Record{
			ID: uuid.MustParse("00000000-0000-4000-8000-00000000000b"), Owner: bob, Version: 1,
			CreatedAt: testNow.Add(-time.Hour), UpdatedAt: testNow.Add(-time.Hour),
		},
		Title: "bob's", Status: "todo",
	}
	missingID = uuid.MustParse("00000000-0000-4000-8000-0000000000ff")
)

func ptr[T any](v T) *T { return &v }

// show is a header's value for a test's name: "none" when absent.
func show(header *string) string {
	if header == nil {
		return "none"
	}
	return *header
}

// checkProblem checks that r is a problem with status and code.
func checkProblem(t *testing.T, r result, status int, code gen.ProblemCode) gen.Problem {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	p := r.problem(t)
	if p.Code != code {
		t.Errorf("code %q, want %q", p.Code, code)
	}
	return p
}

func TestCreateTask(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		body gen.NewTask
		want domain.Task // Title, Description, Status
	}{
		{"defaults", gen.NewTask{Title: "a"}, domain.Task{Title: "a", Status: "todo"}},
		{"every field", gen.NewTask{Title: "b", Description: ptr("d"), Status: ptr(gen.Done)}, domain.Task{Title: "b", Description: "d", Status: "done"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeTasks()
			call := newCall(alice)
			resp, err := newTestServer(f).CreateTask(call.ctx, gen.CreateTaskRequestObject{Body: &c.body})
			r := call.render(t, resp, err)
			if r.status != http.StatusCreated {
				t.Fatalf("status %d, want 201; body %s", r.status, r.body)
			}
			got := decode[gen.Task](t, r)
			stored, ok := f.get(got.Id)
			if !ok {
				t.Fatalf("task %s not stored", got.Id)
			}
			want := c.want
			want.ID, want.Owner, want.Version, want.CreatedAt, want.UpdatedAt = got.Id, alice, 1, testNow, testNow
			if stored != want {
				t.Errorf("stored %+v, want %+v", stored, want)
			}
			if loc := r.header.Get("Location"); loc != testBase+"/tasks/"+got.Id.String() {
				t.Errorf("Location %q", loc)
			}
			if tag := r.header.Get("ETag"); tag != `"1"` {
				t.Errorf("ETag %q, want \"1\"", tag)
			}
			if got.Title != want.Title || string(got.Status) != want.Status || !got.CreatedAt.Equal(testNow) {
				t.Errorf("body %+v, want %+v", got, want)
			}
			if (got.Description != nil) != (want.Description != "") {
				t.Errorf("description %v, want %q (absent when empty)", got.Description, want.Description)
			}
		})
	}
}

func TestGetTask(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name        string
		id          uuid.UUID
		ifNoneMatch *string
		status      int
	}{
		{"found", aliceTask.ID, nil, http.StatusOK},
		{"missing", missingID, nil, http.StatusNotFound},
		{"another owner's", bobTask.ID, nil, http.StatusNotFound},
		{"If-None-Match current", aliceTask.ID, ptr(`"1"`), http.StatusNotModified},
		{"If-None-Match weak current", aliceTask.ID, ptr(`W/"1"`), http.StatusNotModified},
		{"If-None-Match star", aliceTask.ID, ptr(`*`), http.StatusNotModified},
		{"If-None-Match several", aliceTask.ID, ptr(`"7", W/"1"`), http.StatusNotModified},
		{"If-None-Match other", aliceTask.ID, ptr(`"2"`), http.StatusOK},
		{"If-None-Match on a missing task", missingID, ptr(`*`), http.StatusNotFound},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			call := newCall(alice)
			resp, err := newTestServer(newFakeTasks(aliceTask, bobTask)).GetTask(call.ctx,
				gen.GetTaskRequestObject{Id: c.id, Params: gen.GetTaskParams{IfNoneMatch: c.ifNoneMatch}})
			r := call.render(t, resp, err)
			switch c.status {
			case http.StatusNotFound:
				p := checkProblem(t, r, http.StatusNotFound, gen.ProblemCodeNotFound)
				if p.Detail == nil || strings.Contains(*p.Detail, bob) {
					t.Errorf("detail %v", p.Detail)
				}
				return
			case http.StatusNotModified:
				if len(r.body) != 0 {
					t.Errorf("a 304 with a body: %s", r.body)
				}
			case http.StatusOK:
				if got := decode[gen.Task](t, r); got.Id != aliceTask.ID || got.Title != aliceTask.Title {
					t.Errorf("body %+v", got)
				}
			}
			if r.status != c.status {
				t.Fatalf("status %d, want %d", r.status, c.status)
			}
			if tag := r.header.Get("ETag"); tag != `"1"` {
				t.Errorf("ETag %q, want \"1\"", tag)
			}
		})
	}
}

// tasksOf returns n tasks of owner, created a second apart.
func tasksOf(owner string, n int) []domain.Task {
	var tasks []domain.Task
	for i := range n {
		at := testNow.Add(time.Duration(i-n) * time.Second)
		tasks = append(tasks, domain.Task{Record: domain.Record{ID: uuid.New(), Owner: owner, Version: 1, CreatedAt: at, UpdatedAt: at}, Title: fmt.Sprint(i), Status: "todo"})
	}
	return tasks
}

func TestListTasks(t *testing.T) {
	t.Parallel()
	mine := tasksOf(alice, 25)
	f := newFakeTasks(append(tasksOf(bob, 3), mine...)...)
	s := newTestServer(f)
	list := func(t *testing.T, limit *int32, cursor *string) (gen.TaskPage, result) {
		t.Helper()
		call := newCall(alice)
		resp, err := s.ListTasks(call.ctx, gen.ListTasksRequestObject{Params: gen.ListTasksParams{Limit: limit, Cursor: cursor}})
		r := call.render(t, resp, err)
		if r.status != http.StatusOK {
			return gen.TaskPage{}, r
		}
		return decode[gen.TaskPage](t, r), r
	}
	titles := func(p gen.TaskPage) (out []string) {
		for _, item := range p.Items {
			out = append(out, item.Title)
		}
		return out
	}

	t.Run("default limit", func(t *testing.T) {
		t.Parallel()
		page, _ := list(t, nil, nil)
		if len(page.Items) != defaultLimit || page.NextCursor == nil {
			t.Errorf("%d items, next cursor %v; want %d and a cursor", len(page.Items), page.NextCursor, defaultLimit)
		}
	})
	t.Run("pages in order", func(t *testing.T) {
		t.Parallel()
		var got []string
		var cursor *string
		for pages := 0; ; pages++ {
			if pages > 10 {
				t.Fatal("no last page")
			}
			page, r := list(t, ptr[int32](10), cursor)
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			got = append(got, titles(page)...)
			if cursor = page.NextCursor; cursor == nil {
				break
			}
		}
		var want []string
		for _, task := range mine {
			want = append(want, task.Title)
		}
		if !slices.Equal(got, want) {
			t.Errorf("listed %v, want %v (the owner's, in creation order)", got, want)
		}
	})
	t.Run("last page has no cursor", func(t *testing.T) {
		t.Parallel()
		page, _ := list(t, ptr[int32](25), nil)
		if len(page.Items) != 25 || page.NextCursor != nil {
			t.Errorf("%d items, cursor %v; want 25 and none", len(page.Items), page.NextCursor)
		}
	})
	t.Run("empty is an empty array", func(t *testing.T) {
		t.Parallel()
		call := newCall("nobody")
		resp, err := s.ListTasks(call.ctx, gen.ListTasksRequestObject{})
		r := call.render(t, resp, err)
		if r.status != http.StatusOK || !strings.Contains(string(r.body), `"items":[]`) {
			t.Errorf("status %d, body %s; want 200 with \"items\":[]", r.status, r.body)
		}
	})
	for _, bad := range []string{"not-a-cursor", "AAAA", EncodeCursor(mine[0].Key()) + "AA"} {
		t.Run("bad cursor "+bad, func(t *testing.T) {
			t.Parallel()
			_, r := list(t, nil, &bad)
			p := checkProblem(t, r, http.StatusBadRequest, gen.ProblemCodeValidationFailed)
			if p.Errors == nil || len(*p.Errors) != 1 {
				t.Fatalf("errors %v, want one", p.Errors)
			}
			e := (*p.Errors)[0]
			if e.Parameter == nil || *e.Parameter != "cursor" || e.In == nil || *e.In != gen.Query {
				t.Errorf("error %+v, want the cursor query parameter", e)
			}
		})
	}
}

// write is one of the conditional writes, on alice's behalf.
type write struct {
	name string
	ok   int // its success status
	do   func(s *Server, ctx context.Context, id uuid.UUID, ifMatch *string) (any, error)
}

var writes = []write{
	{"PUT", http.StatusOK, func(s *Server, ctx context.Context, id uuid.UUID, ifMatch *string) (any, error) {
		return s.UpdateTask(ctx, gen.UpdateTaskRequestObject{Id: id, Params: gen.UpdateTaskParams{IfMatch: ifMatch},
			Body: &gen.NewTask{Title: "replaced", Status: ptr(gen.Done)}})
	}},
	{"DELETE", http.StatusNoContent, func(s *Server, ctx context.Context, id uuid.UUID, ifMatch *string) (any, error) {
		return s.DeleteTask(ctx, gen.DeleteTaskRequestObject{Id: id, Params: gen.DeleteTaskParams{IfMatch: ifMatch}})
	}},
	{"PATCH", http.StatusOK, func(s *Server, ctx context.Context, id uuid.UUID, ifMatch *string) (any, error) {
		return s.PatchTask(ctx, gen.PatchTaskRequestObject{Id: id, Params: gen.PatchTaskParams{IfMatch: ifMatch},
			Body: &gen.TaskPatch{Title: ptr("patched")}})
	}},
}

// TestConditionalWrites: every write to a task at version 1, under each
// If-Match (RFC 9110 §13.1.1): it goes ahead, or is refused with a 412 and
// leaves the task as it was.
func TestConditionalWrites(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		ifMatch *string
		goes    bool
	}{
		{nil, true},
		{ptr(`"1"`), true},
		{ptr(`*`), true},
		{ptr(`"7", "1"`), true},
		{ptr(`"2"`), false},
		{ptr(`W/"1"`), false}, // If-Match compares strongly: a weak tag never matches
		{ptr(`"7", "8"`), false},
		{ptr(`"7", W/"1"`), false},
		{ptr(`"x1"`), false}, // a tag this server never issued
	} {
		for _, w := range writes {
			t.Run(w.name+" If-Match "+show(c.ifMatch), func(t *testing.T) {
				t.Parallel()
				f := newFakeTasks(aliceTask)
				call := newCall(alice)
				resp, err := w.do(newTestServer(f), call.ctx, aliceTask.ID, c.ifMatch)
				r := call.render(t, resp, err)
				stored, ok := f.get(aliceTask.ID)
				if !c.goes {
					checkProblem(t, r, http.StatusPreconditionFailed, gen.ProblemCodePreconditionFailed)
					if !ok || stored != aliceTask {
						t.Errorf("a refused write changed the task: %+v", stored)
					}
					return
				}
				if r.status != w.ok {
					t.Fatalf("status %d, want %d; body %s", r.status, w.ok, r.body)
				}
				if w.ok == http.StatusNoContent {
					if ok {
						t.Error("the task is still stored")
					}
					return
				}
				if !ok || stored.Version != 2 || stored.Title == aliceTask.Title || !stored.UpdatedAt.Equal(testNow) {
					t.Errorf("stored %+v, want version 2, the new title, updated now", stored)
				}
				if tag := r.header.Get("ETag"); tag != `"2"` {
					t.Errorf("ETag %q, want \"2\"", tag)
				}
				if got := decode[gen.Task](t, r); got.Title != stored.Title || string(got.Status) != stored.Status {
					t.Errorf("body %+v, stored %+v", got, stored)
				}
			})
		}
	}
}

// TestWritesToMissingTasks: a task that is not there, or is someone else's,
// is a 404 whatever the If-Match (§13.2.1: a 404 takes precedence).
func TestWritesToMissingTasks(t *testing.T) {
	t.Parallel()
	for _, id := range []uuid.UUID{missingID, bobTask.ID} {
		for _, ifMatch := range []*string{nil, ptr(`"1"`), ptr(`*`), ptr(`"1", "2"`)} {
			for _, w := range writes {
				t.Run(fmt.Sprintf("%s %s If-Match %s", w.name, id, show(ifMatch)), func(t *testing.T) {
					t.Parallel()
					f := newFakeTasks(aliceTask, bobTask)
					call := newCall(alice)
					resp, err := w.do(newTestServer(f), call.ctx, id, ifMatch)
					checkProblem(t, call.render(t, resp, err), http.StatusNotFound, gen.ProblemCodeNotFound)
					if got, _ := f.get(bobTask.ID); got != bobTask {
						t.Errorf("bob's task changed: %+v", got)
					}
				})
			}
		}
	}
}

// TestPatchMerges: a merge patch sets the fields it names, removes the
// description with null, and leaves the rest.
func TestPatchMerges(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		patch gen.TaskPatch
		want  func(*domain.Task)
	}{
		{"nothing", gen.TaskPatch{}, func(*domain.Task) {}},
		{"status", gen.TaskPatch{Status: ptr(gen.Done)}, func(t *domain.Task) { t.Status = "done" }},
		{"description null", gen.TaskPatch{Description: nullable.NewNullNullable[string]()}, func(t *domain.Task) { t.Description = "" }},
		{"description set", gen.TaskPatch{Description: nullable.NewNullableWithValue("new")}, func(t *domain.Task) { t.Description = "new" }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeTasks(aliceTask)
			call := newCall(alice)
			resp, err := newTestServer(f).PatchTask(call.ctx, gen.PatchTaskRequestObject{Id: aliceTask.ID, Body: &c.patch})
			if r := call.render(t, resp, err); r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			want := aliceTask
			c.want(&want)
			want.Version, want.UpdatedAt = 2, testNow
			if got, _ := f.get(aliceTask.ID); got != want {
				t.Errorf("stored %+v, want %+v", got, want)
			}
		})
	}
}

// TestPatchUnderConcurrentWrites: another writer changes the task between
// PATCH's read and its write. Without If-Match, PATCH reads and merges
// again, so the other write is kept; a task that never stops changing is a
// 500. With If-Match, even "*", the version the client agreed to is gone:
// a 412 at once, with no second read.
func TestPatchUnderConcurrentWrites(t *testing.T) {
	t.Parallel()
	raced := func(version int64) domain.Task {
		return domain.Task{Record: domain.Record{Version: version}, Title: aliceTask.Title, Status: "done"}
	}
	for _, c := range []struct {
		name    string
		ifMatch *string
		races   int
		status  int
		want    domain.Task // Title, Status, Version of the stored task
		reads   int
		writes  int
	}{
		{"no If-Match, one race", nil, 1, http.StatusOK, domain.Task{Record: domain.Record{Version: 3}, Title: "patched", Status: "done"}, 2, 2},
		{"no If-Match, races every time", nil, patchAttempts, http.StatusInternalServerError, raced(1 + patchAttempts), patchAttempts, patchAttempts},
		{"If-Match, one race", ptr(`"1"`), 1, http.StatusPreconditionFailed, raced(2), 1, 1},
		{"If-Match star, one race", ptr(`*`), 1, http.StatusPreconditionFailed, raced(2), 1, 1},
		{"If-Match several, one race", ptr(`"1", "2"`), 1, http.StatusPreconditionFailed, raced(2), 1, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeTasks(aliceTask)
			f.races = c.races
			call := newCall(alice)
			resp, err := newTestServer(f).PatchTask(call.ctx, gen.PatchTaskRequestObject{
				Id: aliceTask.ID, Params: gen.PatchTaskParams{IfMatch: c.ifMatch}, Body: &gen.TaskPatch{Title: ptr("patched")}})
			r := call.render(t, resp, err)
			if r.status != c.status {
				t.Fatalf("status %d, want %d; body %s", r.status, c.status, r.body)
			}
			got, _ := f.get(aliceTask.ID)
			if got.Title != c.want.Title || got.Status != c.want.Status || got.Version != c.want.Version {
				t.Errorf("stored %q %q version %d; want %q %q version %d (no write lost)",
					got.Title, got.Status, got.Version, c.want.Title, c.want.Status, c.want.Version)
			}
			if f.calls["GetTask"] != c.reads || f.calls["UpdateTask"] != c.writes {
				t.Errorf("%d reads and %d writes, want %d and %d", f.calls["GetTask"], f.calls["UpdateTask"], c.reads, c.writes)
			}
		})
	}
}

// TestStoreUnavailable: every operation answers a database that cannot be
// reached with a 503 and Retry-After, and logs the cause; any other store
// failure is a 500 that tells the client nothing of it.
func TestStoreUnavailable(t *testing.T) {
	t.Parallel()
	ops := map[string]func(s *Server, ctx context.Context) (any, error){
		"list": func(s *Server, ctx context.Context) (any, error) {
			return s.ListTasks(ctx, gen.ListTasksRequestObject{})
		},
		"create": func(s *Server, ctx context.Context) (any, error) {
			return s.CreateTask(ctx, gen.CreateTaskRequestObject{Body: &gen.NewTask{Title: "t"}})
		},
		"get": func(s *Server, ctx context.Context) (any, error) {
			return s.GetTask(ctx, gen.GetTaskRequestObject{Id: aliceTask.ID})
		},
	}
	for _, w := range writes {
		for _, ifMatch := range []*string{nil, ptr(`"1"`), ptr(`"1", "2"`)} {
			ops[w.name+" If-Match "+show(ifMatch)] = func(s *Server, ctx context.Context) (any, error) {
				return w.do(s, ctx, aliceTask.ID, ifMatch)
			}
		}
	}
	const secret = "dial tcp 10.0.0.7:5432: password authentication failed for user admin"
	for name, op := range ops {
		t.Run(name+" unavailable", func(t *testing.T) {
			t.Parallel()
			f := newFakeTasks(aliceTask)
			f.err = fmt.Errorf("%w: %s", domain.ErrUnavailable, secret)
			call := newCall(alice)
			resp, err := op(newTestServer(f), call.ctx)
			r := call.render(t, resp, err)
			checkProblem(t, r, http.StatusServiceUnavailable, gen.ProblemCodeServiceUnavailable)
			if ra := r.header.Get("Retry-After"); ra != retryAfter {
				t.Errorf("Retry-After %q, want %q", ra, retryAfter)
			}
			if strings.Contains(string(r.body), "10.0.0.7") {
				t.Errorf("the cause reached the client: %s", r.body)
			}
			if !strings.Contains(call.logged(), "10.0.0.7") {
				t.Errorf("the cause is not logged: %s", call.logged())
			}
		})
		t.Run(name+" failing", func(t *testing.T) {
			t.Parallel()
			f := newFakeTasks(aliceTask)
			f.err = errors.New(secret)
			call := newCall(alice)
			resp, err := op(newTestServer(f), call.ctx)
			r := call.render(t, resp, err)
			checkProblem(t, r, http.StatusInternalServerError, gen.ProblemCodeInternalError)
			if r.header.Get("Retry-After") != "" || strings.Contains(string(r.body), "10.0.0.7") {
				t.Errorf("a 500 with Retry-After or the cause: %v %s", r.header, r.body)
			}
			if !strings.Contains(call.logged(), "10.0.0.7") {
				t.Errorf("the cause is not logged: %s", call.logged())
			}
		})
	}
}
