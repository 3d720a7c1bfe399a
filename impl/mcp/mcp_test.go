package mcp_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"example.com/tasks/gen"
	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/protectedresource"
	"example.com/tasks/impl/docs"
	"example.com/tasks/impl/httpapi"
	"example.com/tasks/impl/mcp"
	"example.com/tasks/impl/problem"
	"example.com/tasks/impl/spec"
)

// The tests speak MCP with the official Go SDK's client to the real
// handler (apitest), on the embedded spec or an edited copy. Names, realm
// and scopes come from the spec, as a fork renames them.

const publicURL = "http://127.0.0.1:1" // only what the challenges and metadata name

// endpoint is the MCP endpoint as cmd/server wires it, with its RFC 9728
// metadata on publicURL.
func endpoint(t testing.TB, doc *openapi3.T) httpapi.Endpoint {
	t.Helper()
	all, _ := spec.Scopes(doc)
	md, err := protectedresource.New(doc, mcp.Path, docs.Path, protectedresource.Config{PublicURL: publicURL, Scopes: all})
	if err != nil {
		t.Fatal(err)
	}
	return httpapi.Endpoint{Path: mcp.Path, Metadata: md, New: func(api http.Handler, gate *httpapi.Gate) (http.Handler, error) {
		return mcp.New(mcp.Config{Spec: doc, API: api, Gate: gate, Logger: apitestLogger()})
	}}
}

// newServer starts the API with MCP on doc (nil: the embedded spec).
func newServer(t testing.TB, doc *openapi3.T) *apitest.Server {
	t.Helper()
	if doc == nil {
		doc = apitest.Spec()
	}
	return apitest.NewServer(t, apitest.Config{Spec: doc, Endpoints: []httpapi.Endpoint{endpoint(t, doc)}})
}

// bearer sends token on every request.
type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// connect returns an SDK client session to srv's /mcp with token.
func connect(t testing.TB, srv *apitest.Server, token string) *sdk.ClientSession {
	t.Helper()
	client := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, nil)
	cs, err := client.Connect(context.Background(), &sdk.StreamableClientTransport{
		Endpoint:   srv.URL + mcp.Path,
		HTTPClient: &http.Client{Transport: bearer{token}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

func call(t testing.TB, cs *sdk.ClientSession, name string, args map[string]any) *sdk.CallToolResult {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return res
}

// object returns the structured content of a successful result.
func object(t testing.TB, res *sdk.CallToolResult) map[string]any {
	t.Helper()
	if res.IsError {
		t.Fatalf("tool error: %s", text(res))
	}
	var m map[string]any
	b, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		t.Fatalf("structured content %s: %v", b, err)
	}
	return m
}

func text(res *sdk.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*sdk.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// TestToolsAreTheSpecsOperations: one tool per operation, named by its
// operationId, with the schemas and hints the spec implies.
func TestToolsAreTheSpecsOperations(t *testing.T) {
	t.Parallel()
	doc := apitest.Spec()
	srv := newServer(t, doc)
	cs := connect(t, srv, apitest.CarolToken)
	list, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	tools := map[string]*sdk.Tool{}
	for _, tl := range list.Tools {
		tools[tl.Name] = tl
	}
	var want []string
	for _, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			want = append(want, op.OperationID)
			tl := tools[op.OperationID]
			if tl == nil {
				continue
			}
			if len([]rune(tl.Description)) > mcp.MaxDescription || !strings.HasPrefix(tl.Description, op.Summary) {
				t.Errorf("%s: description %q", tl.Name, tl.Description)
			}
			if a := tl.Annotations; a == nil || a.ReadOnlyHint != (method == http.MethodGet) ||
				(method == http.MethodDelete) != (a.DestructiveHint != nil && *a.DestructiveHint) {
				t.Errorf("%s %s: annotations %+v", method, tl.Name, tl.Annotations)
			}
			in := tl.InputSchema.(map[string]any)
			if in["type"] != "object" {
				t.Errorf("%s: inputSchema type %v", tl.Name, in["type"])
			}
			props := in["properties"].(map[string]any)
			if (op.RequestBody != nil) != (props[mcp.BodyArgument] != nil) {
				t.Errorf("%s: body argument %v, request body %v", tl.Name, props[mcp.BodyArgument], op.RequestBody != nil)
			}
			if out, ok := tl.OutputSchema.(map[string]any); ok && out["type"] != "object" {
				t.Errorf("%s: outputSchema type %v, MCP needs an object", tl.Name, out["type"])
			}
			b, _ := json.Marshal(tl)
			if strings.Contains(string(b), "$ref") || strings.Contains(string(b), `"nullable"`) {
				t.Errorf("%s: schemas are not self-contained JSON Schema: %s", tl.Name, b)
			}
		}
	}
	slices.Sort(want)
	if got := slices.Sorted(maps.Keys(tools)); !slices.Equal(got, want) {
		t.Errorf("tools %v, want the operations %v", got, want)
	}
}

// TestTaskToolsLifecycle calls every operation of the sample resource
// through its tool, and reads the result back through REST.
func TestTaskToolsLifecycle(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	alice := connect(t, srv, apitest.AliceToken)

	created := call(t, alice, "createTask", map[string]any{"body": map[string]any{"title": "from MCP", "description": "d"}})
	task := object(t, created)
	id, _ := task["id"].(string)
	if task["title"] != "from MCP" || id == "" {
		t.Fatalf("created %v", task)
	}
	headers, _ := created.Meta["headers"].(map[string]any)
	etag, _ := headers["Etag"].(string)
	if created.Meta["status"] != float64(http.StatusCreated) || etag == "" || !strings.HasSuffix(fmt.Sprint(headers["Location"]), id) {
		t.Errorf("created _meta %v: want status 201, ETag and Location", created.Meta)
	}

	// REST serves what the tool created, to the same subject.
	req, _ := http.NewRequest(http.MethodGet, srv.API+"/tasks/"+id, nil)
	req.Header.Set("Authorization", "Bearer "+apitest.AliceToken)
	resp, err := srv.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("REST GET of the created task: %d", resp.StatusCode)
	}

	if got := object(t, call(t, alice, "getTask", map[string]any{"id": id})); got["id"] != id {
		t.Errorf("getTask %v", got)
	}
	page := object(t, call(t, alice, "listTasks", map[string]any{"limit": 10}))
	if items, _ := page["items"].([]any); len(items) != 1 {
		t.Errorf("listTasks %v, want the one task", page)
	}
	put := object(t, call(t, alice, "updateTask", map[string]any{"id": id, "If-Match": etag, "body": map[string]any{"title": "replaced", "status": "doing"}}))
	if put["title"] != "replaced" || put["status"] != "doing" {
		t.Errorf("updateTask %v", put)
	}
	// The old version is gone: a stale If-Match is the API's 412, as a tool error.
	if res := call(t, alice, "patchTask", map[string]any{"id": id, "If-Match": etag, "body": map[string]any{"status": "done"}}); !res.IsError || !strings.Contains(text(res), `"status":412`) {
		t.Errorf("stale patch: %v %s", res.IsError, text(res))
	}
	patched := object(t, call(t, alice, "patchTask", map[string]any{"id": id, "body": map[string]any{"status": "done", "description": nil}}))
	if patched["status"] != "done" || patched["description"] != nil {
		t.Errorf("patchTask %v", patched)
	}
	// Owner isolation is the API's: bob sees nothing of alice's.
	bob := connect(t, srv, apitest.BobToken)
	if res := call(t, bob, "getTask", map[string]any{"id": id}); !res.IsError || !strings.Contains(text(res), `"status":404`) {
		t.Errorf("bob reads alice's task: %v %s", res.IsError, text(res))
	}
	if res := call(t, alice, "deleteTask", map[string]any{"id": id}); res.IsError || res.Meta["status"] != float64(http.StatusNoContent) {
		t.Errorf("deleteTask: %v %s %v", res.IsError, text(res), res.Meta)
	}
	if res := call(t, alice, "getTask", map[string]any{"id": id}); !res.IsError || !strings.Contains(text(res), `"status":404`) {
		t.Errorf("getTask after delete: %v %s", res.IsError, text(res))
	}
	// Each call was a request of its own in the access log, as the operation.
	if logs := srv.Logs.String(); !strings.Contains(logs, `"route":"/v1/tasks/{id}"`) || !strings.Contains(logs, `"route":"/mcp"`) {
		t.Errorf("access log lacks the operations' lines:\n%s", logs)
	}
}

// TestToolErrors: the caller's mistakes are tool errors with the API's
// problem, never a 500 or a JSON-RPC error.
func TestToolErrors(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	cs := connect(t, srv, apitest.AliceToken)
	for name, c := range map[string]struct {
		tool string
		args map[string]any
		want string
	}{
		"not a uuid":       {"getTask", map[string]any{"id": "../../mcp"}, `"status":400`},
		"no id":            {"getTask", map[string]any{}, `"id" is required`},
		"unknown argument": {"listTasks", map[string]any{"nope": 1}, `no argument "nope"`},
		"bad body":         {"createTask", map[string]any{"body": map[string]any{"title": 7}}, `"code":"validation_failed"`},
		"no body":          {"createTask", map[string]any{}, `"status":400`},
		"limit too large":  {"listTasks", map[string]any{"limit": 1000}, `"status":400`},
		"object parameter": {"listTasks", map[string]any{"cursor": map[string]any{}}, `"cursor"`},
	} {
		res := call(t, cs, c.tool, c.args)
		if !res.IsError || !strings.Contains(text(res), c.want) {
			t.Errorf("%s: isError %v, %s; want %s", name, res.IsError, text(res), c.want)
		}
	}
	if _, err := cs.CallTool(context.Background(), &sdk.CallToolParams{Name: "noSuchTool"}); err == nil {
		t.Error("an unknown tool was called")
	}
}

// writeOperation returns a tool whose operation needs a scope the read
// scopes lack, and that scope requirement, from the spec.
func writeOperation(t testing.TB, doc *openapi3.T) (string, []string) {
	t.Helper()
	_, read := spec.Scopes(doc)
	for _, item := range doc.Paths.Map() {
		if op := item.Post; op != nil && op.RequestBody != nil {
			for _, req := range auth.Requirements(doc, op) {
				for _, scopes := range req {
					for _, s := range scopes {
						if !slices.Contains(read, s) {
							return op.OperationID, scopes
						}
					}
				}
			}
		}
	}
	t.Fatal("the spec has no POST that needs a write scope")
	return "", nil
}

// post sends one JSON-RPC message to /mcp with token ("" for none).
func post(t testing.TB, srv *apitest.Server, token, body string) (*http.Response, string) {
	t.Helper()
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	return postWith(t, srv, h, body)
}

// postWith sends one JSON-RPC message to /mcp with the credential headers h.
func postWith(t testing.TB, srv *apitest.Server, h http.Header, body string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+mcp.Path, strings.NewReader(body))
	req.Header = h.Clone()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// TestAuthentication: /mcp answers as the API does, with the challenges
// naming the endpoint's own RFC 9728 metadata.
func TestAuthentication(t *testing.T) {
	t.Parallel()
	doc := apitest.Spec()
	srv := newServer(t, doc)
	metadata := publicURL + protectedresource.WellKnown + mcp.Path
	realm := apitest.Realm()
	list := `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`

	resp, body := post(t, srv, "", list)
	if want := `Bearer realm="` + realm + `", resource_metadata="` + metadata + `"`; resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") != want {
		t.Errorf("no token: %d %q %s; want 401 %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body, want)
	}
	resp, _ = post(t, srv, "not-a-token", list)
	if h := resp.Header.Get("WWW-Authenticate"); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(h, `error="invalid_token"`) || !strings.Contains(h, metadata) {
		t.Errorf("bad token: %d %q", resp.StatusCode, h)
	}
	resp, body = post(t, srv, apitest.NoScopes, list)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `"tools"`) {
		t.Errorf("a valid token without scopes lists tools: %d %s", resp.StatusCode, body)
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q on an answer to a credentialed request, want no-store", cc)
	}

	// A read-only token calling a write: 403 with the operation's scopes,
	// before anything is written.
	tool, scopes := writeOperation(t, doc)
	callBody := `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"` + tool + `","arguments":{"body":{"title":"x"}}}}`
	resp, _ = post(t, srv, apitest.CarolToken, callBody)
	h := resp.Header.Get("WWW-Authenticate")
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(h, `error="insufficient_scope"`) ||
		!strings.Contains(h, `scope="`+strings.Join(scopes, " ")+`"`) || !strings.Contains(h, `resource_metadata="`+metadata+`"`) {
		t.Errorf("read-only token writes: %d %q", resp.StatusCode, h)
	}
	// The same in a batch.
	resp, _ = post(t, srv, apitest.CarolToken, "["+callBody+"]")
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("batch: %d, want 403", resp.StatusCode)
	}
	// The metadata document names the endpoint as its resource.
	mr, err := http.Get(srv.URL + protectedresource.WellKnown + mcp.Path)
	if err != nil {
		t.Fatal(err)
	}
	defer mr.Body.Close()
	var m protectedresource.Metadata
	if err := json.NewDecoder(mr.Body).Decode(&m); err != nil || m.Resource != publicURL+mcp.Path {
		t.Errorf("metadata: %+v %v", m, err)
	}
}

// TestSpecDrivesTools: an operation added to the spec is a tool with no
// code; `x-mcp: false` hides one.
func TestSpecDrivesTools(t *testing.T) {
	t.Parallel()
	doc := apitest.Spec()
	var hidden string
	for _, item := range doc.Paths.Map() {
		if op := item.Delete; op != nil {
			op.Extensions = map[string]any{mcp.Extension: false}
			hidden = op.OperationID
		}
	}
	added := openapi3.NewOperation()
	added.OperationID = "countWidgets"
	added.Summary = "Count widgets"
	added.Description = strings.Repeat("A long description. ", 100)
	added.AddParameter(openapi3.NewQueryParameter("color").WithSchema(openapi3.NewStringSchema()))
	added.AddResponse(200, openapi3.NewResponse().WithDescription("ok").WithJSONSchema(openapi3.NewArraySchema().WithItems(openapi3.NewStringSchema())))
	doc.AddOperation("/widgets", http.MethodGet, added)

	srv := newServer(t, doc)
	cs := connect(t, srv, apitest.AliceToken)
	list, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var got *sdk.Tool
	for _, tl := range list.Tools {
		switch tl.Name {
		case hidden:
			t.Errorf("%s is listed despite x-mcp: false", hidden)
		case added.OperationID:
			got = tl
		}
	}
	if got == nil {
		t.Fatalf("%s is not a tool", added.OperationID)
	}
	if n := len([]rune(got.Description)); n > mcp.MaxDescription {
		t.Errorf("description of %d characters", n)
	}
	out, _ := got.OutputSchema.(map[string]any)
	if props, _ := out["properties"].(map[string]any); out["type"] != "object" || props[mcp.BodyArgument] == nil {
		t.Errorf("an array result's outputSchema %v: want it wrapped in an object", out)
	}
	if props := got.InputSchema.(map[string]any)["properties"].(map[string]any); props["color"] == nil {
		t.Errorf("inputSchema lacks the query parameter: %v", props)
	}
}

func apitestLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

// TestTransportErrors: what the SDK refuses before any JSON-RPC (a GET, a
// body that is not JSON, one too large, another media type) is answered as
// every error of the server is, problem+json with its status, never
// text/plain.
func TestTransportErrors(t *testing.T) {
	t.Parallel()
	srv := newServer(t, nil)
	for _, tt := range []struct {
		name, method, contentType, body string
		status                          int
		code                            gen.ProblemCode
	}{
		{"GET (no stream in stateless mode)", http.MethodGet, "", "", http.StatusMethodNotAllowed, gen.ProblemCodeMethodNotAllowed},
		{"DELETE", http.MethodDelete, "", "", http.StatusMethodNotAllowed, gen.ProblemCodeMethodNotAllowed},
		{"another media type", http.MethodPost, "text/plain", "x", http.StatusUnsupportedMediaType, gen.ProblemCodeUnsupportedMediaType},
		{"not JSON", http.MethodPost, "application/json", "{x", http.StatusBadRequest, gen.ProblemCodeValidationFailed},
		{"too large", http.MethodPost, "application/json", `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"x":"` + strings.Repeat("a", sdk.DefaultMaxRequestBodyBytes) + `"}}`, http.StatusRequestEntityTooLarge, gen.ProblemCodePayloadTooLarge},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL+mcp.Path, strings.NewReader(tt.body))
			req.Header.Set("Authorization", "Bearer "+apitest.AliceToken)
			req.Header.Set("Accept", "application/json, text/event-stream")
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var p gen.Problem
			if err := json.NewDecoder(resp.Body).Decode(&p); err != nil || resp.StatusCode != tt.status ||
				resp.Header.Get("Content-Type") != problem.ContentType || p.Status != int32(tt.status) || p.Code != tt.code || p.Detail == nil || *p.Detail == "" {
				t.Errorf("%d %q %+v (%v), want a %d problem %s", resp.StatusCode, resp.Header.Get("Content-Type"), p, err, tt.status, tt.code)
			}
			if tt.status == http.StatusMethodNotAllowed && resp.Header.Get("Allow") != http.MethodPost {
				t.Errorf("405 with Allow %q, want POST", resp.Header.Get("Allow"))
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q", cc)
			}
		})
	}
}
