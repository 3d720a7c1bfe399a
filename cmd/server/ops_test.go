package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/auth/statictoken"
	"example.com/tasks/impl/spec"
	"example.com/tasks/impl/store/postgres/pgtest"
)

// adminAddr is where the server's admin listener listens, from its log.
func adminAddr(t *testing.T, logs *lines) string {
	t.Helper()
	for l := range strings.SplitSeq(logs.String(), "\n") {
		var m struct{ Msg, Addr string }
		if json.Unmarshal([]byte(l), &m) == nil && m.Msg == "admin listening" {
			return m.Addr
		}
	}
	t.Fatalf("no admin listener in the log:\n%s", logs)
	return ""
}

// route is the route pattern of the spec's operation id, as a span and a
// metric name it: the base path and the path template.
func route(t *testing.T, operationID string) string {
	t.Helper()
	doc, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.OperationID == operationID {
				return strings.TrimSuffix(doc.Servers[0].URL, "/") + path
			}
		}
	}
	t.Fatalf("no operation %s in the spec", operationID)
	return ""
}

func get(t *testing.T, u string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// TestDrainOnSIGTERM is the order a load balancer needs: on SIGTERM (the
// context ending) readiness turns 503 at once, the API keeps answering for
// the drain delay, then the server shuts down gracefully.
func TestDrainOnSIGTERM(t *testing.T) {
	t.Parallel()
	const delay = 1500 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done, logs := startServer(t, ctx, []string{"--dev", "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0",
		"--drain-delay", delay.String()}, nil)
	admin := "http://" + adminAddr(t, logs)
	health := "http://" + addr + route(t, "getHealth")

	for _, p := range []string{"/livez", "/readyz"} {
		if code, _, body := get(t, admin+p); code != http.StatusOK {
			t.Fatalf("%s before SIGTERM: %d %s", p, code, body)
		}
	}
	if code, _, _ := get(t, "http://"+addr+"/readyz"); code != http.StatusNotFound {
		t.Errorf("/readyz on the API port: %d, want 404 (operator endpoints live on the admin listener)", code)
	}

	signalled := time.Now()
	cancel()
	// run sees the signal on its own goroutine, so the first probe may
	// still come before it: readiness must turn within a short time and
	// never come back.
	var sawNotReady, servedWhileDraining bool
	for time.Since(signalled) < delay-300*time.Millisecond {
		code, h, body := get(t, admin+"/readyz")
		if code == http.StatusOK && !sawNotReady && time.Since(signalled) < 300*time.Millisecond {
			time.Sleep(10 * time.Millisecond)
			continue
		}
		if code == http.StatusServiceUnavailable {
			if h.Get("Retry-After") == "" || h.Get("Content-Type") != "application/problem+json" || !strings.Contains(body, `"service_unavailable"`) {
				t.Fatalf("draining /readyz: %v %s; want a problem+json 503 with Retry-After", h, body)
			}
			sawNotReady = true
			if code, _, _ := get(t, health); code != http.StatusOK {
				t.Fatalf("the API answered %d while draining, want 200", code)
			}
			servedWhileDraining = true
		} else {
			t.Fatalf("/readyz answered %d %v after SIGTERM, want 503", code, time.Since(signalled))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := <-done; err != nil {
		t.Fatalf("run: %v", err)
	}
	if took := time.Since(signalled); took < delay {
		t.Errorf("stopped %v after SIGTERM, before the drain delay of %v", took, delay)
	}
	if !sawNotReady || !servedWhileDraining {
		t.Fatal("the drain was not observed")
	}
	if _, err := http.Get(health); err == nil {
		t.Error("the API still answers after the shutdown")
	}
	out := logs.String()
	d, s, st := strings.Index(out, `"msg":"draining`), strings.Index(out, `"msg":"shutting down"`), strings.Index(out, `"msg":"stopped"`)
	if d < 0 || !(d < s && s < st) {
		t.Errorf("log order: draining at %d, shutting down at %d, stopped at %d; want that order:\n%s", d, s, st, out)
	}
}

// TestReadinessFollowsTheDatabase: /readyz turns 503 when PostgreSQL stops
// and 200 when it is back, while /livez stays 200.
func TestReadinessFollowsTheDatabase(t *testing.T) {
	t.Parallel()
	pg := pgtest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	addr, done, logs := startServer(t, ctx, []string{"--dev", "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0", "--db", pg.URL()}, nil)
	defer func() { cancel(); <-done }()
	admin := "http://" + adminAddr(t, logs)

	want := func(when string, status int) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			code, h, body := get(t, admin+"/readyz")
			if code == status {
				if status == http.StatusServiceUnavailable && (h.Get("Retry-After") == "" || !strings.Contains(body, `"service_unavailable"`)) {
					t.Fatalf("%s: %v %s; want a problem with Retry-After", when, h, body)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: /readyz is %d, want %d: %s", when, code, status, body)
			}
			time.Sleep(200 * time.Millisecond)
		}
		if code, _, _ := get(t, admin+"/livez"); code != http.StatusOK {
			t.Fatalf("%s: /livez %d, want 200", when, code)
		}
	}
	want("database up", http.StatusOK)
	readThroughStore(t, addr)
	if _, _, metrics := get(t, admin+"/metrics"); !strings.Contains(metrics, `db_system_name="postgresql"`) ||
		!strings.Contains(metrics, "db_client_operation_duration_seconds_count{") {
		t.Errorf("no PostgreSQL call durations in /metrics:\n%s", metrics)
	}
	if err := pg.Pause(); err != nil {
		t.Fatal(err)
	}
	want("database stopped", http.StatusServiceUnavailable)
	if err := pg.Resume(); err != nil {
		t.Fatal(err)
	}
	want("database back", http.StatusOK)
}

// TestTraceExportedOverOTLP: with only the standard OTEL_* variables set, the
// server sends its spans over OTLP/HTTP; an in-test receiver decodes the
// real protobuf.
func TestTraceExportedOverOTLP(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var spans []*tracepb.Span
	var service string
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var req coltracepb.ExportTraceServiceRequest
		if r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" || proto.Unmarshal(body, &req) != nil {
			t.Errorf("receiver: %s %s %q: not an OTLP/HTTP protobuf export", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, rs := range req.ResourceSpans {
			for _, a := range rs.GetResource().GetAttributes() {
				if a.Key == "service.name" {
					service = a.GetValue().GetStringValue()
				}
			}
			for _, ss := range rs.ScopeSpans {
				spans = append(spans, ss.Spans...)
			}
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		_, _ = w.Write(out)
	}))
	defer receiver.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	addr, done, logs := startServer(t, ctx, []string{"--dev", "--addr", "127.0.0.1:0"},
		map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.URL, "OTEL_SERVICE_NAME": "ops-test"})
	req, _ := http.NewRequest("GET", "http://"+addr+route(t, "getHealth"), nil)
	req.Header.Set("Traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("health: %v %v", err, resp)
	}
	resp.Body.Close()
	// An operation that reads the database: its statements are child spans.
	readThroughStore(t, addr)
	cancel() // the shutdown flushes the spans
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	mu.Lock()
	defer mu.Unlock()
	if service != "ops-test" {
		t.Fatalf("service %q, want ops-test", service)
	}
	var s, readSpan *tracepb.Span
	var dbSpans []*tracepb.Span
	for _, sp := range spans {
		switch {
		case sp.Name == "GET "+route(t, "getHealth"):
			s = sp
		case sp.Name == "GET "+scopedReadRoute(t):
			readSpan = sp
		case sp.Kind == tracepb.Span_SPAN_KIND_CLIENT:
			dbSpans = append(dbSpans, sp)
		}
	}
	if s == nil || readSpan == nil {
		t.Fatalf("no server span for the health check or the read among %d spans", len(spans))
	}
	var children []string
	for _, d := range dbSpans {
		if string(d.ParentSpanId) != string(readSpan.SpanId) {
			continue // the migrations at start-up
		}
		var system, query string
		for _, a := range d.Attributes {
			switch a.Key {
			case "db.system.name":
				system = a.GetValue().GetStringValue()
			case "db.query.text":
				query = a.GetValue().GetStringValue()
			}
		}
		if system != "sqlite" || query == "" || strings.Contains(query, "dev-rw") {
			t.Errorf("store span %q: db.system.name %q, db.query.text %q", d.Name, system, query)
		}
		children = append(children, fmt.Sprintf("%s (db.system.name=%s, db.query.text=%.60q…)", d.Name, system, query))
	}
	if len(children) == 0 {
		t.Errorf("the read has no store span as a child (%d client spans)", len(dbSpans))
	}
	t.Logf("store spans under %q: %s", readSpan.Name, strings.Join(children, "; "))
	attrs := map[string]string{}
	var desc []string
	for _, a := range s.Attributes {
		v := a.GetValue()
		val := v.GetStringValue()
		if val == "" {
			val = fmt.Sprint(v.GetIntValue())
		}
		attrs[a.Key] = val
		desc = append(desc, a.Key+"="+val)
	}
	wantName := "GET " + route(t, "getHealth")
	if s.Name != wantName || s.Kind != tracepb.Span_SPAN_KIND_SERVER || fmt.Sprintf("%x", s.TraceId) != "4bf92f3577b34da6a3ce929d0e0e4736" ||
		fmt.Sprintf("%x", s.ParentSpanId) != "00f067aa0ba902b7" {
		t.Errorf("span %q kind %v trace %x parent %x; want %q continuing the traceparent", s.Name, s.Kind, s.TraceId, s.ParentSpanId, wantName)
	}
	if attrs["http.route"] != route(t, "getHealth") || attrs["http.request.method"] != "GET" || attrs["http.response.status_code"] != "200" {
		t.Errorf("attributes %v", attrs)
	}
	if !strings.Contains(logs.String(), `"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"`) {
		t.Errorf("the access log line lacks the trace id:\n%s", logs)
	}
	t.Logf("exported span: %q kind=%v trace_id=%x parent=%x attributes: %s", s.Name, s.Kind, s.TraceId, s.ParentSpanId, strings.Join(desc, " "))
}

// TestPrometheusScrapesMetrics starts Debian's prometheus against the admin
// listener and finds, through its HTTP API, the request-duration series of
// an operation the test called; promtool checks the exposition too.
func TestPrometheusScrapesMetrics(t *testing.T) {
	t.Parallel()
	prom, promtool := findProm(t)
	ctx, cancel := context.WithCancel(context.Background())
	addr, done, logs := startServer(t, ctx, []string{"--dev", "--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0"}, nil)
	defer func() { cancel(); <-done }()
	admin := adminAddr(t, logs)
	for range 3 {
		if code, _, _ := get(t, "http://"+addr+route(t, "getHealth")); code != http.StatusOK {
			t.Fatal(code)
		}
	}
	readThroughStore(t, addr)
	code, _, exposition := get(t, "http://"+admin+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	check := exec.Command(promtool, "check", "metrics")
	check.Stdin = strings.NewReader(exposition)
	// Exit status 3 is a lint finding, not a format error. One is expected:
	// the OTel semantic conventions name the goroutine gauge
	// go.goroutine.count, which Prometheus's naming lint mistakes for a
	// summary's _count. Any other finding fails.
	out, err := check.CombinedOutput()
	if ee, ok := err.(*exec.ExitError); err != nil && !(ok && ee.ExitCode() == 3) {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
	for l := range strings.SplitSeq(strings.TrimSpace(string(out)), "\n") {
		if l != "" && !strings.HasPrefix(l, `go_goroutine_count non-histogram and non-summary metrics should not have "_count" suffix`) {
			t.Errorf("promtool check metrics: %s", l)
		}
	}
	for _, name := range []string{"http_server_request_duration_seconds_bucket", "go_goroutine_count", "go_memory_used_bytes",
		`db_client_operation_duration_seconds_bucket{db_operation_name=`, `auth_outcomes_total{auth_result="ok",auth_scheme="bearer"`} {
		if !strings.Contains(exposition, name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}

	dir := t.TempDir()
	config := fmt.Sprintf("global: {scrape_interval: 1s}\nscrape_configs:\n  - job_name: server\n    static_configs: [{targets: [%q]}]\n", admin)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	web := freeAddr(t)
	cmd := exec.Command(prom, "--config.file="+filepath.Join(dir, "prometheus.yml"), "--storage.tsdb.path="+filepath.Join(dir, "data"),
		"--web.listen-address="+web, "--log.level=warn")
	var promLog strings.Builder
	cmd.Stdout, cmd.Stderr = &promLog, &promLog
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()

	query := fmt.Sprintf(`http_server_request_duration_seconds_count{http_route=%q,http_request_method="GET"}`, route(t, "getHealth"))
	deadline := time.Now().Add(60 * time.Second)
	for {
		var res struct {
			Status string
			Data   struct {
				Result []struct {
					Metric map[string]string
					Value  []any
				}
			}
		}
		resp, err := http.Get("http://" + web + "/api/v1/query?query=" + url.QueryEscape(query))
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&res)
			resp.Body.Close()
		}
		if err == nil && len(res.Data.Result) == 1 && len(res.Data.Result[0].Value) == 2 {
			r := res.Data.Result[0]
			if r.Value[1] != "3" || r.Metric["http_response_status_code"] != "200" || r.Metric["job"] != "server" {
				t.Fatalf("Prometheus has %v = %v, want 3 requests answered 200", r.Metric, r.Value)
			}
			t.Logf("Prometheus query %s: %v = %v", query, r.Metric, r.Value[1])
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Prometheus never had %s (last: %v %+v); its log:\n%s", query, err, res, promLog.String())
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// scopedReadRoute is the route of an operation that reads the database
// (apitest.ScopedRead).
func scopedReadRoute(t *testing.T) string {
	t.Helper()
	doc, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	path, ok := apitest.ScopedRead(doc)
	if !ok {
		t.Fatal("the spec has no scoped GET operation without required parameters")
	}
	return strings.TrimSuffix(doc.Servers[0].URL, "/") + path
}

// readThroughStore calls an operation that reads the database.
func readThroughStore(t *testing.T, addr string) {
	t.Helper()
	read, _ := http.NewRequest("GET", "http://"+addr+scopedReadRoute(t), nil)
	read.Header.Set("Authorization", "Bearer "+statictoken.DevReadWriteToken)
	resp, err := http.DefaultClient.Do(read)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("read: %v %v", err, resp)
	}
	resp.Body.Close()
}

// findProm finds Debian's prometheus and promtool (package prometheus).
func findProm(t *testing.T) (prom, promtool string) {
	t.Helper()
	prom, err1 := exec.LookPath("prometheus")
	promtool, err2 := exec.LookPath("promtool")
	if err1 != nil || err2 != nil {
		t.Fatal("this test needs prometheus and promtool: apt-get install prometheus (.ci/run does)")
	}
	return prom, promtool
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
