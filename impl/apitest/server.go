package apitest

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"example.com/tasks/gen"
	"example.com/tasks/impl/auth/statictoken"
	"example.com/tasks/impl/httpapi"
	"example.com/tasks/impl/store"
)

// Test tokens, accepted by the verifier NewServer uses unless told otherwise.
const (
	AliceToken = "alice-token" // subject alice, scopes tasks:read tasks:write
	BobToken   = "bob-token"   // subject bob, scopes tasks:read tasks:write
	CarolToken = "carol-token" // subject carol, scope tasks:read
	NoScopes   = "nobody-token"
)

// Tokens returns a verifier for the test tokens.
func Tokens() *statictoken.Verifier {
	entry := func(subject, token, scopes string) string {
		return fmt.Sprintf("  - {subject: %s, scopes: [%s], sha256: %s}\n", subject, scopes, statictoken.Digest(token))
	}
	v, err := statictoken.Parse([]byte("tokens:\n" +
		entry("alice", AliceToken, "tasks:read, tasks:write") +
		entry("bob", BobToken, "tasks:read, tasks:write") +
		entry("carol", CarolToken, "tasks:read") +
		entry("nobody", NoScopes, "")))
	if err != nil {
		panic(err)
	}
	return v
}

// Server is the real API handler behind httptest, with clients that check
// every response against the spec.
type Server struct {
	URL    string                   // the server's root, e.g. http://127.0.0.1:1234
	API    string                   // URL + the spec's base path
	HTTP   *http.Client             // for raw requests
	Logs   *Buffer                  // everything the server logged
	Client *gen.ClientWithResponses // the generated client, on API
	close  func()
}

// Close stops the server and closes its connections; tests that check for
// leaked goroutines call it before checking. It is also called at cleanup.
func (s *Server) Close() { s.close() }

// NewServer starts the handler that httpapi.New builds from cfg. Unset Logger,
// Verifier and Store default to a captured log, Tokens and a Memory store.
// Responses are checked against cfg.Spec when it is set.
func NewServer(t testing.TB, cfg httpapi.Config) *Server {
	t.Helper()
	logs := &Buffer{}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	}
	if cfg.Verifier == nil {
		cfg.Verifier = Tokens()
	}
	if cfg.Store == nil {
		cfg.Store = store.NewMemory()
	}
	h, err := httpapi.New(cfg)
	if err != nil {
		t.Fatalf("httpapi.New: %v", err)
	}
	doc := cfg.Spec
	if doc == nil {
		if doc, err = httpapi.LoadSpec(); err != nil {
			t.Fatal(err)
		}
	}
	base := strings.TrimSuffix(doc.Servers[0].URL, "/")
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)

	hc := &http.Client{Transport: &Transport{Checker: NewChecker(doc, base)}}
	client, err := gen.NewClientWithResponses(srv.URL+base, gen.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	return &Server{URL: srv.URL, API: srv.URL + base, HTTP: hc, Logs: logs, Client: client, close: srv.Close}
}

// Bearer returns a request editor for the generated client that sends token.
func Bearer(token string) gen.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
}

// APIKey returns a request editor for the generated client that sends key
// in the spec's API key header.
func APIKey(key string) gen.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("X-API-Key", key)
		return nil
	}
}

// Buffer is a bytes.Buffer safe for concurrent writes (the server logs from
// many goroutines).
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
