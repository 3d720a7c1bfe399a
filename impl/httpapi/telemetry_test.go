package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/spec"
	"example.com/tasks/impl/telemetry"
)

// TestTelemetryThroughTheRouter: the real handler names its server span by
// the route pattern and counts authentication outcomes by scheme and result.
func TestTelemetryThroughTheRouter(t *testing.T) {
	t.Parallel()
	reader := sdkmetric.NewManualReader()
	spans := tracetest.NewInMemoryExporter()
	tel, err := telemetry.New(context.Background(), telemetry.Options{
		Getenv: func(string) string { return "" }, Metrics: true, Reader: reader, SpanExporter: spans,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tel.Shutdown(context.Background()) }()
	srv := apitest.NewServer(t, apitest.Config{Telemetry: tel})
	doc, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	path := scopedRead(t, doc)

	requests := []struct{ auth, result string }{
		{"", "missing"},
		{"Bearer", "malformed"},
		{"Bearer not-a-real-token", "invalid"},
		{"Bearer " + apitest.NoScopes, "insufficient_scope"},
		{"Bearer " + apitest.AliceToken, "ok"},
		{"Bearer " + apitest.AliceToken, "ok"},
	}
	// A refusal carries its reason (auth.reason), a success none.
	reasons := map[string]string{"missing": auth.ReasonMissing, "malformed": auth.ReasonMalformed, "invalid": auth.ReasonUnknown, "insufficient_scope": auth.ReasonInsufficientScope}
	for _, r := range requests {
		req, _ := http.NewRequest("GET", srv.API+path, nil)
		if r.auth != "" {
			req.Header.Set("Authorization", r.auth)
		}
		resp, err := srv.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == "auth.outcomes" {
				for _, dp := range sum.DataPoints {
					scheme, _ := dp.Attributes.Value("auth.scheme")
					result, _ := dp.Attributes.Value("auth.result")
					reason, _ := dp.Attributes.Value("auth.reason")
					got[scheme.AsString()+" "+result.AsString()] += dp.Value
					want := reasons[result.AsString()]
					if dp.Attributes.HasValue("enduser.id") || reason.AsString() != want || dp.Attributes.Len() != 2+min(1, len(want)) {
						t.Errorf("auth.outcomes attributes %v: scheme, result and the reason %q only", dp.Attributes.ToSlice(), want)
					}
				}
			}
		}
	}
	want := map[string]int64{"bearer missing": 1, "bearer malformed": 1, "bearer invalid": 1, "bearer insufficient_scope": 1, "bearer ok": 2}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("auth.outcomes{%s} = %d, want %d (all: %v)", k, got[k], v, got)
		}
	}

	if err := tel.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	wantName := "GET " + strings.TrimSuffix(doc.Servers[0].URL, "/") + path
	for _, s := range spans.GetSpans() {
		if s.Name != wantName {
			t.Errorf("span %q, want %q", s.Name, wantName)
		}
	}
	if n := len(spans.GetSpans()); n != len(requests) {
		t.Errorf("%d spans for %d requests", n, len(requests))
	}
}
