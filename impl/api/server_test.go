package api

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"example.com/tasks/gen"
	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/domain"
	"example.com/tasks/impl/httplog"
	"example.com/tasks/impl/problem"
)

// The handler tests call a handler with a typed request, as the strict
// server does once the edge has authenticated and validated it, and render
// what it returns as the edge would: a typed response writes itself, an
// error goes to problem.Write. Each resource's test file brings a fake of
// its own store interface, and builds its Server with only that store.

const (
	testBase      = "/v1"
	testRequestID = "req-1"
)

// testNow is the clock of every test Server.
var testNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// newTestServer returns a Server over stores, with a fixed clock. A test
// of one resource gives it a fake of that resource's store, which embeds
// domain.Stores to stand for the others (they are never called).
func newTestServer(stores domain.Stores) *Server {
	return &Server{stores: stores, baseURL: testBase, now: func() time.Time { return testNow }}
}

// call is one request in flight: its context (request id, and the principal
// when authenticated) and its access-log entry.
type call struct {
	ctx   context.Context
	req   *http.Request
	entry *httplog.Entry
}

// newCall starts a request by subject ("" for an anonymous one).
func newCall(subject string) *call {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	_, r, e := httplog.Begin(httptest.NewRecorder(), r, testRequestID)
	if subject != "" {
		r = r.WithContext(auth.NewContext(r.Context(), auth.Principal{Subject: subject}))
	}
	return &call{ctx: r.Context(), req: r, entry: e}
}

// logged returns the access-log line of the call, as JSON.
func (c *call) logged() string {
	var buf bytes.Buffer
	c.entry.Log(slog.New(slog.NewJSONHandler(&buf, nil)), c.req)
	return buf.String()
}

// result is a rendered response.
type result struct {
	status int
	header http.Header
	body   []byte
}

// render writes what a handler returned, resp or err, as the edge does.
func (c *call) render(t *testing.T, resp any, err error) result {
	t.Helper()
	w := httptest.NewRecorder()
	if err != nil {
		problem.Write(w, c.req, err)
	} else {
		visit(t, resp, w)
	}
	return result{status: w.Code, header: w.Result().Header, body: w.Body.Bytes()}
}

// visit calls the one Visit…Response method of a typed response.
func visit(t *testing.T, resp any, w http.ResponseWriter) {
	t.Helper()
	v := reflect.ValueOf(resp)
	if !v.IsValid() {
		t.Fatal("the handler returned neither a response nor an error")
	}
	for i := range v.NumMethod() {
		if strings.HasPrefix(v.Type().Method(i).Name, "Visit") {
			out := v.Method(i).Call([]reflect.Value{reflect.ValueOf(w)})
			if err, _ := out[0].Interface().(error); err != nil {
				t.Fatalf("writing %T: %v", resp, err)
			}
			return
		}
	}
	t.Fatalf("%T is not a response", resp)
}

// problem decodes r's body as a problem, checking its framing.
func (r result) problem(t *testing.T) gen.Problem {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != problem.ContentType {
		t.Errorf("Content-Type = %q, want %q", ct, problem.ContentType)
	}
	var p gen.Problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
	if int(p.Status) != r.status {
		t.Errorf("problem status %d in a %d response", p.Status, r.status)
	}
	if p.Instance == nil || *p.Instance != testRequestID {
		t.Errorf("problem instance = %v, want the request id %q", p.Instance, testRequestID)
	}
	return p
}

// decode decodes r's JSON body into a value of type T.
func decode[T any](t *testing.T, r result) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("body %s: %v", r.body, err)
	}
	return v
}

// TestNewRefusesNoStores: stores left out of the composition root are a
// start-up error, never a nil pointer at the first request.
func TestNewRefusesNoStores(t *testing.T) {
	t.Parallel()
	if _, err := New(nil, testBase); err == nil {
		t.Error("New(nil) succeeded, want an error")
	}
	if _, err := New(newFakeTasks(), testBase); err != nil {
		t.Errorf("New with a store: %v", err)
	}
}

// TestNoPrincipalIsAServerError: a secured handler reached without a
// principal is a wiring bug, a 500, and never runs anonymously.
func TestNoPrincipalIsAServerError(t *testing.T) {
	t.Parallel()
	s := newTestServer(newFakeTasks())
	c := newCall("")
	resp, err := s.ListTasks(c.ctx, gen.ListTasksRequestObject{})
	if r := c.render(t, resp, err); r.status != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", r.status)
	}
}
