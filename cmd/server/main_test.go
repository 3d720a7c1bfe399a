package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"example.com/tasks/gen"
	"example.com/tasks/impl/auth/protectedresource"
	"example.com/tasks/impl/auth/statictoken"
	"example.com/tasks/impl/httplog"
	"example.com/tasks/impl/spec"
)

// startServer runs the real server through run on a free port and returns
// its address once it listens. Stopping it is the caller's (cancel); done
// yields run's result once run has returned and its log has been read.
func startServer(t *testing.T, ctx context.Context, args []string, env map[string]string) (addr string, done <-chan error, logs *lines) {
	t.Helper()
	pr, pw := io.Pipe()
	logs = &lines{}
	ready := make(chan string, 1)
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			logs.add(sc.Text())
			var m struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &m) == nil && m.Msg == "listening" {
				ready <- m.Addr
			}
		}
	}()
	errc := make(chan error, 1)
	go func() {
		err := run(ctx, args, func(k string) string { return env[k] }, pw, io.Discard)
		pw.Close()
		<-scanned
		errc <- err
	}()
	select {
	case addr = <-ready:
		return addr, errc, logs
	case err := <-errc:
		t.Fatalf("run exited before listening: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not start listening within 10s")
	}
	return "", nil, nil
}

func TestRunServesAndShutsDown(t *testing.T) {
	dir := t.TempDir()
	tokensFile := filepath.Join(dir, "tokens.yaml")
	entry := "tokens:\n  - {subject: ci, scopes: [tasks:read], sha256: " + statictoken.Digest("ci-token") + "}\n"
	if err := os.WriteFile(tokensFile, []byte(entry), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Flags and environment together: the address from a flag, the tokens
	// from the environment fallback.
	addr, done, logs := startServer(t, ctx, []string{"--addr", "127.0.0.1:0"}, map[string]string{envName("tokens-file"): tokensFile})

	client, err := gen.NewClientWithResponses("http://" + addr + "/v1")
	if err != nil {
		t.Fatal(err)
	}
	health, err := client.GetHealthWithResponse(ctx)
	if err != nil || health.JSON200 == nil {
		t.Fatalf("health: %v %v", err, health)
	}
	me, err := client.GetMeWithResponse(ctx, func(_ context.Context, r *http.Request) error {
		r.Header.Set("Authorization", "Bearer ci-token")
		return nil
	})
	if err != nil || me.JSON200 == nil || me.JSON200.Subject != "ci" {
		t.Fatalf("me: %v, status %d", err, me.StatusCode())
	}

	cancel() // what SIGINT/SIGTERM do in main
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v after shutdown, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("run did not return within 10s of shutdown")
	}
	if _, err := http.Get("http://" + addr + "/v1/health"); err == nil {
		t.Error("the server still answers after shutdown")
	}
	all := logs.String()
	for _, want := range []string{`"msg":"static tokens loaded"`, `"route":"/v1/me"`, `"subject":"ci"`, `"msg":"stopped"`} {
		if !strings.Contains(all, want) {
			t.Errorf("log lacks %s:\n%s", want, all)
		}
	}
	if strings.Contains(all, "ci-token") {
		t.Error("the log contains the token")
	}
}

func TestRunDevWarns(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done, logs := startServer(t, ctx, []string{"--dev"}, map[string]string{envName("addr"): "127.0.0.1:0"})
	req, _ := http.NewRequest("GET", "http://"+addr+"/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+statictoken.DevReadWriteToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("dev token: status %d, want 200", resp.StatusCode)
	}
	cancel()
	<-done
	if all := logs.String(); !strings.Contains(all, `"level":"WARN","msg":"DEVELOPMENT TOKENS ENABLED`) {
		t.Errorf("no warning about development tokens:\n%s", all)
	}
}

// getMe calls GET /v1/me on the server at addr with one credential header
// and expects 200 with a principal.
func getMe(t *testing.T, addr, header, value string) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+"/v1/me", nil)
	req.Header.Set(header, value)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var me gen.Principal
	err = json.NewDecoder(resp.Body).Decode(&me)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("GET /me with %s: status %d, %v", header, resp.StatusCode, err)
	}
}

// badConfig is a configuration run must refuse, with an error containing want.
type badConfig struct {
	name string
	args []string
	env  map[string]string
	want string
}

// refuses checks that run refuses each configuration.
func refuses(t *testing.T, tests []badConfig) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), tt.args, func(k string) string { return tt.env[k] }, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("run = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestRunRefusesBadConfig(t *testing.T) {
	refuses(t, []badConfig{
		{"no tokens at all", nil, nil, "no tokens configured"},
		{"dev and a tokens file", []string{"--dev", "--tokens-file", "x.yaml"}, nil, "exclusive"},
		{"missing tokens file", []string{"--tokens-file", "/nonexistent/tokens.yaml"}, nil, "no such file"},
		{"bad env value", []string{"--dev"}, map[string]string{envName("read-timeout"): "soon"}, envName("read-timeout")},
		{"bad log format", []string{"--dev", "--log-format", "xml"}, nil, "--log-format"},
		{"stray argument", []string{"--dev", "extra"}, nil, "unexpected arguments"},
		{"no header room", []string{"--dev", "--max-header-bytes", "0"}, nil, "--max-header-bytes"},
		{"no header time", []string{"--dev"}, map[string]string{envName("read-header-timeout"): "0s"}, "--read-header-timeout"},
		{"address in use or invalid", []string{"--dev", "--addr", "256.0.0.1:http"}, nil, "listen"},
		{"public URL over plain http", []string{"--dev", "--public-url", "http://api.example.com"}, nil, "must use https"},
		{"public URL with a fragment, from the environment", []string{"--dev"}, map[string]string{envName("public-url"): "https://api.example.com#x"}, "fragment"},
	})
}

// TestHelpListsEveryFlagWithItsVariable: --help names, for every flag it
// lists, the environment variable the flag falls back to.
func TestHelpListsEveryFlagWithItsVariable(t *testing.T) {
	var out strings.Builder
	err := run(context.Background(), []string{"--help"}, func(string) string { return "" }, io.Discard, &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("run --help = %v, want flag.ErrHelp", err)
	}
	// flag.PrintDefaults starts each flag's entry with "  -name".
	entries := strings.Split(out.String(), "\n  -")[1:]
	if len(entries) < 2 {
		t.Fatalf("--help lists %d flags:\n%s", len(entries), out.String())
	}
	for _, e := range entries {
		name := strings.Fields(e)[0]
		if want := "(env " + envName(name) + ")"; !strings.Contains(e, want) {
			t.Errorf("--help for -%s does not say %s:\n  -%s", name, want, e)
		}
	}
}

// lines collects log lines written concurrently.
type lines struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lines) add(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(s + "\n")
}

func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestAccessLogWhileServing: the log is written in batches, but a line
// reaches the output within a moment of its request, not only at shutdown.
func TestAccessLogWhileServing(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done, logs := startServer(t, ctx, []string{"--dev", "--addr", "127.0.0.1:0"}, nil)
	defer func() { cancel(); <-done }()
	getMe(t, addr, "Authorization", "Bearer "+statictoken.DevReadWriteToken)
	deadline := time.Now().Add(20 * httplog.BufferDelay)
	for !strings.Contains(logs.String(), `"route":"/v1/me"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no access-log line %v after the request:\n%s", 20*httplog.BufferDelay, logs)
		}
		time.Sleep(httplog.BufferDelay / 10)
	}
}

// getRefused calls GET /v1/me on the server at addr with a bearer token
// and expects 401 invalid_token, and an access-log line for the request
// (logs are written in batches: waited for) that names reason and not the
// token.
func getRefused(t *testing.T, addr string, logs *lines, token, reason string) {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+addr+"/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var p gen.Problem
	err = json.NewDecoder(resp.Body).Decode(&p)
	resp.Body.Close()
	challenge := resp.Header.Get("WWW-Authenticate")
	if err != nil || resp.StatusCode != http.StatusUnauthorized || !strings.Contains(challenge, `error="invalid_token"`) || p.Instance == nil {
		t.Fatalf("status %d, WWW-Authenticate %q, %v: want 401 invalid_token", resp.StatusCode, challenge, err)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, l := range strings.Split(logs.String(), "\n") {
			var line struct {
				Msg        string `json:"msg"`
				RequestID  string `json:"request_id"`
				AuthReason string `json:"auth_reason"`
			}
			if json.Unmarshal([]byte(l), &line) != nil || line.Msg != "request" {
				continue
			}
			if line.RequestID == *p.Instance {
				if line.AuthReason != reason || strings.Contains(l, token) {
					t.Errorf("log line %s: want auth_reason %q and no token", l, reason)
				}
				return
			}
		}
	}
	t.Errorf("no log line for request %s", *p.Instance)
}

// authorizationServers returns what the RFC 9728 metadata of the server at
// addr names as authorization servers.
func authorizationServers(t *testing.T, addr string) []string {
	t.Helper()
	doc, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	base, err := spec.BasePath(doc)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + protectedresource.WellKnown + base)
	if err != nil {
		t.Fatal(err)
	}
	var meta protectedresource.Metadata
	err = json.NewDecoder(resp.Body).Decode(&meta)
	resp.Body.Close()
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("metadata: %d, %v", resp.StatusCode, err)
	}
	return meta.AuthorizationServers
}
