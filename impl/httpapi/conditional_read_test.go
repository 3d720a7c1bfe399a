package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"

	"example.com/tasks/gen"
	"example.com/tasks/impl/apitest"
)

// TestIfNoneMatch checks every form of If-None-Match on GET and HEAD of a
// task at version 2 (RFC 9110 §13.1.2: weak comparison, lists, "*").
func TestIfNoneMatch(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, apitest.Config{})
	ctx := context.Background()
	id := createTask(t, srv, gen.NewTask{Title: "v1"})
	if r, err := srv.Client.UpdateTaskWithResponse(ctx, id, nil, gen.NewTask{Title: "v2"}, apitest.Bearer(apitest.AliceToken)); err != nil || r.JSON200 == nil {
		t.Fatalf("update: %v", err)
	}
	tests := []struct {
		name        string
		method      string
		id          string
		token       string
		ifNoneMatch string
		want        int
	}{
		{name: "current", ifNoneMatch: `"2"`, want: 304},
		{name: "current, weak", ifNoneMatch: `W/"2"`, want: 304},
		{name: "list holding the current", ifNoneMatch: `"1", W/"2"`, want: 304},
		{name: "any", ifNoneMatch: `*`, want: 304},
		{name: "HEAD, current", method: http.MethodHead, ifNoneMatch: `"2"`, want: 304},
		{name: "stale", ifNoneMatch: `"1"`, want: 200},
		{name: "stale, weak", ifNoneMatch: `W/"1"`, want: 200},
		{name: "a tag this server never issued", ifNoneMatch: `"abc"`, want: 200},
		{name: "HEAD, stale", method: http.MethodHead, ifNoneMatch: `"1"`, want: 200},
		{name: "no header", want: 200},
		{name: "not an entity tag", ifNoneMatch: `2`, want: 400},
		{name: "any, but no such task", id: uuid.NewString(), ifNoneMatch: `*`, want: 404},
		{name: "any, but someone else's task", token: apitest.BobToken, ifNoneMatch: `*`, want: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			method, target := tt.method, tt.id
			if method == "" {
				method = http.MethodGet
			}
			if target == "" {
				target = id.String()
			}
			header := http.Header{}
			if tt.token != "" {
				header.Set("Authorization", "Bearer "+tt.token)
			}
			if tt.ifNoneMatch != "" {
				header.Set("If-None-Match", tt.ifNoneMatch)
			}
			resp, body := do(t, srv, method, "/tasks/"+target, header, "")
			if resp.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tt.want, body)
			}
			if tt.want >= 300 && tt.want != http.StatusNotModified {
				return
			}
			if got := resp.Header.Get("ETag"); got != `"2"` {
				t.Errorf("ETag = %q, want \"2\"", got)
			}
			if tt.want == http.StatusNotModified && len(body) != 0 {
				t.Errorf("a 304 with a body: %q", body)
			}
		})
	}
}

// TestRequireIfMatch checks the option that makes If-Match mandatory on the
// operations that declare it (428, RFC 6585 §3), and only on those.
func TestRequireIfMatch(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, apitest.Config{RequireIfMatch: true})
	tests := []struct {
		name        string
		method      string
		path        string // "{id}" stands for a fresh task's id
		contentType string
		body        string
		ifMatch     string
		want        int
	}{
		{name: "PUT without If-Match", method: "PUT", path: "/tasks/{id}", contentType: "application/json", body: `{"title":"x"}`, want: 428},
		{name: "PATCH without If-Match", method: "PATCH", path: "/tasks/{id}", contentType: "application/merge-patch+json", body: `{"title":"x"}`, want: 428},
		{name: "DELETE without If-Match", method: "DELETE", path: "/tasks/{id}", want: 428},
		{name: "PUT with If-Match", method: "PUT", path: "/tasks/{id}", contentType: "application/json", body: `{"title":"x"}`, ifMatch: `"1"`, want: 200},
		{name: "PATCH with If-Match", method: "PATCH", path: "/tasks/{id}", contentType: "application/merge-patch+json", body: `{"title":"x"}`, ifMatch: `"1"`, want: 200},
		{name: "DELETE with If-Match *", method: "DELETE", path: "/tasks/{id}", ifMatch: `*`, want: 204},
		{name: "DELETE with a stale If-Match", method: "DELETE", path: "/tasks/{id}", ifMatch: `"9"`, want: 412},
		{name: "POST declares no If-Match", method: "POST", path: "/tasks", contentType: "application/json", body: `{"title":"x"}`, want: 201},
		{name: "GET declares no If-Match", method: "GET", path: "/tasks/{id}", want: 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := strings.ReplaceAll(tt.path, "{id}", createTask(t, srv, gen.NewTask{Title: "t"}).String())
			header := http.Header{}
			if tt.contentType != "" {
				header.Set("Content-Type", tt.contentType)
			}
			if tt.ifMatch != "" {
				header.Set("If-Match", tt.ifMatch)
			}
			resp, _ := do(t, srv, tt.method, path, header, tt.body)
			if resp.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.want == http.StatusPreconditionRequired {
				if p := decodeProblem(t, resp); p.Code != gen.ProblemCodePreconditionRequired {
					t.Errorf("code = %s, want precondition_required", p.Code)
				}
			}
		})
	}
}
