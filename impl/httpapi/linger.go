package httpapi

import (
	"io"
	"net/http"
	"strings"
	"time"
)

// Bounds of a lingering close (lingeringBody.linger): how much of a body the
// server reads and throws away after answering early, and for how long. A
// body larger, or a client slower, gets the connection closed anyway.
const (
	lingerBytes   = 8 << 20
	lingerTimeout = 2 * time.Second
)

// unreadKept is what net/http reads of an unread body itself, after the
// handler, to keep the connection (its maxPostHandlerReadBytes); beyond it,
// it closes the connection.
const unreadKept = 256 << 10

// lingeringBody is the request body as Edge hands it down: it records how
// far the handlers read it, so that Edge knows, once they have answered,
// whether the client may still be sending.
//
// The steps in front of the handlers answer before the body is read, by
// design: authentication (401, 400, 403), the body's headers (413 for a
// Content-Length over the limit, 415), or when the size limit trips while
// reading (413). net/http then reads at most 256 KiB of what is left and
// otherwise closes the connection, 500 ms after its answer. A client still
// sending its body then writes into a closed socket: the server's kernel
// answers with a TCP RST, and on the client's side the RST can destroy the
// answer before it is read, or fail the write first (Node: "write
// ECONNRESET"), so the client reports a reset instead of the 413. nginx
// avoids this with lingering_close, as RFC 9112 §9.6 asks: after the
// answer, read and discard what the client still sends, within bounds.
// linger does the same.
type lingeringBody struct {
	io.ReadCloser
	read int64 // bytes the handlers read
	eof  bool  // they read it to its end
}

// newLingeringBody returns the body Edge hands down in place of r's, or nil
// when r needs none: a request without a body, or an HTTP/2 one, whose
// streams are reset one by one, never the connection.
func newLingeringBody(r *http.Request) *lingeringBody {
	if r.ContentLength == 0 || r.ProtoMajor != 1 {
		return nil
	}
	return &lingeringBody{ReadCloser: r.Body}
}

func (b *lingeringBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.read += int64(n)
	if err == io.EOF { //nolint:errorlint // io.EOF is returned unwrapped, by contract
		b.eof = true
	}
	return n, err
}

// linger runs once the handlers have answered r through w. When they left
// more of the body unread than net/http reads itself (unreadKept, or a
// chunked body of unknown length), it sends the answer now, then reads and
// discards the rest of the body, at most lingerBytes within lingerTimeout,
// so that the client finishes sending and reads the answer; net/http closes
// the connection after it. net/http marks such an answer "Connection:
// close" itself (it will not read the rest of the body to find the next
// request), and Edge already has for a chunked one.
//
// The read deadline set here replaces the server's ReadTimeout for the
// request, which may lengthen it by up to lingerTimeout. A client that
// waits for "100 Continue" before it sends its body, and was never sent one
// (nothing was read), sends nothing: it needs no lingering.
func (b *lingeringBody) linger(w http.ResponseWriter, r *http.Request) {
	if b.eof || r.ContentLength > 0 && r.ContentLength-b.read < unreadKept {
		return
	}
	if b.read == 0 && strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
		return
	}
	rc := http.NewResponseController(w)
	if rc.Flush() != nil || rc.SetReadDeadline(time.Now().Add(lingerTimeout)) != nil {
		return // not net/http's writer (a test's recorder): nothing to linger on
	}
	_, _ = io.CopyN(io.Discard, b.ReadCloser, lingerBytes)
}
