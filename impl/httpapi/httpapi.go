// Package httpapi assembles the server's one http.Handler: middleware, the
// public spec endpoints, and the API with its spec validator in front of the
// generated chi routes and the strict-server implementation.
//
//	telemetry (if on) → Edge: framing, request id, access log, panic recovery,
//	  security headers, in one layer → CORS (if on) → chi router
//	  ├ /openapi.yaml, /openapi.json             public, from the embedded spec
//	  ├ /.well-known/oauth-protected-resource/…  public, RFC 9728 metadata (with Config.PublicURL)
//	  ├ /, /docs                                 public, Swagger UI (impl/docs)
//	  └ API routes (generated from the spec)
//	      → find the operation → authenticate → rate limit (if on) → validate (Guard)
//	      → generated wrapper → strict handler → Config.API (impl/api)
//
// Every error any layer produces goes through problem.Write.
package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/rs/cors"

	"example.com/tasks/gen"
	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/protectedresource"
	"example.com/tasks/impl/docs"
	"example.com/tasks/impl/problem"
	"example.com/tasks/impl/ratelimit"
	"example.com/tasks/impl/spec"
	"example.com/tasks/impl/telemetry"
	"example.com/tasks/impl/validator"
)

// DefaultMaxBodyBytes caps request bodies when Config leaves it unset.
const DefaultMaxBodyBytes = 1 << 20

// Config is what New needs. Logger, Verifier and API are required.
type Config struct {
	Logger   *slog.Logger
	Verifier auth.Verifier
	// API implements the spec's operations: impl/api's Server, built by
	// cmd/server over its database.
	API gen.StrictServerInterface
	// Realm names the protection space in WWW-Authenticate challenges; the
	// product's name (spec.Name) when empty.
	Realm string
	// MaxBodyBytes caps request bodies (413 beyond it); 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// ValidateResponses checks every API response against the spec and
	// answers a drift with a 500 (for development and CI; it costs a buffer
	// and a validation per response).
	ValidateResponses bool
	// RequireIfMatch answers 428 to a write without If-Match to an operation
	// that declares the header, so that no client can overwrite blindly.
	RequireIfMatch bool
	// CORSOrigins lists the origins browsers may call the API from, such as
	// "https://app.example.com" ("*" for any). Empty turns CORS off.
	CORSOrigins []string
	// Telemetry traces requests and records their metrics; nil is off.
	Telemetry *telemetry.Telemetry
	// RateLimit limits the API's requests, after authentication; nil is off.
	RateLimit *ratelimit.Limiter
	// PublicURL is the origin clients reach the server at (behind a proxy,
	// the proxy's), such as https://api.example.com. When set, the RFC 9728
	// protected resource metadata is served and every 401 and 403 bearer
	// challenge points to it (impl/auth/protectedresource).
	PublicURL string
	// AuthorizationServers are the issuers the metadata names.
	AuthorizationServers []string
	// DPoP checks RFC 9449 proofs for the spec's http schemes DPoP
	// (impl/auth/dpop); required when the spec declares one.
	DPoP auth.ProofChecker
	// Spec is the document to enforce; nil means the embedded one (spec.Load).
	// Tests set an edited copy, with the same operations, to try security
	// schemes the real spec does not declare.
	Spec *openapi3.T
}

// New builds the handler from the embedded spec. It fails if the spec is
// invalid or asks for something the server cannot enforce.
func New(cfg Config) (http.Handler, error) {
	if cfg.Logger == nil || cfg.Verifier == nil || cfg.API == nil {
		return nil, errors.New("httpapi: Logger, Verifier and API are required")
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	doc := cfg.Spec
	if doc == nil {
		var err error
		if doc, err = spec.Load(); err != nil {
			return nil, err
		}
	}
	if cfg.Realm == "" {
		cfg.Realm = spec.Name(doc)
	}
	baseURL, err := spec.BasePath(doc)
	if err != nil {
		return nil, err
	}
	var authOpts []auth.Option
	var dpopAlgs []string
	if cfg.DPoP != nil {
		authOpts = append(authOpts, auth.WithDPoP(cfg.DPoP))
		dpopAlgs = cfg.DPoP.Algorithms()
	}
	var metadata *protectedresource.Document
	if cfg.PublicURL != "" {
		metadata, err = protectedresource.New(doc, baseURL, docs.Path, protectedresource.Config{
			PublicURL: cfg.PublicURL, AuthorizationServers: cfg.AuthorizationServers, DPoPAlgorithms: dpopAlgs,
		})
		if err != nil {
			return nil, err
		}
		authOpts = append(authOpts, auth.WithResourceMetadata(metadata.URL))
	}
	authn, err := auth.New(doc, cfg.Realm, cfg.Verifier, authOpts...)
	if err != nil {
		return nil, err
	}
	if cfg.Telemetry.MeterProvider() != nil {
		authn.Observe(func(ctx context.Context, o auth.Outcome) { telemetry.RecordAuth(ctx, o.Type.String(), o.Result()) })
	}
	val := validator.New(doc, cfg.MaxBodyBytes)
	val.RequireIfMatch = cfg.RequireIfMatch
	specs, err := newSpecHandlers(doc)
	if err != nil {
		return nil, err
	}

	r := chi.NewRouter()
	headers := specHeaders(doc, authn.CredentialHeaders())
	if cfg.DPoP != nil {
		// A browser client must read the nonce of a use_dpop_nonce 401.
		headers.response = append(headers.response, "Dpop-Nonce")
	}
	r.Use(cfg.Telemetry.Middleware, Edge(cfg.Logger, headers.credentials),
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
	if metadata != nil {
		r.Get(metadata.Path, metadata.ServeHTTP)
	}
	docs.Mount(r)

	strict := gen.NewStrictHandlerWithOptions(cfg.API, nil, gen.StrictHTTPServerOptions{
		RequestErrorHandlerFunc:  badRequest,
		ResponseErrorHandlerFunc: problem.Write,
	})
	var checks []Check
	if cfg.RateLimit != nil {
		// Once the caller is known, so that the limit is per subject, and
		// before validation, so that a malformed request counts too. A
		// request refused by authentication (401, 400) is not counted.
		checks = append(checks, cfg.RateLimit.Check)
	}
	ops := newOperations(doc, baseURL, authn, val)
	routeMiddleware := []func(http.Handler) http.Handler{guard(ops, authn, val, checks)}
	if cfg.ValidateResponses {
		routeMiddleware = append(routeMiddleware, checkResponses(ops, val))
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
func specHeaders(doc *openapi3.T, credentials []string) headerNames {
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
