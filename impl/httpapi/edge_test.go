package httpapi_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"

	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/httpapi"
	"example.com/tasks/impl/problem"
)

// logLines decodes the JSON lines the server has logged to logs.
func logLines(t *testing.T, logs *apitest.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	for line := range strings.Lines(logs.String()) {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("a log line is not JSON: %q", line)
		}
		out = append(out, m)
	}
	return out
}

// TestEdgeRequestIDs: every request gets an id of the server's own, the
// same in its problem's instance and its log line, never the client's.
func TestEdgeRequestIDs(t *testing.T) {
	t.Parallel()
	logs := &apitest.Buffer{}
	r := chi.NewRouter()
	r.Use(httpapi.Edge(slog.New(slog.NewJSONHandler(logs, nil)), nil))
	r.Get("/fail", func(w http.ResponseWriter, r *http.Request) {
		problem.Write(w, r, problem.New(http.StatusConflict, "conflict", "no"))
	})
	var instances []string
	for range 3 {
		req := httptest.NewRequest("GET", "/fail", nil)
		req.Header.Set("X-Request-Id", "chosen-by-the-client")
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		var p struct{ Instance string }
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Instance == "" {
			t.Fatalf("no instance in %s (%v)", rec.Body, err)
		}
		instances = append(instances, p.Instance)
	}
	lines := logLines(t, logs)
	if len(lines) != len(instances) {
		t.Fatalf("%d log lines for %d requests", len(lines), len(instances))
	}
	seen := map[string]bool{}
	for i, id := range instances {
		if id == "chosen-by-the-client" || seen[id] {
			t.Errorf("request %d has id %q: the client's, or a repeated one", i, id)
		}
		seen[id] = true
		if lines[i]["request_id"] != id {
			t.Errorf("request %d: log line's request_id %v, problem's instance %q", i, lines[i]["request_id"], id)
		}
	}
}

// TestEdgeAbortHandler: a handler that aborts the response with
// http.ErrAbortHandler (net/http's way to drop a connection) gets no 500 of
// ours: net/http closes the connection, the request is logged, and the
// server serves the next request.
func TestEdgeAbortHandler(t *testing.T) {
	t.Parallel()
	logs := &apitest.Buffer{}
	r := chi.NewRouter()
	r.Use(httpapi.Edge(slog.New(slog.NewJSONHandler(logs, nil)), nil))
	r.Get("/abort", func(http.ResponseWriter, *http.Request) { panic(http.ErrAbortHandler) })
	r.Get("/ok", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	srv := httptest.NewServer(r)
	defer srv.Close()

	if resp, err := srv.Client().Get(srv.URL + "/abort"); err == nil {
		resp.Body.Close()
		t.Fatalf("an aborted response arrived: %d", resp.StatusCode)
	}
	resp, err := srv.Client().Get(srv.URL + "/ok")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("after the abort, status %d, want 204", resp.StatusCode)
	}
	var routes []any
	for _, l := range logLines(t, logs) {
		routes = append(routes, l["route"])
	}
	if len(routes) != 2 || routes[0] != "/abort" || routes[1] != "/ok" {
		t.Errorf("logged routes %v, want /abort then /ok", routes)
	}
}
