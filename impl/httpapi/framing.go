package httpapi

import "net/http"

// resolvedFraming tells whether net/http resolved r's body framing on the
// client's behalf (RFC 9112 §6.1, §6.3). The connection of every such
// request is closed after it, so that bytes a front end framed differently
// can never be read as a second request on the same connection:
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
// Edge answers every such request with "Connection: close", which makes
// net/http close the connection after the response, before it reads another
// request from it.
func resolvedFraming(r *http.Request) bool {
	http10KeepAlive := r.ProtoMajor == 1 && r.ProtoMinor == 0 && !r.Close
	return http10KeepAlive || len(r.TransferEncoding) > 0
}
