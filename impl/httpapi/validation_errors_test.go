package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"example.com/tasks/gen"
	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/validator"
)

// TestValidationErrors checks that a 400 lists every failure of the request
// in the problem's errors member, each with a JSON Pointer into the body or
// the parameter's name and location, typed by the generated client, and no
// more than validator.MaxErrors of them.
func TestValidationErrors(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, apitest.Config{})
	ctx := context.Background()
	pointer := func(p string) string { return "body " + p }
	param := func(in, name string) string { return in + " " + name }

	tests := []struct {
		name   string
		method string
		path   string
		body   string
		want   []string // each failure as pointer(…) or param(…), in any order
	}{
		{name: "three invalid fields", method: "POST", path: "/tasks",
			body: `{"title":"","description":"a\u0001","status":"later"}`,
			want: []string{pointer("/title"), pointer("/description"), pointer("/status")}},
		{name: "path parameter and body", method: "PUT", path: "/tasks/not-a-uuid",
			body: `{"title":"","status":"later"}`,
			want: []string{param("path", "id"), pointer("/title"), pointer("/status")}},
		{name: "two query parameters", method: "GET", path: "/tasks?limit=0&cursor=***",
			want: []string{param("query", "limit"), param("query", "cursor")}},
		{name: "an undeclared member: the object that holds it", method: "POST", path: "/tasks",
			body: `{"title":"x","a/b~c":1}`,
			want: []string{pointer("")}},
		{name: "no body", method: "POST", path: "/tasks",
			want: []string{pointer("")}},
		{name: "a cursor this server did not issue", method: "GET", path: "/tasks?cursor=abc",
			want: []string{param("query", "cursor")}},
		// Not I-JSON: reading stops at the first failure, listed alone.
		{name: "duplicate member", method: "POST", path: "/tasks",
			body: `{"title":"a","description":"b","title":""}`,
			want: []string{pointer("/title")}},
		{name: "noncharacter", method: "POST", path: "/tasks",
			body: `{"title":"","description":"a\ufffe"}`,
			want: []string{pointer("/description")}},
		{name: "second value", method: "POST", path: "/tasks",
			body: `{"title":"a"} {}`,
			want: []string{pointer("")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := send(t, srv, tt.method, tt.path, tt.body)
			if p.Errors == nil {
				t.Fatalf("no errors member: %+v", p)
			}
			var got []string
			for _, e := range *p.Errors {
				switch {
				case e.Pointer != nil:
					got = append(got, pointer(*e.Pointer))
				case e.Parameter != nil && e.In != nil:
					got = append(got, param(string(*e.In), *e.Parameter))
				default:
					t.Errorf("failure %+v has neither a pointer nor a parameter and its location", e)
				}
				if e.Detail == "" {
					t.Errorf("failure %+v has no detail", e)
				}
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tt.want))
			if !slices.Equal(got, want) {
				t.Errorf("failures = %q, want %q", got, want)
			}
			// The detail names every failure too, for clients that read only it.
			for _, e := range *p.Errors {
				if !strings.Contains(*p.Detail, e.Detail) {
					t.Errorf("detail %q lacks %q", *p.Detail, e.Detail)
				}
			}
		})
	}

	t.Run("bounded", func(t *testing.T) {
		t.Parallel()
		// 200 undeclared members: a failure each.
		var body strings.Builder
		body.WriteString(`{"title":"x"`)
		for i := range 200 {
			fmt.Fprintf(&body, `,"m%d":1`, i)
		}
		body.WriteString("}")
		p := send(t, srv, "POST", "/tasks", body.String())
		if p.Errors == nil || len(*p.Errors) != validator.MaxErrors {
			t.Fatalf("errors = %v, want %d of them", p.Errors, validator.MaxErrors)
		}
	})

	t.Run("generated client", func(t *testing.T) {
		t.Parallel()
		resp, err := srv.Client.CreateTaskWithResponse(ctx, gen.NewTask{Title: ""}, apitest.Bearer(apitest.AliceToken))
		if err != nil {
			t.Fatal(err)
		}
		p := resp.ApplicationproblemJSON400
		if p == nil || p.Errors == nil || len(*p.Errors) != 1 || *(*p.Errors)[0].Pointer != "/title" {
			t.Fatalf("400 body = %+v, want one failure at /title", p)
		}
	})
}

// send makes a request as alice and returns the 400 problem it must get.
func send(t *testing.T, srv *apitest.Server, method, path, body string) gen.Problem {
	t.Helper()
	var header http.Header
	if body != "" {
		header = http.Header{"Content-Type": {"application/json"}}
	}
	resp, _ := do(t, srv, method, path, header, body)
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status = %d, want 400", resp.StatusCode)
	}
	p := decodeProblem(t, resp)
	b, _ := json.Marshal(p)
	t.Logf("%s %s %.200s\n→ 400 %s", method, path, body, b)
	return p
}
