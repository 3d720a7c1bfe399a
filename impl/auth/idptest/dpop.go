package idptest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"testing"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"

	"example.com/tasks/impl/auth/dpop"
)

// DPoPKey is a client's DPoP key pair (ES256), signing with dpop.Signer.
type DPoPKey struct {
	*dpop.Signer
	priv *ecdsa.PrivateKey
}

// NewDPoPKey returns a new key pair.
func NewDPoPKey(t testing.TB) *DPoPKey {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := dpop.NewSigner(priv, jwt.SigningMethodES256)
	if err != nil {
		t.Fatal(err)
	}
	return &DPoPKey{Signer: s, priv: priv}
}

// PrivateJWK returns the private key as a JWK: what a careless or hostile
// client might put in a proof.
func (k *DPoPKey) PrivateJWK(t testing.TB) jwkset.JWKMarshal {
	t.Helper()
	jwk, err := jwkset.NewJWKFromKey(k.priv, jwkset.JWKOptions{Marshal: jwkset.JWKMarshalOptions{Private: true}})
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

// Proof returns a proof for a request to method and url with token (its
// ath; "" for none). edit, if not nil, changes the token (its header, its
// signing method) and the claims before signing: the forgeries. An HMAC
// method signs with a shared secret.
func (k *DPoPKey) Proof(t testing.TB, method, url, token string, edit func(*jwt.Token, jwt.MapClaims)) string {
	t.Helper()
	tok := k.Unsigned(method, url, token)
	if edit != nil {
		edit(tok, tok.Claims.(jwt.MapClaims))
	}
	var key any = k.priv
	if _, hmac := tok.Method.(*jwt.SigningMethodHMAC); hmac {
		key = []byte("a shared secret")
	}
	p, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Resign signs a proof with other's key but carries k's jwk: a proof whose
// signature does not match its key.
func (k *DPoPKey) Resign(t testing.TB, other *DPoPKey, method, url, token string) string {
	t.Helper()
	return other.Proof(t, method, url, token, func(tok *jwt.Token, _ jwt.MapClaims) { tok.Header["jwk"] = k.JWK() })
}
