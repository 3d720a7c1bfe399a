package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/dpop"
	"example.com/tasks/impl/auth/idptest"
	"example.com/tasks/impl/auth/introspect"
)

// TestDPoPBoundOpaqueToken: an introspected opaque token whose answer
// carries cnf.jkt is accepted with a proof by its key, and refused as a
// bearer token. (A file of its own: removing DPoP or introspection removes
// it, and neither's other tests.)
func TestDPoPBoundOpaqueToken(t *testing.T) {
	t.Parallel()
	iss := idptest.NewIssuer(t, idptest.NewKey(t, "k", false))
	opaque, err := introspect.New(introspect.Config{URL: iss.Introspection, ClientID: idptest.IntrospectionClientID, ClientSecret: idptest.IntrospectionSecret})
	if err != nil {
		t.Fatal(err)
	}
	proofs, err := dpop.New(dpop.Config{})
	if err != nil {
		t.Fatal(err)
	}
	doc := apitest.EditedSpec(t, "dpopAuth", &openapi3.SecurityScheme{Type: "http", Scheme: "DPoP"}, false)
	srv := apitest.NewServer(t, apitest.Config{Spec: doc, Verifier: opaque, Schemes: []auth.SchemeFunc{proofs.Scheme(opaque)}})
	path := scopedGET(t, doc)
	key := idptest.NewDPoPKey(t)
	bound := iss.Opaque(t, key.Bind(iss.OpaqueAnswer("alice", strings.Join(allScopes(doc), " "))))

	for _, tt := range []struct {
		name, authz string
		proof       bool
		want        int
		wantChall   string
	}{
		{"with its proof", "DPoP " + bound, true, http.StatusOK, ""},
		{"as Bearer", "Bearer " + bound, false, http.StatusUnauthorized, `error_description="the token is DPoP-bound`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", srv.API+path, nil)
			req.Header.Set("Authorization", tt.authz)
			if tt.proof {
				req.Header.Set("DPoP", key.Proof(t, "GET", srv.API+path, bound, nil))
			}
			resp, err := srv.HTTP.Do(req) // checked against the spec
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			challenges := strings.Join(resp.Header.Values("WWW-Authenticate"), " | ")
			if resp.StatusCode != tt.want || !strings.Contains(challenges, tt.wantChall) {
				t.Errorf("%d %q, want %d with %q", resp.StatusCode, challenges, tt.want, tt.wantChall)
			}
		})
	}
}
