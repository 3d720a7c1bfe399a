package httpapi

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync/atomic"

	"example.com/tasks/impl/httplog"
	"example.com/tasks/impl/problem"
)

// Edge returns the middleware every request passes first. In one layer, in
// this order, it
//
//   - closes the connection after a request whose framing net/http resolved
//     for the client (resolvedFraming);
//   - sets the headers every response carries (securityHeaders);
//   - gives the request an id of the server's own (a client's X-Request-Id
//     is never adopted: the id is written to the log and the problem's
//     instance, and a client must not choose what those say);
//   - turns a panic into a problem+json 500, logged with its stack (chi's
//     middleware.Recoverer answers with an empty text body and prints to
//     stderr, past the structured log);
//   - writes the access-log line (impl/httplog) once the request is answered;
//   - after an answer given before the body was read (401, 413, 415),
//     reads and discards the rest of the body, within bounds, so that the
//     client reads the answer rather than a connection reset (linger.go).
//
// These were five middleware layers; each cost a handler call, and the
// request id and the log each a context value and a copy of the request.
// Together with Guard's single layer, that was 6 to 7 allocations on every
// request (make bench; docs/PERFORMANCE.md).
//
// credentials are the request headers that carry credentials (a response
// to such a request is not cached).
func Edge(logger *slog.Logger, credentials []string) func(http.Handler) http.Handler {
	ids := newRequestIDs()
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			if resolvedFraming(r) {
				h["Connection"] = connectionClose
			}
			securityHeaders(h, r, credentials)
			w, r, entry := httplog.Begin(w, r, ids.next())
			body := newLingeringBody(r)
			if body != nil {
				r.Body = body // r is Begin's copy: net/http keeps its own
			}
			defer func() {
				v := recover()
				abort := v == http.ErrAbortHandler //nolint:errorlint // sentinel value, compared as net/http does
				if v != nil && !abort {
					problem.Write(w, r, fmt.Errorf("panic: %v\n%s", v, debug.Stack()))
				}
				entry.Log(logger, r)
				if abort {
					panic(v) // net/http's way to abort a response; it logs nothing
				}
				if body != nil {
					body.linger(w, r)
				}
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// Header values shared by every response, set without the allocation of
// Header.Set. Appending to them copies (their capacity is their length), and
// nothing writes into a header value in place.
var (
	connectionClose = []string{"close"}
	nosniff         = []string{"nosniff"}
	noStore         = []string{"no-store"}
)

// securityHeaders sets the headers every response carries. Go's net/http
// sends no Server header, and nothing here adds one: the server does not
// announce what it runs.
func securityHeaders(h http.Header, r *http.Request, credentials []string) {
	h["X-Content-Type-Options"] = nosniff
	for _, name := range credentials {
		if _, ok := r.Header[name]; ok {
			// A response to a credentialed request is someone's own
			// data: no cache, shared or private, may keep it.
			h["Cache-Control"] = noStore
			return
		}
	}
}

// requestIDs numbers the requests of one process as chi's
// middleware.RequestID does, "PREFIX-000001", with a random prefix that
// tells processes apart. Unlike chi's, the prefix does not include the host
// name, which a client reads in every problem's instance.
type requestIDs struct {
	prefix string
	n      atomic.Uint64
}

func newRequestIDs() *requestIDs {
	return &requestIDs{prefix: rand.Text()[:10] + "-"}
}

func (ids *requestIDs) next() string {
	var buf [40]byte
	b := append(buf[:0], ids.prefix...)
	n := ids.n.Add(1)
	for d := uint64(100000); d > 1 && n < d; d /= 10 {
		b = append(b, '0') // at least six digits, as chi's "%06d"
	}
	return string(strconv.AppendUint(b, n, 10))
}
