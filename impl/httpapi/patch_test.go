package httpapi_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/oapi-codegen/nullable"

	"example.com/tasks/gen"
	"example.com/tasks/impl/apitest"
)

// TestPatchTask applies JSON Merge Patches (RFC 7396) through the generated
// client, which expresses each of a member's three states: absent (the zero
// nullable.Nullable), null (NewNullNullable) and a value.
func TestPatchTask(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, apitest.Config{})
	ctx := context.Background()
	alice := apitest.Bearer(apitest.AliceToken)
	doing := gen.Doing

	// Each case patches a fresh task {title: "t", description: "d", status: todo}.
	tests := []struct {
		name    string
		patch   gen.TaskPatch
		ifMatch *string
		want    int
		// the task afterwards, when 200
		title, description string
		status             gen.TaskStatus
	}{
		{name: "empty patch changes nothing", patch: gen.TaskPatch{},
			want: 200, title: "t", description: "d", status: gen.Todo},
		{name: "null removes the description", patch: gen.TaskPatch{Description: nullable.NewNullNullable[string]()},
			want: 200, title: "t", description: "", status: gen.Todo},
		{name: "a value sets it, absent members stay", patch: gen.TaskPatch{Description: nullable.NewNullableWithValue("new")},
			want: 200, title: "t", description: "new", status: gen.Todo},
		{name: "title and status", patch: gen.TaskPatch{Title: ptr("T"), Status: &doing},
			want: 200, title: "T", description: "d", status: gen.Doing},
		{name: "with the current ETag", patch: gen.TaskPatch{Title: ptr("T")}, ifMatch: ptr(`"1"`),
			want: 200, title: "T", description: "d", status: gen.Todo},
		{name: "with a stale ETag", patch: gen.TaskPatch{Title: ptr("T")}, ifMatch: ptr(`"7"`),
			want: 412},
		{name: "with a weak ETag", patch: gen.TaskPatch{Title: ptr("T")}, ifMatch: ptr(`W/"1"`),
			want: 412},
		{name: "an invalid title", patch: gen.TaskPatch{Title: ptr("")},
			want: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id := createTask(t, srv, gen.NewTask{Title: "t", Description: ptr("d")})
			resp, err := srv.Client.PatchTaskWithApplicationMergePatchPlusJSONBodyWithResponse(ctx, id,
				&gen.PatchTaskParams{IfMatch: tt.ifMatch}, tt.patch, alice)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode() != tt.want {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode(), tt.want, resp.Body)
			}
			got, err := srv.Client.GetTaskWithResponse(ctx, id, nil, alice)
			if err != nil || got.JSON200 == nil {
				t.Fatalf("get: %v", err)
			}
			if tt.want != http.StatusOK {
				if got.HTTPResponse.Header.Get("ETag") != `"1"` || got.JSON200.Title != "t" {
					t.Errorf("a refused patch changed the task: %s", got.Body)
				}
				return
			}
			if resp.HTTPResponse.Header.Get("ETag") != `"2"` {
				t.Errorf("ETag = %q, want \"2\"", resp.HTTPResponse.Header.Get("ETag"))
			}
			task := *got.JSON200
			description := ""
			if task.Description != nil {
				description = *task.Description
			}
			if task.Title != tt.title || description != tt.description || task.Status != tt.status {
				t.Errorf("task = %q %q %q, want %q %q %q", task.Title, description, task.Status, tt.title, tt.description, tt.status)
			}
			if string(resp.Body) != string(got.Body) {
				t.Errorf("PATCH answered %s, GET %s", resp.Body, got.Body)
			}
		})
	}
}

// TestPatchTaskRaw sends the bodies a generated client cannot: null for a
// required field, undeclared members, the wrong media type.
func TestPatchTaskRaw(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, apitest.Config{})
	tests := []struct {
		name        string
		id          string // "" for a fresh task of alice's
		token       string
		contentType string
		body        string
		want        int
		pointer     string // with 400: the failure's pointer
	}{
		{name: "null title", body: `{"title":null}`, want: 400, pointer: "/title"},
		{name: "null status", body: `{"status":null}`, want: 400, pointer: "/status"},
		{name: "undeclared member", body: `{"owner":"bob"}`, want: 400, pointer: ""},
		{name: "not an object", body: `["title"]`, want: 400, pointer: ""},
		{name: "plain JSON is not a merge patch", contentType: "application/json", body: `{"title":"x"}`, want: 415},
		{name: "no such task", id: uuid.NewString(), body: `{"title":"x"}`, want: 404},
		{name: "someone else's task", token: apitest.BobToken, body: `{"title":"x"}`, want: 404},
		{name: "read-only token", token: apitest.CarolToken, body: `{"title":"x"}`, want: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			id := tt.id
			if id == "" {
				id = createTask(t, srv, gen.NewTask{Title: "t"}).String()
			}
			header := http.Header{"Content-Type": {tt.contentType}}
			if tt.contentType == "" {
				header.Set("Content-Type", "application/merge-patch+json")
			}
			if tt.token != "" {
				header.Set("Authorization", "Bearer "+tt.token)
			}
			resp, _ := do(t, srv, http.MethodPatch, "/tasks/"+id, header, tt.body)
			if resp.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.want != http.StatusBadRequest {
				return
			}
			p := decodeProblem(t, resp)
			if p.Errors == nil || len(*p.Errors) != 1 || (*p.Errors)[0].Pointer == nil || *(*p.Errors)[0].Pointer != tt.pointer {
				t.Errorf("errors = %+v, want one at %q", p.Errors, tt.pointer)
			}
		})
	}
}

// createTask creates a task as alice and returns its id.
func createTask(t *testing.T, srv *apitest.Server, task gen.NewTask) uuid.UUID {
	t.Helper()
	resp, err := srv.Client.CreateTaskWithResponse(context.Background(), task, apitest.Bearer(apitest.AliceToken))
	if err != nil || resp.JSON201 == nil {
		t.Fatalf("create: %v %v", err, resp)
	}
	return resp.JSON201.Id
}
