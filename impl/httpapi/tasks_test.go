package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"example.com/tasks/gen"
	"example.com/tasks/impl/apitest"
)

func TestMe(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, apitest.Config{})
	resp, err := srv.Client.GetMeWithResponse(context.Background(), apitest.Bearer(apitest.CarolToken))
	if err != nil {
		t.Fatal(err)
	}
	if resp.JSON200 == nil {
		t.Fatalf("status = %d, body %s", resp.StatusCode(), resp.Body)
	}
	_, read := apitest.Scopes()
	if got := *resp.JSON200; got.Subject != "carol" || !slices.Equal(got.Scopes, read) {
		t.Errorf("GET /me = %+v, want carol with the read scopes %v", got, read)
	}
}

// TestTaskLifecycle drives create, read, replace, list and delete through the
// generated client, as a consumer of the API would.
func TestTaskLifecycle(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, apitest.Config{})
	ctx := context.Background()
	alice := apitest.Bearer(apitest.AliceToken)

	desc := "with a description"
	created, err := srv.Client.CreateTaskWithResponse(ctx, gen.NewTask{Title: "first", Description: &desc}, alice)
	if err != nil {
		t.Fatal(err)
	}
	if created.JSON201 == nil {
		t.Fatalf("create: status %d, body %s", created.StatusCode(), created.Body)
	}
	task := *created.JSON201
	if task.Title != "first" || task.Status != gen.Todo || task.Description == nil || *task.Description != desc {
		t.Errorf("created = %+v, want title first, status todo (the default) and the description", task)
	}
	if want := "/v1/tasks/" + task.Id.String(); created.HTTPResponse.Header.Get("Location") != want {
		t.Errorf("Location = %q, want %q", created.HTTPResponse.Header.Get("Location"), want)
	}

	got, err := srv.Client.GetTaskWithResponse(ctx, task.Id, nil, alice)
	if err != nil {
		t.Fatal(err)
	}
	if got.JSON200 == nil || got.JSON200.Id != task.Id || !got.JSON200.CreatedAt.Equal(task.CreatedAt) {
		t.Fatalf("get: status %d, body %s", got.StatusCode(), got.Body)
	}

	done := gen.Done
	updated, err := srv.Client.UpdateTaskWithResponse(ctx, task.Id, nil, gen.NewTask{Title: "first, renamed", Status: &done}, alice)
	if err != nil {
		t.Fatal(err)
	}
	if updated.JSON200 == nil {
		t.Fatalf("update: status %d, body %s", updated.StatusCode(), updated.Body)
	}
	if u := *updated.JSON200; u.Title != "first, renamed" || u.Status != gen.Done || u.Description != nil ||
		!u.CreatedAt.Equal(task.CreatedAt) || u.UpdatedAt.Before(task.UpdatedAt) {
		t.Errorf("updated = %+v: want the new fields, the description gone (PUT replaces), created_at kept", u)
	}

	deleted, err := srv.Client.DeleteTaskWithResponse(ctx, task.Id, nil, alice)
	if err != nil {
		t.Fatal(err)
	}
	if deleted.StatusCode() != http.StatusNoContent {
		t.Fatalf("delete: status %d", deleted.StatusCode())
	}
	again, err := srv.Client.DeleteTaskWithResponse(ctx, task.Id, nil, alice)
	if err != nil {
		t.Fatal(err)
	}
	if again.ApplicationproblemJSON404 == nil {
		t.Fatalf("second delete: status %d, want 404", again.StatusCode())
	}
}

// TestPagination walks every page and gets each task exactly once, in order.
func TestPagination(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, apitest.Config{})
	ctx := context.Background()
	alice := apitest.Bearer(apitest.AliceToken)
	var want []string
	for i := range 7 {
		title := fmt.Sprintf("task %d", i)
		want = append(want, title)
		if r, err := srv.Client.CreateTaskWithResponse(ctx, gen.NewTask{Title: title}, alice); err != nil || r.JSON201 == nil {
			t.Fatalf("create %d: %v", i, err)
		}
	}
	var got []string
	var pages int
	params := &gen.ListTasksParams{Limit: ptr[gen.Limit](3)}
	for {
		resp, err := srv.Client.ListTasksWithResponse(ctx, params, alice)
		if err != nil {
			t.Fatal(err)
		}
		if resp.JSON200 == nil {
			t.Fatalf("list: status %d, body %s", resp.StatusCode(), resp.Body)
		}
		pages++
		for _, it := range resp.JSON200.Items {
			got = append(got, it.Title)
		}
		if resp.JSON200.NextCursor == nil {
			break
		}
		params.Cursor = resp.JSON200.NextCursor
	}
	if !slices.Equal(got, want) || pages != 3 {
		t.Errorf("got %d pages of %q, want 3 pages of %q", pages, got, want)
	}
}

// TestOwnership: a task is visible only to the subject that created it; to
// anyone else it does not exist (404, never 403, which would confirm the id).
func TestOwnership(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, apitest.Config{})
	ctx := context.Background()
	alice, bob := apitest.Bearer(apitest.AliceToken), apitest.Bearer(apitest.BobToken)

	created, err := srv.Client.CreateTaskWithResponse(ctx, gen.NewTask{Title: "alice's"}, alice)
	if err != nil || created.JSON201 == nil {
		t.Fatalf("create: %v", err)
	}
	id := created.JSON201.Id

	get, err := srv.Client.GetTaskWithResponse(ctx, id, nil, bob)
	if err != nil {
		t.Fatal(err)
	}
	upd, err := srv.Client.UpdateTaskWithResponse(ctx, id, nil, gen.NewTask{Title: "bob was here"}, bob)
	if err != nil {
		t.Fatal(err)
	}
	del, err := srv.Client.DeleteTaskWithResponse(ctx, id, nil, bob)
	if err != nil {
		t.Fatal(err)
	}
	for name, code := range map[string]int{"get": get.StatusCode(), "update": upd.StatusCode(), "delete": del.StatusCode()} {
		if code != http.StatusNotFound {
			t.Errorf("bob's %s of alice's task: status %d, want 404", name, code)
		}
	}
	list, err := srv.Client.ListTasksWithResponse(ctx, nil, bob)
	if err != nil || list.JSON200 == nil {
		t.Fatalf("bob's list: %v", err)
	}
	if n := len(list.JSON200.Items); n != 0 {
		t.Errorf("bob sees %d tasks, want 0", n)
	}
	still, err := srv.Client.GetTaskWithResponse(ctx, id, nil, alice)
	if err != nil || still.JSON200 == nil || still.JSON200.Title != "alice's" {
		t.Errorf("alice's task changed or vanished: %v %s", err, still.Body)
	}
}

func ptr[T any](v T) *T { return &v }
