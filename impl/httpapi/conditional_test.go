package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"example.com/tasks/gen"
	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/store/storetest"
)

// TestETagAndIfMatch follows one task's versions through its ETags and
// checks that a write with a stale ETag is refused and changes nothing.
func TestETagAndIfMatch(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, apitest.Config{})
	ctx := context.Background()
	alice := apitest.Bearer(apitest.AliceToken)

	created, err := srv.Client.CreateTaskWithResponse(ctx, gen.NewTask{Title: "v1"}, alice)
	if err != nil || created.JSON201 == nil {
		t.Fatalf("create: %v %v", err, created)
	}
	id := created.JSON201.Id
	if got := created.HTTPResponse.Header.Get("ETag"); got != `"1"` {
		t.Errorf("create ETag = %q, want \"1\"", got)
	}
	got, err := srv.Client.GetTaskWithResponse(ctx, id, nil, alice)
	if err != nil || got.HTTPResponse.Header.Get("ETag") != `"1"` {
		t.Fatalf("get: ETag %q, %v", got.HTTPResponse.Header.Get("ETag"), err)
	}

	put := func(ifMatch, title string) *gen.UpdateTaskResponse {
		t.Helper()
		resp, err := srv.Client.UpdateTaskWithResponse(ctx, id, &gen.UpdateTaskParams{IfMatch: &ifMatch}, gen.NewTask{Title: title}, alice)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if r := put(`"1"`, "v2"); r.JSON200 == nil || r.HTTPResponse.Header.Get("ETag") != `"2"` {
		t.Fatalf("PUT with the current ETag: status %d, ETag %q; want 200 and \"2\"", r.StatusCode(), r.HTTPResponse.Header.Get("ETag"))
	}
	if r := put(`"1"`, "lost"); r.ApplicationproblemJSON412 == nil || r.ApplicationproblemJSON412.Code != gen.ProblemCodePreconditionFailed {
		t.Fatalf("PUT with a stale ETag: status %d, body %s; want 412 precondition_failed", r.StatusCode(), r.Body)
	}
	del, err := srv.Client.DeleteTaskWithResponse(ctx, id, &gen.DeleteTaskParams{IfMatch: ptr(`"1"`)}, alice)
	if err != nil || del.StatusCode() != http.StatusPreconditionFailed {
		t.Fatalf("DELETE with a stale ETag: %v, status %d; want 412", err, del.StatusCode())
	}
	if got, _ := srv.Client.GetTaskWithResponse(ctx, id, nil, alice); got.JSON200 == nil || got.JSON200.Title != "v2" {
		t.Fatalf("after refused writes: %s; want v2 unchanged", got.Body)
	}
	del, err = srv.Client.DeleteTaskWithResponse(ctx, id, &gen.DeleteTaskParams{IfMatch: ptr(`"2"`)}, alice)
	if err != nil || del.StatusCode() != http.StatusNoContent {
		t.Fatalf("DELETE with the current ETag: %v, status %d; want 204", err, del.StatusCode())
	}
}

// TestIfMatchForms checks every form of If-Match against a task at version 2.
func TestIfMatchForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		ifMatch string
		owner   string
		missing bool
		want    int
	}{
		{"current", `"2"`, apitest.AliceToken, false, http.StatusOK},
		{"any", `*`, apitest.AliceToken, false, http.StatusOK},
		{"list holding the current", `"1", "2"`, apitest.AliceToken, false, http.StatusOK},
		{"list of stale ones", `"1" ,"7"`, apitest.AliceToken, false, http.StatusPreconditionFailed},
		{"weak tag never matches", `W/"2"`, apitest.AliceToken, false, http.StatusPreconditionFailed},
		{"a tag never issued", `"abc"`, apitest.AliceToken, false, http.StatusPreconditionFailed},
		{"not an entity tag", `2`, apitest.AliceToken, false, http.StatusBadRequest},
		{"missing task", `"2"`, apitest.AliceToken, true, http.StatusNotFound},
		{"any, missing task", `*`, apitest.AliceToken, true, http.StatusNotFound},
		{"someone else's task, right tag", `"2"`, apitest.BobToken, false, http.StatusNotFound},
		{"someone else's task, wrong tag", `"1"`, apitest.BobToken, false, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := apitest.NewServer(t, apitest.Config{})
			ctx := context.Background()
			alice := apitest.Bearer(apitest.AliceToken)
			id := uuid.New()
			if !tt.missing {
				c, err := srv.Client.CreateTaskWithResponse(ctx, gen.NewTask{Title: "v1"}, alice)
				if err != nil || c.JSON201 == nil {
					t.Fatalf("create: %v", err)
				}
				id = c.JSON201.Id
				if u, err := srv.Client.UpdateTaskWithResponse(ctx, id, nil, gen.NewTask{Title: "v2"}, alice); err != nil || u.JSON200 == nil {
					t.Fatalf("update to version 2: %v", err)
				}
			}
			for _, method := range []string{"PUT", "DELETE"} {
				var status int
				var err error
				params := tt.ifMatch
				if method == "PUT" {
					var r *gen.UpdateTaskResponse
					r, err = srv.Client.UpdateTaskWithResponse(ctx, id, &gen.UpdateTaskParams{IfMatch: &params}, gen.NewTask{Title: "v3"}, apitest.Bearer(tt.owner))
					if r != nil {
						status = r.StatusCode()
					}
				} else {
					var r *gen.DeleteTaskResponse
					r, err = srv.Client.DeleteTaskWithResponse(ctx, id, &gen.DeleteTaskParams{IfMatch: &params}, apitest.Bearer(tt.owner))
					if r != nil {
						status = r.StatusCode()
					}
				}
				want := tt.want
				if method == "DELETE" && want == http.StatusOK {
					want = http.StatusNoContent
				}
				if err != nil || status != want {
					t.Errorf("%s with If-Match %s: status %d, %v; want %d", method, tt.ifMatch, status, err, want)
				}
				if want == http.StatusOK {
					// The PUT made it version 3: the DELETE must name that.
					params = `"3"`
					tt.ifMatch = params
				}
			}
		})
	}
}

// TestConcurrentIfMatchOverHTTP sends conflicting PUTs that all carry the
// same ETag at once: exactly one is applied, the others get 412.
func TestConcurrentIfMatchOverHTTP(t *testing.T) {
	t.Parallel()
	const writers = 10
	srv := apitest.NewServer(t, apitest.Config{})
	ctx := context.Background()
	alice := apitest.Bearer(apitest.AliceToken)
	c, err := srv.Client.CreateTaskWithResponse(ctx, gen.NewTask{Title: "contested"}, alice)
	if err != nil || c.JSON201 == nil {
		t.Fatal(err)
	}
	tag := c.HTTPResponse.Header.Get("ETag")
	statuses := make(chan int, writers)
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			r, err := srv.Client.UpdateTaskWithResponse(ctx, c.JSON201.Id, &gen.UpdateTaskParams{IfMatch: &tag}, gen.NewTask{Title: fmt.Sprint("writer ", i)}, alice)
			if err != nil {
				t.Error(err)
				return
			}
			statuses <- r.StatusCode()
		})
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	t.Logf("%d concurrent PUTs with If-Match %s: %v", writers, tag, count)
	if count[http.StatusOK] != 1 || count[http.StatusPreconditionFailed] != writers-1 {
		t.Errorf("statuses %v, want one 200 and %d 412", count, writers-1)
	}
}

// TestDatabaseDownIs503: every operation that needs the store answers a
// documented problem+json 503 with Retry-After, and logs the cause.
func TestDatabaseDownIs503(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, apitest.Config{API: apitest.API(t, storetest.Down(t))})
	task := "/tasks/" + uuid.NewString()
	tests := []struct{ method, path, body, ifMatch string }{
		{"GET", "/tasks", "", ""},
		{"POST", "/tasks", `{"title":"x"}`, ""},
		{"GET", task, "", ""},
		{"PUT", task, `{"title":"x"}`, ""},
		{"PUT", task, `{"title":"x"}`, `"1", "2"`}, // reads the version first
		{"DELETE", task, "", `"1"`},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, srv.API+tt.path, strings.NewReader(tt.body))
		req.Header.Set("Authorization", "Bearer "+apitest.AliceToken)
		if tt.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if tt.ifMatch != "" {
			req.Header.Set("If-Match", tt.ifMatch)
		}
		resp, err := srv.HTTP.Do(req) // fails on a response the spec does not document
		if err != nil {
			t.Errorf("%s %s: %v", tt.method, tt.path, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "2" {
			t.Errorf("%s %s: status %d, Retry-After %q; want 503 with Retry-After: 2", tt.method, tt.path, resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	}
	if logs := srv.Logs.String(); !strings.Contains(logs, "connection refused") {
		t.Errorf("the cause is not in the log:\n%s", logs)
	}
}
