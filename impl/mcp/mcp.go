// Package mcp serves the spec's operations to AI agents as Model Context
// Protocol tools, over streamable HTTP (stateless) with the official Go SDK.
//
// The tools are derived from openapi.yaml at start-up, as the validator and
// the authenticator are: one per operation, named by its operationId, unless
// the operation says `x-mcp: false`. A tool call is not a shortcut to the
// store: it becomes an HTTP request to its operation, served by the API's
// own handler, so it is authorised, rate limited, validated, handled,
// logged and traced as that operation (dispatch.go).
//
// Every request to the endpoint needs a credential of one of the spec's
// OAuth schemes (a bearer token, or DPoP): the Gate verifies it once, and
// the operation checks its own requirements against the principal found.
// A call to a tool whose operation needs a scope the token lacks is refused
// before the SDK answers, with the API's 403 insufficient_scope challenge,
// so that the client can step up.
package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"example.com/tasks/gen"
	"example.com/tasks/impl/problem"
	"example.com/tasks/impl/spec"
)

// Path is where the endpoint is served.
const Path = "/mcp"

// Gate admits callers as the API does (httpapi.Gate): it answers a refused
// request itself, with the API's challenges, and returns false.
type Gate interface {
	// Authenticate verifies the request's credential and returns the
	// request carrying its principal.
	Authenticate(w http.ResponseWriter, r *http.Request) (*http.Request, bool)
	// Authorize checks that principal against the requirements of the
	// spec's operation method path.
	Authorize(w http.ResponseWriter, r *http.Request, method, path string) bool
}

// Config is what New needs.
type Config struct {
	Spec *openapi3.T
	// API serves the spec's operations: the server's whole handler.
	API  http.Handler
	Gate Gate
	// MaxBodyBytes bounds a request to the endpoint; a tool's body argument
	// is held to the API's own limit when it is dispatched.
	MaxBodyBytes int64
	Logger       *slog.Logger
}

type server struct {
	api      http.Handler
	basePath string
	tools    map[string]*tool
}

// New returns the endpoint's handler.
func New(cfg Config) (http.Handler, error) {
	if cfg.Spec == nil || cfg.API == nil || cfg.Gate == nil || cfg.Logger == nil {
		return nil, errors.New("mcp: Spec, API, Gate and Logger are required")
	}
	basePath, err := spec.BasePath(cfg.Spec)
	if err != nil {
		return nil, err
	}
	list, err := tools(cfg.Spec)
	if err != nil {
		return nil, err
	}
	s := &server{api: cfg.API, basePath: basePath, tools: map[string]*tool{}}
	version := ""
	if cfg.Spec.Info != nil {
		version = cfg.Spec.Info.Version
	}
	// The SDK logs every session's start and end at Info: one line per
	// request in stateless mode, beside the access log's. Its warnings and
	// errors are kept.
	logger := slog.New(warnings{cfg.Logger.Handler()})
	mcps := sdk.NewServer(&sdk.Implementation{Name: spec.Slug(cfg.Spec), Title: spec.Name(cfg.Spec), Version: version}, &sdk.ServerOptions{Logger: logger})
	for _, t := range list {
		s.tools[t.def.Name] = t
		mcps.AddTool(t.def, s.handler(t))
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = sdk.DefaultMaxRequestBodyBytes
	}
	streamable := sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return mcps }, &sdk.StreamableHTTPOptions{
		Stateless: true,
		// One JSON answer per POST: a tool call is one HTTP request inside,
		// and nothing is streamed back.
		JSONResponse:        true,
		Logger:              logger,
		MaxRequestBodyBytes: cfg.MaxBodyBytes,
		// The SDK refuses a request that reached a loopback address with
		// another Host, against DNS rebinding: a page in a browser that
		// reaches a local server. Here every request needs a bearer token,
		// which such a page does not have, and the check would refuse every
		// call through a reverse proxy on the same host.
		DisableLocalhostProtection: true,
	})
	return s.gate(cfg.Gate, cfg.MaxBodyBytes, streamable), nil
}

// gate authenticates every request, then refuses a tools/call whose
// operation the principal may not call with the HTTP 403 the MCP
// authorization spec asks for: the SDK would answer 200 with whatever the
// tool returned, and a client steps up on the 403 only. The operation checks
// the same requirements again when the call is dispatched.
func (s *server) gate(g Gate, limit int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, ok := g.Authenticate(w, r)
		if !ok {
			return
		}
		r = r.WithContext(contextWithCaller(r))
		if r.Method == http.MethodPost && r.Body != nil {
			// Read at most limit+1 bytes: a longer body is handed on as it
			// is, and the SDK answers 413.
			head, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
			if err != nil {
				// Cut short or too slow: the client's doing, never a 500.
				problem.Write(w, r, problem.New(http.StatusBadRequest, gen.ProblemCodeValidationFailed, "cannot read the request body"))
				return
			}
			if int64(len(head)) <= limit {
				for _, name := range calledTools(head) {
					if t := s.tools[name]; t != nil && !g.Authorize(w, r, t.method, t.path) {
						return
					}
				}
			}
			r.Body = readCloser{io.MultiReader(bytes.NewReader(head), r.Body), r.Body}
		}
		a := &answer{ResponseWriter: w, r: r}
		next.ServeHTTP(a, r)
		a.finish()
	})
}

// answer is the writer the SDK answers through. It keeps the edge's
// Cache-Control: no-store, which the SDK replaces with no-cache (the answers
// hold the caller's own data, which no cache may keep: docs/SECURITY.md),
// and it turns the SDK's transport errors, which it writes with http.Error
// as text/plain (405 for a GET, 415, 413, 400 for a body that is no
// JSON-RPC), into the problem+json every other answer of the server is:
// WriteHeader holds such a status, Write keeps its text as the detail, and
// finish writes the problem.
type answer struct {
	http.ResponseWriter
	r      *http.Request
	status int // a transport error held back; 0: none
	detail strings.Builder
}

func (w *answer) WriteHeader(status int) {
	w.Header().Set("Cache-Control", "no-store")
	if status >= 400 && strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
		w.status = status
		return
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *answer) Write(b []byte) (int, error) {
	if w.status != 0 {
		if w.detail.Len() < 512 { // the SDK's messages are one short line
			w.detail.Write(b)
		}
		return len(b), nil
	}
	if w.Header().Get("Cache-Control") != "no-store" {
		w.Header().Set("Cache-Control", "no-store")
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *answer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// finish writes the problem of a transport error WriteHeader held back.
func (w *answer) finish() {
	if w.status == 0 {
		return
	}
	code := gen.ProblemCodeValidationFailed
	switch w.status {
	case http.StatusMethodNotAllowed:
		code = gen.ProblemCodeMethodNotAllowed
	case http.StatusUnsupportedMediaType:
		code = gen.ProblemCodeUnsupportedMediaType
	case http.StatusRequestEntityTooLarge:
		code = gen.ProblemCodePayloadTooLarge
	case http.StatusNotFound:
		code = gen.ProblemCodeNotFound
	}
	if w.status >= 500 {
		code = gen.ProblemCodeInternalError
	}
	detail := strings.TrimSpace(w.detail.String())
	if detail == "" {
		detail = http.StatusText(w.status)
	}
	problem.Write(w.ResponseWriter, w.r, problem.New(w.status, code, detail))
}

// calledTools returns the names of the tools a JSON-RPC message (or batch)
// calls; nothing when it cannot be read (the SDK answers that).
//
// It reads with encoding/json rather than the SDK's jsonrpc.DecodeMessage,
// whose decoder allocates 60 KB a message (BenchmarkToolCall). Should the
// two ever read a message differently, nothing is let through: the
// operation checks its requirements again when the call is dispatched, and
// refuses there with a tool error instead of this 403.
func calledTools(body []byte) []string {
	type message struct {
		Method string `json:"method"`
		Params struct {
			Name string `json:"name"`
		} `json:"params"`
	}
	var msgs []message
	if b := bytes.TrimSpace(body); len(b) > 0 && b[0] == '[' {
		if json.Unmarshal(b, &msgs) != nil {
			return nil
		}
	} else {
		var m message
		if json.Unmarshal(b, &m) != nil {
			return nil
		}
		msgs = []message{m}
	}
	var names []string
	for _, m := range msgs {
		if m.Method == "tools/call" {
			names = append(names, m.Params.Name)
		}
	}
	return names
}

type readCloser struct {
	io.Reader
	io.Closer
}

// warnings passes on the records of Warn level and above.
type warnings struct{ slog.Handler }

func (w warnings) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && w.Handler.Enabled(ctx, l)
}
