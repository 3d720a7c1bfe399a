package apitest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"

	"example.com/tasks/impl/apitest"
)

// spec has a collection and an item operation linked from it; what the
// suite does with /widgets/{id} comes from the link, not from test code.
const spec = `
openapi: 3.0.3
info: {title: conformance, version: "1"}
security:
  - bearerAuth: []
paths:
  /ping:
    get:
      operationId: ping
      security: []
      responses: {"204": {description: pong}}
  /widgets:
    post:
      operationId: createWidget
      security:
        - bearerAuth: []
          oauth2: [widgets:write]
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [name], properties: {name: {type: string}}}
            example: {name: sprocket}
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: {type: object, required: [id], properties: {id: {type: string}}}
          links:
            GetWidget:
              operationId: getWidget
              parameters: {id: $response.body#/id}
        "401": {$ref: "#/components/responses/Problem401"}
        "403": {$ref: "#/components/responses/Problem403"}
  /widgets/{id}:
    get:
      operationId: getWidget
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}, example: nope}
      responses:
        "200": {description: the widget}
        "401": {$ref: "#/components/responses/Problem401"}
        "404": {description: not found}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
    oauth2:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://auth.example.com/token
          scopes: {widgets:write: write}
  responses:
    Problem401:
      description: unauthorized
      headers:
        WWW-Authenticate: {required: true, schema: {type: string}}
      content:
        application/problem+json:
          schema: {$ref: "#/components/schemas/Problem"}
    Problem403:
      description: forbidden
      headers:
        WWW-Authenticate: {required: true, schema: {type: string}}
      content:
        application/problem+json:
          schema: {$ref: "#/components/schemas/Problem"}
  schemas:
    Problem:
      type: object
      required: [type, title, status, code]
      properties:
        type: {type: string}
        title: {type: string}
        status: {type: integer}
        detail: {type: string}
        instance: {type: string}
        code: {type: string}
`

func load(t *testing.T, s string) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return doc
}

// widgets is a correct implementation of spec: it knows only widgets.
func widgets() http.HandlerFunc {
	made := map[string]bool{}
	return func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "GET" && r.URL.Path == "/ping":
			w.WriteHeader(http.StatusNoContent)
		case r.Method == "POST":
			made["w1"] = true
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			_ = json.NewEncoder(w).Encode(map[string]string{"id": "w1"})
		case made[chi.URLParam(r, "id")]:
			w.WriteHeader(http.StatusOK)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}
}

func TestConformancePassesACorrectSpec(t *testing.T) {
	t.Parallel()
	doc := load(t, spec)
	v, creds := apitest.ConformanceTokens(doc)
	for _, f := range apitest.Conformance(doc, "", apitest.Mount(t, doc, v, widgets()), creds) {
		t.Error(f)
	}
}

// TestConformanceCatchesSpecGaps: the handler and validator are right, but
// the spec forgot what they send. Each gap must be a finding.
func TestConformanceCatchesSpecGaps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		edits []string // pairs: text to replace, replacement
		want  string
	}{
		{"undocumented 401", []string{`"401": {$ref: "#/components/responses/Problem401"}
        "404"`, `"404"`}, "GET /widgets/{id} (getWidget): no credentials: "},
		{"undocumented 403", []string{`"403": {$ref: "#/components/responses/Problem403"}`, ``}, "POST /widgets (createWidget): as bearerAuth+oauth2: valid credential without scopes: "},
		{"no link and no example for a required parameter", []string{`, example: nope}`, `}`, `          links:
            GetWidget:
              operationId: getWidget
              parameters: {id: $response.body#/id}
`, ``}, "required path parameter \"id\" has no example: give it one, or add a `links` entry"},
		{"no link and no such example resource", []string{`          links:
            GetWidget:
              operationId: getWidget
              parameters: {id: $response.body#/id}
`, ``}, "no `links` entry leads to this operation"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			broken := spec
			for i := 0; i < len(tt.edits); i += 2 {
				if !strings.Contains(broken, tt.edits[i]) {
					t.Fatalf("test bug: %q not found in the spec", tt.edits[i])
				}
				broken = strings.Replace(broken, tt.edits[i], tt.edits[i+1], 1)
			}
			doc := load(t, broken)
			v, creds := apitest.ConformanceTokens(doc)
			findings := apitest.Conformance(doc, "", apitest.Mount(t, doc, v, widgets()), creds)
			var all []string
			for _, f := range findings {
				all = append(all, f.String())
			}
			if !strings.Contains(strings.Join(all, "\n"), tt.want) {
				t.Errorf("no finding containing %q; findings:\n%s", tt.want, strings.Join(all, "\n"))
			}
		})
	}
}
