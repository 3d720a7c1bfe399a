package dpop_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"

	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/dpop"
	"example.com/tasks/impl/auth/idptest"
)

// TestThumbprint is RFC 7638 §3.1's example.
func TestThumbprint(t *testing.T) {
	t.Parallel()
	k := jwkset.JWKMarshal{
		KTY: jwkset.KtyRSA,
		E:   "AQAB",
		N: "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMs" +
			"tn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91" +
			"CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
		KID: "2011-04-29", // not part of the thumbprint
	}
	got, err := dpop.Thumbprint(k)
	if err != nil || got != "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs" {
		t.Errorf("Thumbprint = %q, %v", got, err)
	}
	if _, err := dpop.Thumbprint(jwkset.JWKMarshal{KTY: jwkset.KtyOct, K: "c2VjcmV0"}); err == nil {
		t.Error("a symmetric key has a thumbprint")
	}
}

const target = "https://api.example.com/v1/things"

func request(t *testing.T, proofs ...string) *http.Request {
	r := httptest.NewRequest("GET", target+"?page=2", nil)
	for _, p := range proofs {
		r.Header.Add("DPoP", p)
	}
	return r
}

// TestCheck: every check of RFC 9449 §4.3, each with a proof that fails it.
func TestCheck(t *testing.T) {
	t.Parallel()
	key, other := idptest.NewDPoPKey(t), idptest.NewDPoPKey(t)
	c, err := dpop.New(dpop.Config{PublicURL: "https://api.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	const token = "the-access-token"
	proof := func(edit func(*jwt.Token, jwt.MapClaims)) string { return key.Proof(t, "GET", target, token, edit) }
	claim := func(name string, v any) func(*jwt.Token, jwt.MapClaims) {
		return func(_ *jwt.Token, c jwt.MapClaims) {
			if v == nil {
				delete(c, name)
			} else {
				c[name] = v
			}
		}
	}
	header := func(name string, v any) func(*jwt.Token, jwt.MapClaims) {
		return func(tok *jwt.Token, _ jwt.MapClaims) {
			if v == nil {
				delete(tok.Header, name)
			} else {
				tok.Header[name] = v
			}
		}
	}
	tests := []struct {
		name    string
		req     *http.Request
		token   string
		wantErr string // "" for accepted
	}{
		{name: "valid, the query ignored", req: request(t, proof(nil))},
		{name: "htu normalised: case, default port", req: request(t, proof(claim("htu", "HTTPS://API.example.com:443/v1/things")))},
		{name: "htu with a query and a fragment", req: request(t, proof(claim("htu", target+"?x=1#f")))},
		{name: "no proof", req: request(t), wantErr: "send a DPoP proof"},
		{name: "two proofs", req: request(t, proof(nil), proof(nil)), wantErr: "exactly one DPoP header"},
		{name: "not a JWT", req: request(t, "not.a.jwt"), wantErr: "not a well-formed JWT"},
		{name: "typ JWT", req: request(t, proof(header("typ", "JWT"))), wantErr: "typ header must be dpop+jwt"},
		{name: "no jwk", req: request(t, proof(header("jwk", nil))), wantErr: "jwk header must be one public"},
		{name: "private key in jwk", req: request(t, proof(header("jwk", key.PrivateJWK(t)))), wantErr: "jwk header must be one public"},
		{name: "x5u to fetch", req: request(t, proof(func(tok *jwt.Token, _ jwt.MapClaims) {
			j := key.JWK()
			j.X5U = "https://evil.example/cert"
			tok.Header["jwk"] = j
		})), wantErr: "jwk header must be one public"},
		{name: "signed by another key", req: request(t, key.Resign(t, other, "GET", target, token)), wantErr: "signature does not verify"},
		{name: "alg none", req: request(t, proof(func(tok *jwt.Token, _ jwt.MapClaims) { tok.Header["alg"] = "none" })), wantErr: "algorithm is not accepted"},
		{name: "HS256", req: request(t, proof(func(tok *jwt.Token, _ jwt.MapClaims) {
			tok.Method = jwt.SigningMethodHS256
			tok.Header["alg"] = "HS256"
		})), wantErr: "algorithm is not accepted"},
		{name: "no jti", req: request(t, proof(claim("jti", nil))), wantErr: "lacks a required claim"},
		{name: "no iat", req: request(t, proof(claim("iat", nil))), wantErr: "lacks a required claim"},
		{name: "htm of another method", req: request(t, proof(claim("htm", "POST"))), wantErr: "htm does not match"},
		{name: "htu of another path", req: request(t, proof(claim("htu", "https://api.example.com/v1/other"))), wantErr: "htu does not match"},
		{name: "htu of the internal host", req: request(t, proof(claim("htu", "http://example.com/v1/things"))), wantErr: "htu does not match"},
		{name: "too old", req: request(t, proof(claim("iat", time.Now().Add(-2*time.Minute).Unix()))), wantErr: "too old"},
		{name: "from the future", req: request(t, proof(claim("iat", time.Now().Add(time.Minute).Unix()))), wantErr: "issued in the future"},
		{name: "no ath", req: request(t, proof(claim("ath", nil))), wantErr: "ath is not the hash"},
		{name: "ath of another token", req: request(t, proof(nil)), token: "another-token", wantErr: "ath is not the hash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tok := token
			if tt.token != "" {
				tok = tt.token
			}
			jkt, err := c.Check(tt.req, tok)
			if tt.wantErr == "" {
				if err != nil || jkt != key.JKT {
					t.Fatalf("Check = %q, %v; want %q", jkt, err, key.JKT)
				}
				return
			}
			var ae *auth.Error
			if !errors.As(err, &ae) || ae.Kind != auth.Invalid || ae.Code != "invalid_dpop_proof" || !strings.Contains(ae.Description, tt.wantErr) {
				t.Errorf("Check = %q, %v; want an invalid proof: %q", jkt, err, tt.wantErr)
			}
		})
	}
}

// TestReplay: a proof is accepted once; its jti is forgotten only when the
// proof is too old anyway; a full cache refuses rather than forgets.
func TestReplay(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	clock := time.Now()
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	key := idptest.NewDPoPKey(t)
	c, err := dpop.New(dpop.Config{PublicURL: "https://api.example.com", MaxAge: time.Minute, ReplayCacheSize: 2, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	p := key.Proof(t, "GET", target, "tok", nil)
	if _, err := c.Check(request(t, p), "tok"); err != nil {
		t.Fatal(err)
	}
	var ae *auth.Error
	if _, err := c.Check(request(t, p), "tok"); !errors.As(err, &ae) || !strings.Contains(ae.Description, "used before") {
		t.Fatalf("replay: %v", err)
	}
	if _, err := c.Check(request(t, key.Proof(t, "GET", target, "tok", nil)), "tok"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Check(request(t, key.Proof(t, "GET", target, "tok", nil)), "tok"); !errors.As(err, &ae) || ae.Kind != auth.Unavailable {
		t.Fatalf("a third proof with room for two: %v, want Unavailable", err)
	}
	mu.Lock()
	clock = clock.Add(2 * time.Minute)
	mu.Unlock()
	if _, err := c.Check(request(t, key.Proof(t, "GET", target, "tok", func(_ *jwt.Token, cl jwt.MapClaims) { cl["iat"] = now().Unix() })), "tok"); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	if _, err := c.Check(request(t, p), "tok"); !errors.As(err, &ae) || !strings.Contains(ae.Description, "too old") {
		t.Fatalf("the first proof after the window: %v, want too old", err)
	}
}

func TestConfig(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		cfg  dpop.Config
		want string
	}{
		{dpop.Config{Algorithms: []string{"HS256"}}, "cannot be allowed"},
		{dpop.Config{Algorithms: []string{}}, "empty"},
		{dpop.Config{PublicURL: "http://api.example.com"}, "must use https"},
	} {
		if _, err := dpop.New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) = %v, want %q", tt.cfg, err, tt.want)
		}
	}
}

// TestNonces: with nonces on, a proof needs one this server issued within
// MaxAge; each refusal hands out a fresh one.
func TestNonces(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	clock := time.Now()
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	key := idptest.NewDPoPKey(t)
	c, err := dpop.New(dpop.Config{PublicURL: "https://api.example.com", MaxAge: time.Minute, Nonces: true, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	other, err := dpop.New(dpop.Config{PublicURL: "https://api.example.com", Nonces: true})
	if err != nil {
		t.Fatal(err)
	}
	withNonce := func(n string) string {
		return key.Proof(t, "GET", target, "tok", func(_ *jwt.Token, cl jwt.MapClaims) { cl["nonce"] = n; cl["iat"] = now().Unix() })
	}
	// nonceFrom checks err asks for a nonce and returns the one it hands out.
	nonceFrom := func(err error, want string) string {
		t.Helper()
		var ae *auth.Error
		if !errors.As(err, &ae) || ae.Kind != auth.Invalid || ae.Code != "use_dpop_nonce" || !strings.Contains(ae.Description, want) {
			t.Fatalf("Check = %v, want use_dpop_nonce: %q", err, want)
		}
		n := ae.Header.Get("DPoP-Nonce")
		if n == "" {
			t.Fatal("no DPoP-Nonce header")
		}
		return n
	}

	_, err = c.Check(request(t, key.Proof(t, "GET", target, "tok", nil)), "tok")
	nonce := nonceFrom(err, "requires a nonce")
	if _, err := c.Check(request(t, withNonce(nonce)), "tok"); err != nil {
		t.Fatalf("with the nonce: %v", err)
	}
	if _, err := c.Check(request(t, withNonce(nonce)), "tok"); err != nil {
		t.Fatalf("the nonce again, in a new proof, within MaxAge: %v", err)
	}
	_, err = c.Check(request(t, withNonce("forged-nonce")), "tok")
	nonceFrom(err, "stale or not this server's")
	_, err = other.Check(request(t, withNonce(nonce)), "tok")
	nonceFrom(err, "stale or not this server's")

	mu.Lock()
	clock = clock.Add(2 * time.Minute)
	mu.Unlock()
	_, err = c.Check(request(t, withNonce(nonce)), "tok")
	fresh := nonceFrom(err, "stale")
	if _, err := c.Check(request(t, withNonce(fresh)), "tok"); err != nil {
		t.Fatalf("with the fresh nonce: %v", err)
	}
}
