package main

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"example.com/tasks/gen"
	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/auth/statictoken"
)

// instance is one running server (through run) and a generated client
// whose responses are checked against the spec.
type instance struct {
	client *gen.ClientWithResponses
	stop   func() error
	logs   *lines
}

func startInstance(t *testing.T, db string) *instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	addr, done, logs := startServer(t, ctx, []string{"--dev", "--addr", "127.0.0.1:0", "--db", db}, nil)
	doc := apitest.Spec()
	hc := &http.Client{Transport: &apitest.Transport{Checker: apitest.NewChecker(doc, "/v1")}}
	client, err := gen.NewClientWithResponses("http://"+addr+"/v1", gen.WithHTTPClient(hc),
		gen.WithRequestEditorFn(apitest.Bearer(statictoken.DevReadWriteToken)))
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() { cancel(); runErr = <-done })
		return runErr
	}
	t.Cleanup(func() { _ = stop() })
	return &instance{client: client, stop: stop, logs: logs}
}

// TestSQLiteKeepsDataAcrossRestarts is `make run`: a task written before a
// restart is there after it, at the same version.
func TestSQLiteKeepsDataAcrossRestarts(t *testing.T) {
	t.Parallel()
	db := "sqlite:" + filepath.Join(t.TempDir(), "app.db")
	ctx := context.Background()

	first := startInstance(t, db)
	created, err := first.client.CreateTaskWithResponse(ctx, gen.NewTask{Title: "survives"})
	if err != nil || created.JSON201 == nil {
		t.Fatalf("create: %v", err)
	}
	if err := first.stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if !strings.Contains(first.logs.String(), `"migration":"00001_create_tasks.sql"`) {
		t.Errorf("the first start did not log its migration:\n%s", first.logs)
	}

	second := startInstance(t, db)
	got, err := second.client.GetTaskWithResponse(ctx, created.JSON201.Id, nil)
	if err != nil || got.JSON200 == nil || got.JSON200.Title != "survives" {
		t.Fatalf("after restart: %v, status %d", err, got.StatusCode())
	}
	if a, b := created.HTTPResponse.Header.Get("ETag"), got.HTTPResponse.Header.Get("ETag"); a != b {
		t.Errorf("ETag %s before the restart, %s after", a, b)
	}
	if strings.Contains(second.logs.String(), `"msg":"migration applied"`) {
		t.Errorf("the second start migrated again:\n%s", second.logs)
	}
}

// TestMigrateCommand: `server migrate` applies the migrations once and
// exits; a second run has nothing to do.
func TestMigrateCommand(t *testing.T) {
	t.Parallel()
	db := "sqlite:" + filepath.Join(t.TempDir(), "app.db")
	for i, want := range []string{`"migration":"00001_create_tasks.sql"`, `"msg":"database schema is up to date"`} {
		var out strings.Builder
		if err := run(context.Background(), []string{"migrate", "--db", db}, func(string) string { return "" }, &out, io.Discard); err != nil {
			t.Fatalf("migrate #%d: %v", i+1, err)
		}
		if !strings.Contains(out.String(), want) {
			t.Errorf("migrate #%d did not log %s:\n%s", i+1, want, out.String())
		}
		if i == 1 && strings.Contains(out.String(), "migration applied") {
			t.Errorf("the second migrate applied something:\n%s", out.String())
		}
	}
}

// TestRunRefusesBadDB: a --db that is wrong or unreachable stops the start
// with a message naming --db, and never falls back to memory.
func TestRunRefusesBadDB(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, db, want string
	}{
		{"empty", "", "no database"},
		{"unknown scheme", "mysql://root:s3cret@localhost/tasks", "unsupported database"},
		{"sqlite without a path", "sqlite:", "not a usable file path"},
		{"sqlite in a missing folder", "sqlite:" + filepath.Join(t.TempDir(), "missing", "app.db"), "sqlite"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			refusesDB(t, tt.db, tt.want)
		})
	}
}

// refusesDB checks that the server and migrate both refuse to start on db
// with an error about --db containing want, and never leak the password
// s3cret that db may hold.
func refusesDB(t *testing.T, db, want string) {
	t.Helper()
	for _, args := range [][]string{{"--dev", "--addr", "127.0.0.1:0", "--db", db}, {"migrate", "--db", db}} {
		var logs strings.Builder
		err := run(context.Background(), args, func(string) string { return "" }, &logs, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "--db") || !strings.Contains(err.Error(), want) {
			t.Errorf("run %v = %v, want an error about --db containing %q", args[:1], err, want)
		}
		if err != nil && strings.Contains(err.Error()+logs.String(), "s3cret") {
			t.Errorf("the password leaked: %v\n%s", err, logs.String())
		}
		if strings.Contains(logs.String(), `"msg":"listening"`) {
			t.Errorf("the server started listening:\n%s", logs.String())
		}
	}
}
