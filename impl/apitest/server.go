package apitest

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/gen"
	"example.com/tasks/impl/api"
	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/apikey" // option:apikey
	"example.com/tasks/impl/auth/protectedresource"
	"example.com/tasks/impl/auth/statictoken"
	"example.com/tasks/impl/docs"
	"example.com/tasks/impl/httpapi"
	"example.com/tasks/impl/spec"
	"example.com/tasks/impl/store/backend"
	"example.com/tasks/impl/store/sqlite"
	"example.com/tasks/impl/telemetry" // option:telemetry
	"example.com/tasks/impl/validator"
)

// Test tokens, accepted by the verifier NewServer uses unless told otherwise.
// Their scopes come from the spec (spec.Scopes), so that a new resource's
// scopes need no edit here.
const (
	AliceToken = "alice-token" // subject alice, every scope the spec declares
	BobToken   = "bob-token"   // subject bob, every scope
	CarolToken = "carol-token" // subject carol, the read scopes
	NoScopes   = "nobody-token"
)

// Tokens returns a verifier for the test tokens.
func Tokens() *statictoken.Verifier {
	all, read := Scopes()
	v, err := statictoken.New([]statictoken.Entry{
		{Subject: "alice", Scopes: all, SHA256: statictoken.Digest(AliceToken)},
		{Subject: "bob", Scopes: all, SHA256: statictoken.Digest(BobToken)},
		{Subject: "carol", Scopes: read, SHA256: statictoken.Digest(CarolToken)},
		{Subject: "nobody", SHA256: statictoken.Digest(NoScopes)},
	})
	if err != nil {
		panic(err)
	}
	return v
}

// Scopes returns every scope the spec declares and its read scopes
// (spec.Scopes): what AliceToken and CarolToken carry.
func Scopes() (all, read []string) { return spec.Scopes(Spec()) }

// Spec returns the embedded spec; it panics if the spec does not load, which
// fails every test at once.
func Spec() *openapi3.T {
	doc, err := spec.Load()
	if err != nil {
		panic(err)
	}
	return doc
}

// Realm is the realm the server's challenges carry by default.
func Realm() string { return spec.Name(Spec()) }

// MemoryDB returns a new, empty in-memory database, closed at cleanup.
func MemoryDB(tb testing.TB) backend.DB {
	db, err := sqlite.OpenMemory(context.Background(), slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// API returns the API implementation over db, as cmd/server builds it.
func API(tb testing.TB, db backend.DB) gen.StrictServerInterface {
	base, err := spec.BasePath(Spec())
	if err != nil {
		tb.Fatal(err)
	}
	a, err := api.New(db, base)
	if err != nil {
		tb.Fatal(err)
	}
	return a
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

// Config is a server for a test: what cmd/server would build from its flags.
// Every field may be left unset.
type Config struct {
	Logger *slog.Logger // default: captured in Server.Logs
	// Verifier verifies bearer tokens (default: Tokens); APIKeys, the keys
	// of apiKey schemes (default: none is accepted).
	Verifier, APIKeys auth.Verifier
	// Schemes check the spec's other security schemes (a DPoP checker's).
	Schemes []auth.SchemeFunc
	API     gen.StrictServerInterface // default: API over a new MemoryDB
	Spec    *openapi3.T               // default: the embedded spec
	// Metadata, when set, serves the RFC 9728 metadata it describes.
	Metadata          *protectedresource.Config
	Realm             string
	MaxBodyBytes      int64 // default: validator.DefaultMaxBodyBytes
	RequireIfMatch    bool
	ValidateResponses bool
	Checks            []httpapi.Check
	CORSOrigins       []string
	Endpoints         []httpapi.Endpoint   // served beside the API (MCP)
	Telemetry         *telemetry.Telemetry // option:telemetry
}

// Handler builds the handler cmd/server would build from cfg, with the
// defaults Config lists.
func Handler(tb testing.TB, cfg Config) (http.Handler, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Verifier == nil {
		cfg.Verifier = Tokens()
	}
	if cfg.API == nil {
		cfg.API = API(tb, MemoryDB(tb))
	}
	if cfg.Spec == nil {
		cfg.Spec = Spec()
	}
	base, err := spec.BasePath(cfg.Spec)
	if err != nil {
		return nil, err
	}
	schemes := []auth.SchemeFunc{auth.Bearer(cfg.Verifier)}
	schemes = append(schemes, apikey.Scheme(cfg.APIKeys)) // option:apikey
	authn, err := auth.New(cfg.Spec, append(schemes, cfg.Schemes...)...)
	if err != nil {
		return nil, err
	}
	var metadata *protectedresource.Document
	if cfg.Metadata != nil {
		mc := *cfg.Metadata
		if mc.Scopes == nil {
			mc.Scopes, _ = spec.Scopes(cfg.Spec)
		}
		if metadata, err = protectedresource.New(cfg.Spec, base, docs.Path, mc); err != nil {
			return nil, err
		}
	}
	val := validator.New(cfg.Spec, cmp.Or(cfg.MaxBodyBytes, validator.DefaultMaxBodyBytes))
	val.RequireIfMatch = cfg.RequireIfMatch
	return httpapi.New(httpapi.Config{
		Logger:            cfg.Logger,
		Spec:              cfg.Spec,
		API:               cfg.API,
		Authenticator:     authn,
		Validator:         val,
		Realm:             cfg.Realm,
		Metadata:          metadata,
		Checks:            cfg.Checks,
		ValidateResponses: cfg.ValidateResponses,
		CORSOrigins:       cfg.CORSOrigins,
		Endpoints:         cfg.Endpoints,
		Middleware:        withTelemetry(cfg.Telemetry, authn), // option:telemetry
	})
}

// NewServer starts the handler Handler builds from cfg. Responses are
// checked against cfg.Spec.
func NewServer(t testing.TB, cfg Config) *Server {
	t.Helper()
	logs := &Buffer{}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	}
	h, err := Handler(t, cfg)
	if err != nil {
		t.Fatalf("httpapi.New: %v", err)
	}
	doc := cfg.Spec
	if doc == nil {
		doc = Spec()
	}
	base, err := spec.BasePath(doc)
	if err != nil {
		t.Fatal(err)
	}
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

// StaticTokens returns a verifier of the given tokens, each its own subject
// with the scopes listed beside it ("a, b"), read as a --tokens-file is.
func StaticTokens(tb testing.TB, scopesBySecret map[string]string) *statictoken.Verifier {
	tb.Helper()
	var b strings.Builder
	b.WriteString("tokens:\n")
	for secret, scopes := range scopesBySecret {
		fmt.Fprintf(&b, "  - {subject: %s, scopes: [%s], sha256: %s}\n", secret, scopes, statictoken.Digest(secret))
	}
	v, err := statictoken.Parse([]byte(b.String()))
	if err != nil {
		tb.Fatal(err)
	}
	return v
}
