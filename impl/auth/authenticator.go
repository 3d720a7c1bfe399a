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
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"example.com/tasks/gen"
	"example.com/tasks/impl/problem"
)

// Authenticator enforces the security requirements of an OpenAPI document.
type Authenticator struct {
	realm    string
	verifier Verifier
	schemes  map[string]scheme // every scheme the requirements name, by name
}

// scheme is where one security scheme's credential travels.
type scheme struct {
	typ    CredentialType
	header string // the apiKey scheme's header, as the spec spells it; "" for a bearer token
}

// New returns an Authenticator for doc. It fails if doc asks for a security
// scheme this server cannot check, so that no operation is ever left open by
// a scheme the code does not know.
func New(doc *openapi3.T, realm string, v Verifier) (*Authenticator, error) {
	if v == nil {
		return nil, errors.New("auth: no token verifier configured")
	}
	schemes, err := checkSchemes(doc)
	if err != nil {
		return nil, err
	}
	return &Authenticator{realm: realm, verifier: v, schemes: schemes}, nil
}

// Requirements returns the security requirements that apply to op: its own
// if it declares any (an empty list makes it public), else the global ones.
func Requirements(doc *openapi3.T, op *openapi3.Operation) openapi3.SecurityRequirements {
	if op.Security != nil {
		return *op.Security
	}
	return doc.Security
}

// Authenticate checks r against srs, the requirements of route's operation.
// It returns the principal (ok is false for a public operation), or an error:
// a *problem.Error that wraps an *Error for every authentication failure, and
// any other error when a verifier could not decide.
//
// It runs before anything else reads the request: it never reads the body.
func (a *Authenticator) Authenticate(ctx context.Context, r *http.Request, route *routers.Route, srs openapi3.SecurityRequirements) (p Principal, ok bool, err error) {
	if len(srs) == 0 {
		return Principal{}, false, nil
	}
	at := &attempt{a: a, r: r, results: make(map[scheme]result, 2), verified: make(map[string]Principal, 2)}
	// kin-openapi walks the requirements (OR across objects, AND inside one)
	// and calls at.check for each scheme. It reads and buffers the whole
	// body before the first call, for AuthenticationFuncs that sign bodies;
	// ours never need it, so it gets a copy of the request without one.
	bodiless := r.WithContext(ctx)
	bodiless.Body, bodiless.GetBody = http.NoBody, nil
	input := &openapi3filter.RequestValidationInput{
		Request: bodiless,
		Route:   route,
		Options: &openapi3filter.Options{AuthenticationFunc: at.check},
	}
	err = openapi3filter.ValidateSecurityRequirements(ctx, input, srs)
	if err != nil {
		return Principal{}, false, a.failure(err, srs)
	}
	// kin-openapi does not hand back who passed (kin-openapi #642). It stops
	// at the first requirement whose every scheme passed, so that is the
	// first one all of whose checks succeeded.
	for _, req := range srs {
		if p, ok := at.satisfied(req); ok {
			// An empty requirement (`- {}`) admits anonymous callers.
			return p, len(req) > 0, nil
		}
	}
	return Principal{}, false, errors.New("auth: requirements passed but none was satisfied")
}

// attempt is the state of one request's authentication: each credential is
// verified once even when several schemes or requirements read it.
type attempt struct {
	a        *Authenticator
	r        *http.Request
	results  map[scheme]result    // by where the credential travels
	verified map[string]Principal // by scheme name, once its scopes passed
}

type result struct {
	p   Principal
	err error
}

// schemeFailure is why one scheme failed, and which scheme: the challenge
// for that scheme carries the error.
type schemeFailure struct {
	scheme scheme
	err    error
}

func (f *schemeFailure) Error() string { return f.err.Error() }
func (f *schemeFailure) Unwrap() error { return f.err }

// check is the openapi3filter.AuthenticationFunc for one scheme of one requirement.
func (at *attempt) check(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
	s := at.a.schemes[in.SecuritySchemeName]
	p, err := at.verify(ctx, in.SecuritySchemeName, s)
	if err != nil {
		return &schemeFailure{scheme: s, err: err}
	}
	if !p.HasScopes(in.Scopes) {
		return &schemeFailure{scheme: s, err: insufficientScope(in.Scopes)}
	}
	at.verified[in.SecuritySchemeName] = p
	return nil
}

// verify extracts and verifies the credential s reads, once per request:
// every bearer-carried scheme (http bearer, oauth2, openIdConnect) reads the
// same header, and apiKey schemes naming the same header read the same key.
func (at *attempt) verify(ctx context.Context, name string, s scheme) (Principal, error) {
	if r, ok := at.results[s]; ok {
		return r.p, r.err
	}
	var token string
	var perr *Error
	if s.typ == APIKey {
		token, perr = apiKey(at.r, s.header)
	} else {
		token, perr = bearerToken(at.r)
	}
	var r result
	if perr != nil {
		r.err = perr
	} else {
		r.p, r.err = at.a.verifier.Verify(ctx, Credential{Scheme: name, Type: s.typ, Token: token})
	}
	at.results[s] = r
	return r.p, r.err
}

// satisfied reports whether every scheme of req passed, and with whom. When
// a requirement ANDs a bearer token with an API key, the principal is the
// bearer token's: it names the user, while a key beside it names the calling
// application.
func (at *attempt) satisfied(req openapi3.SecurityRequirement) (Principal, bool) {
	names := make([]string, 0, len(req))
	for name := range req {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		p, ok := at.verified[name]
		if !ok || !p.HasScopes(req[name]) {
			return Principal{}, false
		}
	}
	if len(names) == 0 {
		return Principal{}, true
	}
	for _, name := range names {
		if at.a.schemes[name].typ == BearerToken {
			return at.verified[name], true
		}
	}
	return at.verified[names[0]], true
}

// failure turns the error of a failed walk into the answer for the client:
// of the errors of all requirements, the one that helps most (see rank).
func (a *Authenticator) failure(err error, srs openapi3.SecurityRequirements) error {
	var sre *openapi3filter.SecurityRequirementsError
	if !errors.As(err, &sre) {
		return err
	}
	var best *Error
	var from scheme
	var scopes []string
	for _, e := range sre.Errors {
		var ae *Error
		if !errors.As(e, &ae) {
			return e // a verifier could not decide: fail closed with a 500
		}
		if ae.Kind == InsufficientScope {
			for _, s := range ae.Scopes {
				if !slices.Contains(scopes, s) {
					scopes = append(scopes, s)
				}
			}
		}
		if best == nil || ae.Kind.rank() > best.Kind.rank() {
			best = ae
			var sf *schemeFailure
			if errors.As(e, &sf) {
				from = sf.scheme
			}
		}
	}
	if best == nil {
		return fmt.Errorf("auth: security check failed without a reason: %w", err)
	}
	switch best.Kind {
	case InsufficientScope:
		best = insufficientScope(scopes)
	case Missing:
		best = Errorf(Missing, "this operation needs %s", a.needs(srs))
	}
	return a.problem(best, from, srs)
}

// problem renders an authentication failure: status, code and one challenge
// per scheme the operation accepts, Bearer first, the error parameters on
// the challenge of the scheme at fault (from).
func (a *Authenticator) problem(e *Error, from scheme, srs openapi3.SecurityRequirements) *problem.Error {
	var status int
	var code gen.ProblemCode
	var errCode string
	switch e.Kind {
	case Malformed:
		status, code, errCode = http.StatusBadRequest, gen.ProblemCodeInvalidRequest, "invalid_request"
	case Invalid, Expired:
		status, code, errCode = http.StatusUnauthorized, gen.ProblemCodeInvalidToken, "invalid_token"
	case InsufficientScope:
		status, code, errCode = http.StatusForbidden, gen.ProblemCodeInsufficientScope, "insufficient_scope"
	default:
		// RFC 6750 §3.1: no error code when the request had no credentials.
		status, code = http.StatusUnauthorized, gen.ProblemCodeMissingCredentials
	}
	var header []string
	for _, s := range a.accepted(srs) {
		var ec, desc string
		var scopes []string
		if s == from && errCode != "" {
			ec, desc, scopes = errCode, e.Description, e.Scopes
		}
		if s.typ == APIKey {
			header = append(header, apiKeyChallenge(a.realm, s.header, ec, desc))
		} else {
			header = append(header, challenge(a.realm, ec, desc, scopes))
		}
	}
	return &problem.Error{
		Status: status,
		Code:   code,
		Detail: e.Description,
		Header: http.Header{"Www-Authenticate": header},
		Err:    e,
	}
}

// accepted lists where the credentials srs accept travel, once each: the
// bearer token first, then the API key headers in the order srs name them.
func (a *Authenticator) accepted(srs openapi3.SecurityRequirements) []scheme {
	var out []scheme
	for _, req := range srs {
		for _, name := range slices.Sorted(maps.Keys(req)) {
			if s := a.schemes[name]; !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	slices.SortStableFunc(out, func(x, y scheme) int { return cmp.Compare(x.typ, y.typ) })
	return out
}

// needs describes what srs accept, for a request that sent nothing:
// "a bearer token or an API key in the X-API-Key header".
func (a *Authenticator) needs(srs openapi3.SecurityRequirements) string {
	var alternatives []string
	for _, req := range srs {
		var all []string
		for _, s := range a.accepted(openapi3.SecurityRequirements{req}) {
			if s.typ == APIKey {
				all = append(all, "an API key in the "+s.header+" header")
			} else {
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
