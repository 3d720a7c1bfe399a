// Package dpop checks DPoP proofs (OAuth 2.0 Demonstrating Proof of
// Possession, RFC 9449): a JWT the client signs, for each request, with a
// private key only it holds. A token bound to that key (its cnf.jkt is the
// key's RFC 7638 thumbprint) is useless to whoever steals it without the key.
//
// The signature work is github.com/golang-jwt/jwt/v5 and the proof's
// embedded key is read by github.com/MicahParks/jwkset, the libraries
// impl/auth/jwttoken uses. Written by hand, because neither library does
// it: the RFC 7638 thumbprint (three lines of canonical JSON), the htu
// comparison (RFC 9449 §4.3) and the replay cache.
//
// The replay cache is per instance unless Config.Replay is shared (Redis,
// impl/redisstore): with the default, a proof replayed within its window to
// another instance behind the same load balancer is not caught.
package dpop

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/golang-jwt/jwt/v5"

	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/protectedresource"
)

// Defaults for the zero values of Config.
const (
	DefaultMaxAge          = time.Minute
	DefaultLeeway          = 5 * time.Second
	DefaultReplayCacheSize = 100_000
	maxProofBytes          = 8 << 10
)

// Config says which proofs to accept.
type Config struct {
	// PublicURL is the origin clients reach the server at, such as
	// https://api.example.com: a proof's htu names the URL the client used,
	// which behind a proxy is not the one the server sees. "" takes the
	// scheme and host of the request itself (for a server that faces its
	// clients directly).
	PublicURL string
	// Algorithms is the allow-list of proof signing algorithms; nil means
	// auth.SigningAlgorithms (asymmetric only: none and HMAC are never
	// allowed, as for access tokens).
	Algorithms []string
	// MaxAge is how old a proof's iat may be (0: DefaultMaxAge): the window
	// in which a captured proof could be replayed, and how long its jti is
	// remembered.
	MaxAge time.Duration
	// Leeway is how far in the future a proof's iat may be: clock skew.
	Leeway time.Duration
	// Replay remembers the proofs seen; nil: one in this process's memory,
	// holding at most ReplayCacheSize proofs.
	Replay ReplayCache
	// ReplayCacheSize bounds the jti values the memory cache remembers (0:
	// default). When that many proofs arrived within MaxAge, new ones are
	// answered 503 rather than let a replay through.
	ReplayCacheSize int
	// Nonces requires a server-provided nonce in every proof (RFC 9449
	// §8-9; see nonce.go).
	Nonces bool
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Checker checks proofs. It is safe for concurrent use.
type Checker struct {
	origin string
	algs   []string
	parser *jwt.Parser
	maxAge time.Duration
	leeway time.Duration
	now    func() time.Time
	seen   ReplayCache
	nonces *nonces // nil: nonces are off
}

// New checks cfg and returns a Checker.
func New(cfg Config) (*Checker, error) {
	c := &Checker{
		algs:   cfg.Algorithms,
		maxAge: cmp.Or(cfg.MaxAge, DefaultMaxAge),
		leeway: cmp.Or(cfg.Leeway, DefaultLeeway),
		now:    cfg.Now,
	}
	if cfg.PublicURL != "" {
		origin, err := protectedresource.CheckPublicURL(cfg.PublicURL)
		if err != nil {
			return nil, fmt.Errorf("dpop: %w", err)
		}
		c.origin = origin
	}
	if c.algs == nil {
		c.algs = auth.SigningAlgorithms
	}
	if len(c.algs) == 0 {
		return nil, errors.New("dpop: the algorithm allow-list is empty")
	}
	for _, a := range c.algs {
		if !slices.Contains(auth.SigningAlgorithms, a) {
			return nil, fmt.Errorf("dpop: algorithm %q cannot be allowed: only asymmetric ones (%s)", a, strings.Join(auth.SigningAlgorithms, ", "))
		}
	}
	if c.now == nil {
		c.now = time.Now
	}
	if cfg.Nonces {
		c.nonces = newNonces()
	}
	// iat is checked here, against MaxAge and Leeway, not by the parser.
	c.parser = jwt.NewParser(jwt.WithValidMethods(c.algs), jwt.WithoutClaimsValidation())
	c.seen = cfg.Replay
	if c.seen == nil {
		c.seen = &memoryCache{max: cmp.Or(cfg.ReplayCacheSize, DefaultReplayCacheSize), now: c.now, keys: map[[sha256.Size]byte]struct{}{}}
	}
	return c, nil
}

// Algorithms are the proof signing algorithms accepted: for the challenge's
// algs and the metadata's dpop_signing_alg_values_supported.
// A nil Checker (DPoP off) has none.
func (c *Checker) Algorithms() []string {
	if c == nil {
		return nil
	}
	return c.algs
}

// proofClaims are the claims of RFC 9449 §4.2.
type proofClaims struct {
	JTI   string           `json:"jti"`
	HTM   string           `json:"htm"`
	HTU   string           `json:"htu"`
	IAT   *jwt.NumericDate `json:"iat"`
	ATH   string           `json:"ath"`
	Nonce string           `json:"nonce"`
}

// GetExpirationTime and the rest make proofClaims a jwt.Claims; validation
// is off (WithoutClaimsValidation), so they are never asked.
func (proofClaims) GetExpirationTime() (*jwt.NumericDate, error) { return nil, nil }
func (proofClaims) GetIssuedAt() (*jwt.NumericDate, error)       { return nil, nil }
func (proofClaims) GetNotBefore() (*jwt.NumericDate, error)      { return nil, nil }
func (proofClaims) GetIssuer() (string, error)                   { return "", nil }
func (proofClaims) GetSubject() (string, error)                  { return "", nil }
func (proofClaims) GetAudience() (jwt.ClaimStrings, error)       { return nil, nil }

// Check is every check of RFC 9449 §4.3 for the
// DPoP header of r, presented with token. It returns the thumbprint of the
// proof's key, for the caller to compare with the token's cnf.jkt.
func (c *Checker) Check(r *http.Request, token string) (string, error) {
	bad := func(format string, args ...any) (string, error) {
		e := auth.Errorf(auth.Invalid, format, args...)
		e.Code = "invalid_dpop_proof"
		return "", e
	}
	values := r.Header.Values("DPoP")
	switch {
	case len(values) == 0:
		return bad("send a DPoP proof in the DPoP header")
	case len(values) > 1:
		return bad("send exactly one DPoP header")
	case len(values[0]) > maxProofBytes:
		return bad("the DPoP proof is too large")
	}
	var claims proofClaims
	var jkt string
	proof, err := c.parser.ParseWithClaims(values[0], &claims, func(t *jwt.Token) (any, error) {
		if typ, _ := t.Header["typ"].(string); !strings.EqualFold(typ, "dpop+jwt") {
			return nil, errNotProof
		}
		key, thumb, err := publicKey(t.Header["jwk"])
		if err != nil {
			return nil, err
		}
		jkt = thumb
		return key, nil
	})
	if err != nil {
		switch {
		case errors.Is(err, errNotProof):
			return bad("the DPoP proof's typ header must be dpop+jwt")
		case errors.Is(err, errKey):
			return bad("the DPoP proof's jwk header must be one public EC, RSA or OKP key")
		case errors.Is(err, jwt.ErrTokenMalformed):
			return bad("the DPoP proof is not a well-formed JWT")
		case proof != nil && !slices.Contains(c.algs, fmt.Sprint(proof.Header["alg"])):
			return bad("the DPoP proof's signing algorithm is not accepted; accepted: %s", strings.Join(c.algs, ", "))
		}
		return bad("the DPoP proof's signature does not verify with its jwk")
	}
	if claims.JTI == "" || claims.HTM == "" || claims.HTU == "" || claims.IAT == nil {
		return bad("the DPoP proof lacks a required claim: jti, htm, htu and iat are required")
	}
	if claims.HTM != r.Method {
		return bad("the DPoP proof's htm does not match the request method")
	}
	if !c.sameURL(claims.HTU, r) {
		return bad("the DPoP proof's htu does not match the request URL")
	}
	now := c.now()
	switch iat := claims.IAT.Time; {
	case iat.After(now.Add(c.leeway)):
		return bad("the DPoP proof was issued in the future (iat)")
	case iat.Before(now.Add(-c.maxAge)):
		return bad("the DPoP proof is too old: make a new one for each request")
	}
	if c.nonces != nil {
		switch {
		case claims.Nonce == "":
			return "", c.useNonce(now, "this server requires a nonce in DPoP proofs: sign a new proof with the nonce in the DPoP-Nonce header")
		case !c.nonces.valid(claims.Nonce, now, c.maxAge, c.leeway):
			return "", c.useNonce(now, "the DPoP proof's nonce is stale or not this server's: sign a new proof with the nonce in the DPoP-Nonce header")
		}
	}
	sum := sha256.Sum256([]byte(token))
	if claims.ATH != base64.RawURLEncoding.EncodeToString(sum[:]) {
		return bad("the DPoP proof's ath is not the hash of the access token")
	}
	// Last, so that a proof refused for another reason is not remembered.
	// A proof is remembered for as long as it could be accepted.
	fresh, err := c.seen.Add(r.Context(), sha256.Sum256([]byte(jkt+" "+claims.JTI)), c.maxAge+c.leeway)
	switch {
	case err != nil:
		// Never a pass: a proof that cannot be checked may be a replay.
		return "", &auth.Error{
			Kind:        auth.Unavailable,
			Description: "the server cannot check DPoP proofs for replay now; retry later",
			RetryAfter:  time.Second,
			Err:         err,
		}
	case !fresh:
		return bad("the DPoP proof was used before: make a new one for each request")
	}
	return jkt, nil
}

var (
	errNotProof = errors.New("typ is not dpop+jwt")
	errKey      = errors.New("the jwk header is not one public asymmetric key")
)

// publicKey reads the proof's jwk header: a public key, never private or
// symmetric material, and never a reference to fetch (x5u) or a certificate
// chain to trust (x5c). It returns the key and its RFC 7638 thumbprint.
func publicKey(header any) (any, string, error) {
	raw, err := json.Marshal(header)
	if err != nil || header == nil {
		return nil, "", errKey
	}
	var m jwkset.JWKMarshal
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, "", errKey
	}
	if m.D != "" || m.K != "" || m.P != "" || m.X5U != "" || len(m.X5C) > 0 {
		return nil, "", errKey
	}
	jwk, err := jwkset.NewJWKFromMarshal(m, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{})
	if err != nil {
		return nil, "", errKey
	}
	thumb, err := Thumbprint(m)
	if err != nil {
		return nil, "", errKey
	}
	return jwk.Key(), thumb, nil
}

// Thumbprint returns the RFC 7638 SHA-256 thumbprint of a public key,
// base64url-encoded: what a DPoP-bound token carries in cnf.jkt. The hash
// input is the key's required members only, in lexicographic order, with
// no whitespace (§3.2); json.Marshal of a map sorts the keys and the values
// are base64url strings that need no escaping.
func Thumbprint(k jwkset.JWKMarshal) (string, error) {
	var members map[string]string
	switch k.KTY {
	case jwkset.KtyEC:
		members = map[string]string{"crv": string(k.CRV), "kty": string(k.KTY), "x": k.X, "y": k.Y}
	case jwkset.KtyRSA:
		members = map[string]string{"e": k.E, "kty": string(k.KTY), "n": k.N}
	case jwkset.KtyOKP:
		members = map[string]string{"crv": string(k.CRV), "kty": string(k.KTY), "x": k.X}
	default:
		return "", fmt.Errorf("dpop: no thumbprint for key type %q", k.KTY)
	}
	for name, v := range members {
		if v == "" {
			return "", fmt.Errorf("dpop: the key lacks %s", name)
		}
	}
	b, err := json.Marshal(members)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:]), nil
}

// sameURL compares a proof's htu with the request's URL, as RFC 9449 §4.3
// says: without query and fragment, after RFC 3986 §6.2.2 and §6.2.3
// normalisation (case of scheme and host, default port, empty path,
// percent-encoding case). Behind a proxy the request's URL is the public
// origin's, not what this server sees.
func (c *Checker) sameURL(htu string, r *http.Request) bool {
	u, err := url.Parse(htu)
	if err != nil {
		return false
	}
	origin := c.origin
	if origin == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		origin = scheme + "://" + r.Host
	}
	want, err := url.Parse(origin + r.URL.EscapedPath())
	if err != nil {
		return false
	}
	return normalise(u) == normalise(want)
}

func normalise(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	if port := u.Port(); port != "" && !(scheme == "https" && port == "443") && !(scheme == "http" && port == "80") {
		host += ":" + port
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	// Percent-encodings compare case-insensitively (%2f is %2F).
	var b strings.Builder
	for i := 0; i < len(path); i++ {
		if path[i] == '%' && i+2 < len(path) {
			b.WriteString(strings.ToUpper(path[i : i+3]))
			i += 2
			continue
		}
		b.WriteByte(path[i])
	}
	return scheme + "://" + host + b.String()
}

// ReplayCache remembers the proofs accepted, by digest (of the key's
// thumbprint and the jti), each for ttl. Add reports whether key is new,
// and remembers it; an error means it cannot tell, and the proof is
// refused. It must be exact under concurrent calls: of two Adds of one key,
// one reports new. impl/redisstore has one that instances share.
type ReplayCache interface {
	Add(ctx context.Context, key [sha256.Size]byte, ttl time.Duration) (bool, error)
}

// errFull is memoryCache's answer when it holds its maximum.
var errFull = errors.New("dpop: the replay cache is full: more proofs arrive within their window than it may hold")

// memoryCache is the ReplayCache in the process: by digest, in arrival
// order, each for the same ttl, so the oldest is always first.
type memoryCache struct {
	mu    sync.Mutex
	max   int
	now   func() time.Time
	keys  map[[sha256.Size]byte]struct{}
	order []seenProof
}

type seenProof struct {
	key   [sha256.Size]byte
	until time.Time
}

func (rc *memoryCache) Add(_ context.Context, key [sha256.Size]byte, ttl time.Duration) (bool, error) {
	now := rc.now()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	expired := 0
	for expired < len(rc.order) && !now.Before(rc.order[expired].until) {
		delete(rc.keys, rc.order[expired].key)
		expired++
	}
	// Resliced, not copied: append reallocates, keeping only the live
	// entries, when the capacity runs out.
	rc.order = rc.order[expired:]
	if _, ok := rc.keys[key]; ok {
		return false, nil
	}
	if len(rc.order) >= rc.max {
		return false, errFull
	}
	rc.keys[key] = struct{}{}
	rc.order = append(rc.order, seenProof{key: key, until: now.Add(ttl)})
	return true, nil
}

// Declared reports whether doc declares an http security scheme DPoP: the
// server then checks proofs.
func Declared(doc *openapi3.T) bool {
	if doc.Components == nil {
		return false
	}
	for _, ref := range doc.Components.SecuritySchemes {
		if s := ref.Value; s != nil && s.Type == "http" && strings.EqualFold(s.Scheme, AuthScheme) {
			return true
		}
	}
	return false
}
