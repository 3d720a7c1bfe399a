package httpapi_test

import (
	"testing"

	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/httpapi"
)

// TestConformance proves the contract for every operation in the embedded
// spec, from the spec alone: a new operation is covered with no test code.
func TestConformance(t *testing.T) {
	t.Parallel()
	doc := apitest.Spec()
	verifier, creds := apitest.ConformanceTokens(doc)
	h := newInProcessWith(t, httpapi.Config{Verifier: verifier})
	findings := apitest.Conformance(doc, doc.Servers[0].URL, h.h, creds)
	for _, f := range findings {
		t.Error(f)
	}
	if n := len(doc.Paths.Map()); n < 3 {
		t.Fatalf("the spec has %d paths; is it the real one?", n)
	}
}
