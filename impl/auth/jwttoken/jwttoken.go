// Package jwttoken verifies JWT access tokens signed by an identity provider
// whose public keys are published as a JWKS (RFC 7517).
//
// Library choice: github.com/golang-jwt/jwt/v5 parses the token and checks
// its claims (issuer, audience, exp/nbf/iat with leeway, an allow-list of
// algorithms checked before any key is looked up), and
// github.com/MicahParks/keyfunc/v3, on github.com/MicahParks/jwkset, keeps
// the keys: a cache refreshed in the background, and a refetch when a token
// names an unknown `kid`, behind a rate limiter (concurrent lookups of one
// kid share a refetch: golang.org/x/sync/singleflight). github.com/lestrrat-go/jwx/v3
// caches and refreshes a JWKS as well, but has no rate-limited refetch on an
// unknown kid: that would be hand-written here, and it is the part that must
// hold under a flood of forged tokens.
//
// What is always refused, whatever the configuration: `alg: none` (no
// signature) and every HMAC algorithm. A JWKS publishes public keys; an HMAC
// "verified" with one is the algorithm-confusion attack, where the attacker
// signs with the public key as the shared secret. Only asymmetric algorithms
// can be allowed, and golang-jwt would refuse an RSA or EC key for HMAC anyway.
//
// RFC 9068 §4: the token's `typ` header must be `at+jwt` (or
// `application/at+jwt`), so that an ID token, a logout token or any other JWT
// the same issuer signs for the same audience cannot be replayed as an access
// token. Config.SkipTypCheck turns this off for providers that do not follow
// RFC 9068 (see its doc).
package jwttoken

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/sync/singleflight"
	"golang.org/x/time/rate"

	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/secureurl"
	"example.com/tasks/impl/auth/tokencache"
)

// DefaultAlgorithms are auth.SigningAlgorithms: the allow-list when Config
// gives none, and the only ones Config may name.
var DefaultAlgorithms = auth.SigningAlgorithms

// Defaults for the zero values of Config.
//
// DefaultRefreshInterval bounds how long a key the issuer withdraws (a
// compromised key, say) keeps verifying new tokens: 5 minutes, against the
// 5 to 60 minutes an access token lives, for one GET of a few kilobytes per
// instance every 5 minutes. Tokens verified before the withdrawal stay
// trusted up to CacheTTL longer.
//
// DefaultUnknownKIDInterval bounds how long a token signed by a key just
// published waits for it: a rotation, or two within a minute, costs a valid
// token a wait of at most 5 seconds and never a 401; a flood of tokens with
// made-up kids costs the issuer at most one fetch per 5 seconds (12 a
// minute) per instance, however many arrive.
const (
	DefaultRefreshInterval    = 5 * time.Minute
	DefaultUnknownKIDInterval = 5 * time.Second
	DefaultHTTPTimeout        = 10 * time.Second
	DefaultCacheSize          = 10_000
	DefaultCacheTTL           = time.Minute
	maxJWKSBytes              = 1 << 20
)

// Config says which tokens to accept.
type Config struct {
	// JWKSURL is where the issuer publishes its keys (https; plain http only
	// on a loopback address, for tests and local identity providers).
	JWKSURL string
	// Issuer must equal the token's `iss`.
	Issuer string
	// Audiences are the API's identifiers at the identity provider: one
	// of them must be among the token's `aud` values (usually one; MCP
	// clients ask for the /mcp endpoint as a resource of its own).
	Audiences []string
	// Algorithms is the allow-list; nil means DefaultAlgorithms.
	Algorithms []string
	// Leeway is the clock skew allowed on exp, nbf and iat; keep it small.
	Leeway time.Duration
	// RefreshInterval is how often the keys are refetched in the background
	// (0: DefaultRefreshInterval): a key the issuer withdraws stops
	// verifying new tokens within it.
	RefreshInterval time.Duration
	// UnknownKIDInterval is the least time between two refetches caused by
	// a token whose kid is not in the cache (0: DefaultUnknownKIDInterval):
	// a flood of forged tokens costs the issuer at most one request per
	// interval, and a token signed by a key just published waits at most
	// this long.
	UnknownKIDInterval time.Duration
	// HTTPTimeout bounds each JWKS request, and how long a request with an
	// unknown kid may wait for its refetch.
	HTTPTimeout time.Duration
	// HTTPClient fetches the JWKS; nil means a client with no special settings.
	HTTPClient *http.Client
	// Logger gets failed refreshes; nil means slog.Default().
	Logger *slog.Logger
	// CacheSize bounds the cache of verified tokens (0: DefaultCacheSize,
	// negative: no cache). Verifying a signature costs far more than serving
	// a request, and clients send the same token many times.
	CacheSize int
	// CacheTTL is the longest a verified token is trusted without checking
	// its signature again (0: DefaultCacheTTL): how long a key the issuer
	// withdraws can still vouch for tokens it signed. A token is never
	// trusted past its exp (plus Leeway), whatever this says.
	CacheTTL time.Duration
	// Now is the clock (nil: time.Now); tests move it.
	Now func() time.Time
	// SkipTypCheck accepts tokens whatever their `typ` header says. Leave it
	// off unless the provider does not follow RFC 9068: Microsoft Entra ID
	// and Keycloak send `typ: JWT`, Amazon Cognito and Okta send no typ, and
	// Auth0 sends `at+jwt` only with its RFC 9068 token profile. With it on,
	// an ID token whose aud is this API's identifier would pass.
	SkipTypCheck bool
}

// Verifier is an auth.Verifier for JWTs. It is safe for concurrent use.
type Verifier struct {
	parser   *jwt.Parser
	keys     keyfunc.Keyfunc
	issuer   string
	audience string
	algs     []string
	leeway   time.Duration
	now      func() time.Time
	cache    *tokencache.Cache[auth.Principal] // nil: no cache
	cacheTTL time.Duration
	checkTyp bool
}

var _ auth.Verifier = (*Verifier)(nil)

// New fetches the JWKS once (so that a wrong URL stops the server at start-up
// rather than rejecting every token) and returns a Verifier that refreshes it
// in the background until ctx is done. After that first fetch, a JWKS that is
// down or slow costs nothing but fresh keys: the cached ones keep working.
func New(ctx context.Context, cfg Config) (*Verifier, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	algs := cfg.Algorithms
	if algs == nil {
		algs = DefaultAlgorithms
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	timeout := cmp.Or(cfg.HTTPTimeout, DefaultHTTPTimeout)
	client := &http.Client{Timeout: timeout}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		client = &c
	}
	client.Transport = limitedBody{base: client.Transport}
	// What keyfunc.NewDefaultOverrideCtx builds, with the lookups of one
	// kid shared (sharedLookups).
	remote, err := jwkset.NewStorageFromHTTP(cfg.JWKSURL, jwkset.HTTPClientStorageOptions{
		Client:          client,
		Ctx:             ctx,
		HTTPTimeout:     timeout,
		RefreshInterval: cmp.Or(cfg.RefreshInterval, DefaultRefreshInterval),
		RefreshErrorHandler: func(ctx context.Context, err error) {
			logger.WarnContext(ctx, "JWKS refresh failed; the cached keys stay in use", "url", cfg.JWKSURL, "error", err)
		},
	})
	if err != nil {
		return nil, fmt.Errorf("jwttoken: first fetch of %s: %w", cfg.JWKSURL, err)
	}
	set, err := jwkset.NewHTTPClient(jwkset.HTTPClientOptions{
		HTTPURLs:          map[string]jwkset.Storage{cfg.JWKSURL: remote},
		RefreshUnknownKID: rate.NewLimiter(rate.Every(cmp.Or(cfg.UnknownKIDInterval, DefaultUnknownKIDInterval)), 1),
		// A request with an unknown kid waits for the limiter only when its
		// turn is due within this time; otherwise it is rejected at once.
		RateLimitWaitMax: timeout,
	})
	if err != nil {
		return nil, fmt.Errorf("jwttoken: %w", err)
	}
	keys, err := keyfunc.New(keyfunc.Options{Ctx: ctx, Storage: &sharedLookups{Storage: set, cached: remote}})
	if err != nil {
		return nil, fmt.Errorf("jwttoken: %w", err)
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	v := &Verifier{
		parser: jwt.NewParser(
			jwt.WithValidMethods(algs),
			jwt.WithIssuer(cfg.Issuer),
			jwt.WithAudience(cfg.Audiences...),
			jwt.WithLeeway(cfg.Leeway),
			jwt.WithExpirationRequired(),
			jwt.WithIssuedAt(),
			jwt.WithTimeFunc(now),
		),
		keys:     keys,
		issuer:   cfg.Issuer,
		audience: strings.Join(cfg.Audiences, " or "),
		algs:     algs,
		leeway:   cfg.Leeway,
		now:      now,
		cacheTTL: cmp.Or(cfg.CacheTTL, DefaultCacheTTL),
		checkTyp: !cfg.SkipTypCheck,
	}
	if cfg.CacheSize >= 0 {
		if v.cache, err = tokencache.New[auth.Principal](cmp.Or(cfg.CacheSize, DefaultCacheSize)); err != nil {
			return nil, fmt.Errorf("jwttoken: %w", err)
		}
	}
	return v, nil
}

func (cfg Config) check() error {
	var errs []error
	if _, err := secureurl.Parse("JWKS URL", cfg.JWKSURL); err != nil {
		errs = append(errs, err)
	}
	if cfg.Issuer == "" {
		errs = append(errs, errors.New("an issuer is required"))
	}
	if len(cfg.Audiences) == 0 || slices.Contains(cfg.Audiences, "") {
		errs = append(errs, errors.New("an audience is required"))
	}
	if cfg.Algorithms != nil && len(cfg.Algorithms) == 0 {
		errs = append(errs, errors.New("the algorithm allow-list is empty"))
	}
	for _, a := range cfg.Algorithms {
		if !slices.Contains(DefaultAlgorithms, a) {
			errs = append(errs, fmt.Errorf("algorithm %q cannot be allowed: only asymmetric ones (%s); "+
				"`none` has no signature and HMAC would take the public key as its secret", a, strings.Join(DefaultAlgorithms, ", ")))
		}
	}
	if cfg.Leeway < 0 {
		errs = append(errs, errors.New("the leeway must not be negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("jwttoken: %w", err)
	}
	return nil
}

// claims are the claims read from a token; RegisteredClaims carries the ones
// golang-jwt validates.
type claims struct {
	jwt.RegisteredClaims
	Scope    scopeList `json:"scope"`
	Scp      scopeList `json:"scp"`
	ClientID string    `json:"client_id"` // RFC 9068 §2.2: the client the token was issued to
	Cnf      struct {
		JKT string `json:"jkt"` // RFC 9449 §6.1: the DPoP key the token is bound to
	} `json:"cnf"`
}

// scopeList reads a scope claim in either form providers send: a
// space-delimited string (`scope`, RFC 8693 §4.2; also `scp` at some) or an
// array of strings (`scp` at others).
type scopeList []string

func (s *scopeList) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err == nil {
		*s = strings.Fields(str)
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return errors.New("a scope claim must be a string or an array of strings")
	}
	*s = list
	return nil
}

// Verify implements auth.Verifier.
//
// A token that verified is remembered, by its SHA-256 digest, until the
// earlier of its exp (plus the leeway) and CacheTTL, so that a client
// sending it again costs a hash and a lookup instead of a signature check.
// Rejections are not remembered: a flood of bad tokens cannot evict good
// ones, and the unknown-kid rate limit already bounds their cost.
//
// A token that is not shaped like a JWT (three dot-separated parts, RFC 7515
// §7.1) is answered with an error that wraps auth.ErrUnknown, so that
// auth.Chain asks the next verifier; a JWT that fails is answered here.
func (v *Verifier) Verify(ctx context.Context, cred auth.Credential) (auth.Principal, error) {
	if strings.Count(cred.Token, ".") != 2 {
		return auth.Principal{}, errNotJWT
	}
	key := tokencache.KeyOf(cred.Token)
	if p, ok := v.cache.Get(key, v.now()); ok {
		return p, nil
	}
	p, exp, err := v.verify(ctx, cred)
	if err != nil {
		return auth.Principal{}, err
	}
	v.cache.Add(key, p, tokencache.Until(v.now(), v.cacheTTL, exp.Add(v.leeway)))
	return p, nil
}

// verify checks the signature and claims of a token, and returns its
// principal and expiry.
func (v *Verifier) verify(ctx context.Context, cred auth.Credential) (auth.Principal, time.Time, error) {
	var c claims
	keyfunc := v.keys.KeyfuncCtx(ctx)
	if v.checkTyp {
		// Checked in the keyfunc, which golang-jwt calls before it verifies
		// the signature or any claim: an ID token is refused as such, not
		// for its audience (an ID token's aud is the client, not the API).
		next := keyfunc
		keyfunc = func(t *jwt.Token) (any, error) {
			if !accessTokenTyp(t.Header["typ"]) {
				return nil, errNotAccessToken
			}
			return next(t)
		}
	}
	token, err := v.parser.ParseWithClaims(cred.Token, &c, keyfunc)
	if err != nil {
		return auth.Principal{}, time.Time{}, v.rejection(token, err)
	}
	if c.Subject == "" {
		return auth.Principal{}, time.Time{}, auth.Refusedf(auth.Invalid, auth.ReasonClaims, "the token has no sub claim: it must name its subject")
	}
	scopes := slices.Clone([]string(c.Scope))
	for _, s := range c.Scp {
		if !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	// exp is required (WithExpirationRequired), so ExpiresAt is set.
	return auth.Principal{Subject: c.Subject, Scopes: scopes, ClientID: c.ClientID, JKT: c.Cnf.JKT}, c.ExpiresAt.Time, nil
}

// errNotAccessToken is the keyfunc's refusal of a token whose typ is not
// RFC 9068's.
var errNotAccessToken = errors.New("typ is not at+jwt")

// accessTokenTyp reports whether typ is RFC 9068's media type: `at+jwt`, or
// in full `application/at+jwt` (RFC 7515 §4.1.9 lets the prefix go; media
// types compare case-insensitively).
func accessTokenTyp(typ any) bool {
	s, _ := typ.(string)
	return strings.EqualFold(s, "at+jwt") || strings.EqualFold(s, "application/at+jwt")
}

var errNotJWT = &auth.Error{Kind: auth.Invalid, Reason: auth.ReasonMalformed, Description: "the token is not a well-formed JWT", Err: auth.ErrUnknown}

// rejection explains why a token was refused. The description goes to the
// client, so it names what is wrong and what is expected, and never repeats
// anything read from the token.
func (v *Verifier) rejection(token *jwt.Token, err error) *auth.Error {
	invalid := func(reason, format string, args ...any) *auth.Error {
		return auth.Refusedf(auth.Invalid, reason, format, args...)
	}
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return invalid(auth.ReasonMalformed, "the token is not a well-formed JWT")
	case token != nil && !slices.Contains(v.algs, fmt.Sprint(token.Header["alg"])):
		return invalid(auth.ReasonAlgorithm, "the token's signing algorithm is not accepted; accepted: %s", strings.Join(v.algs, ", "))
	case errors.Is(err, errNotAccessToken):
		return invalid(auth.ReasonTyp, "the token is not an access token: its typ header must be at+jwt (RFC 9068); an ID token or another JWT cannot be used here")
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return invalid(auth.ReasonUnknownKID, "no key the issuer publishes matches the token's kid and alg")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return invalid(auth.ReasonSignature, "the token's signature does not verify")
	case errors.Is(err, jwt.ErrTokenExpired):
		return auth.Refusedf(auth.Expired, auth.ReasonExpired, "the token has expired")
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return invalid(auth.ReasonNotYetValid, "the token is not valid yet (nbf is in the future)")
	case errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return invalid(auth.ReasonNotYetValid, "the token was issued in the future (iat)")
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return invalid(auth.ReasonIssuer, "the token was not issued by %s", v.issuer)
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return invalid(auth.ReasonAudience, "the token is not meant for this API: its aud must include %s", v.audience)
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return invalid(auth.ReasonClaims, "the token lacks a required claim: iss, aud, exp and sub are required")
	}
	return invalid("invalid", "the token is not valid")
}

// sharedLookups makes concurrent lookups of one unknown kid share one: when
// the first tokens signed by a new key arrive together, one refetches the
// set and the others wait for its answer, instead of each queueing at the
// rate limiter (and being refused when its turn is too far off). Lookups
// of different kids still meet at the limiter: a flood of made-up kids
// costs one fetch per UnknownKIDInterval.
type sharedLookups struct {
	jwkset.Storage                // the refetching client
	cached         jwkset.Storage // the keys in memory
	group          singleflight.Group
}

func (s *sharedLookups) KeyRead(ctx context.Context, kid string) (jwkset.JWK, error) {
	if k, err := s.cached.KeyRead(ctx, kid); err == nil {
		return k, nil
	}
	k, err, _ := s.group.Do(kid, func() (any, error) {
		// Not the first caller's context alone: others wait on it. The
		// lookup is bounded by RateLimitWaitMax and the HTTP timeout.
		return s.Storage.KeyRead(context.WithoutCancel(ctx), kid)
	})
	if err != nil {
		return jwkset.JWK{}, err
	}
	return k.(jwkset.JWK), nil
}

// limitedBody caps JWKS responses: a key set is a few kilobytes, and a
// misbehaving endpoint must not make the server read without end.
type limitedBody struct{ base http.RoundTripper }

func (l limitedBody) RoundTrip(r *http.Request) (*http.Response, error) {
	base := l.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(r)
	if err == nil {
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.LimitReader(resp.Body, maxJWKSBytes), resp.Body}
	}
	return resp, err
}
