package httplog_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"example.com/tasks/impl/httplog"
)

// TestLoggedResponse serves real requests through Begin's writer and reads
// the status and size the line reports, and what the client got.
func TestLoggedResponse(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		handler    http.HandlerFunc
		wantStatus int // in the log line and on the wire
		wantBody   string
	}{
		{"nothing written", func(http.ResponseWriter, *http.Request) {}, http.StatusOK, ""},
		{"body only", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "hello") }, http.StatusOK, "hello"},
		{"status then body", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, "made")
			_, _ = io.WriteString(w, " it")
		}, http.StatusCreated, "made it"},
		{"second status dropped", func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusNotFound)
			w.WriteHeader(http.StatusInternalServerError)
		}, http.StatusNotFound, ""},
		{"informational first", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Link", "</style.css>; rel=preload")
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusAccepted)
		}, http.StatusAccepted, ""},
		{"flushed", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = io.WriteString(w, "part")
			w.(http.Flusher).Flush()
			if err := http.NewResponseController(w).Flush(); err != nil {
				t.Errorf("ResponseController.Flush: %v", err)
			}
		}, http.StatusOK, "part"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var log bytes.Buffer
			logger := slog.New(slog.NewJSONHandler(&log, nil))
			done := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w, r, e := httplog.Begin(w, r, "test-000001")
				defer close(done)
				defer e.Log(logger, r)
				c.handler(w, r)
			}))
			defer srv.Close()
			resp, err := http.Get(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			<-done
			if resp.StatusCode != c.wantStatus || string(body) != c.wantBody {
				t.Errorf("client got %d %q, want %d %q", resp.StatusCode, body, c.wantStatus, c.wantBody)
			}
			var line struct{ Status, Bytes int }
			if err := json.Unmarshal(log.Bytes(), &line); err != nil {
				t.Fatalf("%v: %s", err, log.String())
			}
			if line.Status != c.wantStatus || line.Bytes != len(c.wantBody) {
				t.Errorf("logged status %d, %d bytes; want %d, %d", line.Status, line.Bytes, c.wantStatus, len(c.wantBody))
			}
		})
	}
}

// TestLoggedResponseHijack: a handler can still take the connection over.
func TestLoggedResponseHijack(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w, _, _ = httplog.Begin(w, r, "test-000001")
		conn, rw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		_, _ = rw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
		_ = rw.Flush()
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if !strings.Contains(string(got), "hijacked") {
		t.Errorf("body %q, want the hijacker's", got)
	}
}
