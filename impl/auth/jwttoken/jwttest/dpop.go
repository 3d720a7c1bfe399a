package jwttest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"testing"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"

	"example.com/tasks/impl/auth/dpop"
)

// DPoPKey is a client's DPoP key pair (ES256).
type DPoPKey struct {
	priv *ecdsa.PrivateKey
	// JKT is the RFC 7638 thumbprint of the public key: the cnf.jkt of the
	// tokens bound to it.
	JKT string
}

// NewDPoPKey returns a new key pair.
func NewDPoPKey(t testing.TB) *DPoPKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	k := &DPoPKey{priv: priv}
	if k.JKT, err = dpop.Thumbprint(k.JWK(t, false)); err != nil {
		t.Fatal(err)
	}
	return k
}

// JWK returns the public key as a JWK, or the private one: what a careless
// or hostile client might put in a proof.
func (k *DPoPKey) JWK(t testing.TB, private bool) jwkset.JWKMarshal {
	t.Helper()
	var key any = &k.priv.PublicKey
	if private {
		key = k.priv
	}
	jwk, err := jwkset.NewJWKFromKey(key, jwkset.JWKOptions{Marshal: jwkset.JWKMarshalOptions{Private: private}})
	if err != nil {
		t.Fatal(err)
	}
	return jwk.Marshal()
}

// Bind returns c with cnf.jkt naming k: a DPoP-bound token's claims.
func (k *DPoPKey) Bind(c jwt.MapClaims) jwt.MapClaims {
	c["cnf"] = map[string]any{"jkt": k.JKT}
	return c
}

// Proof returns a DPoP proof (RFC 9449 §4.2) for a request to method and
// url with token (its ath; "" for none). edit, if not nil, changes the
// token (its header, its signing method) and the claims before signing:
// the forgeries. An HMAC method signs with a shared secret.
func (k *DPoPKey) Proof(t testing.TB, method, url, token string, edit func(tok *jwt.Token, claims jwt.MapClaims)) string {
	t.Helper()
	claims := jwt.MapClaims{"jti": rand.Text(), "htm": method, "htu": url, "iat": time.Now().Unix()}
	if token != "" {
		sum := sha256.Sum256([]byte(token))
		claims["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	tok.Header["typ"] = "dpop+jwt"
	tok.Header["jwk"] = k.JWK(t, false)
	if edit != nil {
		edit(tok, claims)
	}
	var key any = k.priv
	if _, hmac := tok.Method.(*jwt.SigningMethodHMAC); hmac {
		key = []byte("a shared secret")
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Resign signs claims of a proof with other's key but keeps k's jwk: a
// proof whose signature does not match its key.
func (k *DPoPKey) Resign(t testing.TB, other *DPoPKey, method, url, token string) string {
	t.Helper()
	return other.Proof(t, method, url, token, func(tok *jwt.Token, _ jwt.MapClaims) { tok.Header["jwk"] = k.JWK(t, false) })
}
