package auth

import (
	"cmp"
	"context"
	"errors"
	"fmt"
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
}

// New returns an Authenticator for doc. It fails if doc asks for a security
// scheme this server cannot check, so that no operation is ever left open by
// a scheme the code does not know.
func New(doc *openapi3.T, realm string, v Verifier) (*Authenticator, error) {
	if v == nil {
		return nil, errors.New("auth: no token verifier configured")
	}
	if err := checkSchemes(doc); err != nil {
		return nil, err
	}
	return &Authenticator{realm: realm, verifier: v}, nil
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
	at := &attempt{a: a, r: r, verified: make(map[string]Principal, 2)}
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

// attempt is the state of one request's authentication: credentials are
// verified once even when several schemes or requirements read them.
type attempt struct {
	a        *Authenticator
	r        *http.Request
	bearer   *Principal
	bearErr  error
	verified map[string]Principal // by scheme name, once its scopes passed
}

// check is the openapi3filter.AuthenticationFunc for one scheme of one requirement.
func (at *attempt) check(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
	p, err := at.verifyBearer(ctx, in.SecuritySchemeName)
	if err != nil {
		return err
	}
	if !p.HasScopes(in.Scopes) {
		return insufficientScope(in.Scopes)
	}
	at.verified[in.SecuritySchemeName] = p
	return nil
}

// verifyBearer verifies the request's bearer token, once per request: every
// bearer-carried scheme (http bearer, oauth2, openIdConnect) reads the same
// header.
func (at *attempt) verifyBearer(ctx context.Context, scheme string) (Principal, error) {
	if at.bearer == nil && at.bearErr == nil {
		token, perr := bearerToken(at.r)
		if perr != nil {
			at.bearErr = perr
		} else {
			p, err := at.a.verifier.Verify(ctx, Credential{Scheme: scheme, Token: token})
			if err != nil {
				at.bearErr = err
			} else {
				at.bearer = &p
			}
		}
	}
	if at.bearErr != nil {
		return Principal{}, at.bearErr
	}
	return *at.bearer, nil
}

// satisfied reports whether every scheme of req passed, and with whom.
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
		}
	}
	if best == nil {
		return fmt.Errorf("auth: security check failed without a reason: %w", err)
	}
	if best.Kind == InsufficientScope {
		best = insufficientScope(scopes)
	}
	return a.problem(best, srs)
}

// problem renders an authentication failure: status, code and challenge.
func (a *Authenticator) problem(e *Error, srs openapi3.SecurityRequirements) *problem.Error {
	var status int
	var code gen.ProblemCode
	var header string
	switch e.Kind {
	case Malformed:
		status, code = http.StatusBadRequest, gen.ProblemCodeInvalidRequest
		header = challenge(a.realm, "invalid_request", e.Description, nil)
	case Invalid, Expired:
		status, code = http.StatusUnauthorized, gen.ProblemCodeInvalidToken
		header = challenge(a.realm, "invalid_token", e.Description, nil)
	case InsufficientScope:
		status, code = http.StatusForbidden, gen.ProblemCodeInsufficientScope
		header = challenge(a.realm, "insufficient_scope", e.Description, e.Scopes)
	default:
		// RFC 6750 §3.1: no error code when the request had no credentials.
		status, code = http.StatusUnauthorized, gen.ProblemCodeMissingCredentials
		header = challenge(a.realm, "", "", nil)
	}
	return &problem.Error{
		Status: status,
		Code:   code,
		Detail: e.Description,
		Header: http.Header{"Www-Authenticate": {header}},
		Err:    e,
	}
}

// checkSchemes fails if any security requirement in doc names a scheme that
// is undeclared or that this server cannot check.
func checkSchemes(doc *openapi3.T) error {
	var schemes openapi3.SecuritySchemes
	if doc.Components != nil {
		schemes = doc.Components.SecuritySchemes
	}
	check := func(where string, srs openapi3.SecurityRequirements) error {
		for _, req := range srs {
			for name := range req {
				ref := schemes[name]
				if ref == nil || ref.Value == nil {
					return fmt.Errorf("auth: %s: security scheme %q is not declared", where, name)
				}
				if !bearerCarried(ref.Value) {
					return fmt.Errorf("auth: %s: security scheme %q (%s) is not supported by this server", where, name, describe(ref.Value))
				}
			}
		}
		return nil
	}
	if err := check("global security", doc.Security); err != nil {
		return err
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.Security == nil {
				continue
			}
			if err := check(method+" "+path, *op.Security); err != nil {
				return err
			}
		}
	}
	return nil
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
	return strings.TrimSpace(cmp.Or(s.Type, "no type") + " " + s.Scheme + s.In)
}
