package auth

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/gen"
	"example.com/tasks/impl/problem"
	"example.com/tasks/impl/spec"
)

// Authenticator enforces the security requirements of an OpenAPI document.
type Authenticator struct {
	realm    string
	verifier Verifier
	doc      *openapi3.T
	schemes  map[string]scheme // every scheme the requirements name, by name
	observe  func(context.Context, Outcome)
	// resourceMetadata is the RFC 9728 metadata URL that 401 and 403
	// bearer challenges point to; "" when none is served.
	resourceMetadata string
	// proofs checks DPoP proofs; nil when DPoP is off.
	proofs ProofChecker
}

// scheme is where one security scheme's credential travels.
type scheme struct {
	typ    CredentialType
	header string // the apiKey scheme's header, as the spec spells it; "" for a bearer token
}

// New returns an Authenticator for doc. It fails if doc asks for a security
// scheme this server cannot check, so that no operation is ever left open by
// a scheme the code does not know.
func New(doc *openapi3.T, realm string, v Verifier, opts ...Option) (*Authenticator, error) {
	if v == nil {
		return nil, errors.New("auth: no token verifier configured")
	}
	schemes, err := checkSchemes(doc)
	if err != nil {
		return nil, err
	}
	a := &Authenticator{realm: realm, verifier: v, doc: doc, schemes: schemes}
	for _, o := range opts {
		o(a)
	}
	for name, s := range schemes {
		if s.typ == DPoPToken && a.proofs == nil {
			return nil, fmt.Errorf("auth: security scheme %q is DPoP (RFC 9449), which is not enabled on this server", name)
		}
	}
	return a, nil
}

// CredentialHeaders lists the request headers that carry credentials for the
// spec's schemes, Authorization first: what must never be cached for, logged
// or allowed across origins without thought.
func (a *Authenticator) CredentialHeaders() []string {
	out := []string{"Authorization"}
	for _, name := range slices.Sorted(maps.Keys(a.schemes)) {
		h := ""
		switch s := a.schemes[name]; s.typ {
		case APIKey:
			h = http.CanonicalHeaderKey(s.header)
		case DPoPToken:
			h = http.CanonicalHeaderKey("DPoP")
		}
		if h != "" && !slices.Contains(out, h) {
			out = append(out, h)
		}
	}
	return out
}

// Policy is one operation's security requirements, compiled at start-up so
// that checking a request costs no map lookups, sorting or allocations
// beyond what its verifier needs.
type Policy struct {
	alternatives []requirement // OR, tried in the spec's order
	accepted     []scheme      // where acceptable credentials travel, Bearer first
	missing      *problem.Error
}

// requirement is one security requirement object: all of its checks must
// pass (AND), in scheme-name order as kin-openapi checks them.
type requirement []schemeCheck

type schemeCheck struct {
	name   string
	scheme scheme
	scopes []string
}

// Policy returns the compiled security requirements of op, an operation of
// the document a was built from (see spec.Requirements). An empty list makes
// the operation public.
func (a *Authenticator) Policy(op *openapi3.Operation) *Policy {
	return a.compile(spec.Requirements(a.doc, op))
}

func (a *Authenticator) compile(srs openapi3.SecurityRequirements) *Policy {
	pol := &Policy{accepted: a.accepted(srs)}
	for _, req := range srs {
		checks := make(requirement, 0, len(req))
		for _, name := range slices.Sorted(maps.Keys(req)) {
			checks = append(checks, schemeCheck{name: name, scheme: a.schemes[name], scopes: req[name]})
		}
		pol.alternatives = append(pol.alternatives, checks)
	}
	if len(srs) > 0 {
		// The commonest failure, prebuilt: nothing in it depends on the request.
		pol.missing = a.problem(Errorf(Missing, "this operation needs %s", a.needs(srs)), scheme{}, pol.accepted)
	}
	return pol
}

// Authenticate checks r against pol. It returns the principal (ok is false
// for a public operation, or one that admits anonymous callers with `- {}`),
// or an error: a *problem.Error that wraps an *Error for every
// authentication failure, and any other error when a verifier could not
// decide.
//
// The walk is kin-openapi's ValidateSecurityRequirements, compiled: the
// requirement objects in order, the first whose every scheme passes wins,
// schemes inside one checked in name order. It is done here rather than by
// kin-openapi because its walk reads and buffers the whole body before the
// first check, cannot hand back who passed (kin-openapi #642), and allocates
// a dozen objects per request; TestWalkAgreesWithKinOpenAPI keeps the two in
// step. It never reads the body.
func (a *Authenticator) Authenticate(ctx context.Context, r *http.Request, pol *Policy) (p Principal, ok bool, err error) {
	if len(pol.alternatives) == 0 {
		return Principal{}, false, nil
	}
	at := attempt{a: a, r: r}
	var buf [4]schemeFailure
	failures := buf[:0]
	for _, req := range pol.alternatives {
		p, f, ok := at.satisfy(ctx, req)
		if ok {
			if a.observe != nil && len(req) > 0 {
				a.observe(ctx, Outcome{Type: req.decider()})
			}
			return p, len(req) > 0, nil
		}
		failures = append(failures, f)
	}
	o, err := a.failure(failures, pol)
	if a.observe != nil {
		a.observe(ctx, o)
	}
	return Principal{}, false, err
}

// Observe has f called with the outcome of every authentication of a
// secured request (metrics); call it before serving.
func (a *Authenticator) Observe(f func(context.Context, Outcome)) { a.observe = f }

// Outcome is how one request's authentication ended. It never says who the
// caller is.
type Outcome struct {
	Type CredentialType // the credential that decided
	Kind Kind           // why it failed; 0 when it succeeded
	// Undecided is a verifier that could not decide (a 500).
	Undecided bool
}

// Result names the outcome: ok, missing, malformed, invalid, expired,
// insufficient_scope or error.
func (o Outcome) Result() string {
	switch {
	case o.Undecided:
		return "error"
	case o.Kind == 0:
		return "ok"
	case o.Kind == InsufficientScope:
		return "insufficient_scope"
	}
	k, _, _ := strings.Cut(o.Kind.String(), " ") // "missing credentials" → "missing"
	return k
}

// decider is the credential that names the caller when req is satisfied: its
// bearer token if it has one (see satisfy).
func (req requirement) decider() CredentialType {
	for _, c := range req {
		if c.scheme.typ == BearerToken {
			return BearerToken
		}
	}
	return req[0].scheme.typ
}

// attempt is the state of one request's authentication: each credential is
// verified once even when several schemes or requirements read it.
type attempt struct {
	a     *Authenticator
	r     *http.Request
	n     int
	cache [4]cached // by where the credential travels; more are not cached
}

type cached struct {
	s   scheme
	p   Principal
	err error
}

// schemeFailure is why one scheme failed, and which scheme: the challenge
// for that scheme carries the error.
type schemeFailure struct {
	scheme scheme
	err    error
}

// satisfy checks one requirement object. The principal is the bearer
// token's when the requirement ANDs one with an API key: it names the user,
// while a key beside it names the calling application.
func (at *attempt) satisfy(ctx context.Context, req requirement) (Principal, schemeFailure, bool) {
	var who Principal
	bearer := false
	for i, c := range req {
		p, err := at.verify(ctx, c)
		if err == nil && !p.HasScopes(c.scopes) {
			err = insufficientScope(c.scopes)
		}
		if err != nil {
			return Principal{}, schemeFailure{scheme: c.scheme, err: err}, false
		}
		if i == 0 || (c.scheme.typ == BearerToken && !bearer) {
			who, bearer = p, c.scheme.typ == BearerToken
		}
	}
	return who, schemeFailure{}, true
}

// verify extracts and verifies the credential c reads, once per request:
// every bearer-carried scheme (http bearer, oauth2, openIdConnect) reads the
// same header, and apiKey schemes naming the same header read the same key.
func (at *attempt) verify(ctx context.Context, c schemeCheck) (Principal, error) {
	for _, k := range at.cache[:at.n] {
		if k.s == c.scheme {
			return k.p, k.err
		}
	}
	var token string
	var perr *Error
	switch c.scheme.typ {
	case APIKey:
		token, perr = apiKey(at.r, c.scheme.header)
	case BearerToken:
		token, perr = bearerToken(at.r)
	}
	k := cached{s: c.scheme}
	switch {
	case perr != nil:
		k.err = perr
	case c.scheme.typ == DPoPToken:
		k.p, k.err = at.a.verifyDPoP(ctx, at.r, c.name)
	case c.scheme.typ == BearerToken:
		k.p, k.err = boundAsBearer(at.a.verifier.Verify(ctx, Credential{Scheme: c.name, Type: c.scheme.typ, Token: token}))
	default:
		k.p, k.err = at.a.verifier.Verify(ctx, Credential{Scheme: c.name, Type: c.scheme.typ, Token: token})
	}
	if at.n < len(at.cache) {
		at.cache[at.n] = k
		at.n++
	}
	return k.p, k.err
}

// failure turns the failures of every requirement into the answer for the
// client: the one that helps most (see rank).
func (a *Authenticator) failure(failures []schemeFailure, pol *Policy) (Outcome, error) {
	var best *Error
	var from scheme
	var scopes []string
	for _, f := range failures {
		var ae *Error
		if !errors.As(f.err, &ae) {
			// A verifier could not decide: fail closed with a 500.
			return Outcome{Type: f.scheme.typ, Undecided: true}, f.err
		}
		if ae.Kind == InsufficientScope {
			for _, s := range ae.Scopes {
				if !slices.Contains(scopes, s) {
					scopes = append(scopes, s)
				}
			}
		}
		if best == nil || ae.Kind.rank() > best.Kind.rank() {
			best, from = ae, f.scheme
		}
	}
	o := Outcome{Type: from.typ, Kind: best.Kind}
	switch best.Kind {
	case Missing:
		return o, pol.missing
	case InsufficientScope:
		best = insufficientScope(scopes)
	}
	return o, a.problem(best, from, pol.accepted)
}

// problem renders an authentication failure: status, code and one challenge
// per scheme the operation accepts, Bearer first, the error parameters on
// the challenge of the scheme at fault (from).
func (a *Authenticator) problem(e *Error, from scheme, accepted []scheme) *problem.Error {
	var status int
	var code gen.ProblemCode
	var errCode string
	switch e.Kind {
	case Malformed:
		status, code, errCode = http.StatusBadRequest, gen.ProblemCodeInvalidRequest, "invalid_request"
	case Invalid, Expired:
		status, code, errCode = http.StatusUnauthorized, gen.ProblemCodeInvalidToken, "invalid_token"
	case InvalidProof:
		status, code, errCode = http.StatusUnauthorized, gen.ProblemCodeInvalidToken, "invalid_dpop_proof"
	case UseDPoPNonce:
		status, code, errCode = http.StatusUnauthorized, gen.ProblemCodeInvalidToken, "use_dpop_nonce"
	case InsufficientScope:
		status, code, errCode = http.StatusForbidden, gen.ProblemCodeInsufficientScope, "insufficient_scope"
	default:
		// RFC 6750 §3.1: no error code when the request had no credentials.
		status, code = http.StatusUnauthorized, gen.ProblemCodeMissingCredentials
	}
	header := make([]string, 0, len(accepted))
	for _, s := range accepted {
		var ec, desc string
		var scopes []string
		if s == from && errCode != "" {
			ec, desc, scopes = errCode, e.Description, e.Scopes
		}
		switch s.typ {
		case APIKey:
			header = append(header, apiKeyChallenge(a.realm, s.header, ec, desc))
		case DPoPToken:
			header = append(header, a.dpopChallenge(ec, desc, scopes, status))
		default:
			header = append(header, a.withResourceMetadata(challenge(a.realm, ec, desc, scopes), status))
		}
	}
	h := http.Header{"Www-Authenticate": header}
	for k, v := range e.Header {
		h[k] = v
	}
	return &problem.Error{
		Status: status,
		Code:   code,
		Detail: e.Description,
		Header: h,
		Err:    e,
	}
}

// accepted lists where the credentials srs accept travel, once each: the
// bearer token first, then a DPoP token, then the API key headers in the
// order srs name them.
func (a *Authenticator) accepted(srs openapi3.SecurityRequirements) []scheme {
	var out []scheme
	for _, req := range srs {
		for _, name := range slices.Sorted(maps.Keys(req)) {
			if s := a.schemes[name]; !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	slices.SortStableFunc(out, func(x, y scheme) int { return cmp.Compare(challengeOrder(x.typ), challengeOrder(y.typ)) })
	return out
}

// needs describes what srs accept, for a request that sent nothing:
// "a bearer token or an API key in the X-API-Key header".
func (a *Authenticator) needs(srs openapi3.SecurityRequirements) string {
	var alternatives []string
	for _, req := range srs {
		var all []string
		for _, s := range a.accepted(openapi3.SecurityRequirements{req}) {
			switch s.typ {
			case APIKey:
				all = append(all, "an API key in the "+s.header+" header")
			case DPoPToken:
				all = append(all, "a DPoP-bound token with its DPoP proof")
			default:
				all = append(all, "a bearer token")
			}
		}
		if d := strings.Join(all, " and "); d != "" && !slices.Contains(alternatives, d) {
			alternatives = append(alternatives, d)
		}
	}
	return strings.Join(alternatives, " or ")
}

// checkSchemes fails if any security requirement in doc names a scheme that
// is undeclared or that this server cannot check. It returns where each
// named scheme's credential travels.
func checkSchemes(doc *openapi3.T) (map[string]scheme, error) {
	var declared openapi3.SecuritySchemes
	if doc.Components != nil {
		declared = doc.Components.SecuritySchemes
	}
	schemes := map[string]scheme{}
	check := func(where string, srs openapi3.SecurityRequirements) error {
		for _, req := range srs {
			for name := range req {
				ref := declared[name]
				if ref == nil || ref.Value == nil {
					return fmt.Errorf("auth: %s: security scheme %q is not declared", where, name)
				}
				switch s := ref.Value; {
				case bearerCarried(s):
					schemes[name] = scheme{typ: BearerToken}
				case s.Type == "http" && dpopCarried(s.Scheme):
					schemes[name] = scheme{typ: DPoPToken}
				case s.Type == "apiKey" && s.In == "header" && s.Name != "":
					schemes[name] = scheme{typ: APIKey, header: s.Name}
				default:
					return fmt.Errorf("auth: %s: security scheme %q (%s) is not supported by this server", where, name, describe(s))
				}
			}
		}
		return nil
	}
	if err := check("global security", doc.Security); err != nil {
		return nil, err
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.Security == nil {
				continue
			}
			if err := check(method+" "+path, *op.Security); err != nil {
				return nil, err
			}
		}
	}
	return schemes, nil
}

// bearerCarried reports whether s is sent as an RFC 6750 bearer token.
func bearerCarried(s *openapi3.SecurityScheme) bool {
	switch s.Type {
	case "http":
		return strings.EqualFold(s.Scheme, "bearer")
	case "oauth2", "openIdConnect":
		return true
	}
	return false
}

func describe(s *openapi3.SecurityScheme) string {
	if s.Type == "apiKey" {
		return "apiKey in " + cmp.Or(s.In, "nowhere") + "; only in: header is supported"
	}
	return strings.TrimSpace(cmp.Or(s.Type, "no type") + " " + s.Scheme + s.In)
}
