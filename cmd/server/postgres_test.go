package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"example.com/tasks/gen"
	"example.com/tasks/impl/store/postgres/pgtest"
)

// TestRunRefusesBadPostgres: a PostgreSQL URL that cannot be used stops the
// start as any bad --db does (TestRunRefusesBadDB), without the password.
func TestRunRefusesBadPostgres(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, db, want string
	}{
		{"not listening", "postgres://tasks:s3cret@127.0.0.1:1/tasks?connect_timeout=2", "cannot reach 127.0.0.1:1/tasks"},
		{"URL malformed", "postgres://tasks:s3cret@127.0.0.1:%zz/tasks", "cannot parse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			refusesDB(t, tt.db, tt.want)
		})
	}
}

// TestTwoInstancesShareOnePostgres is the scale-out picture: two servers,
// started together (their migrations wait on one lock), on one database. A
// write through either is read through the other, and conflicting updates
// through both, carrying the same ETag, end with exactly one 200 and one 412.
func TestTwoInstancesShareOnePostgres(t *testing.T) {
	t.Parallel()
	pg := pgtest.New(t)
	ctx := context.Background()

	var a, b *instance
	var wg sync.WaitGroup
	wg.Go(func() { a = startInstance(t, pg.URL()) })
	wg.Go(func() { b = startInstance(t, pg.URL()) })
	wg.Wait()
	if a == nil || b == nil {
		t.FailNow() // startInstance reported why
	}
	// Each migration is applied by exactly one of the two: the other waits
	// on the lock, then finds nothing left to do.
	applied := map[string]int{}
	for line := range strings.Lines(a.logs.String() + b.logs.String()) {
		var entry struct{ Msg, Migration string }
		if json.Unmarshal([]byte(line), &entry) == nil && entry.Msg == "migration applied" {
			applied[entry.Migration]++
		}
	}
	if len(applied) == 0 {
		t.Error("no migration was applied to the new database")
	}
	for name, n := range applied {
		if n != 1 {
			t.Errorf("migration %s was applied %d times by two instances starting together, want once", name, n)
		}
	}

	created, err := a.client.CreateTaskWithResponse(ctx, gen.NewTask{Title: "written through A"})
	if err != nil || created.JSON201 == nil {
		t.Fatalf("create through A: %v", err)
	}
	id := created.JSON201.Id
	got, err := b.client.GetTaskWithResponse(ctx, id, nil)
	if err != nil || got.JSON200 == nil || got.JSON200.Title != "written through A" {
		t.Fatalf("read through B: %v, status %d", err, got.StatusCode())
	}
	list, err := b.client.ListTasksWithResponse(ctx, nil)
	if err != nil || list.JSON200 == nil || len(list.JSON200.Items) != 1 {
		t.Fatalf("list through B: %v, %s", err, list.Body)
	}

	const rounds = 20
	tally := map[string]int{}
	for round := range rounds {
		tag := got.HTTPResponse.Header.Get("ETag")
		var ra, rb *gen.UpdateTaskResponse
		var ea, eb error
		var wg sync.WaitGroup
		put := func(c *gen.ClientWithResponses, who string) (*gen.UpdateTaskResponse, error) {
			return c.UpdateTaskWithResponse(ctx, id, &gen.UpdateTaskParams{IfMatch: &tag}, gen.NewTask{Title: fmt.Sprint(who, " round ", round)})
		}
		wg.Go(func() { ra, ea = put(a.client, "A") })
		wg.Go(func() { rb, eb = put(b.client, "B") })
		wg.Wait()
		if ea != nil || eb != nil {
			t.Fatalf("round %d: %v, %v", round, ea, eb)
		}
		codes := []int{ra.StatusCode(), rb.StatusCode()}
		winner := ra
		if codes[1] == http.StatusOK {
			winner = rb
		}
		if !(codes[0] == http.StatusOK && codes[1] == http.StatusPreconditionFailed) &&
			!(codes[0] == http.StatusPreconditionFailed && codes[1] == http.StatusOK) {
			t.Fatalf("round %d: A got %d, B got %d; want one 200 and one 412", round, codes[0], codes[1])
		}
		tally[fmt.Sprintf("A %d / B %d", codes[0], codes[1])]++
		// Both instances now read the winner's write.
		for _, c := range []*gen.ClientWithResponses{a.client, b.client} {
			if got, err = c.GetTaskWithResponse(ctx, id, nil); err != nil || got.JSON200 == nil || got.JSON200.Title != winner.JSON200.Title {
				t.Fatalf("round %d: read %v, %s; want the winner's %q", round, err, got.Body, winner.JSON200.Title)
			}
		}
	}
	t.Logf("%d rounds of conflicting PUTs through two instances: %v; final ETag %s", rounds, tally, got.HTTPResponse.Header.Get("ETag"))
}

// TestPostgresOutage: while the database is down, requests that need it get
// a documented 503 with Retry-After (never a 500), the health check still
// answers, and once the database is back the same server serves again.
func TestPostgresOutage(t *testing.T) {
	t.Parallel()
	pg := pgtest.New(t)
	ctx := context.Background()
	srv := startInstance(t, pg.URL())
	created, err := srv.client.CreateTaskWithResponse(ctx, gen.NewTask{Title: "before the outage"})
	if err != nil || created.JSON201 == nil {
		t.Fatalf("create: %v", err)
	}
	id := created.JSON201.Id

	if err := pg.Pause(); err != nil {
		t.Fatal(err)
	}
	const tries = 5
	var retryAfter string
	for i := range tries {
		got, err := srv.client.GetTaskWithResponse(ctx, id, nil) // fails on an undocumented response
		if err != nil {
			t.Fatalf("GET #%d during the outage: %v", i+1, err)
		}
		if got.StatusCode() != http.StatusServiceUnavailable || got.ApplicationproblemJSON503 == nil ||
			got.ApplicationproblemJSON503.Code != gen.ProblemCodeServiceUnavailable || got.HTTPResponse.Header.Get("Retry-After") == "" {
			t.Fatalf("GET #%d during the outage: status %d, Retry-After %q, body %s; want a 503 problem with Retry-After",
				i+1, got.StatusCode(), got.HTTPResponse.Header.Get("Retry-After"), got.Body)
		}
		retryAfter = got.HTTPResponse.Header.Get("Retry-After")
	}
	if c, err := srv.client.CreateTaskWithResponse(ctx, gen.NewTask{Title: "during"}); err != nil || c.StatusCode() != http.StatusServiceUnavailable {
		t.Fatalf("POST during the outage: %v, status %d; want 503", err, c.StatusCode())
	}
	if h, err := srv.client.GetHealthWithResponse(ctx); err != nil || h.StatusCode() != http.StatusOK {
		t.Errorf("health during the outage: %v, status %d; want 200 (the process is alive)", err, h.StatusCode())
	}

	if err := pg.Resume(); err != nil {
		t.Fatal(err)
	}
	got, err := srv.client.GetTaskWithResponse(ctx, id, nil)
	if err != nil || got.JSON200 == nil || got.JSON200.Title != "before the outage" {
		t.Fatalf("first GET after the database returned: %v, status %d, body %s; want 200", err, got.StatusCode(), got.Body)
	}
	t.Logf("outage: %d GETs and a POST answered 503 with Retry-After %s; the first GET after the restart answered 200",
		tries, retryAfter)
}
