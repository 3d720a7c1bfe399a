// Command server runs the API that openapi.yaml describes.
//
//	go run ./cmd/server --dev                      development tokens, see README
//	go run ./cmd/server --tokens-file tokens.yaml  real static tokens
//	go run ./cmd/server --jwks-url URL --issuer ISS --audience AUD   JWTs
//	go run ./cmd/server --introspection-url URL --audience AUD …  opaque tokens
//	go run ./cmd/server --audience AUD             JWTs, when the spec declares openIdConnect
//	go run ./cmd/server migrate --db URL           apply schema migrations, then exit
//
// Every flag has an environment fallback, listed by --help.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/admin"
	"example.com/tasks/impl/api"
	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/dpop" // option:dpop
	"example.com/tasks/impl/auth/protectedresource"
	"example.com/tasks/impl/auth/statictoken"
	"example.com/tasks/impl/docs"
	"example.com/tasks/impl/httpapi"
	"example.com/tasks/impl/httplog"
	"example.com/tasks/impl/ratelimit" // option:ratelimit
	"example.com/tasks/impl/spec"
	"example.com/tasks/impl/store"
	"example.com/tasks/impl/store/backend"
	"example.com/tasks/impl/validator"
)

// envPrefix starts the name of every environment variable the server reads:
// --max-body-bytes falls back to TASKS_MAX_BODY_BYTES. `make rename` changes
// it here, the one place it is spelled out.
const envPrefix = "TASKS"

// envName is the environment variable that backs the flag name.
func envName(flag string) string {
	return envPrefix + "_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "server:", err)
		}
		os.Exit(2)
	}
}

// config is the server's configuration, from flags and environment.
type config struct {
	addr            string
	tokensFile      string
	dev             bool
	realm           string
	maxBodyBytes    int64
	limits          httpapi.Limits
	corsOrigins     []string
	shutdownTimeout time.Duration
	logFormat       string
	db              string
	dbReaders       int
	validateResp    bool
	requireIfMatch  bool
	apiKeysFile     string    // option:apikey
	idp             idpConfig // the identity provider: issuer, audience, leeway
	jwt             jwtConfig // option:jwt
	adminAddr       string
	drainDelay      time.Duration
	rateLimit       rateLimitConfig // option:ratelimit
	publicURL       string
	introspection   introspectionConfig // option:introspect
	dpop            dpopConfig          // option:dpop
	redis           redisConfig         // option:redis
	mcp             mcpConfig           // option:mcp
}

// parseConfig reads flags from args; a flag not given falls back to its
// environment variable (named in its usage), then to the default.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", "localhost:8080", "listen address")
	fs.StringVar(&c.tokensFile, "tokens-file", "", "YAML file of static tokens (SHA-256 digests)")
	fs.BoolVar(&c.dev, "dev", false, "accept the public development tokens (never in production)")
	fs.StringVar(&c.realm, "realm", "", "realm in WWW-Authenticate challenges (default: the API's name, info.title in openapi.yaml)")
	fs.Int64Var(&c.maxBodyBytes, "max-body-bytes", validator.DefaultMaxBodyBytes, "largest request body accepted")
	fs.DurationVar(&c.limits.ReadTimeout, "read-timeout", httpapi.DefaultLimits.ReadTimeout, "time to read a whole request")
	fs.DurationVar(&c.limits.ReadHeaderTimeout, "read-header-timeout", httpapi.DefaultLimits.ReadHeaderTimeout, "time to read request headers (slow clients are cut off)")
	fs.IntVar(&c.limits.MaxHeaderBytes, "max-header-bytes", httpapi.DefaultLimits.MaxHeaderBytes, "largest request header block accepted; larger gets 431")
	fs.Func("cors-origins", "comma-separated origins allowed to call the API from a browser, \"*\" for any; empty turns CORS off", func(v string) error {
		c.corsOrigins = nil
		for o := range strings.SplitSeq(v, ",") {
			if o = strings.TrimSpace(o); o != "" {
				c.corsOrigins = append(c.corsOrigins, o)
			}
		}
		return nil
	})
	fs.DurationVar(&c.limits.WriteTimeout, "write-timeout", httpapi.DefaultLimits.WriteTimeout, "time to write a response")
	fs.DurationVar(&c.limits.IdleTimeout, "idle-timeout", httpapi.DefaultLimits.IdleTimeout, "keep-alive idle time")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 20*time.Second, "grace period for in-flight requests on SIGINT/SIGTERM")
	fs.StringVar(&c.logFormat, "log-format", "json", "log format: json or text")
	fs.StringVar(&c.db, "db", "memory:", "where data is kept: "+backend.Forms)
	fs.IntVar(&c.dbReaders, "db-readers", 0, "SQLite (memory:, sqlite:): connections that read at once, beside the one that writes; 0 is one per CPU (GOMAXPROCS). PostgreSQL sizes its pool in its URL (pool_max_conns)")
	fs.BoolVar(&c.requireIfMatch, "require-if-match", false, "answer 428 to a write without If-Match, so that no update is made blind")
	fs.BoolVar(&c.validateResp, "validate-responses", false, "check every response against the spec; a drift is logged and answered 500 (development, CI)")
	fs.StringVar(&c.apiKeysFile, "api-keys-file", "", "YAML file of API keys, as --tokens-file but without scopes") // option:apikey
	c.jwt.flags(fs)                                                                                                 // option:jwt
	c.idp.flags(fs)
	fs.StringVar(&c.adminAddr, "admin-addr", "", "listen address of the admin endpoints /livez, /readyz and /metrics (HOST:PORT); empty turns them off")
	fs.DurationVar(&c.drainDelay, "drain-delay", 0, "on SIGTERM, how long /readyz answers 503 while the API still serves, before the graceful shutdown")
	c.rateLimit.flags(fs) // option:ratelimit
	fs.StringVar(&c.publicURL, "public-url", "", "the origin clients reach the API at, e.g. https://api.example.com (behind a proxy, the proxy's): serves the RFC 9728 protected resource metadata and points 401/403 challenges to it")
	c.introspection.flags(fs) // option:introspect
	c.dpop.flags(fs)          // option:dpop
	c.redis.flags(fs)         // option:redis
	c.mcp.flags(fs)           // option:mcp
	addFormerNames(fs)
	// Every flag falls back to its environment variable; --help names it.
	fs.VisitAll(func(f *flag.Flag) { f.Usage += " (env " + envName(f.Name) + ")" })

	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		if v := getenv(envName(f.Name)); v != "" && !given[f.Name] {
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %w", envName(f.Name), v, err))
			}
		}
	})
	errs = append(errs, useFormerNames(fs, func(name string) bool { return given[name] || getenv(envName(name)) != "" }))
	if c.idp.leeway < 0 {
		errs = append(errs, errors.New("--leeway must not be negative"))
	}
	c.idp.resources = c.mcp.resources(c.publicURL) // option:mcp
	if c.logFormat != "json" && c.logFormat != "text" {
		errs = append(errs, fmt.Errorf("--log-format must be json or text, not %q", c.logFormat))
	}
	if c.maxBodyBytes <= 0 {
		errs = append(errs, errors.New("--max-body-bytes must be positive"))
	}
	if c.limits.MaxHeaderBytes <= 0 {
		errs = append(errs, errors.New("--max-header-bytes must be positive"))
	}
	if c.dbReaders < 0 {
		errs = append(errs, errors.New("--db-readers must not be negative"))
	}
	if c.drainDelay < 0 {
		errs = append(errs, errors.New("--drain-delay must not be negative"))
	}
	if c.limits.ReadHeaderTimeout <= 0 {
		errs = append(errs, errors.New("--read-header-timeout must be positive"))
	}
	return c, errors.Join(errs...)
}

// run starts the server and blocks until ctx is done, then shuts it down
// gracefully. It is main without the process: tests call it directly.
// "migrate" as the first argument applies the database's pending schema
// migrations and returns (the server also applies them when it starts).
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	migrateOnly := len(args) > 0 && args[0] == "migrate"
	if migrateOnly {
		args = args[1:]
	}
	cfg, err := parseConfig(args, getenv, stderr)
	if err != nil {
		return err
	}
	// Log lines are written out in batches, at most httplog.BufferDelay
	// late; everything is written when run returns (httplog.Buffer says
	// what a crash can lose).
	logOut := httplog.NewBuffer(stdout)
	defer logOut.Close()
	var logger *slog.Logger
	if cfg.logFormat == "text" {
		logger = slog.New(slog.NewTextHandler(logOut, nil))
	} else {
		logger = slog.New(slog.NewJSONHandler(logOut, nil))
	}
	if migrateOnly {
		if err := backend.Migrate(ctx, cfg.db, logger); err != nil {
			return fmt.Errorf("--db: %w", err)
		}
		logger.Info("database schema is up to date")
		return nil
	}

	doc, err := spec.Load()
	if err != nil {
		return err
	}
	var obs observability
	if obs, err = startTelemetry(ctx, cfg, doc, getenv, logger); err != nil { // option:telemetry
		return err // option:telemetry
	} // option:telemetry
	defer obs.flush(ctx, logger)
	if cfg, err = withDiscovery(ctx, doc, cfg, logger); err != nil { // option:oidc
		return err // option:oidc
	} // option:oidc
	// A database that is wrong or unreachable stops the start: no fallback.
	db, err := backend.Open(ctx, cfg.db, logger,
		store.WithTelemetry(obs.store), store.WithReaders(cfg.dbReaders))
	if err != nil {
		return fmt.Errorf("--db: %w", err)
	}
	defer db.Close()
	// Without Redis, each instance keeps its own limits and proofs seen.
	var shared sharedState
	if shared, err = connectRedis(ctx, cfg, doc, obs.store.Meter, logger); err != nil { // option:redis
		return err // option:redis
	} // option:redis
	defer shared.Close()
	handler, err := apiHandler(ctx, cfg, doc, db, shared, obs, logger)
	if err != nil {
		return err
	}
	adm, err := startAdmin(ctx, cfg, db, shared.ready, obs.metrics, logger)
	if err != nil {
		return err
	}
	defer adm.close() // when the API server fails; after a shutdown, a no-op

	srv := httpapi.NewServer(ctx, handler, cfg.limits, logger)
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	logger.Info("listening", "api", spec.Name(doc), "addr", ln.Addr().String(), "docs", "http://"+ln.Addr().String()+"/docs")

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}

	adm.drain(cfg.drainDelay, logger)
	logger.Info("shutting down", "grace", cfg.shutdownTimeout.String())
	// The parent is done; the grace period needs a context of its own.
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.shutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	if err := adm.shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("admin shutdown: %w", err)
	}
	logger.Info("stopped")
	return nil
}

// apiHandler builds the API's http.Handler from the spec: each security
// scheme's checker, the validator, the rate limit and the RFC 9728
// metadata, handed to httpapi. An option's wiring is its file in this
// folder and the lines here marked with its name (docs/FORKING.md).
func apiHandler(ctx context.Context, cfg config, doc *openapi3.T, db backend.DB, shared sharedState, obs observability, logger *slog.Logger) (http.Handler, error) {
	basePath, err := spec.BasePath(doc)
	if err != nil {
		return nil, err
	}
	impl, err := api.New(db, basePath)
	if err != nil {
		return nil, err
	}
	tokens, err := tokenVerifier(ctx, cfg, doc, obs.httpClient, logger)
	if err != nil {
		return nil, err
	}
	schemes := []auth.SchemeFunc{auth.Bearer(tokens)}
	if schemes, err = withAPIKeys(schemes, cfg, logger); err != nil { // option:apikey
		return nil, err // option:apikey
	} // option:apikey
	var proofAlgorithms []string
	if schemes, proofAlgorithms, err = withDPoP(schemes, doc, cfg, tokens, shared.proofs, logger); err != nil { // option:dpop
		return nil, err // option:dpop
	} // option:dpop
	authn, err := auth.New(doc, schemes...)
	if err != nil {
		return nil, err
	}
	if obs.observeAuth != nil {
		authn.Observe(obs.observeAuth)
	}
	var checks []httpapi.Check
	if checks, err = withRateLimit(checks, cfg, shared.limits, logger); err != nil { // option:ratelimit
		return nil, err // option:ratelimit
	} // option:ratelimit
	metadata, err := cfg.metadata(doc, basePath, proofAlgorithms)
	if err != nil {
		return nil, err
	}
	var endpoints []httpapi.Endpoint
	if endpoints, err = withMCP(endpoints, doc, cfg, proofAlgorithms, logger); err != nil { // option:mcp
		return nil, err // option:mcp
	} // option:mcp
	val := validator.New(doc, cfg.maxBodyBytes)
	val.RequireIfMatch = cfg.requireIfMatch
	return httpapi.New(httpapi.Config{
		Logger:            logger,
		Spec:              doc,
		API:               impl,
		Authenticator:     authn,
		Validator:         val,
		Realm:             cfg.realm,
		Metadata:          metadata,
		Checks:            checks,
		ValidateResponses: cfg.validateResp,
		CORSOrigins:       cfg.corsOrigins,
		Middleware:        obs.middleware,
		Endpoints:         endpoints,
	})
}

// metadata is the RFC 9728 document of the resource served at path (the
// API's base path, or an endpoint's such as /mcp), or nil without
// --public-url. It names the authorization server whose tokens are
// accepted and the DPoP proof algorithms.
func (c config) metadata(doc *openapi3.T, path string, proofAlgorithms []string) (*protectedresource.Document, error) {
	if c.publicURL == "" {
		return nil, nil
	}
	scopes, _ := spec.Scopes(doc)
	return protectedresource.New(doc, path, docs.Path, protectedresource.Config{
		PublicURL:            c.publicURL,
		Scopes:               scopes,
		AuthorizationServers: c.idp.authorizationServers(),
		DPoPAlgorithms:       proofAlgorithms,
	})
}

// sharedState is what the instances share, in Redis when --redis-url is
// set (redis.go); its zero value keeps each in the instance's memory.
type sharedState struct {
	limits ratelimit.Store  // rate-limit counts; option:ratelimit
	proofs dpop.ReplayCache // DPoP proofs seen; option:dpop
	ready  []admin.Dependency
	close  func() error
}

// Close closes the connection to Redis, if any.
func (s sharedState) Close() {
	if s.close != nil {
		_ = s.close()
	}
}

// observability is what the server's parts take from telemetry
// (telemetry.go): with it off, or removed, nothing is traced or measured and
// every field is its zero value.
type observability struct {
	httpClient  *http.Client    // for the identity provider's endpoints; nil is http.DefaultClient
	store       store.Telemetry // a span and a duration per statement
	metrics     http.Handler    // the admin listener's /metrics; nil: not served
	middleware  func(http.Handler) http.Handler
	observeAuth func(context.Context, auth.Outcome)
	shutdown    func(context.Context) error // sends what is buffered
}

// flush sends the spans still buffered before the process exits.
func (o observability) flush(ctx context.Context, logger *slog.Logger) {
	if o.shutdown == nil {
		return
	}
	flushCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := o.shutdown(flushCtx); err != nil {
		logger.Warn("telemetry: flush at shutdown", "error", err.Error())
	}
}

// nonEmpty returns the values that are set.
func nonEmpty(values ...string) []string {
	var out []string
	for _, v := range values {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// tokenVerifier returns the configured verifiers of bearer tokens: static
// tokens or the development ones, JWTs, introspection, in any combination. With no bearer token
// configured the server refuses to start: it must never run open by
// accident, and every write needs a bearer token.
func tokenVerifier(ctx context.Context, cfg config, doc *openapi3.T, client *http.Client, logger *slog.Logger) (auth.Verifier, error) {
	var static, jwt, opaque auth.Verifier
	switch {
	case cfg.tokensFile != "" && cfg.dev:
		return nil, errors.New("--tokens-file and --dev are exclusive: development tokens are public")
	case cfg.tokensFile != "":
		v, err := statictoken.Load(cfg.tokensFile)
		if err != nil {
			return nil, err
		}
		logger.Info("static tokens loaded", "file", cfg.tokensFile, "count", v.Len())
		static = v
	case cfg.dev:
		all, read := spec.Scopes(doc)
		logger.Warn("DEVELOPMENT TOKENS ENABLED: they are published in README.md, so anyone can call this server; never use --dev with real data",
			"subjects", fmt.Sprintf("dev-rw (%s), dev-ro (%s)", strings.Join(all, " "), strings.Join(read, " ")))
		static = statictoken.Dev(all, read)
	}
	var err error
	jwt, err = jwtVerifier(ctx, cfg, client, logger) // option:jwt
	if err != nil {
		return nil, err
	}
	opaque, err = opaqueVerifier(cfg.introspection, cfg.idp, logger) // option:introspect
	if err != nil {
		return nil, err
	}
	providers := 0 // verifiers of the identity provider's tokens
	for _, v := range []auth.Verifier{jwt, opaque} {
		if v != nil {
			providers++
		}
	}
	if err := cfg.idp.check(providers, cfg.publicURL); err != nil {
		return nil, err
	}
	if static == nil && jwt == nil && opaque == nil {
		return nil, errors.New("no tokens configured: pass --tokens-file FILE (see `go run ./cmd/mint-token -h`), " +
			"--jwks-url URL with --issuer and --audience, --introspection-url URL with its client and --audience, or --dev for local development")
	}
	// JWTs first: a token not shaped like one costs it a count of dots.
	return auth.Chain(jwt, static, opaque), nil
}
