// Package idptest is a local identity provider for tests: a JWKS endpoint on
// httptest whose keys can be rotated, and which can be taken down or made to
// hang, an OpenID Connect discovery document, and a signer for tokens with
// any header and claims, forged ones included.
package idptest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

// Audience is the audience of every Issuer's tokens.
const Audience = "tasks-api"

// Key is a signing key. Only published keys are in the JWKS.
type Key struct {
	ID     string
	Method jwt.SigningMethod
	signer crypto.Signer
}

// Public returns the PEM of the public key, as an attacker would find it.
func (k *Key) Public(t testing.TB) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(k.signer.Public())
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// AccessTokenTyp is the typ header of RFC 9068 access tokens.
const AccessTokenTyp = "at+jwt"

// Sign returns an access token: claims signed by k, with k's kid and
// `typ: at+jwt` (RFC 9068) in the header.
func (k *Key) Sign(t testing.TB, claims jwt.Claims) string {
	t.Helper()
	return k.SignTyp(t, AccessTokenTyp, claims)
}

// SignTyp is Sign with another typ header ("" for none): an ID token says
// "JWT", a provider that ignores RFC 9068 says "JWT" or nothing.
func (k *Key) SignTyp(t testing.TB, typ string, claims jwt.Claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(k.Method, claims)
	tok.Header["kid"] = k.ID
	if typ == "" {
		delete(tok.Header, "typ")
	} else {
		tok.Header["typ"] = typ
	}
	s, err := tok.SignedString(k.signer)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// NewKey returns a new ES256 key, or an RS256 one for rsa (one RSA key per
// test binary: generating them is slow).
func NewKey(t testing.TB, kid string, rsaKey bool) *Key {
	t.Helper()
	if rsaKey {
		return &Key{ID: kid, Method: jwt.SigningMethodRS256, signer: sharedRSA(t)}
	}
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &Key{ID: kid, Method: jwt.SigningMethodES256, signer: priv}
}

var rsaOnce = sync.OnceValues(func() (*rsa.PrivateKey, error) { return rsa.GenerateKey(rand.Reader, 2048) })

func sharedRSA(t testing.TB) *rsa.PrivateKey {
	k, err := rsaOnce()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Issuer is an identity provider's JWKS endpoint.
type Issuer struct {
	URL       string // the JWKS URL
	Name      string // the iss of its tokens
	Discovery string // the OpenID Connect discovery URL

	// Introspection is the RFC 7662 endpoint, for the opaque tokens Opaque
	// issues; it takes IntrospectionClientID and IntrospectionSecret.
	Introspection string

	mu        sync.Mutex
	jwks      []byte
	discovery map[string]any
	opaque    map[string]map[string]any // active opaque tokens and their answers
	answer    []byte                    // non-nil: every introspection gets it

	introspections atomic.Int64
	down           bool
	hang           chan struct{} // non-nil: requests wait until it is closed

	fetches atomic.Int64
	fetched chan struct{}
}

// NewIssuer starts an issuer that publishes keys.
func NewIssuer(t testing.TB, keys ...*Key) *Issuer {
	t.Helper()
	iss := &Issuer{fetched: make(chan struct{}, 1)}
	iss.Publish(t, keys...)
	srv := httptest.NewServer(http.HandlerFunc(iss.serve))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { iss.Hang(false) }) // runs first: let hung requests end
	iss.URL = srv.URL + "/.well-known/jwks.json"
	iss.Name = srv.URL + "/"
	iss.Discovery = srv.URL + "/.well-known/openid-configuration"
	iss.Introspection = srv.URL + "/introspect"
	iss.opaque = map[string]map[string]any{}
	iss.discovery = map[string]any{
		"issuer":                                iss.Name,
		"jwks_uri":                              iss.URL,
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"ES256", "RS256"},
		"introspection_endpoint":                iss.Introspection,
	}
	return iss
}

// EditDiscovery changes the discovery document (a nil value removes a member).
func (iss *Issuer) EditDiscovery(edit map[string]any) {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	for k, v := range edit {
		if v == nil {
			delete(iss.discovery, k)
		} else {
			iss.discovery[k] = v
		}
	}
}

func (iss *Issuer) serve(w http.ResponseWriter, r *http.Request) {
	iss.mu.Lock()
	down, hang, jwks := iss.down, iss.hang, iss.jwks
	iss.mu.Unlock()
	var body []byte
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		iss.mu.Lock()
		body, _ = json.Marshal(iss.discovery)
		iss.mu.Unlock()
	case "/introspect":
		iss.introspections.Add(1)
	default:
		iss.fetches.Add(1)
		select {
		case iss.fetched <- struct{}{}:
		default:
		}
		body = jwks
	}
	if hang != nil {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
		return
	}
	if down {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	if r.URL.Path == "/introspect" {
		iss.introspect(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(body)
}

// Publish replaces the key set: a rotation.
func (iss *Issuer) Publish(t testing.TB, keys ...*Key) {
	t.Helper()
	var set jwkset.JWKSMarshal
	for _, k := range keys {
		jwk, err := jwkset.NewJWKFromKey(k.signer.Public(), jwkset.JWKOptions{
			Metadata: jwkset.JWKMetadataOptions{KID: k.ID, ALG: jwkset.ALG(k.Method.Alg()), USE: jwkset.UseSig},
		})
		if err != nil {
			t.Fatal(err)
		}
		set.Keys = append(set.Keys, jwk.Marshal())
	}
	data, err := json.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	iss.mu.Lock()
	defer iss.mu.Unlock()
	iss.jwks = data
}

// Down makes the endpoint answer 503 (or serve again).
func (iss *Issuer) Down(down bool) {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	iss.down = down
}

// Hang makes the endpoint accept requests and never answer (or answer again).
func (iss *Issuer) Hang(hang bool) {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	switch {
	case hang && iss.hang == nil:
		iss.hang = make(chan struct{})
	case !hang && iss.hang != nil:
		close(iss.hang)
		iss.hang = nil
	}
}

// Fetches reports how many times the JWKS was requested.
func (iss *Issuer) Fetches() int64 { return iss.fetches.Load() }

// WaitFetches blocks until the JWKS has been requested at least n times.
func (iss *Issuer) WaitFetches(t testing.TB, n int64) {
	t.Helper()
	for iss.fetches.Load() < n {
		select {
		case <-iss.fetched:
		case <-time.After(30 * time.Second):
			t.Fatalf("the JWKS was fetched %d times, never %d", iss.fetches.Load(), n)
		}
	}
}

// Claims returns the claims of a valid token for sub with scope (a
// space-delimited list, "" for none).
func (iss *Issuer) Claims(sub, scope string) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{
		"iss": iss.Name,
		"aud": Audience,
		"sub": sub,
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": now.Add(time.Hour).Unix(),
	}
	if scope != "" {
		c["scope"] = scope
	}
	return c
}

// ClientID is the client every Issuer's ID tokens are issued to.
const ClientID = "test-client"

// IDToken returns an OpenID Connect ID token for sub signed by k, as iss
// would issue it to a client that logs a user in: typ JWT, aud the client
// and the API (some providers add the API), a nonce and an auth_time.
func (iss *Issuer) IDToken(t testing.TB, k *Key, sub string) string {
	t.Helper()
	c := iss.Claims(sub, "")
	c["aud"] = []string{ClientID, Audience}
	c["azp"] = ClientID
	c["nonce"] = "n-0S6_WzA2Mj"
	c["auth_time"] = time.Now().Unix()
	return k.SignTyp(t, "JWT", c)
}
