package mcp_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/httpapi"
	"example.com/tasks/impl/mcp"
)

// BenchmarkToolCall compares a tool call with the REST request it becomes,
// on the same handler in process (no network): what MCP adds is the
// JSON-RPC envelope, the SDK's stateless session, the scope pre-check and
// the inner request. `benchstat -col /via` puts the two side by side;
// docs/MCP.md has the results.
func BenchmarkToolCall(b *testing.B) {
	db := apitest.MemoryDB(b)
	id := apitest.Seed(b, db).String()
	doc := apitest.Spec()
	h, err := apitest.Handler(b, apitest.Config{Spec: doc, API: apitest.API(b, db), Endpoints: []httpapi.Endpoint{endpoint(b, doc)}})
	if err != nil {
		b.Fatal(err)
	}
	type variant struct {
		name, method, path, body string
		want                     int
	}
	rpc := func(tool, args string) string {
		return `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + tool + `","arguments":` + args + `}}`
	}
	for _, sc := range []struct {
		name      string
		rest, mcp variant
		token     string
	}{
		{"GetByID", variant{"rest", "GET", "/v1/tasks/" + id, "", 200}, variant{"mcp", "POST", mcp.Path, rpc("getTask", `{"id":"`+id+`"}`), 200}, apitest.AliceToken},
		{"Post", variant{"rest", "POST", "/v1/tasks", `{"title":"bench","status":"todo"}`, 201}, variant{"mcp", "POST", mcp.Path, rpc("createTask", `{"body":{"title":"bench","status":"todo"}}`), 200}, apitest.AliceToken},
		{"Scope403", variant{"rest", "POST", "/v1/tasks", `{"title":"bench"}`, 403}, variant{"mcp", "POST", mcp.Path, rpc("createTask", `{"body":{"title":"bench"}}`), 403}, apitest.CarolToken},
	} {
		for _, v := range []variant{sc.rest, sc.mcp} {
			b.Run(sc.name+"/via="+v.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					var req *http.Request
					if v.body != "" {
						req = httptest.NewRequest(v.method, v.path, strings.NewReader(v.body))
						req.Header.Set("Content-Type", "application/json")
					} else {
						req = httptest.NewRequest(v.method, v.path, nil)
					}
					req.Header.Set("Accept", "application/json, text/event-stream")
					req.Header.Set("Authorization", "Bearer "+sc.token)
					rec := httptest.NewRecorder()
					h.ServeHTTP(rec, req)
					if rec.Code != v.want || (v.name == "mcp" && v.want == 200 && strings.Contains(rec.Body.String(), `"isError":true`)) {
						b.Fatalf("%d %s", rec.Code, rec.Body)
					}
				}
			})
		}
	}
}
