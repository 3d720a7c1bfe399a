// Package introspect verifies opaque access tokens by asking the identity
// provider (OAuth 2.0 Token Introspection, RFC 7662): the server POSTs the
// token to the provider's introspection endpoint, authenticated as a client
// with HTTP Basic, and the answer's `active` decides.
//
// Answers are cached by the token's SHA-256 digest, never by the token: an
// active token for at most Config.CacheTTL and never past its exp (a revoked
// token keeps working until then, so keep CacheTTL short), an inactive one
// for Config.NegativeCacheTTL (a client retrying a bad token, or a flood of
// them, does not reach the provider each time), but a refusal that time will
// lift (nbf or iat in the future) never past the moment a retry would pass.
// When the endpoint cannot be reached or answers nonsense, the request is
// answered 503 with Retry-After: no token is ever let through because the
// provider could not be asked.
//
// The answer is judged as a JWT would be: it must describe an access token
// (an active refresh token or ID token is refused: the provider answers for
// whatever it is given, whatever token_type_hint said), for this API (aud)
// from this issuer (iss, when the answer names one), within its validity
// period give or take Config.Leeway.
//
// Written here because no maintained Go library is a resource server's
// introspection client: the OAuth 2.0 libraries (golang.org/x/oauth2, Ory's
// fosite) are clients that obtain tokens, or servers that issue them.
package introspect

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/secureurl"
	"example.com/tasks/impl/auth/tokencache"
)

// Defaults for the zero values of Config.
const (
	DefaultCacheTTL         = 30 * time.Second
	DefaultNegativeCacheTTL = 5 * time.Second
	DefaultCacheSize        = 10_000
	DefaultTimeout          = 5 * time.Second
	maxResponseBytes        = 64 << 10
	// retryAfter is what a client is told to wait while the provider is away.
	retryAfter = 5 * time.Second
)

// Config says where and how to introspect.
type Config struct {
	// URL is the provider's introspection endpoint (https; http only on
	// loopback).
	URL string
	// ClientID and ClientSecret authenticate this server to the provider
	// (RFC 6749 §2.3.1 HTTP Basic). Never log the secret.
	ClientID, ClientSecret string
	// Audiences, when set, are the API's identifiers at the provider: one
	// must be among the answer's aud values; an answer that names no
	// audience is refused too, since a token for another API of the same
	// provider would look the same. Ory Hydra names one only when the
	// client asked for it (the audience parameter).
	Audiences []string
	// Issuer, when set, must equal the answer's iss if it has one (RFC
	// 7662 makes iss optional).
	Issuer string
	// Leeway is the clock skew allowed on exp, nbf and iat, as for JWTs.
	Leeway time.Duration
	// CacheTTL is the longest an active answer is trusted (0: default). A
	// token revoked at the provider is accepted for up to this long.
	CacheTTL time.Duration
	// NegativeCacheTTL is how long a refusal is remembered (0: default;
	// negative: not at all); one that time will lift (nbf, iat in the
	// future) only until it would lift.
	NegativeCacheTTL time.Duration
	// CacheSize bounds each cache, the active and the inactive one (0:
	// default; negative: no cache at all).
	CacheSize int
	// Timeout bounds one introspection request (0: default).
	Timeout time.Duration
	// HTTPClient sends the requests (nil: a client with Timeout).
	HTTPClient *http.Client
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Verifier is an auth.Verifier for opaque tokens. Safe for concurrent use.
type Verifier struct {
	cfg      Config
	client   *http.Client
	now      func() time.Time
	active   *tokencache.Cache[auth.Principal] // nil: no cache
	inactive *tokencache.Cache[*auth.Error]
}

var _ auth.Verifier = (*Verifier)(nil)

// New checks cfg and returns a Verifier. It makes no request: the endpoint
// is asked when the first opaque token arrives.
func New(cfg Config) (*Verifier, error) {
	var errs []error
	if _, err := secureurl.Parse("introspection URL", cfg.URL); err != nil {
		errs = append(errs, err)
	}
	if cfg.ClientID == "" || cfg.ClientSecret == "" {
		errs = append(errs, errors.New("a client id and a client secret are required to call the introspection endpoint"))
	}
	if cfg.Leeway < 0 {
		errs = append(errs, errors.New("the leeway must not be negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("introspect: %w", err)
	}
	cfg.CacheTTL = cmp.Or(cfg.CacheTTL, DefaultCacheTTL)
	cfg.NegativeCacheTTL = cmp.Or(cfg.NegativeCacheTTL, DefaultNegativeCacheTTL)
	cfg.Timeout = cmp.Or(cfg.Timeout, DefaultTimeout)
	v := &Verifier{cfg: cfg, client: cfg.HTTPClient, now: cfg.Now}
	if v.client == nil {
		v.client = &http.Client{Timeout: cfg.Timeout}
	}
	if v.now == nil {
		v.now = time.Now
	}
	if cfg.CacheSize >= 0 {
		size := cmp.Or(cfg.CacheSize, DefaultCacheSize)
		var err error
		if v.active, err = tokencache.New[auth.Principal](size); err != nil {
			return nil, fmt.Errorf("introspect: %w", err)
		}
		if v.inactive, err = tokencache.New[*auth.Error](size); err != nil {
			return nil, fmt.Errorf("introspect: %w", err)
		}
	}
	return v, nil
}

// Verify implements auth.Verifier. It returns an *auth.Error of kind
// Unavailable (a 503) when the provider cannot be asked.
func (v *Verifier) Verify(ctx context.Context, cred auth.Credential) (auth.Principal, error) {
	key := tokencache.KeyOf(cred.Token)
	now := v.now()
	if p, ok := v.active.Get(key, now); ok {
		return p, nil
	}
	if rejected, ok := v.inactive.Get(key, now); ok {
		return auth.Principal{}, rejected
	}
	a, err := v.introspect(ctx, cred.Token)
	if err != nil {
		if ctx.Err() != nil {
			return auth.Principal{}, ctx.Err() // the client left: no 503 to log
		}
		return auth.Principal{}, &auth.Error{
			Kind:        auth.Unavailable,
			Description: "the identity provider cannot be asked whether the token is valid; retry later",
			RetryAfter:  retryAfter,
			Err:         err, // the cause is for the log, never the client
		}
	}
	p, until, rejected := v.judge(a, now)
	switch {
	case rejected != nil && v.cfg.NegativeCacheTTL > 0:
		v.inactive.Add(key, rejected, tokencache.Until(now, v.cfg.NegativeCacheTTL, until))
	case rejected == nil:
		v.active.Add(key, p, tokencache.Until(now, v.cfg.CacheTTL, until))
	}
	if rejected != nil {
		return auth.Principal{}, rejected
	}
	return p, nil
}

// answer is the part of an RFC 7662 §2.2 response the server reads.
type answer struct {
	Active   *bool           `json:"active"`
	Scope    string          `json:"scope"`
	Sub      string          `json:"sub"`
	ClientID string          `json:"client_id"`
	Iss      string          `json:"iss"`
	Exp      *json.Number    `json:"exp"`
	Nbf      *json.Number    `json:"nbf"`
	Iat      *json.Number    `json:"iat"`
	Aud      json.RawMessage `json:"aud"`
	Cnf      struct {
		JKT string `json:"jkt"` // RFC 9449 §6.2: the DPoP key the token is bound to
	} `json:"cnf"`
	// What kind of token it is: RFC 7662's token_type, and what providers
	// send beside it (see accessToken).
	TokenType string `json:"token_type"`
	TokenUse  string `json:"token_use"`
	Typ       string `json:"typ"`
}

// accessToken lists, for each member an answer may name the kind of token
// in, the values that mean an access token (compared case-insensitively).
// Anything else, such as Ory Hydra's `token_use: refresh_token` or
// Keycloak's `typ: Refresh` or `typ: ID`, is another kind of token the
// provider answered for: an allow-list, so that a kind not foreseen here is
// refused (and logged as token_type) rather than accepted.
var accessToken = []struct {
	member string
	get    func(answer) string
	values []string
}{
	// RFC 7662 §2.2: an RFC 6749 §7.1 access token type; RFC 8693's
	// identifier of an access token.
	{"token_type", func(a answer) string { return a.TokenType }, []string{"bearer", "dpop", "access_token", "urn:ietf:params:oauth:token-type:access_token"}},
	// Ory Hydra and Fosite: access_token or refresh_token; Amazon Cognito's
	// claim of the same name says access or id.
	{"token_use", func(a answer) string { return a.TokenUse }, []string{"access_token", "access"}},
	// Keycloak: Bearer (or DPoP) for an access token, Refresh, Offline, ID…
	{"typ", func(a answer) string { return a.Typ }, []string{"bearer", "dpop", "at+jwt", "application/at+jwt"}},
}

// judge applies the answer: active, the kind of token, sub, iss, aud, exp,
// nbf and iat. It returns the principal, or the refusal, and until when
// that answer may be remembered (zero: no bound but the cache's TTL).
func (v *Verifier) judge(a answer, now time.Time) (auth.Principal, time.Time, *auth.Error) {
	refuse := func(reason, format string, args ...any) (auth.Principal, time.Time, *auth.Error) {
		return auth.Principal{}, time.Time{}, auth.Refusedf(auth.Invalid, reason, format, args...)
	}
	if !*a.Active {
		return refuse(auth.ReasonInactive, "the identity provider says the token is not active (unknown, revoked or expired)")
	}
	for _, m := range accessToken {
		if got := m.get(a); got != "" && !slices.ContainsFunc(m.values, func(w string) bool { return strings.EqualFold(got, w) }) {
			// Names the member, never its value: a fixed set of descriptions.
			return refuse(auth.ReasonTokenType, "the token is not an access token: the identity provider's answer gives a %s other than %s", m.member, strings.Join(m.values, ", "))
		}
	}
	if a.Sub == "" {
		return refuse(auth.ReasonClaims, "the identity provider names no subject (sub) for the token")
	}
	if v.cfg.Issuer != "" && a.Iss != "" && a.Iss != v.cfg.Issuer {
		return refuse(auth.ReasonIssuer, "the token was not issued by %s", v.cfg.Issuer)
	}
	if len(v.cfg.Audiences) > 0 && !slices.ContainsFunc(audiences(a.Aud), func(aud string) bool { return slices.Contains(v.cfg.Audiences, aud) }) {
		return refuse(auth.ReasonAudience, "the token is not meant for this API: its aud must include %s", strings.Join(v.cfg.Audiences, " or "))
	}
	var until time.Time
	if a.Exp != nil {
		until = unix(*a.Exp).Add(v.cfg.Leeway)
		if !now.Before(until) {
			return auth.Principal{}, time.Time{}, auth.Refusedf(auth.Expired, auth.ReasonExpired, "the token has expired")
		}
	}
	for _, t := range []struct {
		at   *json.Number
		desc string
	}{{a.Nbf, "the token is not valid yet (nbf is in the future)"}, {a.Iat, "the token was issued in the future (iat)"}} {
		if t.at == nil {
			continue
		}
		// Remembered only until the skew it shows would be forgiven: a
		// client that retries then is not refused from the cache.
		if lifts := unix(*t.at).Add(-v.cfg.Leeway); now.Before(lifts) {
			return auth.Principal{}, lifts, auth.Refusedf(auth.Invalid, auth.ReasonNotYetValid, "%s", t.desc)
		}
	}
	return auth.Principal{Subject: a.Sub, Scopes: strings.Fields(a.Scope), ClientID: a.ClientID, JKT: a.Cnf.JKT}, until, nil
}

// audiences reads aud, a string or an array of strings (RFC 7662 §2.2, as
// RFC 7519 §4.1.3); nil when absent or neither.
func audiences(raw json.RawMessage) []string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return []string{one}
	}
	var many []string
	if json.Unmarshal(raw, &many) == nil {
		return many
	}
	return nil
}

func unix(n json.Number) time.Time {
	f, err := n.Float64()
	if err != nil {
		return time.Time{}
	}
	return time.Unix(int64(f), 0)
}

// introspect asks the provider about token. Any error means it could not
// be asked, or answered something that is not an RFC 7662 response.
func (v *Verifier) introspect(ctx context.Context, token string) (answer, error) {
	ctx, cancel := context.WithTimeout(ctx, v.cfg.Timeout)
	defer cancel()
	form := url.Values{"token": {token}, "token_type_hint": {"access_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, v.cfg.URL, strings.NewReader(form.Encode()))
	if err != nil {
		return answer{}, fmt.Errorf("introspect: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	// RFC 6749 §2.3.1: id and secret are form-encoded before Basic.
	req.SetBasicAuth(url.QueryEscape(v.cfg.ClientID), url.QueryEscape(v.cfg.ClientSecret))
	resp, err := v.client.Do(req)
	if err != nil {
		// url.Error quotes the URL, never the body: the token stays out.
		return answer{}, fmt.Errorf("introspect: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return answer{}, fmt.Errorf("introspect: %s answered %s", v.cfg.URL, resp.Status)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		return answer{}, fmt.Errorf("introspect: %s answered Content-Type %q", v.cfg.URL, resp.Header.Get("Content-Type"))
	}
	dec := json.NewDecoder(io.LimitReader(resp.Body, maxResponseBytes))
	dec.UseNumber()
	var a answer
	if err := dec.Decode(&a); err != nil {
		return answer{}, fmt.Errorf("introspect: %s answered no RFC 7662 response: %w", v.cfg.URL, err)
	}
	if a.Active == nil {
		return answer{}, fmt.Errorf("introspect: %s answered without the required active member", v.cfg.URL)
	}
	return a, nil
}
