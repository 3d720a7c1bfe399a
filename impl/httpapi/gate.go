package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/go-chi/chi/v5"

	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/protectedresource"
	"example.com/tasks/impl/httplog"
)

// Endpoint is a protocol served beside the API at Path whose calls reach the
// API's operations through the API's own handler, so that each one is
// authorised, rate limited, validated, logged and traced as the operation
// it is (MCP at /mcp: impl/mcp, wired by cmd/server).
type Endpoint struct {
	Path string
	// Metadata is the RFC 9728 document of the endpoint's resource: served
	// at its Path and named in the endpoint's 401 and 403 challenges.
	// Optional.
	Metadata *protectedresource.Document
	// New builds the endpoint's handler. api serves an *http.Request to an
	// operation as if it came from the network, the whole chain included;
	// gate admits the endpoint's callers.
	New func(api http.Handler, gate *Gate) (http.Handler, error)
}

// Gate admits the callers of an Endpoint as the API admits its own, and
// answers their failures with the API's challenges (failures.go).
type Gate struct {
	authn    *auth.Authenticator
	policy   *auth.Policy // any OAuth credential (auth.TokenPolicy)
	ops      operations
	basePath string
	fail     failures
}

// Authenticate verifies the OAuth credential of r, a request to the
// endpoint. It returns r with the principal as an already verified one
// (auth.NewVerifiedContext), which the requests the endpoint makes to
// operations carry instead of a credential; or it answers r (400, 401 with
// resource_metadata, 503) and returns false.
func (g *Gate) Authenticate(w http.ResponseWriter, r *http.Request) (*http.Request, bool) {
	p, _, err := g.authn.Authenticate(r.Context(), r, g.policy)
	if err != nil {
		g.fail.write(w, r, err)
		return nil, false
	}
	httplog.SetSubject(r.Context(), p.Subject)
	return r.WithContext(auth.NewVerifiedContext(r.Context(), p)), true
}

// Authorize checks that the principal Authenticate admitted may call the
// spec's operation method path ("POST", "/tasks"); if not, it answers r
// (403 insufficient_scope with the operation's scopes) and returns false.
// An operation the spec does not have is allowed here: the endpoint
// reports it in its own protocol.
func (g *Gate) Authorize(w http.ResponseWriter, r *http.Request, method, path string) bool {
	op := g.ops[method+" "+g.basePath+path]
	if op == nil {
		return true
	}
	p, ok := auth.VerifiedFromContext(r.Context())
	if !ok {
		g.fail.write(w, r, errors.New("httpapi: Gate.Authorize before Authenticate"))
		return false
	}
	if _, _, err := g.authn.Authorize(r.Context(), p, op.policy); err != nil {
		g.fail.write(w, r, err)
		return false
	}
	return true
}

// mount serves e on r; api is r itself, so that the endpoint's calls take
// the path every request takes.
func mount(r *chi.Mux, e Endpoint, ops operations, basePath string, authn *auth.Authenticator, fail failures) error {
	policy := authn.TokenPolicy()
	if policy == nil {
		return fmt.Errorf("httpapi: %s needs a bearer token, and the spec names no OAuth scheme", e.Path)
	}
	fail.metadata = ""
	if e.Metadata != nil {
		fail.metadata = e.Metadata.URL
		r.Get(e.Metadata.Path, e.Metadata.ServeHTTP)
	}
	fail.missing = &sync.Map{} // the prebuilt 401 names the endpoint's metadata
	h, err := e.New(r, &Gate{authn: authn, policy: policy, ops: ops, basePath: basePath, fail: fail})
	if err != nil {
		return err
	}
	r.Handle(e.Path, h)
	return nil
}
