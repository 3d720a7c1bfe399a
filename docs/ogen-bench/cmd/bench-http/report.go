package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"example.com/tasks/impl/apitest"
)

// Row titles of the tables.
var (
	stackTitle = map[string]string{
		bareChiMap: "bare chi", bareChi: "bare chi", full: "full (access log to a file)",
		fullNoLg: "full, log discarded", ogen: "ogen",
		limitMemory: "full, rate limit in memory", limitRedis: "full, rate limit in Redis",
	}
	scenarioTitle = map[string]string{
		"GetByID": "authorized GET by id (200)", "List20": "authorized list, a page of 20 (200)",
		"NoToken401": "no token (401)", "Scope403": "missing scope (403)",
		"Post": "POST small body (201)", "InvalidBody400": "POST invalid body (400)",
	}
)

// report prints a table per scenario, a row per stack and database: the
// median of the rounds of each measure with its spread (± the largest
// distance of a round from it), and its ratios to bare-chi-map and to bare
// chi and ogen on the same database. A ratio is the median of the rounds'
// ratios: both servers of a round run within minutes of each other, so that
// a slow stretch of the machine mostly cancels out of it.
func report(w io.Writer, results map[target][][]sample, targets []target, o options, pgErr error, took time.Duration) {
	where := "servers and load generator sharing the CPUs"
	if o.serverCPUs != "" {
		where = "servers on CPUs " + o.serverCPUs + ", load generator and PostgreSQL on the others"
	}
	fmt.Fprintf(w, "bench-http: %d rounds × %d requests (after %d warm-up) per scenario and server, %d connections, %s; took %s\n",
		o.rounds, o.requests, o.warmup, o.connections, where, took.Round(time.Second))
	fmt.Fprint(w, "Medians of the rounds, ± the largest distance of a round from the median. CPU is the server process's\n"+
		"alone, not PostgreSQL's. Each ratio cell is CPU / req/s / allocations, each the median of the rounds' ratios:\n"+
		"÷ map to bare chi on a Go map (no database), ÷ bare chi and ÷ ogen to those stacks on the same database.\n")
	pgMissing := pgErr != nil && slices.Contains(o.dbs, "postgres")
	if pgMissing {
		first, _, _ := strings.Cut(pgErr.Error(), "\n")
		fmt.Fprintf(w, "postgres: NOT MEASURED: %s\n", first)
	}
	ref := target{stack: bareChiMap}
	for i, sc := range apitest.Scenarios(uuid.Nil) {
		title := scenarioTitle[sc.Name]
		if title == "" {
			title = sc.Name
		}
		fmt.Fprintf(w, "\n%s\n\n| stack | database | CPU µs/req | req/s | allocs/req | ÷ map | ÷ bare chi | ÷ ogen |\n", title)
		fmt.Fprintf(w, "|---|---|--:|--:|--:|---|---|---|\n")
		for _, t := range targets {
			s := results[t][i]
			cpu, cpuSpread := median(s, func(s sample) float64 { return s.cpu })
			rps, rpsSpread := median(s, func(s sample) float64 { return s.rps })
			allocs, _ := median(s, func(s sample) float64 { return s.allocs })
			db := t.db
			if db == "" {
				db = "none: a Go map"
			}
			fmt.Fprintf(w, "| %s | %s | %.1f ±%.0f%% | %.0f ±%.0f%% | %.1f | %s | %s | %s |\n",
				stackTitle[t.stack], db, cpu, 100*cpuSpread, rps, 100*rpsSpread, allocs,
				ratios(results, t, ref, i), ratios(results, t, target{bareChi, t.db}, i), ratios(results, t, target{ogen, t.db}, i))
		}
		if pgMissing {
			fmt.Fprintf(w, "| every stack | postgres | NOT MEASURED | | | | | |\n")
		}
	}
	reportToolCalls(w, results, targets) // option:mcp
	if o.redis {
		redisCost(w, results, o.dbs[0])
	}
}

// redisCost prints what counting the rate limit in Redis costs the server
// per request, against counting it in memory: the difference of the
// medians, and the ratios (a 401 is not counted, so costs nothing more).
func redisCost(w io.Writer, results map[target][][]sample, db string) {
	mem, rds := target{limitMemory, db}, target{limitRedis, db}
	fmt.Fprintf(w, "\nThe rate limit counted in Redis (one script per request, over loopback), against in memory, on %s\n\n", db)
	fmt.Fprintf(w, "| scenario | CPU µs/req, memory → Redis | req/s, memory → Redis | allocs/req, memory → Redis | ÷ memory |\n|---|--:|--:|--:|---|\n")
	for i, sc := range apitest.Scenarios(uuid.Nil) {
		of := func(t target, value func(sample) float64) float64 {
			v, _ := median(results[t][i], value)
			return v
		}
		cpu := func(s sample) float64 { return s.cpu }
		rps := func(s sample) float64 { return s.rps }
		allocs := func(s sample) float64 { return s.allocs }
		fmt.Fprintf(w, "| %s | %.1f → %.1f (%+.1f) | %.0f → %.0f | %.1f → %.1f (%+.1f) | %s |\n", sc.Name,
			of(mem, cpu), of(rds, cpu), of(rds, cpu)-of(mem, cpu), of(mem, rps), of(rds, rps),
			of(mem, allocs), of(rds, allocs), of(rds, allocs)-of(mem, allocs), ratios(results, rds, mem, i))
	}
}

// ratios is the cell of t's ratios to base in scenario i, or "" when t is
// base or base was not measured.
func ratios(results map[target][][]sample, t, base target, i int) string {
	if t == base || t.stack == bareChiMap || results[base] == nil {
		return ""
	}
	a, b := results[t][i], results[base][i]
	return fmt.Sprintf("%.2f / %.2f / %.2f", ratio(a, b, func(s sample) float64 { return s.cpu }),
		ratio(a, b, func(s sample) float64 { return s.rps }), ratio(a, b, func(s sample) float64 { return s.allocs }))
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
