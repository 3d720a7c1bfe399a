// Package httpapi assembles the server's one http.Handler: middleware, the
// public spec endpoints, and the API with its spec validator in front of the
// generated chi routes and the strict-server implementation.
//
//	Config.Middleware (telemetry, if on) → Edge: framing, request id, access log, panic recovery,
//	  security headers, in one layer → CORS (if on) → chi router
//	  ├ /openapi.yaml, /openapi.json             public, from the embedded spec
//	  ├ /.well-known/oauth-protected-resource/…  public, RFC 9728 metadata (with Config.Metadata)
//	  ├ /, /docs                                 public, Swagger UI (impl/docs)
//	  └ API routes (generated from the spec)
//	      → find the operation → authenticate → Config.Checks (rate limit) → validate (Guard)
//	      → generated wrapper → strict handler → Config.API (impl/api)
//
// Every error any layer produces goes through problem.Write; the typed
// failures of authentication and rate limiting are rendered in failures.go.
package httpapi

import (
	"cmp"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/rs/cors"

	"example.com/tasks/gen"
	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/protectedresource"
	"example.com/tasks/impl/docs"
	"example.com/tasks/impl/problem"
	"example.com/tasks/impl/spec"
	"example.com/tasks/impl/validator"
)

// Config is what New needs: the values cmd/server built from the spec and
// the flags. Logger, Spec, API, Authenticator and Validator are required.
type Config struct {
	Logger *slog.Logger
	// Spec is the document the Authenticator and the Validator were built
	// from (spec.Load in production; tests set an edited copy).
	Spec *openapi3.T
	// API implements the spec's operations: impl/api's Server over the
	// database.
	API gen.StrictServerInterface
	// Authenticator enforces the spec's security requirements.
	Authenticator *auth.Authenticator
	// Validator checks requests (and, with ValidateResponses, responses)
	// against the spec.
	Validator *validator.Validator
	// Realm names the protection space in WWW-Authenticate challenges; the
	// product's name (spec.Name) when empty.
	Realm string
	// Metadata is the RFC 9728 protected resource metadata: when set, it is
	// served and every 401 and 403 challenge of an OAuth scheme points to it.
	Metadata *protectedresource.Document
	// Checks run once the caller is known and before validation, in order:
	// the rate limiter's (ratelimit.Limiter.Check).
	Checks []Check
	// ValidateResponses checks every API response against the spec and
	// answers a drift with a 500 (for development and CI; it costs a buffer
	// and a validation per response).
	ValidateResponses bool
	// CORSOrigins lists the origins browsers may call the API from, such as
	// "https://app.example.com" ("*" for any). Empty turns CORS off.
	CORSOrigins []string
	// Middleware wraps the whole handler, outside the edge: telemetry's span
	// per request (named by route pattern once chi has routed); nil is none.
	Middleware func(http.Handler) http.Handler
	// Endpoints are served beside the API, their calls dispatched to its
	// operations (MCP); they need a spec that names an OAuth scheme.
	Endpoints []Endpoint
}

// New builds the handler. It fails if the spec's server URL is unusable.
func New(cfg Config) (http.Handler, error) {
	if cfg.Logger == nil || cfg.Spec == nil || cfg.API == nil || cfg.Authenticator == nil || cfg.Validator == nil {
		return nil, errors.New("httpapi: Logger, Spec, API, Authenticator and Validator are required")
	}
	doc, authn, val := cfg.Spec, cfg.Authenticator, cfg.Validator
	baseURL, err := spec.BasePath(doc)
	if err != nil {
		return nil, err
	}
	fail := failures{realm: cmp.Or(cfg.Realm, spec.Name(doc)), missing: &sync.Map{}}
	if cfg.Metadata != nil {
		fail.metadata = cfg.Metadata.URL
	}
	specs, err := newSpecHandlers(doc)
	if err != nil {
		return nil, err
	}

	r := chi.NewRouter()
	headers := specHeaders(doc, authn)
	if cfg.Middleware != nil {
		r.Use(cfg.Middleware)
	}
	r.Use(Edge(cfg.Logger, headers.credentials),
		// HEAD is GET without the body, which every server must support
		// (RFC 9110 §9.1): chi routes it to the GET route.
		middleware.GetHead)
	if len(cfg.CORSOrigins) > 0 {
		// Before the API's routes and their validator: a preflight carries
		// no credentials and is answered here, never with a 401.
		r.Use(corsPolicy(doc, headers, cfg.CORSOrigins))
	}
	r.NotFound(func(w http.ResponseWriter, req *http.Request) {
		problem.Write(w, req, problem.New(http.StatusNotFound, gen.ProblemCodeNotFound, "no such resource"))
	})
	r.MethodNotAllowed(methodNotAllowed(r))
	r.Get("/openapi.json", specs.json)
	r.Get("/openapi.yaml", specs.yaml)
	if cfg.Metadata != nil {
		r.Get(cfg.Metadata.Path, cfg.Metadata.ServeHTTP)
	}
	docs.Mount(r)

	strict := gen.NewStrictHandlerWithOptions(cfg.API, nil, gen.StrictHTTPServerOptions{
		RequestErrorHandlerFunc:  badRequest,
		ResponseErrorHandlerFunc: problem.Write,
	})
	ops := newOperations(doc, baseURL, authn, val)
	routeMiddleware := []func(http.Handler) http.Handler{guard(ops, authn, val, cfg.Checks, fail)}
	if cfg.ValidateResponses {
		routeMiddleware = append(routeMiddleware, checkResponses(ops, val))
	}
	for _, e := range cfg.Endpoints {
		if err := mount(r, e, ops, baseURL, authn, fail); err != nil {
			return nil, err
		}
	}
	gen.HandlerWithOptions(strict, gen.ChiServerOptions{
		BaseURL: baseURL,
		// An inline router: its middleware runs after chi matched the
		// route, so Guard knows the route pattern, and before the generated
		// wrapper parses parameters, so security comes first.
		BaseRouter:       r.With(routeMiddleware...),
		ErrorHandlerFunc: badRequest,
	})
	return r, nil
}

// badRequest answers parameter and body errors found by the generated code.
// The validator has already checked both against the spec, so these are rare.
func badRequest(w http.ResponseWriter, r *http.Request, err error) {
	problem.Write(w, r, problem.New(http.StatusBadRequest, gen.ProblemCodeValidationFailed, err.Error()))
}

// methodNotAllowed answers 405 with the Allow header RFC 9110 §15.5.6 requires.
// chi computes the allowed methods but hands them only to its own default
// handler, which writes text/plain, so they are found again here.
func methodNotAllowed(mux *chi.Mux) http.HandlerFunc {
	methods := []string{http.MethodGet, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodOptions}
	return func(w http.ResponseWriter, r *http.Request) {
		path := r.URL.RawPath
		if path == "" {
			path = r.URL.Path
		}
		var allowed []string
		for _, m := range methods {
			if mux.Match(chi.NewRouteContext(), m, path) {
				allowed = append(allowed, m)
				if m == http.MethodGet {
					allowed = append(allowed, http.MethodHead) // see middleware.GetHead
				}
			}
		}
		problem.Write(w, r, &problem.Error{
			Status: http.StatusMethodNotAllowed,
			Code:   gen.ProblemCodeMethodNotAllowed,
			Detail: r.Method + " is not allowed here",
			Header: http.Header{"Allow": {strings.Join(allowed, ", ")}},
		})
	}
}

// headerNames are the HTTP headers the spec names, read once at start-up.
type headerNames struct {
	credentials []string // where the security schemes read credentials
	request     []string // every request header the API reads
	response    []string // every response header the API documents
}

// specHeaders collects the header names the spec uses, canonicalised; the
// credential headers come from the Authenticator, which reads the schemes.
func specHeaders(doc *openapi3.T, authn *auth.Authenticator) headerNames {
	credentials := authn.CredentialHeaders()
	h := headerNames{credentials: credentials}
	add := func(list *[]string, name string) {
		if name = http.CanonicalHeaderKey(name); !slices.Contains(*list, name) {
			*list = append(*list, name)
		}
	}
	h.request = slices.Clone(credentials)
	add(&h.request, "Content-Type")
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
				if p.Value != nil && p.Value.In == openapi3.ParameterInHeader {
					add(&h.request, p.Value.Name)
				}
			}
			for _, resp := range op.Responses.Map() {
				if resp.Value != nil {
					for name := range resp.Value.Headers {
						add(&h.response, name)
					}
				}
			}
		}
	}
	slices.Sort(h.response)
	for _, i := range authn.Schemes() {
		// e.g. a nonce a browser client must read on a 401
		for _, name := range i.ResponseHeaders {
			add(&h.response, name)
		}
	}
	return h
}

// corsPolicy allows cross-origin calls from origins, for the methods the spec
// uses, with the request and response headers it names. Bearer tokens and API
// keys are sent by the page's code, not by the browser, so credentials mode
// stays off.
func corsPolicy(doc *openapi3.T, headers headerNames, origins []string) func(http.Handler) http.Handler {
	var methods []string
	for _, item := range doc.Paths.Map() {
		for m := range item.Operations() {
			if !slices.Contains(methods, m) {
				methods = append(methods, m)
			}
		}
	}
	slices.Sort(methods)
	return cors.New(cors.Options{
		AllowedOrigins: origins,
		AllowedMethods: methods,
		AllowedHeaders: headers.request,
		ExposedHeaders: headers.response,
		MaxAge:         600,
	}).Handler
}
