package dpop_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/golang-jwt/jwt/v5"

	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/dpop"
	"example.com/tasks/impl/auth/idptest"
)

type verifierFunc func(context.Context, auth.Credential) (auth.Principal, error)

func (f verifierFunc) Verify(ctx context.Context, c auth.Credential) (auth.Principal, error) {
	return f(ctx, c)
}

var dpopScheme = openapi3.NewSecurityScheme().WithType("http").WithScheme("DPoP")

// fixedClock is a moment for the Checker's clock; proofs are issued at it.
var fixedClock = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// proofAt returns key's proof for GET target with token, issued at now.
func proofAt(t *testing.T, key *idptest.DPoPKey, token string, now time.Time, edit func(jwt.MapClaims)) string {
	return key.Proof(t, "GET", target, token, func(_ *jwt.Token, c jwt.MapClaims) {
		c["iat"] = now.Unix()
		if edit != nil {
			edit(c)
		}
	})
}

func dpopRequest(authz string, proofs ...string) *http.Request {
	r := request(nil, proofs...)
	if authz != "" {
		r.Header.Set("Authorization", authz)
	}
	return r
}

// TestSchemeAuthenticate: RFC 9449 §7.1 for one request: a DPoP token, a
// proof that checks out for it, a token that verifies and is bound to the
// proof's key.
func TestSchemeAuthenticate(t *testing.T) {
	t.Parallel()
	key, other := idptest.NewDPoPKey(t), idptest.NewDPoPKey(t)
	expired := auth.Errorf(auth.Expired, "the token has expired")
	var verified []auth.Credential
	v := verifierFunc(func(_ context.Context, c auth.Credential) (auth.Principal, error) {
		verified = append(verified, c)
		switch c.Token {
		case "bound":
			return auth.Principal{Subject: "alice", Scopes: []string{"a"}, JKT: key.JKT}, nil
		case "unbound":
			return auth.Principal{Subject: "alice"}, nil
		case "bound-to-other":
			return auth.Principal{Subject: "alice", JKT: other.JKT}, nil
		case "expired":
			return auth.Principal{}, expired
		}
		return auth.Principal{}, auth.ErrUnknown
	})
	c, err := dpop.New(dpop.Config{PublicURL: "https://api.example.com", Now: func() time.Time { return fixedClock }})
	if err != nil {
		t.Fatal(err)
	}
	s := c.Scheme(v)(dpopScheme)
	if s == nil {
		t.Fatal("no Scheme for http DPoP")
	}
	proof := func(token string) string { return proofAt(t, key, token, fixedClock, nil) }
	const (
		proofErr = "invalid_dpop_proof"
		tokenErr = "" // the kind's own code: invalid_token
	)
	tests := []struct {
		name     string
		req      *http.Request
		want     string // subject
		wantKind auth.Kind
		wantCode string
		wantDesc string
		verified bool // the token reached the verifier
	}{
		{name: "bound token, good proof", req: dpopRequest("DPoP bound", proof("bound")), want: "alice", verified: true},
		{name: "scheme name in lower case", req: dpopRequest("dpop bound", proof("bound")), want: "alice", verified: true},
		{name: "no Authorization", req: dpopRequest("", proof("bound")), wantKind: auth.Missing, wantDesc: "needs a DPoP-bound token"},
		{name: "a Bearer token", req: dpopRequest("Bearer bound", proof("bound")), wantKind: auth.Missing},
		{name: "DPoP without a token", req: dpopRequest("DPoP", proof("bound")), wantKind: auth.Malformed},
		{name: "no proof", req: dpopRequest("DPoP bound"), wantKind: auth.Invalid, wantCode: proofErr, wantDesc: "send a DPoP proof"},
		{name: "two proofs", req: dpopRequest("DPoP bound", proof("bound"), proof("bound")), wantKind: auth.Invalid, wantCode: proofErr},
		{name: "proof for another token", req: dpopRequest("DPoP bound", proof("unbound")), wantKind: auth.Invalid, wantCode: proofErr, wantDesc: "ath"},
		{name: "proof signed by another key", req: dpopRequest("DPoP bound", key.Resign(t, other, "GET", target, "bound")), wantKind: auth.Invalid, wantCode: proofErr},
		{name: "old proof", req: dpopRequest("DPoP bound", proofAt(t, key, "bound", fixedClock.Add(-2*time.Minute), nil)), wantKind: auth.Invalid, wantCode: proofErr, wantDesc: "too old"},
		{name: "token not bound", req: dpopRequest("DPoP unbound", proof("unbound")), wantKind: auth.Invalid, wantCode: tokenErr, wantDesc: "not bound to a DPoP key", verified: true},
		{name: "token bound to another key", req: dpopRequest("DPoP bound-to-other", proof("bound-to-other")), wantKind: auth.Invalid, wantCode: tokenErr, wantDesc: "bound to another key", verified: true},
		{name: "token bound to the key of another proof", req: dpopRequest("DPoP bound", other.Proof(t, "GET", target, "bound", func(_ *jwt.Token, c jwt.MapClaims) { c["iat"] = fixedClock.Unix() })), wantKind: auth.Invalid, wantCode: tokenErr, wantDesc: "bound to another key", verified: true},
		{name: "expired token", req: dpopRequest("DPoP expired", proof("expired")), wantKind: auth.Expired, wantDesc: "expired", verified: true},
		{name: "unknown token", req: dpopRequest("DPoP nope", proof("nope")), wantKind: auth.Invalid, wantDesc: "not recognised", verified: true},
	}
	for _, tt := range tests {
		verified = nil
		p, err := s.Authenticate(context.Background(), tt.req, "dpopAuth")
		if got := len(verified) == 1; got != tt.verified {
			t.Errorf("%s: verifier asked %v, want %v", tt.name, verified, tt.verified)
		} else if got && verified[0].Scheme != "dpopAuth" {
			t.Errorf("%s: verifier given %+v", tt.name, verified[0])
		}
		if tt.wantKind == 0 {
			if err != nil || p.Subject != tt.want || p.JKT != key.JKT {
				t.Errorf("%s: %+v, %v; want %q", tt.name, p, err, tt.want)
			}
			continue
		}
		var ae *auth.Error
		if !errors.As(err, &ae) || ae.Kind != tt.wantKind || ae.Code != tt.wantCode || !strings.Contains(ae.Description, tt.wantDesc) || p.Subject != "" {
			t.Errorf("%s: %+v, %v; want %v (code %q): %q", tt.name, p, err, tt.wantKind, tt.wantCode, tt.wantDesc)
		}
	}
}

// TestSchemeReplayAndNonce: the scheme hands on the Checker's refusals as
// they are: a replayed proof, a nonce to use (with the DPoP-Nonce header),
// a full replay cache (Unavailable, with Retry-After).
func TestSchemeReplayAndNonce(t *testing.T) {
	t.Parallel()
	key := idptest.NewDPoPKey(t)
	v := verifierFunc(func(context.Context, auth.Credential) (auth.Principal, error) {
		return auth.Principal{Subject: "alice", JKT: key.JKT}, nil
	})
	clock := func() time.Time { return fixedClock }
	c, err := dpop.New(dpop.Config{PublicURL: "https://api.example.com", ReplayCacheSize: 2, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	s := c.Scheme(v)(dpopScheme)
	p := proofAt(t, key, "tok", fixedClock, nil)
	if _, err := s.Authenticate(context.Background(), dpopRequest("DPoP tok", p), "d"); err != nil {
		t.Fatal(err)
	}
	_, err = s.Authenticate(context.Background(), dpopRequest("DPoP tok", p), "d")
	if ae := asAuth(t, err); ae.Kind != auth.Invalid || ae.Code != "invalid_dpop_proof" || !strings.Contains(ae.Description, "used before") {
		t.Errorf("replay: %v", err)
	}
	if _, err := s.Authenticate(context.Background(), dpopRequest("DPoP tok", proofAt(t, key, "tok", fixedClock, nil)), "d"); err != nil {
		t.Fatal(err)
	}
	_, err = s.Authenticate(context.Background(), dpopRequest("DPoP tok", proofAt(t, key, "tok", fixedClock, nil)), "d")
	if ae := asAuth(t, err); ae.Kind != auth.Unavailable || ae.RetryAfter <= 0 || ae.RetryAfter%time.Second != 0 {
		t.Errorf("full cache: %+v, want Unavailable with a whole-second Retry-After", err)
	}

	withNonces, err := dpop.New(dpop.Config{PublicURL: "https://api.example.com", Nonces: true, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	s = withNonces.Scheme(v)(dpopScheme)
	_, err = s.Authenticate(context.Background(), dpopRequest("DPoP tok", proofAt(t, key, "tok", fixedClock, nil)), "d")
	ae := asAuth(t, err)
	nonce := ae.Header.Get("DPoP-Nonce")
	if ae.Kind != auth.Invalid || ae.Code != "use_dpop_nonce" || nonce == "" {
		t.Fatalf("no nonce: %+v, want use_dpop_nonce with a DPoP-Nonce", ae)
	}
	withNonce := proofAt(t, key, "tok", fixedClock, func(c jwt.MapClaims) { c["nonce"] = nonce })
	if got, err := s.Authenticate(context.Background(), dpopRequest("DPoP tok", withNonce), "d"); err != nil || got.Subject != "alice" {
		t.Errorf("with the nonce: %+v, %v", got, err)
	}
}

func asAuth(t *testing.T, err error) *auth.Error {
	t.Helper()
	var ae *auth.Error
	if !errors.As(err, &ae) {
		t.Fatalf("%v (%T), want an *auth.Error", err, err)
	}
	return ae
}

// TestSchemeFunc: the Checker serves http DPoP schemes only, one Scheme for
// all of them, with the challenge's algs and the headers a browser needs.
func TestSchemeFunc(t *testing.T) {
	t.Parallel()
	c, err := dpop.New(dpop.Config{Algorithms: []string{"ES256", "EdDSA"}})
	if err != nil {
		t.Fatal(err)
	}
	f := c.Scheme(nil)
	s := f(dpopScheme)
	if s == nil || f(openapi3.NewSecurityScheme().WithType("http").WithScheme("dpop")) != s {
		t.Fatal("http DPoP schemes are not one Scheme")
	}
	for _, ss := range []*openapi3.SecurityScheme{openapi3.NewJWTSecurityScheme(), {Type: "oauth2"}, openapi3.NewSecurityScheme().WithType("apiKey").WithIn("header").WithName("DPoP")} {
		if f(ss) != nil {
			t.Errorf("serves %s %s", ss.Type, ss.Scheme)
		}
	}
	i := s.Info()
	if i.AuthScheme != "DPoP" || !i.OAuth || len(i.Trail) != 1 || i.Trail[0] != (auth.Param{Name: "algs", Value: "ES256 EdDSA"}) {
		t.Errorf("Info = %+v", i)
	}
	if strings.Join(i.RequestHeaders, ",") != "DPoP" || strings.Join(i.ResponseHeaders, ",") != "DPoP-Nonce" {
		t.Errorf("headers %v, %v", i.RequestHeaders, i.ResponseHeaders)
	}
}

// TestBoundTokenThroughAuthenticator: with Bearer and DPoP both accepted,
// a bound token passes with its proof and is refused as a Bearer token.
func TestBoundTokenThroughAuthenticator(t *testing.T) {
	t.Parallel()
	key := idptest.NewDPoPKey(t)
	v := verifierFunc(func(_ context.Context, c auth.Credential) (auth.Principal, error) {
		if c.Token == "bound" {
			return auth.Principal{Subject: "alice", JKT: key.JKT}, nil
		}
		return auth.Principal{}, auth.ErrUnknown
	})
	c, err := dpop.New(dpop.Config{PublicURL: "https://api.example.com", Now: func() time.Time { return fixedClock }})
	if err != nil {
		t.Fatal(err)
	}
	doc := &openapi3.T{
		OpenAPI:  "3.0.3",
		Paths:    openapi3.NewPaths(),
		Security: openapi3.SecurityRequirements{{"dpop": {}}, {"bearer": {}}},
		Components: &openapi3.Components{SecuritySchemes: openapi3.SecuritySchemes{
			"dpop":   {Value: dpopScheme},
			"bearer": {Value: openapi3.NewJWTSecurityScheme()},
		}},
	}
	a, err := auth.New(doc, auth.Bearer(v), c.Scheme(v))
	if err != nil {
		t.Fatal(err)
	}
	pol := a.Policy(&openapi3.Operation{})
	p, ok, err := a.Authenticate(context.Background(), dpopRequest("DPoP bound", proofAt(t, key, "bound", fixedClock, nil)), pol)
	if err != nil || !ok || p.Subject != "alice" {
		t.Errorf("with its proof: %+v, %v, %v", p, ok, err)
	}
	_, _, err = a.Authenticate(context.Background(), dpopRequest("Bearer bound"), pol)
	if ae := asAuth(t, err); ae.Kind != auth.Invalid || !strings.Contains(ae.Description, "DPoP-bound") || ae.Culprit == nil || ae.Culprit.AuthScheme != "Bearer" {
		t.Errorf("as a bearer token: %+v", ae)
	}
	if ae := asAuth(t, err); len(ae.Challenges) != 2 || ae.Challenges[0].AuthScheme != "Bearer" || ae.Challenges[1].AuthScheme != "DPoP" {
		t.Errorf("challenges %+v, want Bearer then DPoP", ae.Challenges)
	}
}
