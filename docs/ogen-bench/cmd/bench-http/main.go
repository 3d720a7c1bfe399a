// Command bench-http measures what ships: the stacks as server processes on
// each database, loaded from outside (make bench-http; docs/PERFORMANCE.md).
//
// The stacks: bare chi (apitest.BareChi), our full stack as cmd/server
// serves it with its JSON access log to a file, the same with the log
// discarded, and the ogen server of this module, each on every database of
// -dbs: memory: (SQLite in the process's memory, cmd/server's default), a
// SQLite file in a temporary folder, and PostgreSQL (a throwaway server from
// impl/store/postgres/pgtest, started once per run). One more stack has no
// database at all: bare-chi-map, bare chi over a Go map (mapstore.go), the
// reference of every row: above it are the database and the stack.
//
// Each server is a process of its own (this program, re-run as "serve
// -stack NAME -db URL") with a database of its own, fresh each round, seeded
// alike (apitest.SeedStore), and the same tokens and http.Server settings.
// For every round, scenario (apitest.Scenarios) and server, in an order
// rotated each round, it sends a warm-up, then a fixed number of requests
// over keep-alive connections on 127.0.0.1, and records the server process's
// CPU time (/proc/PID/stat; PostgreSQL's own processes are not counted), the
// requests per second and the allocations (runtime.MemStats.Mallocs, asked
// of the server). Every answer's status is checked, and a list's items on
// a sample (Scenario.Check). It prints a table per scenario, a row per stack
// and database: the medians of the rounds, and ratios to bare-chi-map and,
// on the same database, to bare chi and to ogen.
//
//	bench-http -rounds 5 -requests 20000 -connections 16 -dbs memory,sqlite,postgres
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/uuid"

	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/redisstore/redistest"
)

func main() {
	var err error
	if len(os.Args) > 1 && os.Args[1] == "serve" {
		err = serve(os.Args[2:])
	} else {
		err = bench(os.Args[1:])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench-http:", err)
		os.Exit(1)
	}
}

// options are the knobs of a run.
type options struct {
	rounds, requests, warmup, connections int
	maxTime                               time.Duration
	// dbs are the databases every stack but bare-chi-map runs on, in the
	// order of the databases list.
	dbs []string
	// profiles, when set, is the folder each measured phase's CPU profile
	// is written to, as SCENARIO-STACK-DB.pprof (the last round's).
	profiles string
	// serverCPUs, when set, is the CPU list (taskset -c) the server
	// processes run on, so that the load generator does not share their
	// cores.
	serverCPUs string
	// redis adds the limit stacks; redisURL is the server they count in.
	redis    bool
	redisURL string
}

// target is one server of a round: a stack on a database (db is "" for
// bare-chi-map, which has none).
type target struct{ stack, db string }

func (t target) String() string {
	if t.db == "" {
		return t.stack
	}
	return t.stack + "/" + t.db
}

func bench(args []string) error {
	var o options
	var dbList string
	fs := flag.NewFlagSet("bench-http", flag.ContinueOnError)
	fs.IntVar(&o.rounds, "rounds", 5, "rounds; each runs every scenario on every stack and database, in an order rotated each round")
	fs.IntVar(&o.requests, "requests", 20000, "measured requests per scenario, server and round")
	fs.IntVar(&o.warmup, "warmup", 2000, "requests sent before each measurement, not measured")
	fs.IntVar(&o.connections, "connections", 16, "keep-alive connections, each with one request in flight")
	fs.StringVar(&dbList, "dbs", strings.Join(databases, ","), "the databases the stacks run on, comma-separated: "+strings.Join(databases, ", "))
	fs.DurationVar(&o.maxTime, "max-time", 2*time.Minute, "the longest one warm-up or measurement may take before the run fails")
	fs.StringVar(&o.serverCPUs, "server-cpus", "", "run the servers on these CPUs only (taskset -c LIST, e.g. 0); run the harness on the others (taskset -c)")
	fs.BoolVar(&o.redis, "redis", true, "also run the full stack with a rate limit counted in memory and in Redis (redis-server), on the first database of -dbs")
	fs.StringVar(&o.profiles, "cpuprofile", "", "a folder to write the server's CPU profile of each measured phase to, as SCENARIO-STACK-DB.pprof (go tool pprof)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.rounds < 1 || o.requests < 1 || o.warmup < 0 || o.connections < 1 {
		return errors.New("-rounds, -requests and -connections must be positive, -warmup not negative")
	}
	var err error
	if o.dbs, err = parseDBs(dbList); err != nil {
		return err
	}
	if o.profiles != "" {
		if err := os.MkdirAll(o.profiles, 0o755); err != nil {
			return err
		}
	}
	dir, err := os.MkdirTemp("", "bench-http-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	dbs, err := openDatabases(o.dbs, dir)
	if err != nil {
		return err
	}
	defer dbs.close()
	var rds *redistest.Server
	if o.redis {
		if rds, err = redistest.Start(""); err != nil {
			return fmt.Errorf("-redis: %w", err)
		}
		defer rds.Close()
		o.redisURL = rds.URL()
	}
	// The servers die with this process (Pdeathsig); PostgreSQL and Redis
	// are daemons of their own and must be stopped on an interrupt too.
	interrupt := make(chan os.Signal, 1)
	signal.Notify(interrupt, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-interrupt
		dbs.close()
		if rds != nil {
			_ = rds.Close()
		}
		os.RemoveAll(dir)
		os.Exit(1)
	}()

	targets := []target{{stack: bareChiMap}}
	for _, db := range o.dbs {
		if db == "postgres" && dbs.pgErr != nil {
			fmt.Fprintln(os.Stderr, "postgres: not measured:", dbs.pgErr)
			continue
		}
		for _, s := range stacks {
			targets = append(targets, target{s, db})
		}
	}
	if o.redis {
		targets = append(targets, target{limitMemory, o.dbs[0]}, target{limitRedis, o.dbs[0]})
	}
	// results[target][scenario] holds one sample per round.
	nScenarios := len(apitest.Scenarios(uuid.Nil))
	results := map[target][][]sample{}
	for _, t := range targets {
		results[t] = make([][]sample, nScenarios)
	}
	start := time.Now()
	for round := range o.rounds {
		order := append(slices.Clone(targets[round%len(targets):]), targets[:round%len(targets)]...)
		fmt.Fprintf(os.Stderr, "round %d of %d: %d servers\n", round+1, o.rounds, len(order))
		if err := runRound(round, order, o, dbs, results); err != nil {
			return err
		}
	}
	report(os.Stdout, results, targets, o, dbs.pgErr, time.Since(start))
	return nil
}

// runRound starts a server per target, each on a fresh database, measures
// every scenario on each in order, and stops them.
func runRound(round int, order []target, o options, dbs *databaseSet, results map[target][][]sample) (err error) {
	servers := map[target]*server{}
	defer func() { err = errors.Join(err, dbs.endRound()) }()
	for _, t := range order {
		url, err := dbs.fresh(t.db, fmt.Sprintf("r%d_%s", round+1, strings.ReplaceAll(t.stack, "-", "_")))
		if err != nil {
			stopAll(servers)
			return fmt.Errorf("%s: %w", t, err)
		}
		accessLog := filepath.Join(dbs.roundDir, "access-"+t.db+".log")
		srv, err := start1(t, url, accessLog, o)
		if err != nil {
			stopAll(servers)
			return err
		}
		servers[t] = srv
	}
	for i := range results[order[0]] {
		for _, t := range order {
			sm, err := servers[t].measure(i, t, o)
			if err != nil {
				stopAll(servers)
				return fmt.Errorf("%s: %w", t, err)
			}
			results[t][i] = append(results[t][i], sm)
			fmt.Fprintf(os.Stderr, "  %-15s %-20s %7.1f µs CPU/req %8.0f req/s %6.1f allocs/req\n",
				servers[t].scenarios[i].Name, t, sm.cpu, sm.rps, sm.allocs)
		}
	}
	return stopAll(servers)
}

// sample is one measurement: per request, server CPU in µs and allocations;
// requests per second.
type sample struct{ cpu, rps, allocs float64 }

// server is a running stack process.
type server struct {
	cmd       *exec.Cmd
	stdin     io.WriteCloser
	stdout    *bufio.Reader
	addr      string
	scenarios []apitest.Scenario
}

// start1 starts t's server process on the database at dbURL ("" for
// bare-chi-map), on cpus if set, and waits for it to listen.
func start1(t target, dbURL, accessLog string, o options) (*server, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{self, "serve", "-stack", t.stack, "-access-log", accessLog}
	if dbURL != "" {
		args = append(args, "-db", dbURL)
	}
	if t.stack == limitRedis {
		args = append(args, "-redis", o.redisURL)
	}
	if o.serverCPUs != "" {
		// taskset execs the server: the process's id stays the server's.
		args = append([]string{"taskset", "-c", o.serverCPUs}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stderr = os.Stderr
	// The server dies with this process, however it ends.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, stdin: stdin, stdout: bufio.NewReader(stdout)}
	f, err := s.line("ready", 3)
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("%s: %w", t, err)
	}
	id, err := uuid.Parse(f[2])
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("%s: %w", t, err)
	}
	s.addr, s.scenarios = f[1], apitest.Scenarios(id)
	return s, nil
}

// line reads the server's next line, which must start with word and have n
// fields.
func (s *server) line(word string, n int) ([]string, error) {
	l, err := s.stdout.ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("waiting for %q: %w", word, err)
	}
	f := strings.Fields(l)
	if len(f) != n || f[0] != word {
		return nil, fmt.Errorf("got %q, want %q and %d fields", l, word, n)
	}
	return f, nil
}

// command sends the server a line on its stdin and returns the fields of
// its answer, which starts with the command's first word.
func (s *server) command(line string) ([]string, error) {
	if _, err := io.WriteString(s.stdin, line+"\n"); err != nil {
		return nil, err
	}
	word := strings.Fields(line)[0]
	l, err := s.stdout.ReadString('\n')
	if err != nil {
		return nil, fmt.Errorf("waiting for %q: %w", word, err)
	}
	f := strings.Fields(l)
	if len(f) == 0 || f[0] != word {
		return nil, fmt.Errorf("got %q, want an answer to %q", l, word)
	}
	return f, nil
}

// mallocs asks the server for its count of heap allocations so far.
func (s *server) mallocs() (uint64, error) {
	f, err := s.command("stats")
	if err != nil {
		return 0, err
	}
	if len(f) != 2 {
		return 0, fmt.Errorf("stats: got %q", f)
	}
	return strconv.ParseUint(f[1], 10, 64)
}

// measure runs scenario i on t: the warm-up, then the measured requests.
func (s *server) measure(i int, t target, o options) (sample, error) {
	sc := s.scenarios[i]
	if o.warmup > 0 {
		if err := load(s.addr, sc, asToolCall[t.stack], o.warmup, o.connections, o.maxTime); err != nil {
			return sample{}, err
		}
	}
	m0, err := s.mallocs()
	if err != nil {
		return sample{}, err
	}
	cpu0, err := cpuTime(s.cmd.Process.Pid)
	if err != nil {
		return sample{}, err
	}
	if o.profiles != "" {
		if _, err := s.command("profile " + filepath.Join(o.profiles, sc.Name+"-"+strings.ReplaceAll(t.String(), "/", "-")+".pprof")); err != nil {
			return sample{}, err
		}
	}
	t0 := time.Now()
	if err := load(s.addr, sc, asToolCall[t.stack], o.requests, o.connections, o.maxTime); err != nil {
		return sample{}, err
	}
	wall := time.Since(t0)
	if o.profiles != "" {
		if _, err := s.command("profile-stop"); err != nil {
			return sample{}, err
		}
	}
	cpu1, err := cpuTime(s.cmd.Process.Pid)
	if err != nil {
		return sample{}, err
	}
	m1, err := s.mallocs()
	if err != nil {
		return sample{}, err
	}
	n := float64(o.requests)
	return sample{
		cpu:    float64((cpu1 - cpu0).Microseconds()) / n,
		rps:    n / wall.Seconds(),
		allocs: float64(m1-m0) / n,
	}, nil
}

// stop closes the server's stdin, which stops it, and waits for it.
func (s *server) stop() error {
	s.stdin.Close()
	return s.cmd.Wait()
}

func stopAll(servers map[target]*server) error {
	var errs []error
	for t, s := range servers {
		if err := s.stop(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", t, err))
		}
	}
	return errors.Join(errs...)
}
