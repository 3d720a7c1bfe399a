package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"

	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/httpapi"
	"example.com/tasks/impl/mcp"
	"example.com/tasks/impl/spec"
)

// fullMCP is the full stack (access log to a file) with --mcp, loaded with
// each scenario sent as the MCP tool call of its operation: its rows beside
// full's give a tool call's cost against the same REST request.
const fullMCP = "full-mcp"

func init() {
	stacks = append(stacks, fullMCP)
	asToolCall[fullMCP] = true
	stackTitle[fullMCP] = "full, as an MCP tool call"
}

// mcpEndpoint is /mcp as cmd/server's --mcp serves it (no --public-url).
func mcpEndpoint(doc *openapi3.T, logger *slog.Logger) httpapi.Endpoint {
	return httpapi.Endpoint{Path: mcp.Path, New: func(api http.Handler, gate *httpapi.Gate) (http.Handler, error) {
		return mcp.New(mcp.Config{Spec: doc, API: api, Gate: gate, Logger: logger})
	}}
}

// toolCall is sc as a tool call to /mcp: POST of a JSON-RPC tools/call
// whose tool is the operation sc's method and path match in the spec, with
// the path's parameters, the query's and the body as arguments. The
// request carries sc's token. Its answer is 401 or 403 when sc's is (the
// endpoint refuses those before any call), else 200.
func toolCall(sc apitest.Scenario) (*http.Request, int, func(int, []byte) error, error) {
	req, want, err := toolRequest(sc)
	return req, want, func(status int, body []byte) error { return checkToolCall(sc, status, body) }, err
}

func toolRequest(sc apitest.Scenario) (*http.Request, int, error) {
	doc, err := spec.Load()
	if err != nil {
		return nil, 0, err
	}
	base, err := spec.BasePath(doc)
	if err != nil {
		return nil, 0, err
	}
	u, err := url.Parse(sc.Path)
	if err != nil {
		return nil, 0, err
	}
	op, args := match(doc, sc.Method, strings.TrimPrefix(u.Path, base))
	if op == nil {
		return nil, 0, fmt.Errorf("%s: no operation for %s %s", sc.Name, sc.Method, sc.Path)
	}
	for k, v := range u.Query() {
		args[k] = v[0]
	}
	if sc.Body != "" {
		args[mcp.BodyArgument] = json.RawMessage(sc.Body)
	}
	body, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "tools/call",
		"params": map[string]any{"name": op.OperationID, "arguments": args}})
	if err != nil {
		return nil, 0, err
	}
	req := apitest.Scenario{Method: http.MethodPost, Path: mcp.Path, Token: sc.Token, Body: string(body)}.Request()
	req.Header.Set("Accept", "application/json, text/event-stream")
	want := http.StatusOK
	if sc.Want == http.StatusUnauthorized || sc.Want == http.StatusForbidden {
		want = sc.Want
	}
	return req, want, nil
}

// match finds the operation of method whose path template matches path,
// and the values of its path parameters.
func match(doc *openapi3.T, method, path string) (*openapi3.Operation, map[string]any) {
	segs := strings.Split(path, "/")
	for tmpl, item := range doc.Paths.Map() {
		op := item.GetOperation(method)
		ts := strings.Split(tmpl, "/")
		if op == nil || len(ts) != len(segs) {
			continue
		}
		args := map[string]any{}
		ok := true
		for i, t := range ts {
			if strings.HasPrefix(t, "{") && strings.HasSuffix(t, "}") {
				args[t[1:len(t)-1]] = segs[i]
			} else if t != segs[i] {
				ok = false
				break
			}
		}
		if ok {
			return op, args
		}
	}
	return nil, nil
}

// checkToolCall checks the answer to a tool call as sc.Check checks the
// REST answer: the operation's status and body are read back from the
// JSON-RPC result (_meta.status and structuredContent, or the problem of a
// tool error).
func checkToolCall(sc apitest.Scenario, status int, body []byte) error {
	if status != http.StatusOK {
		return sc.Check(status, body)
	}
	var msg struct {
		Result struct {
			Meta struct {
				Status int `json:"status"`
			} `json:"_meta"`
			Content []struct {
				Text string `json:"text"`
			} `json:"content"`
			StructuredContent json.RawMessage `json:"structuredContent"`
			IsError           bool            `json:"isError"`
		} `json:"result"`
		Error *struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &msg); err != nil {
		return fmt.Errorf("tool call answer: %w: %.300s", err, body)
	}
	if msg.Error != nil {
		return errors.New("tool call: " + msg.Error.Message)
	}
	r := msg.Result
	if r.IsError {
		var p struct {
			Status int `json:"status"`
		}
		if len(r.Content) == 0 || json.Unmarshal([]byte(r.Content[0].Text), &p) != nil {
			return fmt.Errorf("tool error without a problem: %.300s", body)
		}
		return sc.Check(p.Status, []byte(r.Content[0].Text))
	}
	return sc.Check(r.Meta.Status, r.StructuredContent)
}

// reportToolCalls prints a tool call's cost against the same REST request:
// full-mcp's ratios to full, per scenario and database.
func reportToolCalls(w io.Writer, results map[target][][]sample, targets []target) {
	fmt.Fprintf(w, "\nAn MCP tool call ÷ the same REST request (full, access log to a file): CPU / req/s / allocations\n\n| scenario | database | tool call ÷ REST |\n|---|---|---|\n")
	for i, sc := range apitest.Scenarios(uuid.Nil) {
		for _, t := range targets {
			if t.stack == fullMCP {
				fmt.Fprintf(w, "| %s | %s | %s |\n", sc.Name, t.db, ratios(results, t, target{full, t.db}, i))
			}
		}
	}
}
