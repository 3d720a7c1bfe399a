package apitest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

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

// shopSpec nests parts under widgets: deletePart is reached by a chain of
// links, createWidget → createPart → deletePart, and getWidget by a link
// whose parameters are a response header, a request body member and
// constants. Every example names nothing that exists.
const shopSpec = `
openapi: 3.0.3
info: {title: shop, version: "1"}
security:
  - bearerAuth: []
paths:
  /widgets:
    post:
      operationId: createWidget
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [name], properties: {name: {type: string}}}
            example: {name: sprocket}
      responses:
        "201":
          description: created
          headers:
            Widget-Id: {schema: {type: string}}
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Created"}
          links:
            CreatePart:
              operationId: createPart
              parameters: {widget_id: $response.body#/id}
            GetWidget:
              operationId: getWidget
              parameters: {widget_id: $response.header.widget-id, name: $request.body#/name, view: full, version: 2}
        "401": {$ref: "#/components/responses/Problem401"}
  /widgets/{widget_id}:
    get:
      operationId: getWidget
      parameters:
        - {name: widget_id, in: path, required: true, schema: {type: string}, example: nope}
        - {name: name, in: query, required: true, schema: {type: string}, example: nope}
        - {name: view, in: query, schema: {type: string, enum: [short, full]}, example: short}
        - {name: version, in: query, schema: {type: integer}, example: 1}
      responses:
        "200": {description: the widget}
        "401": {$ref: "#/components/responses/Problem401"}
        "404": {description: not found}
  /widgets/{widget_id}/parts:
    post:
      operationId: createPart
      parameters:
        - {name: widget_id, in: path, required: true, schema: {type: string}, example: nope}
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, properties: {name: {type: string}}}
            example: {name: bolt}
      responses:
        "201":
          description: created
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Created"}
          links:
            DeletePart:
              operationId: deletePart
              parameters: {widget_id: $request.path.widget_id, part_id: $response.body#/id}
        "401": {$ref: "#/components/responses/Problem401"}
        "404": {description: no such widget}
  /widgets/{widget_id}/parts/{part_id}:
    delete:
      operationId: deletePart
      security:
        - bearerAuth: []
          oauth2: [widgets:write]
      parameters:
        - {name: widget_id, in: path, required: true, schema: {type: string}, example: nope}
        - {name: part_id, in: path, required: true, schema: {type: string}, example: nope}
      responses:
        "204": {description: deleted}
        "401": {$ref: "#/components/responses/Problem401"}
        "403": {$ref: "#/components/responses/Problem403"}
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
    Created:
      type: object
      required: [id]
      properties: {id: {type: string}}
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

// shop is a correct implementation of shopSpec, except that the operation
// named by fail answers 500. It issues ids w1, p2, … and answers 404 to
// any id it did not issue, so a 2xx proves the suite sent real ids.
type shop struct {
	fail    string
	next    int
	issued  map[string]bool
	widgets map[string]string // widget id → name
	parts   map[string]string // part id → widget id, until deleted
	calls   []shopCall
}

// shopCall is one request shop answered.
type shopCall struct {
	op     string
	ids    []string // the path ids it was given
	made   string   // the id it issued, if any
	status int
}

func newShop(fail string) *shop {
	return &shop{fail: fail, issued: map[string]bool{}, widgets: map[string]string{}, parts: map[string]string{}}
}

func (sh *shop) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op := map[string]string{
		"POST /widgets":                               "createWidget",
		"GET /widgets/{widget_id}":                    "getWidget",
		"POST /widgets/{widget_id}/parts":             "createPart",
		"DELETE /widgets/{widget_id}/parts/{part_id}": "deletePart",
	}[r.Method+" "+chi.RouteContext(r.Context()).RoutePattern()]
	wid, pid := chi.URLParam(r, "widget_id"), chi.URLParam(r, "part_id")
	made := ""
	reply := func(status int, body any) {
		sh.calls = append(sh.calls, shopCall{op, slices.DeleteFunc([]string{wid, pid}, func(s string) bool { return s == "" }), made, status})
		if body != nil {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		if body != nil {
			_ = json.NewEncoder(w).Encode(body)
		}
	}
	issue := func(prefix string) string {
		sh.next++
		made = fmt.Sprintf("%s%d", prefix, sh.next)
		sh.issued[made] = true
		return made
	}
	var in struct{ Name string }
	_ = json.NewDecoder(r.Body).Decode(&in)
	name, widget := sh.widgets[wid]
	q := r.URL.Query()
	switch {
	case op == sh.fail:
		reply(http.StatusInternalServerError, map[string]string{"detail": "database on fire"})
	case op == "createWidget":
		id := issue("w")
		sh.widgets[id] = in.Name
		w.Header().Set("Widget-Id", id)
		reply(http.StatusCreated, map[string]string{"id": id})
	case op == "getWidget" && widget && q.Get("name") == name && q.Get("view") == "full" && q.Get("version") == "2":
		reply(http.StatusOK, nil)
	case op == "createPart" && widget:
		id := issue("p")
		sh.parts[id] = wid
		reply(http.StatusCreated, map[string]string{"id": id})
	case op == "deletePart" && widget && sh.parts[pid] == wid:
		delete(sh.parts, pid)
		reply(http.StatusNoContent, nil)
	default:
		reply(http.StatusNotFound, nil)
	}
}

// conformance runs the suite on doc served by h and returns its findings
// as text.
func conformance(t *testing.T, doc *openapi3.T, h http.Handler) []string {
	t.Helper()
	v, creds := apitest.ConformanceTokens(doc)
	var all []string
	for _, f := range apitest.Conformance(doc, "", apitest.Mount(t, doc, v, h.ServeHTTP), creds) {
		all = append(all, f.String())
	}
	return all
}

// TestConformanceFollowsAChain: deletePart needs a part, which needs a
// widget; the suite makes both, through the links, and every operation
// gets a 2xx for ids the handler issued.
func TestConformanceFollowsAChain(t *testing.T) {
	t.Parallel()
	sh := newShop("")
	for _, f := range conformance(t, load(t, shopSpec), sh) {
		t.Error(f)
	}
	got := map[string]int{}
	deletes := 0
	for i, c := range sh.calls {
		if c.status < 200 || c.status > 299 {
			t.Errorf("%s with ids %v: got %d, want a 2xx", c.op, c.ids, c.status)
		}
		for _, id := range c.ids {
			if !sh.issued[id] {
				t.Errorf("%s: got id %q, which the handler never issued", c.op, id)
			}
		}
		got[c.op] = c.status
		if c.op != "deletePart" {
			continue
		}
		// A fresh chain made what it deletes: the call just before made
		// this part, in this widget.
		deletes++
		if prev := sh.calls[max(i-1, 0)]; prev.op != "createPart" || !slices.Equal(c.ids, []string{prev.ids[0], prev.made}) {
			t.Errorf("deletePart %v follows %s %v (made %s), want the createPart that made its part", c.ids, prev.op, prev.ids, prev.made)
		}
	}
	want := map[string]int{"createWidget": 201, "getWidget": 200, "createPart": 201, "deletePart": 204}
	if !maps.Equal(got, want) {
		t.Errorf("last status per operation = %v, want %v", got, want)
	}
	// Only the request with every scope reaches deletePart: the guard
	// refuses the others.
	if deletes != 1 {
		t.Errorf("deletePart answered %d times, want 1", deletes)
	}
}

// TestConformanceExplainsABrokenChain: when a step of the chain to
// deletePart fails, its finding names each link and the step that failed.
func TestConformanceExplainsABrokenChain(t *testing.T) {
	t.Parallel()
	const (
		deletePart = "DELETE /widgets/{widget_id}/parts/{part_id} (deletePart): setup: unreachable, so not checked: "
		viaPart    = `link "DeletePart" from POST /widgets/{widget_id}/parts (createPart): `
		viaWidget  = `link "CreatePart" from POST /widgets (createWidget): `
	)
	tests := []struct {
		name string
		fail string    // the operation that answers 500
		edit [2]string // text of the spec to replace, and its replacement
		want string    // the deletePart finding
	}{
		{
			name: "the middle operation answers 500",
			fail: "createPart",
			want: deletePart + viaPart + `that operation answered 500, want a 2xx (body {"detail":"database on fire"})`,
		},
		{
			name: "the first operation answers 500",
			fail: "createWidget",
			want: deletePart + viaPart + viaWidget + `that operation answered 500, want a 2xx (body {"detail":"database on fire"})`,
		},
		{
			name: "the expression names a missing member",
			edit: [2]string{"part_id: $response.body#/id", "part_id: $response.body#/partId"},
			want: deletePart + viaPart + `parameter part_id: $response.body#/partId did not resolve in {"id":"p`,
		},
		{
			name: "the expression names a path parameter the source does not have",
			edit: [2]string{"widget_id: $request.path.widget_id", "widget_id: $request.path.id"},
			want: deletePart + viaPart + `parameter widget_id: $request.path.id did not resolve: no path "id" in the request`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(shopSpec, tt.edit[0]) {
				t.Fatalf("test bug: %q not in the spec", tt.edit[0])
			}
			doc := load(t, strings.Replace(shopSpec, tt.edit[0], tt.edit[1], 1))
			findings := conformance(t, doc, newShop(tt.fail))
			i := slices.IndexFunc(findings, func(f string) bool { return strings.HasPrefix(f, deletePart) })
			if i < 0 {
				t.Fatalf("no setup finding for deletePart; findings:\n%s", strings.Join(findings, "\n"))
			}
			if !strings.HasPrefix(findings[i], tt.want) {
				t.Errorf("finding\n%s\nwant it to begin\n%s", findings[i], tt.want)
			}
		})
	}
}

// echoSpec links makeThing to echo, which reports the value and body the
// link gave it; VALUE and BODY are replaced by each test's link.
const echoSpec = `
openapi: 3.0.3
info: {title: expressions, version: "1"}
paths:
  /things/{thing_id}:
    post:
      operationId: makeThing
      security: []
      parameters:
        - {name: thing_id, in: path, required: true, schema: {type: string}, example: t1}
        - {name: color, in: query, schema: {type: string}, example: red}
        - {name: X-Trace, in: header, schema: {type: string}, example: trace-1}
      requestBody:
        content:
          application/json:
            schema: {type: object}
            example: {name: sprocket, tags: [a, b]}
      responses:
        "201":
          description: made
          headers:
            Thing-Id: {schema: {type: string}}
          content:
            application/json:
              schema: {type: object}
          links:
            Echo:
              operationId: echo
              parameters: {value: VALUE}
BODY
  /echo:
    post:
      operationId: echo
      security: []
      parameters:
        - {name: value, in: query, required: true, schema: {type: string}, example: unset}
      requestBody:
        content:
          application/json:
            schema: {type: object}
            example: {from: example}
      responses:
        "204": {description: echoed}
`

// echo serves echoSpec: makeThing answers a fixed body and header, echo
// records what it was sent.
func echo(seen *[]string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/echo" {
			body, _ := io.ReadAll(r.Body)
			*seen = append(*seen, r.URL.Query().Get("value")+" "+strings.TrimSpace(string(body)))
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Thing-Id", "n7")
		w.WriteHeader(http.StatusCreated)
		_, _ = io.WriteString(w, `{"id": "n7", "n": 12345678901234567890, "a/b": "slash", "nested": {"x": "y"}}`)
	}
}

// TestConformanceLinkExpressions: each runtime expression of OpenAPI 3.0,
// constants and a link's requestBody reach the target as the spec says;
// an expression that does not resolve is a finding naming it.
func TestConformanceLinkExpressions(t *testing.T) {
	t.Parallel()
	const example = ` {"from":"example"}`
	const echoSetup = `POST /echo (echo): setup: unreachable, so not checked: link "Echo" from POST /things/{thing_id} (makeThing): `
	tests := []struct {
		name  string
		value string // YAML of the link's parameter
		body  string // YAML of the link's requestBody, if any
		want  string // what echo saw: "value body"
		fails string // or the finding
	}{
		{name: "response body member", value: "$response.body#/id", want: "n7" + example},
		{name: "response body number, as written", value: "$response.body#/n", want: "12345678901234567890" + example},
		{name: "response body escaped pointer", value: "$response.body#/a~1b", want: "slash" + example},
		{name: "response header, any case", value: "$response.header.thing-ID", want: "n7" + example},
		{name: "request path", value: "$request.path.thing_id", want: "t1" + example},
		{name: "request query", value: "$request.query.color", want: "red" + example},
		{name: "request header, any case", value: "$request.header.x-trace", want: "trace-1" + example},
		{name: "request body member", value: "$request.body#/tags/1", want: "b" + example},
		{name: "method", value: "$method", want: "POST" + example},
		{name: "status code", value: "$statusCode", want: "201" + example},
		{name: "url", value: "$url", want: "http://example.com/things/t1?color=red" + example},
		{name: "constant string", value: "fixed", want: "fixed" + example},
		{name: "constant number", value: "7", want: "7" + example},
		{name: "constant boolean", value: "true", want: "true" + example},
		{name: "expressions embedded in a string", value: `"n-{$response.body#/id}-{$request.path.thing_id}"`, want: "n-n7-t1" + example},
		{name: "request body from an expression", value: "v", body: "$response.body#/nested", want: `v {"x":"y"}`},
		{name: "request body, the whole response body", value: "v", body: "$response.body",
			want: `v {"a/b":"slash","id":"n7","n":12345678901234567890,"nested":{"x":"y"}}`},
		{name: "request body constant", value: "v", body: "{answer: 42}", want: `v {"answer":42}`},
		{name: "missing response body member", value: "$response.body#/missing", fails: `parameter value: $response.body#/missing did not resolve in {"id": "n7"`},
		{name: "missing response header", value: "$response.header.Nope", fails: `parameter value: $response.header.Nope did not resolve: no header "Nope" in the response`},
		{name: "missing request query", value: "$request.query.nope", fails: `parameter value: $request.query.nope did not resolve: no query "nope" in the request`},
		{name: "a response has no path", value: "$response.path.thing_id", fails: `parameter value: $response.path.thing_id is not a runtime expression this suite knows`},
		{name: "missing request body member", value: "v", body: "$request.body#/nope", fails: `requestBody: $request.body#/nope did not resolve in {"name":"sprocket","tags":["a","b"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			body := ""
			if tt.body != "" {
				body = "              requestBody: " + tt.body
			}
			doc := load(t, strings.NewReplacer("VALUE", tt.value, "BODY", body).Replace(echoSpec))
			var seen []string
			findings := conformance(t, doc, echo(&seen))
			if tt.fails != "" {
				if want := echoSetup + tt.fails; len(findings) != 1 || !strings.HasPrefix(findings[0], want) {
					t.Errorf("findings:\n%s\nwant one, beginning\n%s", strings.Join(findings, "\n"), want)
				}
				if len(seen) > 0 {
					t.Errorf("echo was called: %q", seen)
				}
				return
			}
			for _, f := range findings {
				t.Error(f)
			}
			// Public: echo is tried with no credentials and a wrong one.
			if want := []string{tt.want, tt.want}; !slices.Equal(seen, want) {
				t.Errorf("echo saw %q, want %q", seen, want)
			}
		})
	}
}

// cycleSpec: getA and getB link to each other and getA to itself; only
// makeA's link (the line MAKE_A) makes an A from nothing.
const cycleSpec = `
openapi: 3.0.3
info: {title: cycle, version: "1"}
paths:
  /a:
    post:
      operationId: makeA
      security: []
      responses:
        "201":
          description: made
          content: {application/json: {schema: {type: object}}}
          links: {MAKE_A}
  /a/{id}:
    get:
      operationId: getA
      security: []
      parameters: [{name: id, in: path, required: true, schema: {type: string}, example: nope}]
      responses:
        "200":
          description: an A
          content: {application/json: {schema: {type: object}}}
          links:
            Self: {operationId: getA, parameters: {id: $response.body#/id}}
            GetB: {operationId: getB, parameters: {id: $response.body#/id}}
        "404": {description: not found}
  /b/{id}:
    get:
      operationId: getB
      security: []
      parameters: [{name: id, in: path, required: true, schema: {type: string}, example: nope}]
      responses:
        "200":
          description: a B
          content: {application/json: {schema: {type: object}}}
          links:
            GetA: {operationId: getA, parameters: {id: $response.body#/id}}
        "404": {description: not found}
`

// registry serves any spec of POSTs that make things and GETs that read
// them: a GET of an id it did not issue is a 404.
func registry() http.HandlerFunc {
	issued := map[string]bool{}
	return func(w http.ResponseWriter, r *http.Request) {
		id := chi.URLParam(r, "id")
		if r.Method == http.MethodPost {
			id = fmt.Sprintf("id%d", len(issued)+1)
			issued[id] = true
		} else if !issued[id] {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(map[string]int{http.MethodPost: http.StatusCreated, http.MethodGet: http.StatusOK}[r.Method])
		_ = json.NewEncoder(w).Encode(map[string]string{"id": id})
	}
}

// TestConformanceStopsCycles: links in a loop neither hang the suite nor
// hide another link that leads somewhere.
func TestConformanceStopsCycles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		makeA string
		want  []string
	}{
		{"a way into the loop", "GetA: {operationId: getA, parameters: {id: $response.body#/id}}", nil},
		{"a broken link, then one that works", "Broken: {operationId: getA, parameters: {id: $response.body#/missing}}, " +
			"GetA: {operationId: getA, parameters: {id: $response.body#/id}}", nil},
		{"no way into the loop", "", []string{
			`GET /a/{id} (getA): setup: unreachable, so not checked: ` +
				`link "GetA" from GET /b/{id} (getB): that operation answered 404, want a 2xx (body ); ` +
				"the only `links` entries to this operation, getB, come from operations already on this chain of links (a loop), " +
				`so its path parameter "id" is its example "nope", which names nothing that exists: ` +
				"add a `links` entry to it from the response of the operation that creates the resource",
			`GET /b/{id} (getB): setup: unreachable, so not checked: ` +
				`link "GetB" from GET /a/{id} (getA): that operation answered 404, want a 2xx (body ); ` +
				"the only `links` entries to this operation, getA, come from operations already on this chain of links (a loop), " +
				`so its path parameter "id" is its example "nope", which names nothing that exists: ` +
				"add a `links` entry to it from the response of the operation that creates the resource",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := load(t, strings.Replace(cycleSpec, "MAKE_A", tt.makeA, 1))
			done := make(chan []string)
			go func() { done <- conformance(t, doc, registry()) }()
			select {
			case got := <-done:
				if slices.Sort(got); !slices.Equal(got, tt.want) {
					t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the suite is still following links after 10s")
			}
		})
	}
}

// TestConformanceBoundsChains: a chain longer than the suite follows is a
// finding that says so, not a walk down every path.
func TestConformanceBoundsChains(t *testing.T) {
	t.Parallel()
	// make → get1 → get2 → … → get7, each reached by a link from the one
	// before: get7 is seven links away.
	var paths strings.Builder
	for i := range 8 {
		op, path, params := fmt.Sprintf("get%d", i), fmt.Sprintf("/n%d/{id}", i), "\n      parameters: [{name: id, in: path, required: true, schema: {type: string}, example: nope}]"
		method, status := "get", "200"
		if i == 0 {
			op, path, params, method, status = "make", "/n0", "", "post", "201"
		}
		fmt.Fprintf(&paths, `
  %s:
    %s:
      operationId: %s
      security: []%s
      responses:
        "%s":
          description: it
          content: {application/json: {schema: {type: object}}}
          links: {Next: {operationId: get%d, parameters: {id: $response.body#/id}}}
        "404": {description: not found}`, path, method, op, params, status, i+1)
	}
	doc := load(t, "openapi: 3.0.3\ninfo: {title: long, version: \"1\"}\npaths:"+paths.String()+"\n")
	got := conformance(t, doc, registry())
	want := []string{`GET /n7/{id} (get7): setup: unreachable, so not checked: ` +
		`link "Next" from GET /n6/{id} (get6): link "Next" from GET /n5/{id} (get5): link "Next" from GET /n4/{id} (get4): ` +
		`link "Next" from GET /n3/{id} (get3): link "Next" from GET /n2/{id} (get2): link "Next" from GET /n1/{id} (get1): ` +
		`links to GET /n1/{id} (get1) not followed: the chain would be longer than 6 links (get7 ← get6 ← get5 ← get4 ← get3 ← get2 ← get1)`}
	if !slices.Equal(got, want) {
		t.Errorf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
