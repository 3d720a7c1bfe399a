package apitest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"example.com/tasks/impl/examples"
)

// Helpers of the HTTP tests `make resource` writes: each resource's test
// calls them rather than carrying copies of its own.

// CreateFromExample calls the create operation operationID (a POST without
// path parameters, such as a parent resource's create) with its request
// body's example from the spec, as token, and returns the new row's id.
// The test fails if the answer is not a 201 with an id.
func CreateFromExample(t testing.TB, srv *Server, operationID, token string) string {
	t.Helper()
	doc := Spec()
	for path, item := range doc.Paths.Map() {
		op := item.Post
		if op == nil || op.OperationID != operationID {
			continue
		}
		ex, ok := examples.Media(op.RequestBody.Value.Content.Get("application/json"))
		if !ok {
			t.Fatalf("%s has no request body example", operationID)
		}
		req, err := http.NewRequest(http.MethodPost, srv.API+path, strings.NewReader(JSON(t, ex)))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := srv.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		created := Decode[struct {
			ID string `json:"id"`
		}](t, body)
		if resp.StatusCode != http.StatusCreated || created.ID == "" {
			t.Fatalf("%s: status %d, body %s; want 201 with an id", operationID, resp.StatusCode, body)
		}
		return created.ID
	}
	t.Fatalf("the spec has no POST operation %s", operationID)
	return ""
}

// JSON encodes v, failing the test if it cannot.
func JSON(t testing.TB, v any) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// Decode decodes a JSON body into a T, failing the test if it cannot.
func Decode[T any](t testing.TB, body []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	return v
}
