package apitest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/statictoken"
	"example.com/tasks/impl/examples"
)

// Credentials are the tokens the conformance suite presents.
type Credentials struct {
	AllScopes string // valid, carrying every scope the spec's OAuth2 flows declare
	NoScopes  string // valid, carrying no scope
	Invalid   string // not valid
	// Proof signs a DPoP proof for req, presented with token: needed when
	// the spec declares an http scheme DPoP (the tokens are then bound to
	// its key).
	Proof func(req *http.Request, token string) string
}

// ConformanceTokens returns a verifier that accepts the Credentials it
// returns, with scopes taken from doc.
func ConformanceTokens(doc *openapi3.T) (*statictoken.Verifier, Credentials) {
	creds := Credentials{AllScopes: "conformance-all-scopes", NoScopes: "conformance-no-scopes", Invalid: "conformance-invalid"}
	var all []string
	var schemes openapi3.SecuritySchemes
	if doc.Components != nil { // a spec with public operations only may have none
		schemes = doc.Components.SecuritySchemes
	}
	for _, ref := range schemes {
		if ref.Value == nil || ref.Value.Flows == nil {
			continue
		}
		f := ref.Value.Flows
		for _, flow := range []*openapi3.OAuthFlow{f.Implicit, f.Password, f.ClientCredentials, f.AuthorizationCode} {
			if flow != nil {
				all = append(all, slices.Collect(maps.Keys(flow.Scopes))...)
			}
		}
	}
	slices.Sort(all)
	// One subject holds both tokens, so that what one creates the other may
	// read: ownership rules are not what the suite tests.
	file := fmt.Sprintf("tokens:\n  - {subject: conformance, scopes: [%s], sha256: %s}\n  - {subject: conformance, scopes: [], sha256: %s}\n",
		strings.Join(slices.Compact(all), ", "), statictoken.Digest(creds.AllScopes), statictoken.Digest(creds.NoScopes))
	v, err := statictoken.Parse([]byte(file))
	if err != nil {
		panic(err) // built from constants and the spec's scope names
	}
	return v, creds
}

// Finding is one way the server or its spec broke the contract.
type Finding struct {
	Operation string // e.g. "GET /tasks (listTasks)"
	Case      string // e.g. "no credentials"
	Problem   string
}

func (f Finding) String() string { return f.Operation + ": " + f.Case + ": " + f.Problem }

// Conformance walks every operation of doc and proves, from the spec alone
// (its examples, links and security), that h enforces the contract:
//
//   - a secured operation answers 401 with a challenge to no credentials;
//     and for each of its security requirements, presented as that
//     requirement's schemes expect: 401 invalid_token to a wrong credential,
//     403 to a valid one without the scopes the requirement names (a 2xx if
//     it names none), and a documented 2xx to one with every scope;
//   - a public operation never answers 401;
//   - when the challenges name RFC 9728 metadata (resource_metadata), they
//     all name one document, served where §3.1 says, whose resource is the
//     public URL and base path and whose scopes_supported lists the spec's
//     scopes;
//   - every response validates against the spec.
//
// Requests are built from examples, of optional parameters too, as Swagger
// UI's "Try it out" builds them. An operation with path parameters gets
// them from a link (`links` on another operation's response), following it
// first, so that a 2xx is possible: the spec says how to make the resource.
// When that operation has path parameters of its own, the link to it is
// followed before, and so on (a task, then its comment, then the delete of
// that comment); see links.go.
func Conformance(doc *openapi3.T, basePath string, h http.Handler, creds Credentials) []Finding {
	s := &suite{doc: doc, base: basePath, h: h, creds: creds, checker: NewChecker(doc, basePath), byID: map[string]operation{}}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for _, method := range slices.Sorted(maps.Keys(item.Operations())) {
			op := operation{method: method, path: path, item: item, op: item.GetOperation(method)}
			s.ops = append(s.ops, op)
			s.byID[op.op.OperationID] = op
		}
	}
	for _, op := range s.ops {
		s.check(op)
	}
	return s.findings
}

type operation struct {
	method, path string
	item         *openapi3.PathItem
	op           *openapi3.Operation
}

func (o operation) String() string {
	return fmt.Sprintf("%s %s (%s)", o.method, o.path, o.op.OperationID)
}

type suite struct {
	doc      *openapi3.T
	base     string
	h        http.Handler
	creds    Credentials
	checker  *Checker
	ops      []operation
	byID     map[string]operation
	findings []Finding
	metadata string // the RFC 9728 metadata URL the challenges name
}

func (s *suite) fail(op operation, c, format string, args ...any) {
	s.findings = append(s.findings, Finding{Operation: op.String(), Case: c, Problem: fmt.Sprintf(format, args...)})
}

func (s *suite) check(op operation) {
	reqs := auth.Requirements(s.doc, op.op)
	public := len(reqs) == 0 || slices.ContainsFunc(reqs, func(r openapi3.SecurityRequirement) bool { return len(r) == 0 })
	params, err := s.linkedParams(op)
	if err != nil {
		s.fail(op, "setup", "unreachable, so not checked: %v", err)
		return
	}
	send := func(c, token string, as openapi3.SecurityRequirement) (*httptest.ResponseRecorder, bool) {
		x, err := s.request(op, params, as, token)
		if err != nil {
			s.fail(op, c, "%v", err)
			return nil, false
		}
		rec := httptest.NewRecorder()
		s.h.ServeHTTP(rec, x.req)
		if err := s.checker.Check(x.req, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
			s.fail(op, c, "%v", err)
			return rec, false
		}
		return rec, true
	}

	if public {
		var as openapi3.SecurityRequirement
		if len(reqs) > 0 {
			as = reqs[0]
		}
		for c, token := range map[string]string{"public, no credentials": "", "public, wrong token": s.creds.Invalid} {
			if rec, ok := send(c, token, as); ok && rec.Code == http.StatusUnauthorized {
				s.fail(op, c, "a public operation answered 401")
			}
		}
		return
	}

	if rec, ok := send("no credentials", "", nil); ok {
		if rec.Code != http.StatusUnauthorized || rec.Header().Get("WWW-Authenticate") == "" {
			s.fail(op, "no credentials", "got %d with WWW-Authenticate %q, want 401 with a challenge", rec.Code, rec.Header().Get("WWW-Authenticate"))
		}
		s.checkMetadata(op, rec)
	}
	// Each requirement object is an alternative: prove each one.
	for _, req := range reqs {
		as := "as " + strings.Join(slices.Sorted(maps.Keys(req)), "+") + ": "
		if rec, ok := send(as+"wrong credential", s.creds.Invalid, req); ok {
			if rec.Code != http.StatusUnauthorized || !strings.Contains(strings.Join(rec.Header().Values("WWW-Authenticate"), ", "), `error="invalid_token"`) {
				s.fail(op, as+"wrong credential", "got %d with WWW-Authenticate %q, want 401 invalid_token", rec.Code, rec.Header().Values("WWW-Authenticate"))
			}
		}
		needsScopes := slices.ContainsFunc(slices.Collect(maps.Values(req)), func(scopes []string) bool { return len(scopes) > 0 })
		if rec, ok := send(as+"valid credential without scopes", s.creds.NoScopes, req); ok {
			switch {
			case needsScopes && rec.Code != http.StatusForbidden:
				s.fail(op, as+"valid credential without scopes", "got %d, want 403 insufficient_scope", rec.Code)
			case !needsScopes && (rec.Code < 200 || rec.Code > 299):
				s.fail(op, as+"valid credential without scopes", "got %d, want a 2xx: the requirement names no scope", rec.Code)
			}
		}
		if rec, ok := send(as+"credential with every scope", s.creds.AllScopes, req); ok && (rec.Code < 200 || rec.Code > 299) {
			hint := ""
			if rec.Code == http.StatusNotFound {
				hint = s.exampleHint(op, params)
			}
			s.fail(op, as+"credential with every scope", "got %d, want a documented 2xx (body %s)%s", rec.Code, strings.TrimSpace(rec.Body.String()), hint)
		}
	}
}

// request builds a request for op from its examples (what a link gave
// overrides them) and presents token as the schemes of requirement as
// expect.
func (s *suite) request(op operation, in linked, as openapi3.SecurityRequirement, token string) (*exchange, error) {
	path := op.path
	pathValues := map[string]string{}
	query := url.Values{}
	header := http.Header{}
	all := slices.Clone(op.op.Parameters)
	for _, p := range op.item.Parameters {
		if all.GetByInAndName(p.Value.In, p.Value.Name) == nil {
			all = append(all, p)
		}
	}
	for _, ref := range all {
		p := ref.Value
		value, given := in.param(p)
		if !given {
			// Optional parameters are sent too when they have an example:
			// Swagger UI's "Try it out" sends every example, so each must
			// be one the server accepts.
			ex, ok := examples.Parameter(p)
			switch {
			case !ok && p.Required:
				return nil, fmt.Errorf("required %s parameter %q has no example: give it one, or add a `links` entry to this operation from the response of an operation that returns it", p.In, p.Name)
			case !ok:
				continue
			}
			value = fmt.Sprint(ex)
		}
		switch p.In {
		case openapi3.ParameterInPath:
			path = strings.ReplaceAll(path, "{"+p.Name+"}", url.PathEscape(value))
			pathValues[p.Name] = value
		case openapi3.ParameterInQuery:
			query.Set(p.Name, value)
		case openapi3.ParameterInHeader:
			header.Set(p.Name, value)
		case openapi3.ParameterInCookie:
			header.Add("Cookie", (&http.Cookie{Name: p.Name, Value: value}).String())
		}
	}
	var body []byte
	if rb := op.op.RequestBody; rb != nil && rb.Value != nil {
		types := slices.Sorted(maps.Keys(rb.Value.Content))
		if slices.Contains(types, "application/json") {
			types = []string{"application/json"}
		}
		ex, ok := in.body, in.body != nil
		if !ok {
			ex, ok = examples.Media(rb.Value.Content[types[0]])
		}
		if !ok {
			return nil, fmt.Errorf("request body (%s) has no example", types[0])
		}
		var err error
		if body, err = json.Marshal(ex); err != nil {
			return nil, err
		}
		header.Set("Content-Type", types[0])
	}
	target := s.base + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	req := httptest.NewRequest(op.method, target, bytes.NewReader(body))
	maps.Copy(req.Header, header)
	if token != "" {
		s.present(req, as, token)
	}
	return &exchange{req: req, path: pathValues, body: body}, nil
}

// present puts token where each scheme of requirement req expects it.
func (s *suite) present(req *http.Request, r openapi3.SecurityRequirement, token string) {
	for name := range r {
		ref := s.doc.Components.SecuritySchemes[name]
		if ref == nil || ref.Value == nil {
			continue
		}
		switch sc := ref.Value; {
		case sc.Type == "apiKey" && sc.In == "header":
			req.Header.Set(sc.Name, token)
		case sc.Type == "apiKey" && sc.In == "query":
			q := req.URL.Query()
			q.Set(sc.Name, token)
			req.URL.RawQuery = q.Encode()
		case sc.Type == "apiKey" && sc.In == "cookie":
			req.AddCookie(&http.Cookie{Name: sc.Name, Value: token})
		case sc.Type == "http" && !strings.EqualFold(sc.Scheme, "bearer"): // DPoP, RFC 9449
			req.Header.Set("Authorization", sc.Scheme+" "+token)
			if s.creds.Proof != nil {
				req.Header.Set("DPoP", s.creds.Proof(req, token))
			}
		default: // http bearer, oauth2, openIdConnect
			req.Header.Set("Authorization", "Bearer "+token)
		}
	}
}
