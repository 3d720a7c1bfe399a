package httpapi_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"example.com/tasks/impl/apitest"
)

// TestFraming sends requests whose body framing is ambiguous as raw bytes
// over TCP, each followed on the same connection by a second, complete
// request: what a front end that framed the first request differently would
// treat as part of its body. The second request must never be answered when
// net/http resolved the framing on the client's behalf, and must be when the
// framing was plain Content-Length (keep-alive costs ordinary clients
// nothing). Client libraries cannot send these bytes, hence raw TCP.
func TestFraming(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, apitest.Config{})
	doc := apitest.Spec()
	checker := apitest.NewChecker(doc, doc.Servers[0].URL)
	// The public health check, with a body that it ignores: framing is
	// net/http's business and the same for every operation.
	health := doc.Servers[0].URL + "/health"
	get := "GET " + health
	// The request a front end would see inside the first one's body.
	hidden := get + " HTTP/1.1\r\nHost: x\r\n\r\n"

	tests := []struct {
		name    string
		request string // the first request, with the bytes of its body
		// answers is how many responses the server sends before it
		// closes the connection; 2 means the second request was served.
		answers int
		// netHTTP: the first answer is net/http's own (text/plain), before
		// any handler; it is not checked against the spec.
		netHTTP bool
	}{
		{name: "HTTP/1.0 keep-alive with Transfer-Encoding and Content-Length",
			// net/http frames by Content-Length (4 bytes: "2c\r\n"); a front
			// end that honours Transfer-Encoding sees one chunk holding the
			// hidden request.
			request: get + " HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n" +
				"Transfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n2c\r\n",
			answers: 1},
		{name: "HTTP/1.0 keep-alive with Transfer-Encoding alone",
			request: get + " HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n" +
				"Transfer-Encoding: chunked\r\n\r\n",
			answers: 1},
		{name: "HTTP/1.0 keep-alive framed by Content-Length",
			request: get + " HTTP/1.0\r\nHost: x\r\nConnection: keep-alive\r\n" +
				"Content-Length: 13\r\n\r\n{\"title\":\"x\"}",
			answers: 1},
		{name: "HTTP/1.1 with Content-Length and Transfer-Encoding",
			// net/http frames by the chunks; a front end that frames by
			// Content-Length (5 bytes: "0\r\n\r\n") agrees here, but one
			// that reads 100 bytes would swallow the hidden request.
			request: get + " HTTP/1.1\r\nHost: x\r\n" +
				"Content-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\nd\r\n{\"title\":\"x\"}\r\n0\r\n\r\n",
			answers: 1},
		{name: "HTTP/1.1 chunked",
			request: get + " HTTP/1.1\r\nHost: x\r\n" +
				"Transfer-Encoding: chunked\r\n\r\nd\r\n{\"title\":\"x\"}\r\n0\r\n\r\n",
			answers: 1},
		{name: "HTTP/1.1 framed by Content-Length keeps the connection",
			request: get + " HTTP/1.1\r\nHost: x\r\n" +
				"Content-Length: 13\r\n\r\n{\"title\":\"x\"}",
			answers: 2},
		{name: "HTTP/1.1 without a body keeps the connection",
			request: get + " HTTP/1.1\r\nHost: x\r\n\r\n",
			answers: 2},
		{name: "HTTP/1.1 with two different Content-Length values",
			request: get + " HTTP/1.1\r\nHost: x\r\n" +
				"Content-Length: 13\r\nContent-Length: 0\r\n\r\n{\"title\":\"x\"}",
			answers: 1, netHTTP: true},
		{name: "HTTP/1.1 with a transfer coding other than chunked",
			request: get + " HTTP/1.1\r\nHost: x\r\n" +
				"Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
			answers: 1, netHTTP: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sent := tt.request + hidden
			got, raw := exchange(t, srv.URL, sent)
			t.Logf("sent:\n%s\nreceived:\n%s", sent, raw)
			if len(got) != tt.answers {
				t.Fatalf("%d responses before the connection closed, want %d:\n%s", len(got), tt.answers, raw)
			}
			first := got[0]
			wantClose := tt.answers == 1
			if first.Close != wantClose {
				t.Errorf("first response closes the connection: %v, want %v", first.Close, wantClose)
			}
			if !tt.netHTTP {
				req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(tt.request)))
				if err != nil {
					t.Fatal(err)
				}
				if err := checker.Check(req, first.StatusCode, first.Header, first.body); err != nil {
					t.Error(err)
				}
			}
			if tt.answers == 2 {
				if second := got[1]; second.StatusCode != http.StatusOK {
					t.Errorf("the second request got %d, want 200", second.StatusCode)
				}
			}
		})
	}
}

// response is one response read off a raw connection, with its body.
type response struct {
	*http.Response
	body []byte
}

// exchange writes request to a new connection to the server at url and
// reads responses until the server closes the connection or a second passes
// without one; it returns them and every byte received.
func exchange(t *testing.T, url, request string) ([]response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	br := bufio.NewReader(io.TeeReader(conn, &raw))
	var got []response
	for {
		if err := conn.SetReadDeadline(time.Now().Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		_, err := br.Peek(1)
		if errors.Is(err, io.EOF) {
			return got, raw.String() // the server closed the connection
		}
		var timeout net.Error
		if errors.As(err, &timeout) && timeout.Timeout() {
			if len(got) == 1 && !got[0].Close {
				t.Fatalf("the server kept the connection open without answering the second request:\n%s", raw.String())
			}
			return got, raw.String()
		}
		if err != nil {
			t.Fatalf("reading response %d: %v\n%s", len(got)+1, err, raw.String())
		}
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("reading response %d: %v\n%s", len(got)+1, err, raw.String())
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, response{resp, body})
	}
}
