package httplog_test

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"

	"example.com/tasks/impl/httplog"
)

// BenchmarkLog is the cost of one access-log line, JSON to a writer that
// keeps nothing (make bench-http measures it with the write to a file).
func BenchmarkLog(b *testing.B) {
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	w, r, e := httplog.Begin(httptest.NewRecorder(), httptest.NewRequest("GET", "/v1/tasks/0190c5c8-5d4b-7d37-8e4a-3c5f2a9b1e77", nil), "k3j4h5g6f7-000042")
	_, _ = w.Write(make([]byte, 312)) // a 200 with 312 bytes of body
	httplog.SetSubject(r.Context(), "ci")
	b.ReportAllocs()
	for b.Loop() {
		e.Log(logger, r)
	}
}
