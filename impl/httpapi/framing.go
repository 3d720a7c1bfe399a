package httpapi

import "net/http"

// closeAfterResolvedFraming closes the connection after every request whose
// body framing net/http resolved on the client's behalf (RFC 9112 §6.1,
// §6.3), so that bytes a front end framed differently can never be read as
// a second request on the same connection:
//
//   - an HTTP/1.0 request that asked for keep-alive: net/http ignores a
//     Transfer-Encoding on HTTP/1.0 and deletes the header (its issue 12785),
//     so a chunked body would be parsed as the next request. A handler
//     cannot see that the header was there, so every such request is closed.
//   - a chunked request: when Content-Length came with it, net/http deletes
//     Content-Length and frames by the chunks, and RFC 9112 §6.1 says to close
//     the connection after responding. A handler cannot tell whether it did,
//     so every chunked request is closed.
//
// HTTP/1.1 requests framed by Content-Length alone (what browsers, curl and
// client libraries send for a JSON body) keep their connection. Conflicting
// Content-Length values and unknown transfer codings never reach a handler:
// net/http answers 400 or 501 and closes the connection itself.
//
// Setting "Connection: close" makes net/http close the connection after the
// response, before it reads another request from it.
func closeAfterResolvedFraming(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http10KeepAlive := r.ProtoMajor == 1 && r.ProtoMinor == 0 && !r.Close
		if http10KeepAlive || len(r.TransferEncoding) > 0 {
			w.Header()["Connection"] = connectionClose
		}
		next.ServeHTTP(w, r)
	})
}

var connectionClose = []string{"close"}
