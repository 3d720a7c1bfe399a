package httpapi_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"example.com/tasks/impl/apitest"
)

// TestLingeringClose sends, over raw TCP, requests whose answer the server
// gives before reading the body (413: Content-Length over the limit; 401:
// no credentials, and authentication comes first), with a body of several
// MiB written in paced chunks while the answer is read, as a client library
// does. The client must read the whole answer and finish sending its body
// without a connection reset: a server that closes while the client still
// sends makes the kernel answer the unread data with a TCP RST, and the
// client (Node: "write ECONNRESET") reports the reset instead of the answer.
// Each case runs many times: the reset is a race.
func TestLingeringClose(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, apitest.Config{})
	path := apitest.Spec().Servers[0].URL + "/tasks"
	const size = 6 << 20 // several MiB, over the 1 MiB limit
	alice := "Authorization: Bearer " + apitest.AliceToken + "\r\n"
	length := fmt.Sprintf("Content-Length: %d\r\n", size)
	tests := []struct {
		name   string
		header string
		status int
	}{
		{name: "413 Content-Length over the limit", status: http.StatusRequestEntityTooLarge,
			header: alice + length},
		// The limit trips while the body is read: 1 MiB of it was read.
		{name: "413 chunked body over the limit", status: http.StatusRequestEntityTooLarge,
			header: alice + "Transfer-Encoding: chunked\r\n"},
		{name: "401 no credentials", status: http.StatusUnauthorized, header: length},
	}
	for _, tt := range tests {
		for i := range 20 {
			t.Run(fmt.Sprintf("%s/%d", tt.name, i), func(t *testing.T) {
				t.Parallel()
				head := "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
					tt.header + "\r\n"
				// 96 chunks of 64 KiB, 8 ms apart: the body takes longer to
				// send than net/http waits before it closes (500 ms).
				x := sendBody(t, srv.URL, head, size, 8*time.Millisecond)
				if x.readErr != nil {
					t.Fatalf("reading the answer: %v", x.readErr)
				}
				if x.resp.StatusCode != tt.status {
					t.Fatalf("status %d, want %d: %s", x.resp.StatusCode, tt.status, x.body)
				}
				if ct := x.resp.Header.Get("Content-Type"); ct != "application/problem+json" {
					t.Errorf("Content-Type %q, want application/problem+json", ct)
				}
				if !bytes.Contains(x.body, fmt.Appendf(nil, `"status":%d`, tt.status)) {
					t.Errorf("the problem body is not complete: %s", x.body)
				}
				if !x.resp.Close {
					t.Error("the answer does not close the connection")
				}
				if x.writeErr != nil || x.written != size {
					t.Errorf("sent %d of %d body bytes: %v (the server closed while the client was sending)", x.written, size, x.writeErr)
				}
			})
		}
	}
}

// TestLingeringCloseBounds checks that lingering is bounded: a client that
// sends far more than the server drains, or that trickles its body, gets
// the answer and then the connection closed, not held open.
func TestLingeringCloseBounds(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, apitest.Config{})
	head := func(size int) string {
		return "POST " + apitest.Spec().Servers[0].URL + "/tasks HTTP/1.1\r\nHost: x\r\n" +
			"Content-Type: application/json\r\n" + fmt.Sprintf("Content-Length: %d\r\n\r\n", size)
	}
	tests := []struct {
		name string
		size int
		pace time.Duration
	}{
		// Far more than the server drains (8 MiB), as fast as it goes.
		{name: "bytes", size: 256 << 20},
		// 64 KiB every 200 ms: 300 s for the body, far more than the
		// server waits (2 s).
		{name: "time", size: 96 << 20, pace: 200 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			start := time.Now()
			x := sendBody(t, srv.URL, head(tt.size), tt.size, tt.pace)
			took := time.Since(start)
			if x.readErr != nil {
				t.Fatalf("reading the answer: %v", x.readErr)
			}
			if x.resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status %d, want 401: %s", x.resp.StatusCode, x.body)
			}
			if x.writeErr == nil {
				t.Fatalf("the whole body of %d bytes was sent: the server never closed", tt.size)
			}
			// 2 s of lingering, 0.5 s of net/http's own wait before it
			// closes, and room for a busy machine.
			if took > 6*time.Second {
				t.Errorf("the connection closed after %v", took)
			}
			t.Logf("sent %d bytes in %v before %v", x.written, took, x.writeErr)
		})
	}
}

// sent is what sendBody saw.
type sent struct {
	resp     *http.Response
	body     []byte
	readErr  error // reading the answer and its body
	written  int   // body bytes written
	writeErr error
}

// sendBody writes head and then a body of size bytes to a new connection to url,
// in chunks of 64 KiB with pace between them (in the chunked coding when
// head says so; written counts their payload), while it reads the answer, as
// HTTP clients do. It returns once the body is sent or a write fails, and
// the answer is read; the connection gets 30 s.
func sendBody(t *testing.T, url, head string, size int, pace time.Duration) sent {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	var x sent
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		if _, x.writeErr = io.WriteString(conn, head); x.writeErr != nil {
			return
		}
		chunked := strings.Contains(head, "Transfer-Encoding: chunked")
		chunk := bytes.Repeat([]byte{' '}, 64<<10)
		for x.written < size {
			payload := chunk[:min(len(chunk), size-x.written)]
			p := payload
			if chunked {
				p = fmt.Appendf(nil, "%x\r\n%s\r\n", len(payload), payload)
			}
			if _, err := conn.Write(p); err != nil {
				x.writeErr = err
				return
			}
			x.written += len(payload)
			time.Sleep(pace)
		}
		if chunked {
			_, x.writeErr = io.WriteString(conn, "0\r\n\r\n")
		}
	}()
	x.resp, x.readErr = http.ReadResponse(bufio.NewReader(conn), nil)
	if x.readErr == nil {
		x.body, x.readErr = io.ReadAll(x.resp.Body)
		if errors.Is(x.readErr, io.ErrUnexpectedEOF) {
			x.readErr = fmt.Errorf("the answer's body was cut short: %w", x.readErr)
		}
	}
	<-wrote
	return x
}
