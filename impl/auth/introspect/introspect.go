// Package introspect verifies opaque access tokens by asking the identity
// provider (OAuth 2.0 Token Introspection, RFC 7662): the server POSTs the
// token to the provider's introspection endpoint, authenticated as a client
// with HTTP Basic, and the answer's `active` decides.
//
// Answers are cached by the token's SHA-256 digest, never by the token: an
// active token for at most Config.CacheTTL and never past its exp (a revoked
// token keeps working until then, so keep CacheTTL short), an inactive one
// for Config.NegativeCacheTTL (a client retrying a bad token, or a flood of
// them, does not reach the provider each time). When the endpoint cannot be
// reached or answers nonsense, the request is answered 503 with Retry-After:
// no token is ever let through because the provider could not be asked.
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
	// Audience, when set, must be among the answer's aud values if the
	// answer has any (many providers send none for opaque tokens).
	Audience string
	// CacheTTL is the longest an active answer is trusted (0: default). A
	// token revoked at the provider is accepted for up to this long.
	CacheTTL time.Duration
	// NegativeCacheTTL is how long an inactive answer is remembered (0:
	// default; negative: not at all).
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
	p, exp, rejected := v.judge(a, now)
	switch {
	case rejected != nil && v.cfg.NegativeCacheTTL > 0:
		v.inactive.Add(key, rejected, now.Add(v.cfg.NegativeCacheTTL))
	case rejected == nil:
		v.active.Add(key, p, tokencache.Until(now, v.cfg.CacheTTL, exp))
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
	Exp      *json.Number    `json:"exp"`
	Nbf      *json.Number    `json:"nbf"`
	Aud      json.RawMessage `json:"aud"`
	Cnf      struct {
		JKT string `json:"jkt"` // RFC 9449 §6.2: the DPoP key the token is bound to
	} `json:"cnf"`
}

// judge applies the answer: active, sub, exp, nbf and aud.
func (v *Verifier) judge(a answer, now time.Time) (auth.Principal, time.Time, *auth.Error) {
	invalid := func(format string, args ...any) *auth.Error { return auth.Errorf(auth.Invalid, format, args...) }
	if !*a.Active {
		return auth.Principal{}, time.Time{}, invalid("the identity provider says the token is not active (unknown, revoked or expired)")
	}
	var exp time.Time
	if a.Exp != nil {
		exp = unix(*a.Exp)
		if !now.Before(exp) {
			return auth.Principal{}, time.Time{}, auth.Errorf(auth.Expired, "the token has expired")
		}
	}
	if a.Nbf != nil && now.Before(unix(*a.Nbf)) {
		return auth.Principal{}, time.Time{}, invalid("the token is not valid yet (nbf is in the future)")
	}
	if a.Sub == "" {
		return auth.Principal{}, time.Time{}, invalid("the identity provider names no subject (sub) for the token")
	}
	if v.cfg.Audience != "" && len(a.Aud) > 0 {
		var one string
		var many []string
		if json.Unmarshal(a.Aud, &one) == nil {
			many = []string{one}
		} else if json.Unmarshal(a.Aud, &many) != nil {
			many = nil
		}
		if !slices.Contains(many, v.cfg.Audience) {
			return auth.Principal{}, time.Time{}, invalid("the token is not meant for this API: its aud must include %s", v.cfg.Audience)
		}
	}
	return auth.Principal{Subject: a.Sub, Scopes: strings.Fields(a.Scope), ClientID: a.ClientID, JKT: a.Cnf.JKT}, exp, nil
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
