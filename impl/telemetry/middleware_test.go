package telemetry_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/go-chi/chi/v5"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"example.com/tasks/gen"
	"example.com/tasks/impl/httpapi"
	"example.com/tasks/impl/problem"
	"example.com/tasks/impl/telemetry"
)

func noEnv(string) string { return "" }

// router is a chi router with the middleware in the order httpapi uses:
// telemetry, then the access log; one route that answers, one that fails.
func router(t *testing.T, tel *telemetry.Telemetry, logs io.Writer) http.Handler {
	t.Helper()
	r := chi.NewRouter()
	r.Use(tel.Middleware, httpapi.Edge(slog.New(slog.NewJSONHandler(logs, nil)), nil))
	r.Get("/items/{id}", func(w http.ResponseWriter, r *http.Request) {
		telemetry.RecordAuth(r.Context(), "bearer", "ok")
		w.WriteHeader(http.StatusNoContent)
	})
	r.Post("/items", func(w http.ResponseWriter, r *http.Request) {
		problem.Write(w, r, errors.New("the database caught fire"))
	})
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		problem.Write(w, r, problem.New(http.StatusNotFound, gen.ProblemCodeNotFound, "no such resource"))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		problem.Write(w, r, problem.New(http.StatusMethodNotAllowed, gen.ProblemCodeMethodNotAllowed, "not here"))
	})
	return r
}

func TestServerSpans(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tel, err := telemetry.New(context.Background(), telemetry.Options{Getenv: noEnv, ServiceName: "svc", SpanExporter: exp})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	var logs strings.Builder
	h := router(t, tel, &logs)

	const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	cases := []struct {
		method, target, traceparent string
		wantName                    string
		wantStatus                  int
		wantRoute                   string
		wantError                   bool
	}{
		{"GET", "/items/42?secret=q", parent, "GET /items/{id}", http.StatusNoContent, "/items/{id}", false},
		{"POST", "/items", "", "POST /items", http.StatusInternalServerError, "/items", true},
		{"GET", "/nowhere", "", "GET", http.StatusNotFound, "", false},
		{"BREW", "/items/1", "", "_OTHER", http.StatusMethodNotAllowed, "", false},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.target, func(t *testing.T) {
			exp.Reset()
			logs.Reset()
			req := httptest.NewRequest(c.method, "http://api.example:8443"+c.target, nil)
			req.Header.Set("Authorization", "Bearer never-in-a-span")
			req.Header.Set("User-Agent", "telemetry-test")
			if c.traceparent != "" {
				req.Header.Set("Traceparent", c.traceparent)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != c.wantStatus {
				t.Fatalf("status %d, want %d", rec.Code, c.wantStatus)
			}
			if err := tel.ForceFlush(context.Background()); err != nil {
				t.Fatal(err)
			}
			spans := exp.GetSpans()
			if len(spans) != 1 {
				t.Fatalf("%d spans, want 1", len(spans))
			}
			s := spans[0]
			if s.Name != c.wantName || s.SpanKind != trace.SpanKindServer {
				t.Errorf("span %q kind %v, want %q server", s.Name, s.SpanKind, c.wantName)
			}
			attrs := map[attribute.Key]attribute.Value{}
			for _, a := range s.Attributes {
				attrs[a.Key] = a.Value
				if strings.Contains(a.Value.String(), "never-in-a-span") || strings.Contains(a.Value.String(), "secret") {
					t.Errorf("attribute %s = %q carries the credential or the query", a.Key, a.Value.String())
				}
			}
			want := map[attribute.Key]string{
				"http.response.status_code": itoa(c.wantStatus),
				"url.scheme":                "http",
				"server.address":            "api.example",
				"server.port":               "8443",
				"user_agent.original":       "telemetry-test",
			}
			if c.wantRoute != "" {
				want["http.route"] = c.wantRoute
			}
			if c.method == "BREW" {
				want["http.request.method"], want["http.request.method_original"] = "_OTHER", "BREW"
			} else {
				want["http.request.method"] = c.method
			}
			if c.wantError {
				want["error.type"] = itoa(c.wantStatus)
			}
			for k, v := range want {
				if got, ok := attrs[k]; !ok || got.String() != v {
					t.Errorf("%s = %q, want %q", k, got.String(), v)
				}
			}
			if _, ok := attrs["http.route"]; ok && c.wantRoute == "" {
				t.Errorf("http.route set on an unrouted request")
			}
			if _, ok := attrs["error.type"]; ok != c.wantError {
				t.Errorf("error.type present = %v, want %v", ok, c.wantError)
			}
			if (s.Status.Code == codes.Error) != c.wantError {
				t.Errorf("span status %v, want error = %v", s.Status.Code, c.wantError)
			}
			traceID := s.SpanContext.TraceID().String()
			if c.traceparent != "" {
				if traceID != "4bf92f3577b34da6a3ce929d0e0e4736" || s.Parent.SpanID().String() != "00f067aa0ba902b7" || !s.Parent.IsRemote() {
					t.Errorf("trace %s parent %s: the incoming traceparent was not continued", traceID, s.Parent.SpanID())
				}
			}
			var line struct {
				TraceID string `json:"trace_id"`
			}
			if err := json.Unmarshal([]byte(logs.String()), &line); err != nil || line.TraceID != traceID {
				t.Errorf("access log trace_id %q, want %q (%v): %s", line.TraceID, traceID, err, logs.String())
			}
			var body gen.Problem
			if rec.Code >= 400 {
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
					t.Fatal(err)
				}
			}
			switch {
			case rec.Code >= 500 && (body.TraceId == nil || *body.TraceId != traceID):
				t.Errorf("5xx problem trace_id = %v, want %s: %s", body.TraceId, traceID, rec.Body)
			case rec.Code < 500 && body.TraceId != nil:
				t.Errorf("a %d problem carries trace_id: %s", rec.Code, rec.Body)
			}
		})
	}
}

func TestOffIsTheNextHandler(t *testing.T) {
	tel, err := telemetry.New(context.Background(), telemetry.Options{Getenv: noEnv})
	if err != nil || tel != nil {
		t.Fatalf("New with no OTEL_* variables and no metrics = %v, %v; want nil, nil", tel, err)
	}
	next := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	if got := tel.Middleware(next); got == nil || tel.MetricsHandler() != nil || tel.HTTPClient() != nil {
		t.Fatal("off telemetry must hand back the next handler and serve no metrics")
	}
	var logs strings.Builder
	rec := httptest.NewRecorder()
	router(t, tel, &logs).ServeHTTP(rec, httptest.NewRequest("POST", "/items", nil))
	if strings.Contains(logs.String(), "trace_id") || strings.Contains(rec.Body.String(), "trace_id") {
		t.Errorf("tracing off, yet a trace id was written:\n%s\n%s", logs.String(), rec.Body)
	}
}

func TestEnvironment(t *testing.T) {
	cases := []struct {
		env     map[string]string
		tracing bool
		err     string
	}{
		{map[string]string{}, false, ""},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318"}, true, ""},
		{map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1:4318/v1/traces"}, true, ""},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_SDK_DISABLED": "true"}, false, ""},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4318", "OTEL_TRACES_EXPORTER": "none"}, false, ""},
		{map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"}, false, "otlp only"},
		{map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, false, "http/protobuf only"},
	}
	for _, c := range cases {
		tel, err := telemetry.New(context.Background(), telemetry.Options{Getenv: func(k string) string { return c.env[k] }})
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%v: error %v, want one saying %q", c.env, err, c.err)
			}
			continue
		}
		if err != nil || (tel.TracerProvider() != nil) != c.tracing {
			t.Errorf("%v: tracing = %v (%v), want %v", c.env, tel.TracerProvider() != nil, err, c.tracing)
		}
		_ = tel.Shutdown(context.Background())
	}
}

func TestMetrics(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	tel, err := telemetry.New(context.Background(), telemetry.Options{Getenv: noEnv, Metrics: true, Reader: reader})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	h := router(t, tel, io.Discard)
	for _, target := range []string{"/items/1", "/items/2"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", target, nil))
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			found[m.Name] = true
			switch data := m.Data.(type) {
			case metricdata.Histogram[float64]:
				if m.Name != "http.server.request.duration" {
					continue
				}
				if len(data.DataPoints) != 1 || data.DataPoints[0].Count != 2 {
					t.Errorf("%s: %+v, want one series counting 2 requests", m.Name, data.DataPoints)
					continue
				}
				if route, _ := data.DataPoints[0].Attributes.Value("http.route"); route.AsString() != "/items/{id}" {
					t.Errorf("http.route = %q", route.AsString())
				}
			case metricdata.Sum[int64]:
				if m.Name == "auth.outcomes" && (len(data.DataPoints) != 1 || data.DataPoints[0].Value != 2) {
					t.Errorf("%s: %+v, want 2 ok", m.Name, data.DataPoints)
				}
			}
		}
	}
	for _, name := range []string{"http.server.request.duration", "auth.outcomes", "go.memory.used", "go.goroutine.count"} {
		if !found[name] {
			t.Errorf("metric %s missing; have %v", name, found)
		}
	}
	rec := httptest.NewRecorder()
	tel.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if !strings.Contains(rec.Body.String(), `http_server_request_duration_seconds_count{`) {
		t.Errorf("/metrics lacks the request duration:\n%s", rec.Body)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// TestHTTPClientPropagates: the client the JWKS fetches use makes a client
// span and sends its traceparent.
func TestHTTPClientPropagates(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tel, err := telemetry.New(context.Background(), telemetry.Options{Getenv: noEnv, SpanExporter: exp})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tel.Shutdown(context.Background()) })
	got := make(chan string, 1)
	jwks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("Traceparent")
		_, _ = io.WriteString(w, `{"keys":[]}`)
	}))
	defer jwks.Close()

	ctx, parent := tel.TracerProvider().Tracer("test").Start(context.Background(), "request")
	req, _ := http.NewRequestWithContext(ctx, "GET", jwks.URL+"/jwks.json", nil)
	resp, err := tel.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	parent.End()
	tp := <-got
	if err := tel.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	var client *tracetest.SpanStub
	for _, s := range exp.GetSpans() {
		if s.SpanKind == trace.SpanKindClient {
			client = &s
		}
	}
	if client == nil {
		t.Fatalf("no client span among %d", len(exp.GetSpans()))
	}
	want := "00-" + parent.SpanContext().TraceID().String() + "-" + client.SpanContext.SpanID().String() + "-01"
	if tp != want || client.Parent.SpanID() != parent.SpanContext().SpanID() {
		t.Errorf("traceparent %q, want %q (the client span, child of the request's)", tp, want)
	}
}
