package dpop

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
)

// Signer is the client side: it holds a DPoP private key and signs a proof
// for each request. A client asks its authorization server for a token
// bound to Signer.JKT (sending a proof to the token endpoint), then sends
// that token with Editor.
type Signer struct {
	key    crypto.Signer
	method jwt.SigningMethod
	jwk    jwkset.JWKMarshal
	// JKT is the thumbprint of the public key: the cnf.jkt of bound tokens.
	JKT string
}

// NewSigner returns a Signer for key (ECDSA, RSA or Ed25519) with method,
// e.g. jwt.SigningMethodES256.
func NewSigner(key crypto.Signer, method jwt.SigningMethod) (*Signer, error) {
	j, err := jwkset.NewJWKFromKey(key.Public(), jwkset.JWKOptions{})
	if err != nil {
		return nil, fmt.Errorf("dpop: %w", err)
	}
	s := &Signer{key: key, method: method, jwk: j.Marshal()}
	if s.JKT, err = Thumbprint(s.jwk); err != nil {
		return nil, err
	}
	return s, nil
}

// JWK returns the public key as the proofs carry it.
func (s *Signer) JWK() jwkset.JWKMarshal { return s.jwk }

// Proof returns a proof (RFC 9449 §4.2) for a request to method and url
// (its query and fragment are ignored by the server) presented with token
// ("" at the token endpoint, where there is none yet).
func (s *Signer) Proof(method, url, token string) (string, error) {
	return s.Unsigned(method, url, token).SignedString(s.key)
}

// Unsigned returns the proof Proof would sign: its header and claims, for
// a caller that changes them first (tests forge proofs so).
func (s *Signer) Unsigned(method, url, token string) *jwt.Token {
	claims := jwt.MapClaims{"jti": rand.Text(), "htm": method, "htu": url, "iat": time.Now().Unix()}
	if token != "" {
		sum := sha256.Sum256([]byte(token))
		claims["ath"] = base64.RawURLEncoding.EncodeToString(sum[:])
	}
	tok := jwt.NewWithClaims(s.method, claims)
	tok.Header["typ"] = "dpop+jwt"
	tok.Header["jwk"] = s.jwk
	return tok
}

// Editor returns a request editor (the generated client's RequestEditorFn
// signature) that sends token as `Authorization: DPoP` with a fresh proof
// for each request. The proof's htu is the request's URL, so point the
// client at the URL the server is published at.
func (s *Signer) Editor(token string) func(context.Context, *http.Request) error {
	return func(_ context.Context, req *http.Request) error {
		u := *req.URL
		u.RawQuery, u.Fragment = "", ""
		proof, err := s.Proof(req.Method, u.String(), token)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "DPoP "+token)
		req.Header.Set("DPoP", proof)
		return nil
	}
}
