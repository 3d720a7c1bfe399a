package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"example.com/tasks/impl/auth/statictoken"
)

// TestOversizedHeaders checks net/http's own answer to a header block over
// --max-header-bytes: 431 with a short text/plain body, and the connection
// closed. It comes before any handler, so it is not a problem+json document;
// the spec's description says so.
func TestOversizedHeaders(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done, logs := startServer(t, ctx, []string{"--dev", "--addr", "127.0.0.1:0", "--max-header-bytes", "1024"}, nil)

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// net/http allows 4 KiB of slack over MaxHeaderBytes; 64 KiB is well past it.
	fmt.Fprintf(conn, "GET /v1/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nX-Padding: %s\r\n\r\n",
		statictoken.DevReadWriteToken, strings.Repeat("a", 64<<10))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("status = %d, want 431", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/plain; charset=utf-8" || !resp.Close {
		t.Errorf("Content-Type %q, Connection: close %v; want net/http's text/plain answer and a closed connection", ct, resp.Close)
	}
	// The log is read once run has returned, when every line is written.
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(body), statictoken.DevReadWriteToken) || strings.Contains(logs.String(), statictoken.DevReadWriteToken) {
		t.Error("the token was echoed")
	}
}

// TestSlowHeaders sends a request's headers a byte at a time (a slow-loris
// client): the server must cut the connection at --read-header-timeout, long
// before they are done.
func TestSlowHeaders(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done, _ := startServer(t, ctx, []string{"--dev", "--addr", "127.0.0.1:0", "--read-header-timeout", "200ms"}, nil)
	defer func() { cancel(); <-done }()

	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	closed := make(chan []byte, 1)
	go func() {
		got, _ := io.ReadAll(conn) // returns when the server closes the connection
		closed <- got
	}()
	// 100 bytes at 30ms each take 3s, past the timeout under test and short
	// of the 5s default: a server that ignored the flag would answer 200.
	request := "GET /v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("s", 100) + "\r\n\r\n"
	for i := 0; i < len(request); i++ {
		select {
		case got := <-closed:
			// Cut off before the request was complete. net/http closes
			// the connection, after a bare "400 Bad Request" if it had
			// read part of the headers.
			if len(got) > 0 && !strings.HasPrefix(string(got), "HTTP/1.1 400 Bad Request\r\n") {
				t.Errorf("after %d bytes, the server answered %q", i, got)
			}
			// The server is still serving others.
			resp, err := http.Get("http://" + addr + "/v1/health")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return
		case <-time.After(30 * time.Millisecond):
		}
		if _, err := conn.Write([]byte{request[i]}); err != nil {
			return // the server closed the connection under us
		}
	}
	got := <-closed
	t.Fatalf("the whole request was sent a byte at a time and answered: %q", got)
}

// TestShutdownUnderLoad cancels run's context (what SIGTERM does) while
// clients are sending requests and one request is half sent. New connections
// must be refused, the half-sent request must complete, every answer a
// client got must be a complete 200, and run must return cleanly.
func TestShutdownUnderLoad(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done, logs := startServer(t, ctx, []string{"--dev", "--addr", "127.0.0.1:0", "--shutdown-timeout", "20s"}, nil)
	base := "http://" + addr + "/v1"
	token := "Bearer " + statictoken.DevReadWriteToken

	var shuttingDown atomic.Bool
	var answered atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for range 8 {
		wg.Go(func() {
			client := &http.Client{Transport: &http.Transport{}}
			defer client.CloseIdleConnections()
			for {
				req, _ := http.NewRequest("GET", base+"/me", nil)
				req.Header.Set("Authorization", token)
				resp, err := client.Do(req)
				if err != nil {
					if !shuttingDown.Load() {
						errs <- fmt.Errorf("request failed before shutdown: %w", err)
					}
					return // after shutdown, refused: what a stopped server does
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"subject":"dev-rw"`) {
					errs <- fmt.Errorf("during shutdown: status %d, body %q, read error %v", resp.StatusCode, body, err)
					return
				}
				answered.Add(1)
			}
		})
	}
	for answered.Load() < 100 {
		time.Sleep(5 * time.Millisecond)
	}

	// A request in flight: its body is half sent when shutdown begins. With
	// Expect: 100-continue the client sends the body only once the handler
	// asks for it, so once the first half is written the request is known
	// to be in the handler, not in the listener's accept queue.
	pr, pw := io.Pipe()
	inflight := make(chan *http.Response, 1)
	slow := &http.Client{Transport: &http.Transport{ExpectContinueTimeout: time.Minute}}
	defer slow.CloseIdleConnections()
	go func() {
		req, _ := http.NewRequest("POST", base+"/tasks", pr)
		req.Header.Set("Authorization", token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Expect", "100-continue")
		resp, err := slow.Do(req)
		if err != nil {
			errs <- fmt.Errorf("in-flight request: %w", err)
			close(inflight)
			return
		}
		inflight <- resp
	}()
	if _, err := pw.Write([]byte(`{"title":"sent across`)); err != nil {
		t.Fatal(err)
	}

	shuttingDown.Store(true)
	cancel()
	// New connections are refused once the listener is closed.
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still accepts connections 10s after shutdown began")
		}
		time.Sleep(5 * time.Millisecond)
	}
	select {
	case err := <-done:
		t.Fatalf("run returned (%v) while a request was in flight", err)
	default:
	}

	pw.Write([]byte(` a shutdown"}`))
	pw.Close()
	if resp, ok := <-inflight; ok {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusCreated || !strings.Contains(string(body), "sent across a shutdown") {
			t.Errorf("in-flight request: %d %s", resp.StatusCode, body)
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run = %v, want a clean shutdown", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("run did not return within the grace period")
	}
	all := logs.String()
	if !strings.Contains(all, `"msg":"stopped"`) || strings.Contains(all, statictoken.DevReadWriteToken) {
		t.Errorf("log: want \"stopped\" and no token:\n%s", all)
	}
	t.Logf("%d requests answered before the listener closed", answered.Load())
}

// TestRunCORS checks the allow-list flag's environment fallback end to end:
// a preflight from a listed origin is answered without a token.
func TestRunCORS(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done, _ := startServer(t, ctx, []string{"--dev", "--addr", "127.0.0.1:0"},
		map[string]string{envName("cors-origins"): "https://a.example, https://b.example"})
	defer func() { cancel(); <-done }()
	for origin, want := range map[string]string{"https://b.example": "https://b.example", "https://c.example": ""} {
		req, _ := http.NewRequest("OPTIONS", "http://"+addr+"/v1/tasks", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != want {
			t.Errorf("preflight from %s: %d, Access-Control-Allow-Origin %q; want 204, %q",
				origin, resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), want)
		}
	}
}
