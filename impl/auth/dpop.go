package auth

import (
	"context"
	"net/http"
	"strings"
)

// ProofChecker checks RFC 9449 DPoP proofs (impl/auth/dpop implements it).
type ProofChecker interface {
	// Check checks the DPoP proof of r, presented with token, and returns
	// the RFC 7638 thumbprint of the key that signed it. It returns an
	// *Error of kind InvalidProof for a proof it refuses; any other error
	// is answered as it says (a *problem.Error) or with a 500.
	Check(r *http.Request, token string) (jkt string, err error)
	// Algorithms are the proof signing algorithms accepted, for challenges.
	Algorithms() []string
}

// WithDPoP enables http schemes `DPoP` with pc checking the proofs. New
// refuses a spec that declares one without it.
func WithDPoP(pc ProofChecker) Option {
	return func(a *Authenticator) { a.proofs = pc }
}

// DPoPAuthScheme is the auth-scheme of RFC 9449 (`Authorization: DPoP`).
const DPoPAuthScheme = "DPoP"

// dpopCarried reports whether s is an http scheme DPoP.
func dpopCarried(scheme string) bool { return strings.EqualFold(scheme, DPoPAuthScheme) }

// errNoDPoP is shared, as errNoBearer is.
var errNoDPoP = &Error{Kind: Missing, Description: "this operation needs a DPoP-bound token"}

// verifyDPoP is RFC 9449 §7.1 for one request: the proof checks out, the
// token verifies, and the token is bound to the key that signed the proof.
func (a *Authenticator) verifyDPoP(ctx context.Context, r *http.Request, name string) (Principal, error) {
	token, perr := authorizationToken(r, DPoPAuthScheme, errNoDPoP)
	if perr != nil {
		return Principal{}, perr
	}
	jkt, err := a.proofs.Check(r, token)
	if err != nil {
		return Principal{}, err
	}
	p, err := a.verifier.Verify(ctx, Credential{Scheme: name, Type: DPoPToken, Token: token})
	switch {
	case err != nil:
		return Principal{}, err
	case p.JKT == "":
		return Principal{}, Errorf(Invalid, "the token is not bound to a DPoP key (no cnf.jkt): send it as a Bearer token")
	case p.JKT != jkt:
		return Principal{}, Errorf(Invalid, "the token is bound to another key than the one that signed the DPoP proof")
	}
	return p, nil
}

// boundAsBearer refuses a DPoP-bound token sent as a bearer token (RFC
// 9449 §7.2): without its proof, whoever holds it could be a thief.
func boundAsBearer(p Principal, err error) (Principal, error) {
	if err == nil && p.JKT != "" {
		return Principal{}, Errorf(Invalid, "the token is DPoP-bound: send it with Authorization: DPoP and a DPoP proof")
	}
	return p, err
}

// dpopChallenge renders the challenge for a DPoP scheme (RFC 9449 §7.1):
// the Bearer parameters plus algs, the proof algorithms accepted.
func (a *Authenticator) dpopChallenge(errCode, description string, scopes []string, status int) string {
	var b strings.Builder
	b.WriteString(render(DPoPAuthScheme, a.realm, "", errCode, description, scopes))
	b.WriteString(`, algs="`)
	for i, alg := range a.proofs.Algorithms() {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(scopeChars(alg)) // our allow-list; sanitised all the same
	}
	b.WriteString(`"`)
	return a.withResourceMetadata(b.String(), status)
}

// challengeOrder orders the challenges of a 401: the OAuth schemes first
// (clients that read one challenge read the first), the API key last.
func challengeOrder(t CredentialType) int {
	switch t {
	case BearerToken:
		return 0
	case DPoPToken:
		return 1
	}
	return 2
}
