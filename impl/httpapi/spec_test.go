package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/apitest"
)

// TestSpecEndpoints: both renderings of the spec are public, valid, and the
// same document the server enforces.
func TestSpecEndpoints(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, apitest.Config{})
	embedded := apitest.Spec()
	for path, contentType := range map[string]string{"/openapi.json": "application/json", "/openapi.yaml": "application/yaml"} {
		t.Run(path, func(t *testing.T) {
			t.Parallel()
			resp, err := srv.HTTP.Get(srv.URL + path) // no Authorization
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != contentType {
				t.Fatalf("status %d, Content-Type %q; want 200 %s", resp.StatusCode, resp.Header.Get("Content-Type"), contentType)
			}
			doc, err := openapi3.NewLoader().LoadFromData(body)
			if err != nil {
				t.Fatalf("served spec does not load: %v", err)
			}
			if err := doc.Validate(context.Background()); err != nil {
				t.Fatalf("served spec is invalid: %v", err)
			}
			if got, want := len(doc.Paths.Map()), len(embedded.Paths.Map()); got != want || doc.Info.Title != embedded.Info.Title {
				t.Errorf("served spec has %d paths titled %q, embedded has %d titled %q", got, doc.Info.Title, want, embedded.Info.Title)
			}
			for path, item := range embedded.Paths.Map() {
				for method, op := range item.Operations() {
					served := doc.Paths.Find(path)
					if served == nil || served.GetOperation(method) == nil || served.GetOperation(method).OperationID != op.OperationID {
						t.Errorf("served spec lacks %s %s (%s)", method, path, op.OperationID)
					}
				}
			}
		})
	}
}
