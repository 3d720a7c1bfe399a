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
)

// Authenticator enforces the security requirements of an OpenAPI document.
type Authenticator struct {
	doc     *openapi3.T
	schemes map[string]Scheme // every scheme the requirements name, by name
	observe func(context.Context, Outcome)
}

// New returns an Authenticator for doc, whose security schemes are checked
// by the first of kinds that serves each. It fails if doc asks for a
// security scheme none of them serves, so that no operation is ever left
// open by a scheme the code does not know.
func New(doc *openapi3.T, kinds ...SchemeFunc) (*Authenticator, error) {
	schemes, err := schemesOf(doc, kinds)
	if err != nil {
		return nil, err
	}
	return &Authenticator{doc: doc, schemes: schemes}, nil
}

// Requirements returns the security requirements of op, an operation of
// doc: its own when it declares them (`security: []` makes it public), else
// the document's global ones.
func Requirements(doc *openapi3.T, op *openapi3.Operation) openapi3.SecurityRequirements {
	if op.Security != nil {
		return *op.Security
	}
	return doc.Security
}

// Schemes returns the Info of every scheme the spec's requirements name, in
// challenge order, once each.
func (a *Authenticator) Schemes() []*Info {
	var all []*Info
	for _, name := range slices.Sorted(maps.Keys(a.schemes)) {
		all = append(all, a.schemes[name].Info())
	}
	return inChallengeOrder(all)
}

// CredentialHeaders lists the request headers that carry credentials for the
// spec's schemes, Authorization first: what must never be cached for, logged
// or allowed across origins without thought.
func (a *Authenticator) CredentialHeaders() []string {
	out := []string{"Authorization"}
	for _, i := range a.Schemes() {
		for _, h := range i.RequestHeaders {
			if h = http.CanonicalHeaderKey(h); !slices.Contains(out, h) {
				out = append(out, h)
			}
		}
	}
	return out
}

// Policy is one operation's security requirements, compiled at start-up so
// that checking a request costs no map lookups, sorting or allocations
// beyond what its verifier needs.
type Policy struct {
	alternatives []requirement // OR, tried in the spec's order
	accepted     []*Info       // one challenge each, Bearer first
	missing      *Error
}

// requirement is one security requirement object: all of its checks must
// pass (AND), in scheme-name order as kin-openapi checks them.
type requirement []schemeCheck

type schemeCheck struct {
	name   string
	scheme Scheme
	scopes []string
}

// Policy returns the compiled security requirements of op, an operation of
// the document a was built from (see Requirements). An empty list makes the
// operation public.
func (a *Authenticator) Policy(op *openapi3.Operation) *Policy {
	return a.compile(Requirements(a.doc, op))
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
		pol.missing = &Error{Kind: Missing, Description: "this operation needs " + needs(pol.alternatives), Challenges: pol.accepted}
	}
	return pol
}

// Authenticate checks r against pol. It returns the principal (ok is false
// for a public operation, or one that admits anonymous callers with `- {}`),
// or an error: an *Error, with its challenges set, for every authentication
// failure, and any other error when a verifier failed (a 500).
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
	at := attempt{r: r}
	var buf [4]schemeFailure
	failures := buf[:0]
	for _, req := range pol.alternatives {
		p, f, ok := at.satisfy(ctx, req)
		if ok {
			if a.observe != nil && len(req) > 0 {
				a.observe(ctx, Outcome{Type: req.decider().Type})
			}
			return p, len(req) > 0, nil
		}
		failures = append(failures, f)
	}
	o, err := failure(failures, pol)
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
	Type string // the credential that decided (Info.Type)
	Kind Kind   // why it failed; 0 when it succeeded
	// Undecided is a verifier that failed (a 500) or could not decide now.
	Undecided bool
	// Reason is the refusal's code (Error.ReasonCode); "" when it succeeded
	// or a verifier failed.
	Reason string
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

// decider is the scheme that names the caller when req is satisfied (see
// satisfy).
func (req requirement) decider() *Info {
	for _, c := range req {
		if i := c.scheme.Info(); i.OAuth {
			return i
		}
	}
	return req[0].scheme.Info()
}

// attempt is the state of one request's authentication: each credential is
// verified once even when several schemes or requirements read it.
type attempt struct {
	r *http.Request
	// verified is the principal of Authorize: OAuth schemes yield it, the
	// others find no credential.
	verified *Principal
	n        int
	cache    [4]cached // by Scheme; more are not cached
}

type cached struct {
	s   Scheme
	p   Principal
	err error
}

// schemeFailure is why one scheme failed, and which scheme: the challenge
// for that scheme carries the error.
type schemeFailure struct {
	info *Info
	err  error
}

// satisfy checks one requirement object. The principal is the OAuth
// token's when the requirement ANDs one with an API key: it names the user,
// while a key beside it names the calling application.
func (at *attempt) satisfy(ctx context.Context, req requirement) (Principal, schemeFailure, bool) {
	var who Principal
	oauth := false
	for i, c := range req {
		p, err := at.verify(ctx, c)
		if err == nil && !p.HasScopes(c.scopes) {
			err = insufficientScope(c.scopes)
		}
		if err != nil {
			return Principal{}, schemeFailure{info: c.scheme.Info(), err: err}, false
		}
		if i == 0 || (c.scheme.Info().OAuth && !oauth) {
			who, oauth = p, c.scheme.Info().OAuth
		}
	}
	return who, schemeFailure{}, true
}

// verify authenticates with c's scheme, once per request.
func (at *attempt) verify(ctx context.Context, c schemeCheck) (Principal, error) {
	for _, k := range at.cache[:at.n] {
		if k.s == c.scheme {
			return k.p, k.err
		}
	}
	k := cached{s: c.scheme}
	switch {
	case at.verified == nil:
		k.p, k.err = c.scheme.Authenticate(ctx, at.r, c.name)
	case c.scheme.Info().OAuth:
		k.p = *at.verified
	default:
		k.err = &Error{Kind: Missing, Description: "this operation needs " + c.scheme.Info().Needs}
	}
	if at.n < len(at.cache) {
		at.cache[at.n] = k
		at.n++
	}
	return k.p, k.err
}

// failure turns the failures of every requirement into the answer for the
// client: the one that helps most (see rank).
func failure(failures []schemeFailure, pol *Policy) (Outcome, error) {
	var best *Error
	var from *Info
	var scopes []string
	for _, f := range failures {
		var ae *Error
		if !errors.As(f.err, &ae) || ae.Kind == Unavailable {
			// A verifier failed, or cannot decide now: fail closed.
			o := Outcome{Type: f.info.Type, Undecided: true}
			if ae != nil {
				o.Reason = ae.ReasonCode()
			}
			return o, f.err
		}
		if ae.Kind == InsufficientScope {
			for _, s := range ae.Scopes {
				if !slices.Contains(scopes, s) {
					scopes = append(scopes, s)
				}
			}
		}
		if best == nil || ae.Kind.rank() > best.Kind.rank() {
			best, from = ae, f.info
		}
	}
	o := Outcome{Type: from.Type, Kind: best.Kind, Reason: best.ReasonCode()}
	switch best.Kind {
	case Missing:
		return o, pol.missing
	case InsufficientScope:
		best = insufficientScope(scopes)
	default:
		e := *best // a verifier's error may be shared
		best = &e
	}
	best.Challenges, best.Culprit = pol.accepted, from
	return o, best
}

// accepted lists the schemes srs accept, once each: the bearer token first,
// then other OAuth schemes, then the rest in the order srs name them.
func (a *Authenticator) accepted(srs openapi3.SecurityRequirements) []*Info {
	var all []*Info
	for _, req := range srs {
		for _, name := range slices.Sorted(maps.Keys(req)) {
			all = append(all, a.schemes[name].Info())
		}
	}
	return inChallengeOrder(all)
}

// inChallengeOrder returns infos once each, in challengeOrder, the others
// in the order given.
func inChallengeOrder(infos []*Info) []*Info {
	var out []*Info
	for _, i := range infos {
		if !slices.Contains(out, i) {
			out = append(out, i)
		}
	}
	slices.SortStableFunc(out, func(x, y *Info) int { return cmp.Compare(challengeOrder(x), challengeOrder(y)) })
	return out
}

// challengeOrder orders the challenges of a 401: Bearer first (clients
// that read one challenge read the first), other OAuth schemes next.
func challengeOrder(i *Info) int {
	switch {
	case i.AuthScheme == BearerAuthScheme:
		return 0
	case i.OAuth:
		return 1
	}
	return 2
}

// needs describes what the requirements accept, for a request that sent
// nothing: "a bearer token or an API key in the X-API-Key header".
func needs(alternatives []requirement) string {
	var out []string
	for _, req := range alternatives {
		var infos []*Info
		for _, c := range req {
			infos = append(infos, c.scheme.Info())
		}
		var all []string
		for _, i := range inChallengeOrder(infos) {
			all = append(all, i.Needs)
		}
		if d := strings.Join(all, " and "); d != "" && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return strings.Join(out, " or ")
}

// schemesOf returns the Scheme of every security scheme that a requirement
// in doc names. It fails if one is undeclared or no kind serves it.
func schemesOf(doc *openapi3.T, kinds []SchemeFunc) (map[string]Scheme, error) {
	var declared openapi3.SecuritySchemes
	if doc.Components != nil {
		declared = doc.Components.SecuritySchemes
	}
	schemes := map[string]Scheme{}
	check := func(where string, srs openapi3.SecurityRequirements) error {
		for _, req := range srs {
			for name := range req {
				if schemes[name] != nil {
					continue
				}
				ref := declared[name]
				if ref == nil || ref.Value == nil {
					return fmt.Errorf("auth: %s: security scheme %q is not declared", where, name)
				}
				for _, kind := range kinds {
					if s := kind(ref.Value); s != nil {
						schemes[name] = s
						break
					}
				}
				if schemes[name] == nil {
					return fmt.Errorf("auth: %s: security scheme %q (%s) is not supported by this server", where, name, describe(ref.Value))
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

func describe(s *openapi3.SecurityScheme) string {
	if s.Type == "apiKey" {
		return "apiKey in " + cmp.Or(s.In, "nowhere") + "; only in: header is supported"
	}
	return strings.TrimSpace(cmp.Or(s.Type, "no type") + " " + s.Scheme + s.In)
}
