package httplog

import (
	"bufio"
	"net"
	"net/http"
)

// response is the http.ResponseWriter Begin hands to the handlers: it
// passes everything through and records the status and the size of the
// body for the line. It lives inside the Entry, which every request
// allocates anyway; chi's middleware.WrapResponseWriter, which did this
// before, cost two allocations more per request (BenchmarkRequest).
type response struct {
	http.ResponseWriter
	status int // 0 until a final status is sent
	bytes  int
}

// WriteHeader records the first final status and passes it on; an
// informational one (1xx but 101) goes through unrecorded, and a second
// final one is dropped, as net/http would with a warning in its error log.
func (w *response) WriteHeader(code int) {
	switch {
	case code >= 100 && code <= 199 && code != http.StatusSwitchingProtocols:
		w.ResponseWriter.WriteHeader(code)
	case w.status == 0:
		w.status = code
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *response) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the writer net/http made
// (deadlines, full duplex, ...).
func (w *response) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush and Hijack keep the interfaces a handler may assert on the writer
// directly (streaming, upgrades); the underlying writer decides whether
// they work.
func (w *response) Flush() {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *response) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}
