package mcp_test

import (
	"context"
	"net/http"
	"testing"

	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/httpapi"
	"example.com/tasks/impl/spec"
	"example.com/tasks/impl/telemetry"
)

// TestToolCallSpan: a tool call's request is traced as its operation, a
// child of the /mcp request's span.
func TestToolCallSpan(t *testing.T) {
	t.Parallel()
	spans := tracetest.NewInMemoryExporter()
	tel, err := telemetry.New(context.Background(), telemetry.Options{Getenv: func(string) string { return "" }, SpanExporter: spans})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tel.Shutdown(context.Background()) }()
	doc := apitest.Spec()
	srv := apitest.NewServer(t, apitest.Config{Spec: doc, Telemetry: tel, Endpoints: []httpapi.Endpoint{endpoint(t, doc)}})
	resp, body := post(t, srv, apitest.CarolToken, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"getMe","arguments":{}}}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if err := tel.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	base, _ := spec.BasePath(doc)
	var outer, inner *tracetest.SpanStub
	for _, s := range spans.GetSpans() {
		switch s.Name {
		case "POST /mcp":
			outer = &s
		case "GET " + base + "/me":
			inner = &s
		}
	}
	if outer == nil || inner == nil {
		t.Fatalf("spans %v: want POST /mcp and GET %s/me", spans.GetSpans(), base)
	}
	if inner.Parent.SpanID() != outer.SpanContext.SpanID() {
		t.Error("the operation's span is not a child of the /mcp request's")
	}
}
