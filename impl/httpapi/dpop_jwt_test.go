package httpapi_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/golang-jwt/jwt/v5"

	"example.com/tasks/gen"
	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/dpop"
	"example.com/tasks/impl/auth/idptest"
	"example.com/tasks/impl/auth/jwttoken"
	"example.com/tasks/impl/auth/protectedresource"
)

// TestDPoP: a spec whose operations accept a bearer token or, as an
// alternative, a DPoP-bound one (http scheme DPoP), served behind a public
// URL. Every check of RFC 9449 §7 through the real router, for JWTs
// (dpop_introspect_test.go has the introspected opaque tokens).
func TestDPoP(t *testing.T) {
	t.Parallel()
	const public = "https://api.example.com"
	k := idptest.NewKey(t, "k", false)
	iss := idptest.NewIssuer(t, k)
	proofs, err := dpop.New(dpop.Config{PublicURL: public})
	tokens := iss.Verifier(t, jwttoken.Config{})
	if err != nil {
		t.Fatal(err)
	}
	doc := apitest.EditedSpec(t, "dpopAuth", &openapi3.SecurityScheme{Type: "http", Scheme: "DPoP"}, false)
	if !dpop.Declared(doc) {
		t.Fatal("the edited spec declares no DPoP scheme")
	}
	srv := apitest.NewServer(t, apitest.Config{
		Spec:     doc,
		Verifier: tokens,
		Schemes:  []auth.SchemeFunc{proofs.Scheme(tokens)},
		Metadata: &protectedresource.Config{PublicURL: public, DPoPAlgorithms: proofs.Algorithms()},
	})
	path := scopedGET(t, doc)
	base := strings.TrimPrefix(srv.API, srv.URL)
	htu := public + base + path
	all := strings.Join(allScopes(doc), " ")

	key, thief := idptest.NewDPoPKey(t), idptest.NewDPoPKey(t)
	bound := k.Sign(t, key.Bind(iss.Claims("alice", all)))
	boundNoScopes := k.Sign(t, key.Bind(iss.Claims("alice", "")))
	unbound := k.Sign(t, iss.Claims("alice", all))
	replayed := key.Proof(t, "GET", htu, bound, nil)

	tests := []struct {
		name       string
		authz      string
		proof      string // "" for none
		wantCode   int
		wantChall  string // a substring of the challenges
		firstProof bool   // send proof once before (a replay)
	}{
		{"DPoP-bound JWT with its proof", "DPoP " + bound, key.Proof(t, "GET", htu, bound, nil), http.StatusOK, "", false},
		{"the same JWT as Bearer", "Bearer " + bound, "", http.StatusUnauthorized, `error="invalid_token", error_description="the token is DPoP-bound: send it with Authorization: DPoP and a DPoP proof"`, false},
		{"an unbound token as Bearer still works", "Bearer " + unbound, "", http.StatusOK, "", false},
		{"DPoP without a proof", "DPoP " + bound, "", http.StatusUnauthorized, `error="invalid_dpop_proof", error_description="send a DPoP proof in the DPoP header"`, false},
		{"a proof by the thief's key", "DPoP " + bound, thief.Proof(t, "GET", htu, bound, nil), http.StatusUnauthorized, `error="invalid_token", error_description="the token is bound to another key than the one that signed the DPoP proof"`, false},
		{"an unbound token as DPoP", "DPoP " + unbound, key.Proof(t, "GET", htu, unbound, nil), http.StatusUnauthorized, `error_description="the token is not bound to a DPoP key`, false},
		{"a replayed proof", "DPoP " + bound, replayed, http.StatusUnauthorized, `error="invalid_dpop_proof", error_description="the DPoP proof was used before`, true},
		{"a proof for the internal URL", "DPoP " + bound, key.Proof(t, "GET", srv.API+path, bound, nil), http.StatusUnauthorized, `error_description="the DPoP proof's htu does not match the request URL"`, false},
		{"a proof for another token", "DPoP " + bound, key.Proof(t, "GET", htu, unbound, nil), http.StatusUnauthorized, `error_description="the DPoP proof's ath is not the hash of the access token"`, false},
		{"a bound token without the scope", "DPoP " + boundNoScopes, key.Proof(t, "GET", htu, boundNoScopes, nil), http.StatusForbidden, `error="insufficient_scope"`, false},
		{"no credentials: a DPoP challenge with algs", "", "", http.StatusUnauthorized, `, algs="` + strings.Join(proofs.Algorithms(), " ") + `", resource_metadata="` + public + `/.well-known/oauth-protected-resource`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			send := func() (*http.Response, string) {
				req, _ := http.NewRequest("GET", srv.API+path, nil)
				if tt.authz != "" {
					req.Header.Set("Authorization", tt.authz)
				}
				if tt.proof != "" {
					req.Header.Set("DPoP", tt.proof)
				}
				resp, err := srv.HTTP.Do(req) // checked against the spec
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				raw, _ := io.ReadAll(resp.Body)
				return resp, string(raw)
			}
			if tt.firstProof {
				if resp, body := send(); resp.StatusCode != http.StatusOK {
					t.Fatalf("the proof's first use: %d %s", resp.StatusCode, body)
				}
			}
			resp, body := send()
			challenges := strings.Join(resp.Header.Values("WWW-Authenticate"), " | ")
			if resp.StatusCode != tt.wantCode || !strings.Contains(challenges, tt.wantChall) {
				t.Errorf("%d %q\nwant %d with %q\n%s", resp.StatusCode, challenges, tt.wantCode, tt.wantChall, body)
			}
			if tt.wantCode == http.StatusUnauthorized && !strings.Contains(challenges, "DPoP realm=") {
				t.Errorf("a 401 without a DPoP challenge: %q", challenges)
			}
			for _, secret := range []string{bound, tt.proof} {
				if secret != "" && (strings.Contains(body, secret) || strings.Contains(challenges, secret)) {
					t.Error("the response repeats a credential")
				}
			}
		})
	}
	logs := srv.Logs.String()
	for _, secret := range []string{bound, replayed} {
		if strings.Contains(logs, secret) {
			t.Error("the log holds a credential")
		}
	}

	// The metadata says which proof algorithms are accepted.
	resp, err := srv.HTTP.Get(srv.URL + "/.well-known/oauth-protected-resource" + base)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(raw), `"dpop_signing_alg_values_supported": [`) {
		t.Errorf("metadata without dpop_signing_alg_values_supported:\n%s", raw)
	}
}

// TestDPoPSchemeNeedsAChecker: a spec that declares DPoP is refused when
// the server cannot check proofs, rather than leave the operations open or
// shut.
func TestDPoPSchemeNeedsAChecker(t *testing.T) {
	t.Parallel()
	doc := apitest.EditedSpec(t, "dpopAuth", &openapi3.SecurityScheme{Type: "http", Scheme: "DPoP"}, true)
	if _, err := auth.New(doc, auth.Bearer(apitest.Tokens())); err == nil || !strings.Contains(err.Error(), `"dpopAuth" (http DPoP) is not supported`) {
		t.Errorf("auth.New = %v", err)
	}
}

// TestGeneratedClientWithDPoP is the client's side of the DPoP flow, with
// the generated Go client over real HTTP: a token bound to the client's
// key (dpop.Signer.JKT; a real client gets it from its authorization
// server by sending a proof to the token endpoint), then each request with
// Signer.Editor, which signs a fresh proof for it.
func TestGeneratedClientWithDPoP(t *testing.T) {
	t.Parallel()
	k := idptest.NewKey(t, "k", false)
	iss := idptest.NewIssuer(t, k)
	proofs, err := dpop.New(dpop.Config{}) // the server faces its clients: htu is the URL it sees
	if err != nil {
		t.Fatal(err)
	}
	doc := apitest.EditedSpec(t, "dpopAuth", &openapi3.SecurityScheme{Type: "http", Scheme: "DPoP"}, false)
	srv := apitest.NewServer(t, dpopConfig(t, doc, iss, proofs))

	key := idptest.NewDPoPKey(t)
	token := k.Sign(t, key.Bind(iss.Claims("alice", strings.Join(allScopes(doc), " "))))
	signer := key.Signer // what a client program holds: dpop.NewSigner(privateKey, jwt.SigningMethodES256)

	c, err := gen.NewClientWithResponses(srv.API, gen.WithHTTPClient(srv.HTTP))
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	created, err := c.CreateTaskWithResponse(ctx, gen.NewTask{Title: "bound"}, signer.Editor(token))
	if err != nil || created.JSON201 == nil {
		t.Fatalf("create with DPoP: %v %d %s", err, created.StatusCode(), created.Body)
	}
	me, err := c.GetMeWithResponse(ctx, signer.Editor(token))
	if err != nil || me.JSON200 == nil || me.JSON200.Subject != "alice" {
		t.Fatalf("GET /me with DPoP: %v %s", err, me.Body)
	}
	// The same token as a bearer token: refused (RFC 9449 §7.2).
	stolen, err := c.GetMeWithResponse(ctx, apitest.Bearer(token))
	if err != nil || stolen.ApplicationproblemJSON401 == nil || !strings.Contains(stolen.HTTPResponse.Header.Get("WWW-Authenticate"), "the token is DPoP-bound") {
		t.Fatalf("GET /me with the bound token as Bearer: %v %d %s", err, stolen.StatusCode(), stolen.Body)
	}
	// The same token and a proof signed by another key: refused.
	thief := idptest.NewDPoPKey(t).Signer
	if r, err := c.GetMeWithResponse(ctx, thief.Editor(token)); err != nil || r.StatusCode() != http.StatusUnauthorized {
		t.Fatalf("GET /me with the thief's proof: %v %d", err, r.StatusCode())
	}
}

// TestDPoPNonce: with server-provided nonces on, the first request gets
// 401 use_dpop_nonce and a DPoP-Nonce; the retry with it passes.
func TestDPoPNonce(t *testing.T) {
	t.Parallel()
	k := idptest.NewKey(t, "k", false)
	iss := idptest.NewIssuer(t, k)
	proofs, err := dpop.New(dpop.Config{Nonces: true})
	if err != nil {
		t.Fatal(err)
	}
	doc := apitest.EditedSpec(t, "dpopAuth", &openapi3.SecurityScheme{Type: "http", Scheme: "DPoP"}, true)
	srv := apitest.NewServer(t, dpopConfig(t, doc, iss, proofs))
	key := idptest.NewDPoPKey(t)
	token := k.Sign(t, key.Bind(iss.Claims("alice", strings.Join(allScopes(doc), " "))))
	url := srv.API + scopedGET(t, doc)
	send := func(nonce string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "DPoP "+token)
		req.Header.Set("DPoP", key.Proof(t, "GET", url, token, func(_ *jwt.Token, c jwt.MapClaims) {
			if nonce != "" {
				c["nonce"] = nonce
			}
		}))
		resp, err := srv.HTTP.Do(req) // checked against the spec
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	first := send("")
	nonce := first.Header.Get("DPoP-Nonce")
	if ch := first.Header.Get("WWW-Authenticate"); first.StatusCode != http.StatusUnauthorized || nonce == "" || !strings.Contains(ch, `DPoP realm=`) || !strings.Contains(ch, `error="use_dpop_nonce"`) {
		t.Fatalf("without a nonce: %d, DPoP-Nonce %q, %q", first.StatusCode, nonce, ch)
	}
	if retry := send(nonce); retry.StatusCode != http.StatusOK {
		t.Fatalf("with the server's nonce: %d %q", retry.StatusCode, retry.Header.Values("WWW-Authenticate"))
	}
}

// dpopConfig is a server for doc that takes the JWTs of iss as bearer tokens
// and, with their proofs, as DPoP tokens.
func dpopConfig(t *testing.T, doc *openapi3.T, iss *idptest.Issuer, proofs *dpop.Checker) apitest.Config {
	jwts := iss.Verifier(t, jwttoken.Config{})
	return apitest.Config{Spec: doc, Verifier: jwts, Schemes: []auth.SchemeFunc{proofs.Scheme(jwts)}}
}

// TestConformanceWithDPoP runs the suite on the spec with every bearer
// requirement turned into an http scheme DPoP: DPoP-bound JWTs, each
// request with a fresh proof.
func TestConformanceWithDPoP(t *testing.T) {
	t.Parallel()
	k := idptest.NewKey(t, "k", false)
	iss := idptest.NewIssuer(t, k)
	doc := apitest.EditedSpec(t, "dpopAuth", &openapi3.SecurityScheme{Type: "http", Scheme: "DPoP"}, true)
	key := idptest.NewDPoPKey(t)
	scopes := strings.Join(allScopes(doc), " ")
	creds := apitest.Credentials{
		AllScopes: k.Sign(t, key.Bind(iss.Claims("conformance", scopes))),
		NoScopes:  k.Sign(t, key.Bind(iss.Claims("conformance", ""))),
		Invalid:   "conformance-invalid",
		Proof: func(req *http.Request, token string) string {
			return key.Proof(t, req.Method, "http://"+req.Host+req.URL.EscapedPath(), token, nil)
		},
	}
	proofs, err := dpop.New(dpop.Config{})
	if err != nil {
		t.Fatal(err)
	}
	jwts := iss.Verifier(t, jwttoken.Config{})
	h := newInProcessWith(t, apitest.Config{Spec: doc, Verifier: jwts, Schemes: []auth.SchemeFunc{proofs.Scheme(jwts)}, APIKeys: keysFor(t, creds)})
	for _, f := range apitest.Conformance(doc, doc.Servers[0].URL, h.h, creds) {
		t.Error(f)
	}
}
