package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// The tests here build their own small specs: nothing in them depends on
// the names, realm or scopes of openapi.yaml, which a fork renames.

// stub is a Scheme whose answer the test chooses, counting its calls. It
// serves the apiKey scheme whose header name is its key in stubs.
type stub struct {
	info   *Info
	calls  atomic.Int32
	answer func(r *http.Request) (Principal, error)
}

func (s *stub) Info() *Info { return s.info }

func (s *stub) Authenticate(_ context.Context, r *http.Request, _ string) (Principal, error) {
	s.calls.Add(1)
	return s.answer(r)
}

// stubs serves each apiKey scheme whose name (the header) is a key of m.
func stubs(m map[string]*stub) SchemeFunc {
	return func(s *openapi3.SecurityScheme) Scheme {
		if st, ok := m[s.Name]; ok && s.Type == "apiKey" {
			return st
		}
		return nil
	}
}

// failing returns a stub that always fails with err.
func failing(typ string, err error) *stub {
	return &stub{info: &Info{Type: typ, AuthScheme: "X-" + typ}, answer: func(*http.Request) (Principal, error) { return Principal{}, err }}
}

// passing returns a stub that always passes as p.
func passing(typ string, p Principal) *stub {
	return &stub{info: &Info{Type: typ, AuthScheme: "X-" + typ}, answer: func(*http.Request) (Principal, error) { return p, nil }}
}

// countingVerifier is a mapVerifier that counts its calls.
type countingVerifier struct {
	m     mapVerifier
	calls atomic.Int32
}

func (c *countingVerifier) Verify(ctx context.Context, cred Credential) (Principal, error) {
	c.calls.Add(1)
	return c.m.Verify(ctx, cred)
}

// rq builds a security requirement object: name, scopes, name, scopes…
func rq(pairs ...any) openapi3.SecurityRequirement {
	r := openapi3.SecurityRequirement{}
	for i := 0; i < len(pairs); i += 2 {
		r[pairs[i].(string)] = pairs[i+1].([]string)
	}
	return r
}

var noScopes = []string{}

// testDoc returns a spec declaring schemes, with global security global and
// one GET operation per entry of ops (/op0, /op1…), whose security is the
// entry (nil: the global one). It returns the operations too.
func testDoc(schemes openapi3.SecuritySchemes, global openapi3.SecurityRequirements, ops ...*openapi3.SecurityRequirements) (*openapi3.T, []*openapi3.Operation) {
	doc := &openapi3.T{OpenAPI: "3.0.3", Paths: openapi3.NewPaths(), Security: global, Components: &openapi3.Components{SecuritySchemes: schemes}}
	var out []*openapi3.Operation
	for i, srs := range ops {
		op := &openapi3.Operation{Security: srs, Responses: openapi3.NewResponses()}
		doc.Paths.Set(fmt.Sprintf("/op%d", i), &openapi3.PathItem{Get: op})
		out = append(out, op)
	}
	return doc, out
}

func apiKeyIn(header string) *openapi3.SecuritySchemeRef {
	return &openapi3.SecuritySchemeRef{Value: openapi3.NewSecurityScheme().WithType("apiKey").WithIn("header").WithName(header)}
}

// stubSchemes declares one apiKey scheme per name, its header the name.
func stubSchemes(names ...string) openapi3.SecuritySchemes {
	out := openapi3.SecuritySchemes{}
	for _, n := range names {
		out[n] = apiKeyIn(n)
	}
	return out
}

func srs(rs ...openapi3.SecurityRequirement) *openapi3.SecurityRequirements {
	out := openapi3.SecurityRequirements(rs)
	return &out
}

func get(headers map[string]string) *http.Request {
	r := httptest.NewRequest("GET", "/", nil)
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	return r
}

// authError returns err as an *Error, failing the test if it is not one.
func authError(t *testing.T, err error) *Error {
	t.Helper()
	var ae *Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v (%T), want an *auth.Error", err, err)
	}
	return ae
}

// TestAuthenticateRequirements: the spec's security rules, as the HTTP
// edge asks for them: global default and per-operation override, `security:
// []` public, `- {}` anonymous, OR across requirement objects, AND inside
// one, scopes, and who the principal is.
func TestAuthenticateRequirements(t *testing.T) {
	t.Parallel()
	schemes := openapi3.SecuritySchemes{
		"bearerAuth": {Value: openapi3.NewJWTSecurityScheme()},
		"oauth":      {Value: &openapi3.SecurityScheme{Type: "oauth2"}},
		"appKey":     apiKeyIn("X-Key"), // sorts before bearerAuth: AND must still name the user
	}
	v := mapVerifier{
		"tok-a":     {Subject: "alice", Scopes: []string{"a"}},
		"tok-ab":    {Subject: "bob", Scopes: []string{"a", "b"}},
		"tok-bound": {Subject: "thief", Scopes: []string{"a", "b"}, JKT: "some-thumbprint"},
		"key-1":     {Subject: "app"},
	}
	const (
		global   = -1
		missing  = Missing
		public   = Kind(-1) // ok false, no error
		tokA     = "Bearer tok-a"
		badToken = "Bearer nope"
	)
	bearer := rq("bearerAuth", noScopes)
	key := rq("appKey", noScopes)
	tests := []struct {
		name     string
		security *openapi3.SecurityRequirements // nil: the global [bearerAuth]
		authz    string                         // Authorization
		key      string                         // X-Key
		want     string                         // the principal's subject, when it passes
		wantKind Kind                           // when it does not; public: passes anonymously
	}{
		{name: "global: nothing sent", wantKind: missing},
		{name: "global: token", authz: tokA, want: "alice"},
		{name: "global: bad token", authz: badToken, wantKind: Invalid},
		{name: "global: API key not accepted", key: "key-1", wantKind: missing},
		{name: "override: key only", security: srs(key), key: "key-1", want: "app"},
		{name: "override: the global scheme no longer accepted", security: srs(key), authz: tokA, wantKind: missing},
		{name: "public: nothing sent", security: srs(), wantKind: public},
		{name: "public: a bad token is not even looked at", security: srs(), authz: "Bearer", wantKind: public},
		{name: "anonymous alternative: nothing sent", security: srs(bearer, rq()), wantKind: public},
		{name: "anonymous alternative: token", security: srs(bearer, rq()), authz: tokA, want: "alice"},
		{name: "anonymous alternative: bad token", security: srs(bearer, rq()), authz: badToken, wantKind: public},
		{name: "OR: token", security: srs(bearer, key), authz: tokA, want: "alice"},
		{name: "OR: key", security: srs(bearer, key), key: "key-1", want: "app"},
		{name: "OR: bad token, good key", security: srs(bearer, key), authz: badToken, key: "key-1", want: "app"},
		{name: "OR: nothing", security: srs(bearer, key), wantKind: missing},
		{name: "AND: token only", security: srs(rq("bearerAuth", noScopes, "appKey", noScopes)), authz: tokA, wantKind: missing},
		{name: "AND: key only", security: srs(rq("bearerAuth", noScopes, "appKey", noScopes)), key: "key-1", wantKind: missing},
		{name: "AND: both, the token names the user", security: srs(rq("bearerAuth", noScopes, "appKey", noScopes)), authz: tokA, key: "key-1", want: "alice"},
		{name: "AND: token and a bad key", security: srs(rq("bearerAuth", noScopes, "appKey", noScopes)), authz: tokA, key: "nope", wantKind: Invalid},
		{name: "AND: key and a bad token", security: srs(rq("bearerAuth", noScopes, "appKey", noScopes)), authz: badToken, key: "key-1", wantKind: Invalid},
		{name: "scopes: all held", security: srs(rq("oauth", []string{"a", "b"})), authz: "Bearer tok-ab", want: "bob"},
		{name: "scopes: one lacking", security: srs(rq("oauth", []string{"a", "b"})), authz: tokA, wantKind: InsufficientScope},
		{name: "scopes: OR of two", security: srs(rq("oauth", []string{"b"}), rq("oauth", []string{"a"})), authz: tokA, want: "alice"},
		{name: "scopes: AND of two schemes", security: srs(rq("oauth", []string{"a"}, "bearerAuth", []string{"b"})), authz: tokA, wantKind: InsufficientScope},
		{name: "key-bound token as Bearer", authz: "Bearer tok-bound", wantKind: Invalid},
		{name: "malformed header", authz: "Bearer a b", wantKind: Malformed},
		{name: "token in the query string", authz: "", wantKind: Malformed},
	}
	ops := make([]*openapi3.SecurityRequirements, len(tests))
	for i, tt := range tests {
		ops[i] = tt.security
	}
	doc, operations := testDoc(schemes, openapi3.SecurityRequirements{bearer}, ops...)
	a, err := New(doc, Bearer(v), headerKeys(v))
	if err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := get(nil)
			if tt.name == "token in the query string" {
				r = httptest.NewRequest("GET", "/?access_token=tok-a", nil)
			}
			if tt.authz != "" {
				r.Header.Set("Authorization", tt.authz)
			}
			if tt.key != "" {
				r.Header.Set("X-Key", tt.key)
			}
			p, ok, err := a.Authenticate(context.Background(), r, a.Policy(operations[i]))
			switch {
			case tt.want != "":
				if err != nil || !ok || p.Subject != tt.want {
					t.Fatalf("Authenticate = %+v, %v, %v; want %q", p, ok, err, tt.want)
				}
			case tt.wantKind == public:
				if err != nil || ok || p.Subject != "" {
					t.Fatalf("Authenticate = %+v, %v, %v; want anonymous", p, ok, err)
				}
			default:
				if ok || p.Subject != "" {
					t.Errorf("Authenticate passed as %+v, %v", p, ok)
				}
				if ae := authError(t, err); ae.Kind != tt.wantKind {
					t.Fatalf("Authenticate = %v, want kind %v", err, tt.wantKind)
				}
			}
		})
	}
}

// TestFailureRank: when every requirement fails, the answer is the failure
// that helps most (400 over 403 over 401 over missing), whatever order the
// requirements come in; a tie goes to the first. Its scheme is the Culprit.
func TestFailureRank(t *testing.T) {
	t.Parallel()
	mk := func(k Kind) error { return &Error{Kind: k, Description: "stub " + k.String(), Scopes: []string{"s"}} }
	tests := []struct {
		first, second, want Kind
		wantFirst           bool // the culprit is the first scheme
	}{
		{Malformed, InsufficientScope, Malformed, true},
		{InsufficientScope, Malformed, Malformed, false},
		{Malformed, Invalid, Malformed, true},
		{Missing, Malformed, Malformed, false},
		{InsufficientScope, Invalid, InsufficientScope, true},
		{Expired, InsufficientScope, InsufficientScope, false},
		{Invalid, Missing, Invalid, true},
		{Missing, Invalid, Invalid, false},
		{Missing, Expired, Expired, false},
		{Expired, Invalid, Expired, true},
		{Invalid, Expired, Invalid, true},
		{Missing, Missing, Missing, false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%v then %v", tt.first, tt.second), func(t *testing.T) {
			t.Parallel()
			one, two := failing("one", mk(tt.first)), failing("two", mk(tt.second))
			doc, ops := testDoc(stubSchemes("s1", "s2"), nil, srs(rq("s1", noScopes), rq("s2", noScopes)))
			a, err := New(doc, stubs(map[string]*stub{"s1": one, "s2": two}))
			if err != nil {
				t.Fatal(err)
			}
			_, _, err = a.Authenticate(context.Background(), get(nil), a.Policy(ops[0]))
			ae := authError(t, err)
			if ae.Kind != tt.want {
				t.Fatalf("kind %v, want %v", ae.Kind, tt.want)
			}
			switch {
			case tt.want == Missing:
				if ae.Culprit != nil {
					t.Errorf("culprit %v for missing credentials, want none", ae.Culprit.Type)
				}
			case tt.wantFirst && ae.Culprit != one.info, !tt.wantFirst && ae.Culprit != two.info:
				t.Errorf("culprit %v, want the first: %v", ae.Culprit, tt.wantFirst)
			}
			if len(ae.Challenges) != 2 {
				t.Errorf("challenges %v, want both schemes", ae.Challenges)
			}
		})
	}
}

// TestMissingNamesEveryAlternative: a request that sent nothing is told
// what each requirement accepts, and gets a challenge for each scheme.
func TestMissingNamesEveryAlternative(t *testing.T) {
	t.Parallel()
	key := failing("api_key", &Error{Kind: Missing})
	key.info.Needs = "an API key"
	doc, ops := testDoc(openapi3.SecuritySchemes{
		"bearerAuth": {Value: openapi3.NewJWTSecurityScheme()},
		"key":        apiKeyIn("key"),
	}, nil, srs(rq("key", noScopes), rq("bearerAuth", noScopes), rq("bearerAuth", noScopes, "key", noScopes)))
	a, err := New(doc, Bearer(mapVerifier{}), stubs(map[string]*stub{"key": key}))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = a.Authenticate(context.Background(), get(nil), a.Policy(ops[0]))
	ae := authError(t, err)
	if ae.Kind != Missing || ae.Description != "this operation needs an API key or a bearer token or a bearer token and an API key" {
		t.Errorf("missing: %q", ae.Description)
	}
	if len(ae.Challenges) != 2 || ae.Challenges[0] != bearerInfo || ae.Challenges[1] != key.info || ae.Culprit != nil {
		t.Errorf("challenges %v, culprit %v; want Bearer then the key, no culprit", ae.Challenges, ae.Culprit)
	}
}

// TestInsufficientScopeListsTheUnion: a token that lacks scopes for every
// requirement is told every scope that would do, once each, in the spec's
// order, and the required ones, not only those it lacks.
func TestInsufficientScopeListsTheUnion(t *testing.T) {
	t.Parallel()
	v := mapVerifier{"tok-a": {Subject: "alice", Scopes: []string{"a"}}}
	doc, ops := testDoc(openapi3.SecuritySchemes{
		"oauth":  {Value: &openapi3.SecurityScheme{Type: "oauth2"}},
		"bearer": {Value: openapi3.NewJWTSecurityScheme()},
	}, nil,
		srs(rq("oauth", []string{"a", "b"}), rq("bearer", []string{"c", "a"}), rq("oauth", []string{"d"})),
		srs(rq("oauth", []string{"a", "b"})),
	)
	a, err := New(doc, Bearer(v))
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range [][]string{{"a", "b", "c", "d"}, {"a", "b"}} {
		_, _, err := a.Authenticate(context.Background(), get(map[string]string{"Authorization": "Bearer tok-a"}), a.Policy(ops[i]))
		ae := authError(t, err)
		if ae.Kind != InsufficientScope || !slices.Equal(ae.Scopes, want) {
			t.Errorf("op %d: %v with scopes %v, want insufficient scope %v", i, ae.Kind, ae.Scopes, want)
		}
		if !strings.HasSuffix(ae.Description, strings.Join(want, " ")) {
			t.Errorf("op %d: description %q does not name %v", i, ae.Description, want)
		}
		if ae.Culprit != bearerInfo || len(ae.Challenges) != 1 || ae.Challenges[0] != bearerInfo {
			t.Errorf("op %d: culprit %v, challenges %v", i, ae.Culprit, ae.Challenges)
		}
	}
}

// TestChallengesBearerFirst: whatever order the spec names its schemes
// in, the challenges list the bearer token first, other OAuth schemes next,
// then the rest in the spec's order, each once; the culprit is the scheme
// that failed.
func TestChallengesBearerFirst(t *testing.T) {
	t.Parallel()
	zKey := failing("z_key", Errorf(Invalid, "bad z key"))
	aKey := failing("a_key", &Error{Kind: Missing})
	dpopLike := failing("dpop", &Error{Kind: Missing})
	dpopLike.info.OAuth = true
	doc, ops := testDoc(openapi3.SecuritySchemes{
		"zz":     apiKeyIn("zz"),
		"aa":     apiKeyIn("aa"),
		"dp":     apiKeyIn("dp"),
		"bearer": {Value: openapi3.NewJWTSecurityScheme()},
		"oauth":  {Value: &openapi3.SecurityScheme{Type: "oauth2"}},
	}, nil, srs(rq("zz", noScopes), rq("dp", noScopes), rq("oauth", noScopes), rq("aa", noScopes), rq("bearer", noScopes)))
	a, err := New(doc, Bearer(mapVerifier{}), stubs(map[string]*stub{"zz": zKey, "aa": aKey, "dp": dpopLike}))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = a.Authenticate(context.Background(), get(nil), a.Policy(ops[0]))
	ae := authError(t, err)
	want := []*Info{bearerInfo, dpopLike.info, zKey.info, aKey.info}
	if !slices.Equal(ae.Challenges, want) {
		t.Errorf("challenges %v, want %v", types(ae.Challenges), types(want))
	}
	if ae.Kind != Invalid || ae.Culprit != zKey.info {
		t.Errorf("%v from %v, want the z key's invalid credentials", ae, ae.Culprit)
	}
}

func types(infos []*Info) []string {
	var out []string
	for _, i := range infos {
		out = append(out, i.Type)
	}
	return out
}

// TestSharedErrorIsNotMutated: verifiers return shared *Error values (such
// as ErrUnknown); the Authenticator sets challenges on a copy, or one
// operation's challenges would leak into another's answer, racily.
func TestSharedErrorIsNotMutated(t *testing.T) {
	t.Parallel()
	shared := &Error{Kind: Invalid, Description: "shared"}
	keyShared := &Error{Kind: Expired, Description: "shared too"}
	v := verifierFunc(func(context.Context, Credential) (Principal, error) { return Principal{}, shared })
	key := failing("api_key", keyShared)
	doc, ops := testDoc(openapi3.SecuritySchemes{
		"bearer": {Value: openapi3.NewJWTSecurityScheme()},
		"key":    apiKeyIn("key"),
	}, nil, srs(rq("bearer", noScopes)), srs(rq("key", noScopes)), srs(rq("key", noScopes), rq("bearer", noScopes)))
	a, err := New(doc, Bearer(v), stubs(map[string]*stub{"key": key}))
	if err != nil {
		t.Fatal(err)
	}
	for i, op := range ops {
		_, _, err := a.Authenticate(context.Background(), get(map[string]string{"Authorization": "Bearer x"}), a.Policy(op))
		ae := authError(t, err)
		if ae == shared || ae == keyShared {
			t.Errorf("op %d: the verifier's own error was returned", i)
		}
		if ae.Challenges == nil || ae.Culprit == nil {
			t.Errorf("op %d: challenges %v, culprit %v", i, ae.Challenges, ae.Culprit)
		}
	}
	if shared.Challenges != nil || shared.Culprit != nil || keyShared.Challenges != nil || keyShared.Culprit != nil {
		t.Errorf("a shared verifier error was changed: %+v, %+v", shared, keyShared)
	}
	if ErrUnknown.Challenges != nil || ErrUnknown.Culprit != nil || errNoBearer.Challenges != nil {
		t.Error("a package-level error was changed")
	}
}

type verifierFunc func(context.Context, Credential) (Principal, error)

func (f verifierFunc) Verify(ctx context.Context, c Credential) (Principal, error) { return f(ctx, c) }

// TestFailsClosed: a verifier that cannot decide (Unavailable) or failed
// (any other error) decides the answer, whatever else failed more helpfully:
// never a 4xx that would make a client drop a good credential, never a pass.
func TestFailsClosed(t *testing.T) {
	t.Parallel()
	down := &Error{Kind: Unavailable, Description: "the identity provider is down"}
	boom := errors.New("boom")
	for _, tt := range []struct {
		name string
		err  error
	}{
		{"unavailable", down},
		{"verifier failure", boom},
		{"wrapped verifier failure", fmt.Errorf("introspect: %w", boom)},
	} {
		for _, first := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s, first %v", tt.name, first), func(t *testing.T) {
				t.Parallel()
				broken, malformed := failing("broken", tt.err), failing("malformed", Errorf(Malformed, "bad"))
				order := srs(rq("s1", noScopes), rq("s2", noScopes))
				if !first {
					order = srs(rq("s2", noScopes), rq("s1", noScopes))
				}
				doc, ops := testDoc(stubSchemes("s1", "s2"), nil, order)
				a, err := New(doc, stubs(map[string]*stub{"s1": broken, "s2": malformed}))
				if err != nil {
					t.Fatal(err)
				}
				var outcome Outcome
				a.Observe(func(_ context.Context, o Outcome) { outcome = o })
				p, ok, err := a.Authenticate(context.Background(), get(nil), a.Policy(ops[0]))
				if ok || p.Subject != "" || !errors.Is(err, tt.err) {
					t.Fatalf("Authenticate = %+v, %v, %v; want %v", p, ok, err, tt.err)
				}
				if err != tt.err {
					t.Errorf("error %v rewrapped or copied", err)
				}
				if !outcome.Undecided || outcome.Result() != "error" || outcome.Type != "broken" {
					t.Errorf("outcome %+v", outcome)
				}
			})
		}
	}
}

// TestVerifiedOncePerRequest: a credential that several schemes or
// requirements read is verified once per request (a remote introspection
// is not repeated), and once more for the next request.
func TestVerifiedOncePerRequest(t *testing.T) {
	t.Parallel()
	v := &countingVerifier{m: mapVerifier{"tok-b": {Subject: "bob", Scopes: []string{"b"}}}}
	doc, ops := testDoc(openapi3.SecuritySchemes{
		"bearer": {Value: openapi3.NewJWTSecurityScheme()},
		"oauth":  {Value: &openapi3.SecurityScheme{Type: "oauth2"}},
		"oidc":   {Value: &openapi3.SecurityScheme{Type: "openIdConnect"}},
	}, nil,
		srs(rq("oauth", []string{"a"}), rq("oidc", []string{"c"}), rq("bearer", []string{"b"})),
		srs(rq("oauth", []string{"b"}, "oidc", []string{"b"}, "bearer", noScopes)),
		srs(rq("oauth", []string{"a"}), rq("bearer", []string{"z"})),
	)
	a, err := New(doc, Bearer(v))
	if err != nil {
		t.Fatal(err)
	}
	for i, op := range ops {
		before := v.calls.Load()
		_, _, err := a.Authenticate(context.Background(), get(map[string]string{"Authorization": "Bearer tok-b"}), a.Policy(op))
		if (err == nil) != (i < 2) {
			t.Errorf("op %d: %v", i, err)
		}
		if n := v.calls.Load() - before; n != 1 {
			t.Errorf("op %d: the token was verified %d times in one request", i, n)
		}
	}
}

// TestSchemesAndCredentialHeaders: each scheme once, Bearer first, then
// OAuth, then the rest; the credential headers Authorization first, then
// each scheme's, canonical, once.
func TestSchemesAndCredentialHeaders(t *testing.T) {
	t.Parallel()
	keyA := passing("key_a", Principal{})
	keyA.info.RequestHeaders = []string{"x-key-a"}
	keyB := passing("key_b", Principal{})
	keyB.info.RequestHeaders = []string{"X-Key-B", "authorization"}
	dp := passing("dpop", Principal{})
	dp.info.OAuth, dp.info.RequestHeaders = true, []string{"DPoP", "x-key-a"}
	doc, _ := testDoc(openapi3.SecuritySchemes{
		"a":      apiKeyIn("a"),
		"a2":     apiKeyIn("a"), // the same Scheme under two names
		"b":      apiKeyIn("b"),
		"dp":     apiKeyIn("dp"),
		"zz":     {Value: openapi3.NewJWTSecurityScheme()},
		"unused": apiKeyIn("unused"),
	}, openapi3.SecurityRequirements{rq("a", noScopes), rq("b", noScopes, "a2", noScopes), rq("dp", noScopes), rq("zz", noScopes)})
	a, err := New(doc, Bearer(mapVerifier{}), stubs(map[string]*stub{"a": keyA, "b": keyB, "dp": dp}))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := types(a.Schemes()), []string{"bearer", "dpop", "key_a", "key_b"}; !slices.Equal(got, want) {
		t.Errorf("Schemes = %v, want %v", got, want)
	}
	if got, want := a.CredentialHeaders(), []string{"Authorization", "Dpop", "X-Key-A", "X-Key-B"}; !slices.Equal(got, want) {
		t.Errorf("CredentialHeaders = %v, want %v", got, want)
	}
}

// TestNewRefusesUnknownSchemes: a requirement naming a scheme that is not
// declared, or that no SchemeFunc serves, is an error at start-up, never an
// operation left open.
func TestNewRefusesUnknownSchemes(t *testing.T) {
	t.Parallel()
	schemes := openapi3.SecuritySchemes{
		"bearer": {Value: openapi3.NewJWTSecurityScheme()},
		"basic":  {Value: openapi3.NewSecurityScheme().WithType("http").WithScheme("basic")},
		"query":  {Value: openapi3.NewSecurityScheme().WithType("apiKey").WithIn("query").WithName("k")},
	}
	for _, tt := range []struct {
		name   string
		global openapi3.SecurityRequirements
		op     *openapi3.SecurityRequirements
		want   string
	}{
		{"undeclared, global", openapi3.SecurityRequirements{rq("nope", noScopes)}, nil, `global security: security scheme "nope" is not declared`},
		{"undeclared, per operation", nil, srs(rq("bearer", noScopes), rq("nope", noScopes)), `GET /op0: security scheme "nope" is not declared`},
		{"http basic", nil, srs(rq("basic", noScopes)), `"basic" (http basic) is not supported`},
		{"apiKey in query", openapi3.SecurityRequirements{rq("query", noScopes)}, nil, "only in: header is supported"},
	} {
		doc, _ := testDoc(schemes, tt.global, tt.op)
		if _, err := New(doc, Bearer(mapVerifier{})); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: New = %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestOutcome: metrics see who decided and how, never who the caller is.
func TestOutcome(t *testing.T) {
	t.Parallel()
	for o, want := range map[Outcome]string{
		{}:                                   "ok",
		{Kind: Missing}:                      "missing",
		{Kind: Malformed}:                    "malformed",
		{Kind: Invalid}:                      "invalid",
		{Kind: Expired}:                      "expired",
		{Kind: InsufficientScope}:            "insufficient_scope",
		{Kind: Unavailable, Undecided: true}: "error",
	} {
		if got := o.Result(); got != want {
			t.Errorf("%+v.Result() = %q, want %q", o, got, want)
		}
	}
	v := mapVerifier{"tok": {Subject: "alice"}, "key": {Subject: "app"}}
	doc, ops := testDoc(openapi3.SecuritySchemes{
		"bearer": {Value: openapi3.NewJWTSecurityScheme()},
		"k":      apiKeyIn("X-Key"),
	}, nil, srs(rq("bearer", noScopes, "k", noScopes)), srs(rq("k", noScopes)), srs())
	a, err := New(doc, Bearer(v), headerKeys(v))
	if err != nil {
		t.Fatal(err)
	}
	var got []Outcome
	a.Observe(func(_ context.Context, o Outcome) { got = append(got, o) })
	both := map[string]string{"Authorization": "Bearer tok", "X-Key": "key"}
	for _, op := range ops {
		_, _, _ = a.Authenticate(context.Background(), get(both), a.Policy(op))
	}
	_, _, _ = a.Authenticate(context.Background(), get(nil), a.Policy(ops[1]))
	want := []Outcome{{Type: "bearer"}, {Type: "api_key"}, {Type: "api_key", Kind: Missing, Reason: ReasonMissing}}
	if !slices.Equal(got, want) {
		t.Errorf("outcomes %+v, want %+v (nothing for the public operation)", got, want)
	}
}
