// Command bench-http measures the stacks as server processes, from outside
// (make bench-http; docs/PERFORMANCE.md): bare chi (apitest.BareChi), our
// full stack as cmd/server serves it with its JSON access log to a file, the
// same with the log discarded, and the ogen server of this module. Each runs
// as its own process (this program, re-run as "serve") with the same store,
// tokens and http.Server settings. For every round, scenario (apitest.Scenarios)
// and stack, in an order rotated each round, it sends a warm-up, then a fixed
// number of requests over keep-alive connections on 127.0.0.1, and records
// the server process's CPU time (/proc/PID/stat), the requests per second and
// the allocations (runtime.MemStats.Mallocs, asked of the server). It prints
// the medians as tables with ratios to bare chi and to ogen.
//
//	bench-http -rounds 5 -requests 20000 -connections 16
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/uuid"

	"example.com/tasks/impl/apitest"
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
	// profiles, when set, is the folder each measured phase's CPU profile
	// is written to, as SCENARIO-STACK.pprof (the last round's).
	profiles string
	// serverCPUs, when set, is the CPU list (taskset -c) the server
	// processes run on, so that the load generator does not share their
	// cores.
	serverCPUs string
}

func bench(args []string) error {
	var o options
	fs := flag.NewFlagSet("bench-http", flag.ContinueOnError)
	fs.IntVar(&o.rounds, "rounds", 5, "rounds; each runs every scenario on every stack, the stacks in an order rotated each round")
	fs.IntVar(&o.requests, "requests", 20000, "measured requests per scenario, stack and round")
	fs.IntVar(&o.warmup, "warmup", 2000, "requests sent before each measurement, not measured")
	fs.IntVar(&o.connections, "connections", 16, "keep-alive connections, each with one request in flight")
	fs.DurationVar(&o.maxTime, "max-time", 2*time.Minute, "the longest one warm-up or measurement may take before the run fails")
	fs.StringVar(&o.serverCPUs, "server-cpus", "", "run the servers on these CPUs only (taskset -c LIST, e.g. 0); run the harness on the others (taskset -c)")
	fs.StringVar(&o.profiles, "cpuprofile", "", "a folder to write the server's CPU profile of each measured phase to, as SCENARIO-STACK.pprof (go tool pprof)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.profiles != "" {
		if err := os.MkdirAll(o.profiles, 0o755); err != nil {
			return err
		}
	}
	if o.rounds < 1 || o.requests < 1 || o.warmup < 0 || o.connections < 1 {
		return errors.New("-rounds, -requests and -connections must be positive, -warmup not negative")
	}
	dir, err := os.MkdirTemp("", "bench-http-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// results[stack][scenario] holds one sample per round.
	results := map[string][][]sample{}
	for _, s := range stacks {
		results[s] = make([][]sample, len(apitest.Scenarios(uuid.Nil)))
	}
	start := time.Now()
	for round := range o.rounds {
		order := append(slices.Clone(stacks[round%len(stacks):]), stacks[:round%len(stacks)]...)
		fmt.Fprintf(os.Stderr, "round %d of %d: %s\n", round+1, o.rounds, strings.Join(order, ", "))
		servers := map[string]*server{}
		for _, s := range order {
			srv, err := start1(s, filepath.Join(dir, fmt.Sprintf("access-%d.log", round)), o.serverCPUs)
			if err != nil {
				stopAll(servers)
				return err
			}
			servers[s] = srv
		}
		for i := range results[bareChi] {
			for _, s := range order {
				sm, err := servers[s].measure(i, s, o)
				if err != nil {
					stopAll(servers)
					return fmt.Errorf("%s: %w", s, err)
				}
				results[s][i] = append(results[s][i], sm)
				fmt.Fprintf(os.Stderr, "  %-15s %-10s %6.1f µs CPU/req %8.0f req/s %6.1f allocs/req\n",
					servers[s].scenarios[i].Name, s, sm.cpu, sm.rps, sm.allocs)
			}
		}
		if err := stopAll(servers); err != nil {
			return err
		}
		if err := os.Remove(filepath.Join(dir, fmt.Sprintf("access-%d.log", round))); err != nil {
			return err
		}
	}
	report(os.Stdout, results, o, time.Since(start))
	return nil
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

// start1 starts the stack's server process, on cpus if set, and waits for
// it to listen.
func start1(stack, accessLog, cpus string) (*server, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	args := []string{self, "serve", "-stack", stack, "-access-log", accessLog}
	if cpus != "" {
		// taskset execs the server: the process's id stays the server's.
		args = append([]string{"taskset", "-c", cpus}, args...)
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
		return nil, fmt.Errorf("%s: %w", stack, err)
	}
	id, err := uuid.Parse(f[2])
	if err != nil {
		s.stop()
		return nil, fmt.Errorf("%s: %w", stack, err)
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

// measure runs scenario i on stack: the warm-up, then the measured requests.
func (s *server) measure(i int, stack string, o options) (sample, error) {
	sc := s.scenarios[i]
	if o.warmup > 0 {
		if err := load(s.addr, sc, o.warmup, o.connections, o.maxTime); err != nil {
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
		if _, err := s.command("profile " + filepath.Join(o.profiles, sc.Name+"-"+stack+".pprof")); err != nil {
			return sample{}, err
		}
	}
	t0 := time.Now()
	if err := load(s.addr, sc, o.requests, o.connections, o.maxTime); err != nil {
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

func stopAll(servers map[string]*server) error {
	var errs []error
	for name, s := range servers {
		if err := s.stop(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// Column and row titles of the tables.
var (
	stackTitle = map[string]string{
		bareChi: "bare chi", full: "full (access log to a file)",
		fullNoLg: "full, log discarded", ogen: "ogen",
	}
	scenarioTitle = map[string]string{
		"GetByID": "authorized GET by id (200)", "NoToken401": "no token (401)",
		"Scope403": "missing scope (403)", "Post": "POST small body (201)",
		"InvalidBody400": "POST invalid body (400)",
	}
)

// report prints one table per measure: the median of the rounds per stack
// with its spread (± the largest distance of a round from it), its ratio to
// bare chi, and both full stacks against ogen; each ratio is the median of
// the rounds' ratios.
func report(w io.Writer, results map[string][][]sample, o options, took time.Duration) {
	where := "servers and load generator sharing the CPUs"
	if o.serverCPUs != "" {
		where = "servers on CPUs " + o.serverCPUs + ", load generator on the others"
	}
	fmt.Fprintf(w, "bench-http: %d rounds × %d requests (after %d warm-up) per scenario and stack, %d connections, %s, medians; took %s\n",
		o.rounds, o.requests, o.warmup, o.connections, where, took.Round(time.Second))
	for _, m := range []struct {
		title  string
		format string
		value  func(sample) float64
	}{
		{"server CPU per request (µs; × bare chi)", "%.1f", func(s sample) float64 { return s.cpu }},
		{"requests per second (× bare chi)", "%.0f", func(s sample) float64 { return s.rps }},
		{"allocations per request (× bare chi)", "%.1f", func(s sample) float64 { return s.allocs }},
	} {
		fmt.Fprintf(w, "\n%s\n\n| request |", m.title)
		for _, s := range stacks {
			fmt.Fprintf(w, " %s |", stackTitle[s])
		}
		fmt.Fprintf(w, " full ÷ ogen | full, log discarded ÷ ogen |\n|---|")
		fmt.Fprint(w, strings.Repeat("---|", len(stacks)+2), "\n")
		for i, sc := range apitest.Scenarios(uuid.Nil) {
			med, spread := map[string]float64{}, map[string]float64{}
			for _, s := range stacks {
				med[s], spread[s] = median(results[s][i], m.value)
			}
			title := scenarioTitle[sc.Name]
			if title == "" {
				title = sc.Name
			}
			fmt.Fprintf(w, "| %s |", title)
			for _, s := range stacks {
				fmt.Fprintf(w, " "+m.format+" ±%.0f%%", med[s], 100*spread[s])
				if s != bareChi {
					fmt.Fprintf(w, " (%.2f×)", ratio(results[s][i], results[bareChi][i], m.value))
				}
				fmt.Fprint(w, " |")
			}
			fmt.Fprintf(w, " %.2f | %.2f |\n", ratio(results[full][i], results[ogen][i], m.value),
				ratio(results[fullNoLg][i], results[ogen][i], m.value))
		}
	}
}

// ratio is the median of the rounds' ratios of a's value to b's: each round
// runs both stacks within a minute, so that a slow stretch of the machine
// (the spread of a column) mostly cancels out of the ratio.
func ratio(a, b []sample, value func(sample) float64) float64 {
	r := make([]float64, len(a))
	for i := range a {
		r[i] = value(a[i]) / value(b[i])
	}
	med, _ := medianOf(r)
	return med
}

// median returns the median of the samples' values and their spread: the
// largest distance of one from the median, as a fraction of it.
func median(samples []sample, value func(sample) float64) (med, spread float64) {
	v := make([]float64, len(samples))
	for i, s := range samples {
		v[i] = value(s)
	}
	return medianOf(v)
}

// medianOf returns the median of v and its spread (v is sorted in place).
func medianOf(v []float64) (med, spread float64) {
	slices.Sort(v)
	med = v[len(v)/2]
	if len(v)%2 == 0 {
		med = (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	if med != 0 {
		spread = max(med-v[0], v[len(v)-1]-med) / med
	}
	return med, spread
}
