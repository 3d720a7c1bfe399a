package auth

import (
	"context"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestAuthorizeVerified: a principal verified elsewhere (at /mcp) meets an
// operation's requirements by its scopes on OAuth schemes only, with the
// answers Authenticate gives; TokenPolicy asks for any OAuth credential.
func TestAuthorizeVerified(t *testing.T) {
	t.Parallel()
	schemes := openapi3.SecuritySchemes{
		"bearerAuth": {Value: openapi3.NewJWTSecurityScheme()},
		"oauth":      {Value: &openapi3.SecurityScheme{Type: "oauth2"}},
		"appKey":     apiKeyIn("X-Key"),
	}
	doc, ops := testDoc(schemes, openapi3.SecurityRequirements{rq("bearerAuth", noScopes)},
		srs(), // public
		srs(rq("bearerAuth", noScopes, "oauth", []string{"w"})), // a scope
		srs(rq("appKey", noScopes)),                             // a key only
		srs(rq("bearerAuth", noScopes, "oauth", []string{"r"}), rq("appKey", noScopes)),
	)
	a, err := New(doc, Bearer(mapVerifier{}), stubs(map[string]*stub{"X-Key": passing("api_key", Principal{Subject: "key"})}))
	if err != nil {
		t.Fatal(err)
	}
	reader := Principal{Subject: "carol", Scopes: []string{"r"}}
	ctx := context.Background()

	if _, ok, err := a.Authorize(ctx, reader, a.Policy(ops[0])); ok || err != nil {
		t.Errorf("public: ok %v, err %v; want neither", ok, err)
	}
	if p, ok, err := a.Authorize(ctx, reader, a.Policy(ops[3])); !ok || err != nil || p.Subject != "carol" {
		t.Errorf("read: %+v %v %v; want carol", p, ok, err)
	}
	_, _, err = a.Authorize(ctx, reader, a.Policy(ops[1]))
	if ae := authError(t, err); ae.Kind != InsufficientScope || !slices.Equal(ae.Scopes, []string{"w"}) || len(ae.Challenges) == 0 {
		t.Errorf("write: %+v; want InsufficientScope for w, with challenges", ae)
	}
	// The key's scheme is never satisfied by a verified principal: its
	// credential was not what /mcp verified.
	_, _, err = a.Authorize(ctx, reader, a.Policy(ops[2]))
	if ae := authError(t, err); ae.Kind != Missing {
		t.Errorf("key only: %+v; want Missing", ae)
	}

	pol := a.TokenPolicy()
	if pol == nil || len(pol.alternatives) != 1 || !pol.accepted[0].OAuth {
		t.Fatalf("TokenPolicy = %+v; want one bearer alternative", pol)
	}
	if _, ok := VerifiedFromContext(ctx); ok {
		t.Error("a plain context carries a verified principal")
	}
	if p, ok := VerifiedFromContext(NewVerifiedContext(ctx, reader)); !ok || p.Subject != "carol" {
		t.Errorf("VerifiedFromContext = %+v %v", p, ok)
	}
}
