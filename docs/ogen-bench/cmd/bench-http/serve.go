package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	ogenbench "example.com/tasks/docs/ogen-bench"
	ourapi "example.com/tasks/impl/api"
	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/apikey" // option:apikey
	"example.com/tasks/impl/domain"
	"example.com/tasks/impl/httpapi"
	"example.com/tasks/impl/httplog"
	"example.com/tasks/impl/ratelimit"
	"example.com/tasks/impl/redisstore"
	"example.com/tasks/impl/spec"
	"example.com/tasks/impl/store/backend"
	"example.com/tasks/impl/validator"
)

// The stacks, in the order of the tables' rows. bareChiMap is bare chi
// over a Go map (mapStore) instead of a database: the reference every row
// is compared with. The others run on each database of -dbs.
const (
	bareChiMap = "bare-chi-map"
	bareChi    = "bare-chi"
	full       = "full"
	fullNoLg   = "full-nolog"
	ogen       = "ogen"
	// The full stack, log discarded, with a per-subject and per-address
	// rate limit (so high that nothing is refused) counted in the
	// process's memory, and in Redis (-redis): what shared limits cost.
	limitMemory = "limit-memory"
	limitRedis  = "limit-redis"
)

var stacks = []string{bareChi, full, fullNoLg, ogen}

// asToolCall marks the stacks whose scenarios are sent as MCP tool calls
// (mcp.go).
var asToolCall = map[string]bool{}

// serve is the server process of one stack (bench-http serve -stack NAME
// -db URL): the database at URL (as cmd/server's --db opens it, migrated)
// or, for bare-chi-map, a mapStore, seeded by apitest.SeedStore, the test
// tokens, and cmd/server's http.Server settings, listening on 127.0.0.1.
// It prints "ready ADDR TASK-ID", then answers the harness's commands on
// stdin, so that it counts allocations and profiles without the served
// handler knowing of it:
//
//	stats           → "stats MALLOCS" (runtime.MemStats.Mallocs)
//	profile FILE    → "profile": CPU profile to FILE from now
//	profile-stop    → "profile-stop": the profile is written
//
// It stops when stdin closes.
func serve(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	stack := fs.String("stack", "", "the stack to serve: "+bareChiMap+" or one of "+fmt.Sprint(stacks))
	dbURL := fs.String("db", "", "the database, as cmd/server's --db takes it ("+backend.Forms+"); none for "+bareChiMap)
	accessLog := fs.String("access-log", "", "the file the full stack writes its JSON access log to, as cmd/server writes it to stdout")
	redisURL := fs.String("redis", "", "the Redis the "+limitRedis+" stack counts in")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx := context.Background()
	var (
		h     http.Handler
		store domain.TaskStore // what the scenarios' tasks are seeded into
	)
	if *stack == bareChiMap {
		if *dbURL != "" {
			return errors.New(bareChiMap + " has no database: no -db")
		}
		m := newMapStore()
		h, store = apitest.BareChiHandler(m), m
	} else {
		db, err := backend.Open(ctx, *dbURL, slog.New(slog.DiscardHandler))
		if err != nil {
			return err
		}
		defer db.Close()
		if h, err = build(ctx, *stack, db, *accessLog, *redisURL); err != nil {
			return err
		}
		store = db
	}
	id, err := apitest.SeedStore(ctx, store)
	if err != nil {
		return err
	}
	// cmd/server's defaults (its flags), for every stack alike.
	srv := httpapi.NewServer(ctx, h, httpapi.DefaultLimits, slog.New(slog.NewJSONHandler(os.Stderr, nil)))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	fmt.Printf("ready %s %s\n", ln.Addr(), id)

	in := bufio.NewScanner(os.Stdin)
	var profile *os.File
	for in.Scan() {
		cmd, arg, _ := strings.Cut(in.Text(), " ")
		switch cmd {
		case "stats":
			var m runtime.MemStats
			runtime.ReadMemStats(&m)
			fmt.Printf("stats %d\n", m.Mallocs)
		case "profile":
			if profile, err = os.Create(arg); err != nil {
				return err
			}
			if err := pprof.StartCPUProfile(profile); err != nil {
				return err
			}
			fmt.Println("profile")
		case "profile-stop":
			pprof.StopCPUProfile()
			if err := profile.Close(); err != nil {
				return err
			}
			fmt.Println("profile-stop")
		default:
			return fmt.Errorf("unknown command %q", in.Text())
		}
	}
	_ = srv.Close()
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// build returns the handler of a stack with a database over db.
func build(ctx context.Context, stack string, db backend.DB, accessLog, redisURL string) (http.Handler, error) {
	switch stack {
	case bareChi:
		return apitest.BareChi.Build(db), nil
	case ogen:
		return ogenbench.New(db, apitest.Tokens())
	case fullMCP: // option:mcp
		return buildFull(ctx, full, db, accessLog, "", mcpEndpoint) // option:mcp
	case full, fullNoLg, limitMemory, limitRedis:
		return buildFull(ctx, stack, db, accessLog, redisURL, nil)
	}
	return nil, fmt.Errorf("unknown stack %q: want %s or one of %v", stack, bareChiMap, stacks)
}

// buildFull is our full stack, as cmd/server builds it with its default
// flags, with the access log to a file (full) or discarded (full-nolog),
// the rate limit of the limit stacks, and the endpoint that withEndpoint
// returns, if any, beside the API.
func buildFull(ctx context.Context, stack string, db backend.DB, accessLog, redisURL string, withEndpoint func(*openapi3.T, *slog.Logger) httpapi.Endpoint) (http.Handler, error) {
	logger := slog.New(slog.DiscardHandler)
	if stack == full {
		if accessLog == "" {
			return nil, errors.New("the full stack needs -access-log")
		}
		// As cmd/server writes its log to a redirected stdout: through
		// an httplog.Buffer.
		f, err := os.Create(accessLog)
		if err != nil {
			return nil, err
		}
		logger = slog.New(slog.NewJSONHandler(httplog.NewBuffer(f), nil))
	}
	doc, err := spec.Load()
	if err != nil {
		return nil, err
	}
	base, err := spec.BasePath(doc)
	if err != nil {
		return nil, err
	}
	impl, err := ourapi.New(db, base)
	if err != nil {
		return nil, err
	}
	// As cmd/server builds it with its default flags (telemetry, rate
	// limits and If-Match required are off: their zero values).
	schemes := []auth.SchemeFunc{auth.Bearer(apitest.Tokens())}
	schemes = append(schemes, apikey.Scheme(nil)) // option:apikey
	authn, err := auth.New(doc, schemes...)
	if err != nil {
		return nil, err
	}
	checks, err := rateLimit(ctx, stack, redisURL)
	if err != nil {
		return nil, err
	}
	cfg := httpapi.Config{
		Checks:        checks,
		Logger:        logger,
		Spec:          doc,
		API:           impl,
		Authenticator: authn,
		Validator:     validator.New(doc, validator.DefaultMaxBodyBytes),
	}
	if withEndpoint != nil {
		cfg.Endpoints = []httpapi.Endpoint{withEndpoint(doc, logger)}
	}
	return httpapi.New(cfg)
}

// rateLimit is the rate limiter's check of the limit stacks, as cmd/server
// builds it with --rate-limit and --rate-limit-anonymous (and --redis-url
// for limitRedis), with quotas no run reaches; none for the other stacks.
func rateLimit(ctx context.Context, stack, redisURL string) ([]httpapi.Check, error) {
	var counts ratelimit.Store
	switch stack {
	case limitMemory:
		counts = ratelimit.NewMemory()
	case limitRedis:
		r, err := redisstore.Open(ctx, redisstore.Config{URL: redisURL, Namespace: "bench"})
		if err != nil {
			return nil, err
		}
		counts = r.Limits()
	default:
		return nil, nil
	}
	p := &ratelimit.Policy{Name: "bench", Quota: 1 << 30, Window: time.Hour}
	l := &ratelimit.Limiter{Store: counts, Subject: p, Anonymous: p}
	return []httpapi.Check{l.Check}, nil
}
