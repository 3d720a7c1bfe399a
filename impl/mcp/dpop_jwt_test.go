package mcp_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/dpop"
	"example.com/tasks/impl/auth/idptest"
	"example.com/tasks/impl/auth/jwttoken"
	"example.com/tasks/impl/auth/protectedresource"
	"example.com/tasks/impl/docs"
	"example.com/tasks/impl/httpapi"
	"example.com/tasks/impl/mcp"
	"example.com/tasks/impl/spec"
)

// TestDPoPAtTheEndpoint: a DPoP-bound token is proven once, for POST /mcp;
// the call it carries reaches its operation with the verified principal,
// where the proof could not be presented again. A proof for another URL
// is refused at /mcp.
func TestDPoPAtTheEndpoint(t *testing.T) {
	t.Parallel()
	const public = "https://api.example.com"
	k := idptest.NewKey(t, "k", false)
	iss := idptest.NewIssuer(t, k)
	tokens := iss.Verifier(t, jwttoken.Config{})
	proofs, err := dpop.New(dpop.Config{PublicURL: public})
	if err != nil {
		t.Fatal(err)
	}
	doc := apitest.EditedSpec(t, "dpopAuth", &openapi3.SecurityScheme{Type: "http", Scheme: "DPoP"}, false)
	all, _ := spec.Scopes(doc)
	md, err := protectedresource.New(doc, mcp.Path, docs.Path, protectedresource.Config{PublicURL: public, Scopes: all, DPoPAlgorithms: proofs.Algorithms()})
	if err != nil {
		t.Fatal(err)
	}
	srv := apitest.NewServer(t, apitest.Config{
		Spec:     doc,
		Verifier: tokens,
		Schemes:  []auth.SchemeFunc{proofs.Scheme(tokens)},
		Endpoints: []httpapi.Endpoint{{Path: mcp.Path, Metadata: md, New: func(api http.Handler, gate *httpapi.Gate) (http.Handler, error) {
			return mcp.New(mcp.Config{Spec: doc, API: api, Gate: gate, Logger: apitestLogger()})
		}}},
	})
	key := idptest.NewDPoPKey(t)
	bound := k.Sign(t, key.Bind(iss.Claims("alice", strings.Join(all, " "))))
	// A scoped read without parameters: whatever resources the spec has,
	// it succeeds for a caller with every scope.
	path, ok := apitest.ScopedRead(doc)
	if !ok {
		t.Fatal("the spec has no scoped GET operation without required parameters")
	}
	tool := doc.Paths.Value(path).Get.OperationID
	body := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"` + tool + `","arguments":{}}}`

	send := func(proof string) (*http.Response, string) {
		return postWith(t, srv, http.Header{"Authorization": {"DPoP " + bound}, "Dpop": {proof}}, body)
	}
	resp, got := send(key.Proof(t, http.MethodPost, public+mcp.Path, bound, nil))
	if resp.StatusCode != http.StatusOK || strings.Contains(got, `"isError":true`) || !strings.Contains(got, `"status":200`) {
		t.Errorf("DPoP-bound call: %d %s", resp.StatusCode, got)
	}
	base, _ := spec.BasePath(doc)
	resp, _ = send(key.Proof(t, http.MethodPost, public+base+"/tasks", bound, nil))
	if h := strings.Join(resp.Header.Values("WWW-Authenticate"), " | "); resp.StatusCode != http.StatusUnauthorized ||
		!strings.Contains(h, `error_description="the DPoP proof's htu does not match the request URL"`) || !strings.Contains(h, public+protectedresource.WellKnown+mcp.Path) {
		t.Errorf("a proof for the operation's URL: %d %q", resp.StatusCode, h)
	}
	if strings.Contains(srv.Logs.String(), bound) {
		t.Error("the log holds the token")
	}
}
