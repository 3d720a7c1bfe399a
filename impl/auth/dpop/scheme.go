package dpop

import (
	"context"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/auth"
)

// AuthScheme is the auth-scheme of RFC 9449 (`Authorization: DPoP`).
const AuthScheme = "DPoP"

// Scheme returns the auth.SchemeFunc for the spec's http schemes DPoP:
// RFC 9449 §7.1 for each request, with c checking the proofs and v the
// tokens (the verifiers of bearer tokens, which read cnf.jkt).
func (c *Checker) Scheme(v auth.Verifier) auth.SchemeFunc {
	s := &scheme{c: c, v: v, info: &auth.Info{
		Type:            "dpop",
		AuthScheme:      AuthScheme,
		Trail:           []auth.Param{{Name: "algs", Value: strings.Join(c.algs, " ")}},
		OAuth:           true,
		Needs:           "a DPoP-bound token with its DPoP proof",
		RequestHeaders:  []string{"DPoP"},
		ResponseHeaders: []string{"DPoP-Nonce"},
	}}
	return func(ss *openapi3.SecurityScheme) auth.Scheme {
		if ss.Type == "http" && strings.EqualFold(ss.Scheme, AuthScheme) {
			return s
		}
		return nil
	}
}

type scheme struct {
	c    *Checker
	v    auth.Verifier
	info *auth.Info
}

func (s *scheme) Info() *auth.Info { return s.info }

// errNoDPoP is shared: the commonest failure allocates nothing.
var errNoDPoP = &auth.Error{Kind: auth.Missing, Description: "this operation needs a DPoP-bound token"}

// Authenticate: the proof checks out, the token verifies, and the token is
// bound to the key that signed the proof.
func (s *scheme) Authenticate(ctx context.Context, r *http.Request, name string) (auth.Principal, error) {
	token, perr := auth.AuthorizationToken(r, AuthScheme, errNoDPoP)
	if perr != nil {
		return auth.Principal{}, perr
	}
	jkt, err := s.c.Check(r, token)
	if err != nil {
		return auth.Principal{}, err
	}
	p, err := s.v.Verify(ctx, auth.Credential{Scheme: name, Token: token})
	switch {
	case err != nil:
		return auth.Principal{}, err
	case p.JKT == "":
		return auth.Principal{}, auth.Errorf(auth.Invalid, "the token is not bound to a DPoP key (no cnf.jkt): send it as a Bearer token")
	case p.JKT != jkt:
		return auth.Principal{}, auth.Errorf(auth.Invalid, "the token is bound to another key than the one that signed the DPoP proof")
	}
	return p, nil
}
