package introspect_test

import (
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/idptest"
	"example.com/tasks/impl/auth/introspect"
)

func bearer(token string) auth.Credential {
	return auth.Credential{Scheme: "bearerAuth", Token: token}
}

func newVerifier(t *testing.T, iss *idptest.Issuer, edit func(*introspect.Config)) *introspect.Verifier {
	t.Helper()
	cfg := introspect.Config{URL: iss.Introspection, ClientID: idptest.IntrospectionClientID, ClientSecret: idptest.IntrospectionSecret,
		Audiences: []string{idptest.Audience}, Issuer: iss.Name, Leeway: 30 * time.Second}
	if edit != nil {
		edit(&cfg)
	}
	v, err := introspect.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestAnswers: what the provider says decides, for every member the
// server reads.
func TestAnswers(t *testing.T) {
	t.Parallel()
	iss := idptest.NewIssuer(t, idptest.NewKey(t, "k", false))
	v := newVerifier(t, iss, nil)
	now := time.Now()
	with := func(edit func(map[string]any)) string {
		a := iss.OpaqueAnswer("alice", "tasks:read tasks:write")
		edit(a)
		return iss.Opaque(t, a)
	}
	revoked := iss.Opaque(t, iss.OpaqueAnswer("alice", "x"))
	iss.Revoke(revoked)
	tests := []struct {
		name       string
		token      string
		wantKind   auth.Kind
		wantDesc   string
		wantReason string
		wantScp    []string
		wantJKT    string
	}{
		{name: "active", token: iss.Opaque(t, iss.OpaqueAnswer("alice", "a b")), wantScp: []string{"a", "b"}},
		{name: "no exp, aud as an array with ours", token: with(func(a map[string]any) { delete(a, "exp"); a["aud"] = []string{"x", idptest.Audience} }), wantScp: []string{"tasks:read", "tasks:write"}},
		{name: "key-bound", token: with(func(a map[string]any) { a["cnf"] = map[string]any{"jkt": "the-thumbprint"} }), wantScp: []string{"tasks:read", "tasks:write"}, wantJKT: "the-thumbprint"},
		{name: "Hydra's access token", token: with(func(a map[string]any) { a["token_use"] = "access_token" }), wantScp: []string{"tasks:read", "tasks:write"}},
		{name: "Keycloak's access token", token: with(func(a map[string]any) { delete(a, "token_type"); a["typ"] = "Bearer" }), wantScp: []string{"tasks:read", "tasks:write"}},
		{name: "token_type DPoP", token: with(func(a map[string]any) { a["token_type"] = "DPoP" }), wantScp: []string{"tasks:read", "tasks:write"}},
		{name: "no iss", token: with(func(a map[string]any) { delete(a, "iss") }), wantScp: []string{"tasks:read", "tasks:write"}},
		{name: "clock skew: expired within the leeway", token: with(func(a map[string]any) { a["exp"] = now.Add(-10 * time.Second).Unix() }), wantScp: []string{"tasks:read", "tasks:write"}},
		{name: "clock skew: nbf and iat ahead within the leeway", token: with(func(a map[string]any) {
			a["nbf"], a["iat"] = now.Add(10*time.Second).Unix(), now.Add(10*time.Second).Unix()
		}), wantScp: []string{"tasks:read", "tasks:write"}},

		{name: "unknown", token: "never-issued", wantKind: auth.Invalid, wantDesc: "not active", wantReason: "inactive"},
		{name: "revoked", token: revoked, wantKind: auth.Invalid, wantDesc: "not active", wantReason: "inactive"},
		{name: "Hydra's refresh token", token: iss.Opaque(t, iss.RefreshAnswer("alice", "tasks:read tasks:write")), wantKind: auth.Invalid, wantDesc: "not an access token", wantReason: "token_type"},
		{name: "Keycloak's ID token", token: iss.Opaque(t, iss.IDTokenAnswer("alice")), wantKind: auth.Invalid, wantDesc: "not an access token", wantReason: "token_type"},
		{name: "token_type refresh_token", token: with(func(a map[string]any) { a["token_type"] = "refresh_token" }), wantKind: auth.Invalid, wantDesc: "not an access token", wantReason: "token_type"},
		{name: "token_type of RFC 8693's ID token", token: with(func(a map[string]any) { a["token_type"] = "urn:ietf:params:oauth:token-type:id_token" }), wantKind: auth.Invalid, wantDesc: "not an access token", wantReason: "token_type"},
		{name: "expired though active", token: with(func(a map[string]any) { a["exp"] = now.Add(-time.Minute).Unix() }), wantKind: auth.Expired, wantDesc: "expired", wantReason: "expired"},
		{name: "not valid yet", token: with(func(a map[string]any) { a["nbf"] = now.Add(time.Hour).Unix() }), wantKind: auth.Invalid, wantDesc: "nbf", wantReason: "not_yet_valid"},
		{name: "issued in the future", token: with(func(a map[string]any) { a["iat"] = now.Add(time.Hour).Unix() }), wantKind: auth.Invalid, wantDesc: "iat", wantReason: "not_yet_valid"},
		{name: "no sub", token: with(func(a map[string]any) { delete(a, "sub") }), wantKind: auth.Invalid, wantDesc: "no subject", wantReason: "claims"},
		{name: "another audience", token: with(func(a map[string]any) { a["aud"] = "another-api" }), wantKind: auth.Invalid, wantDesc: "aud must include " + idptest.Audience, wantReason: "audience"},
		{name: "no aud", token: with(func(a map[string]any) { delete(a, "aud") }), wantKind: auth.Invalid, wantDesc: "aud must include " + idptest.Audience, wantReason: "audience"},
		{name: "empty aud (Hydra, no audience requested)", token: with(func(a map[string]any) { a["aud"] = []string{} }), wantKind: auth.Invalid, wantDesc: "aud must include " + idptest.Audience, wantReason: "audience"},
		{name: "another issuer", token: with(func(a map[string]any) { a["iss"] = "https://evil.example/" }), wantKind: auth.Invalid, wantDesc: "not issued by " + iss.Name, wantReason: "issuer"},
		{name: "the issuer without its trailing slash", token: with(func(a map[string]any) { a["iss"] = strings.TrimSuffix(iss.Name, "/") }), wantKind: auth.Invalid, wantDesc: "not issued by " + iss.Name, wantReason: "issuer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := v.Verify(t.Context(), bearer(tt.token))
			if tt.wantKind == 0 {
				if err != nil || p.Subject != "alice" || !slices.Equal(p.Scopes, tt.wantScp) || p.ClientID != idptest.ClientID || p.JKT != tt.wantJKT {
					t.Errorf("Verify = %+v, %v; want alice with %q, JKT %q", p, err, tt.wantScp, tt.wantJKT)
				}
				return
			}
			var ae *auth.Error
			if !errors.As(err, &ae) || ae.Kind != tt.wantKind || !strings.Contains(ae.Description, tt.wantDesc) || ae.ReasonCode() != tt.wantReason {
				t.Errorf("Verify = %+v, %v; want %v with %q (%s)", p, err, tt.wantKind, tt.wantDesc, tt.wantReason)
			}
			if ae != nil && strings.Contains(ae.Description, tt.token) {
				t.Error("the description repeats the token")
			}
		})
	}
}

// TestUnavailable: a provider that cannot be asked, or answers nonsense,
// gets a 503 with Retry-After, never a pass, and no word of the token.
func TestUnavailable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(*idptest.Issuer)
		edit  func(*introspect.Config)
	}{
		{name: "down", setup: func(iss *idptest.Issuer) { iss.Down(true) }},
		{name: "hangs past the timeout", setup: func(iss *idptest.Issuer) { iss.Hang(true) }, edit: func(c *introspect.Config) { c.Timeout = 100 * time.Millisecond }},
		{name: "no active member", setup: func(iss *idptest.Issuer) { iss.AnswerIntrospection(`{"sub":"alice","scope":"tasks:write"}`) }},
		{name: "active not a boolean", setup: func(iss *idptest.Issuer) { iss.AnswerIntrospection(`{"active":"true","sub":"alice"}`) }},
		{name: "not JSON", setup: func(iss *idptest.Issuer) { iss.AnswerIntrospection(`<html>`) }},
		{name: "our client secret refused", edit: func(c *introspect.Config) { c.ClientSecret = "wrong" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			iss := idptest.NewIssuer(t, idptest.NewKey(t, "k", false))
			token := iss.Opaque(t, iss.OpaqueAnswer("alice", "tasks:write"))
			if tt.setup != nil {
				tt.setup(iss)
			}
			v := newVerifier(t, iss, tt.edit)
			p, err := v.Verify(t.Context(), bearer(token))
			var ae *auth.Error
			if !errors.As(err, &ae) || ae.Kind != auth.Unavailable || ae.RetryAfter <= 0 {
				t.Fatalf("Verify = %+v, %v; want Unavailable with a RetryAfter", p, err)
			}
			if strings.Contains(err.Error(), token) || strings.Contains(ae.Description, token) {
				t.Error("the error repeats the token")
			}
		})
	}
}

// TestCache: answers are remembered by digest, an active one for at most
// CacheTTL and never past exp, an inactive one for NegativeCacheTTL.
func TestCache(t *testing.T) {
	t.Parallel()
	iss := idptest.NewIssuer(t, idptest.NewKey(t, "k", false))
	var mu sync.Mutex
	clock := time.Now()
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); clock = clock.Add(d) }
	v := newVerifier(t, iss, func(c *introspect.Config) {
		c.CacheTTL, c.NegativeCacheTTL, c.Now = time.Minute, 5*time.Second, now
	})
	verify := func(token string) error {
		_, err := v.Verify(t.Context(), bearer(token))
		return err
	}
	asked := func(want int64) {
		t.Helper()
		if got := iss.Introspections(); got != want {
			t.Fatalf("introspections = %d, want %d", got, want)
		}
	}

	// Active: asked once, then cached; revoked at the provider, it is
	// accepted until CacheTTL, then refused.
	long := iss.Opaque(t, iss.OpaqueAnswer("alice", ""))
	for range 3 {
		if err := verify(long); err != nil {
			t.Fatal(err)
		}
	}
	asked(1)
	iss.Revoke(long)
	advance(59 * time.Second)
	if err := verify(long); err != nil {
		t.Fatalf("within CacheTTL: %v", err)
	}
	asked(1)
	advance(2 * time.Second)
	if err := verify(long); err == nil {
		t.Fatal("a revoked token passed after CacheTTL")
	}
	asked(2)

	// Never past exp (plus the leeway): a token expiring in 10s is asked
	// about again 40s later.
	a := iss.OpaqueAnswer("alice", "")
	a["exp"] = now().Add(10 * time.Second).Unix()
	short := iss.Opaque(t, a)
	if err := verify(short); err != nil {
		t.Fatal(err)
	}
	asked(3)
	advance(41 * time.Second)
	var ae *auth.Error
	if err := verify(short); !errors.As(err, &ae) || ae.Kind != auth.Expired {
		t.Fatalf("past exp: %v, want expired", err)
	}
	asked(4)

	// Inactive: remembered briefly, then asked again.
	for range 3 {
		if err := verify("unknown-token"); err == nil {
			t.Fatal("an unknown token passed")
		}
	}
	asked(5)
	advance(6 * time.Second)
	_ = verify("unknown-token")
	asked(6)

	// Clock skew: a token whose nbf is 32s ahead is refused with a leeway
	// of 30s, and that refusal is remembered only until the skew would be
	// forgiven (2s, not NegativeCacheTTL's 5s): a retry then passes.
	a = iss.OpaqueAnswer("alice", "")
	a["nbf"] = now().Add(32 * time.Second).Unix()
	ahead := iss.Opaque(t, a)
	if err := verify(ahead); err == nil {
		t.Fatal("a token 32s ahead passed with a leeway of 30s")
	}
	asked(7)
	advance(3 * time.Second)
	if err := verify(ahead); err != nil {
		t.Fatalf("the same token once within the leeway: %v (the refusal was cached too long)", err)
	}
	asked(8)

	// An outage is not cached: the provider is asked again at once.
	iss.Down(true)
	fresh := iss.Opaque(t, iss.OpaqueAnswer("bob", ""))
	if err := verify(fresh); err == nil {
		t.Fatal("passed while the provider is down")
	}
	iss.Down(false)
	if err := verify(fresh); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
	asked(10)
}

func TestConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cfg  introspect.Config
		want string
	}{
		{introspect.Config{URL: "http://idp.example.com/introspect", ClientID: "a", ClientSecret: "b"}, "must use https"},
		{introspect.Config{URL: "", ClientID: "a", ClientSecret: "b"}, "introspection URL is required"},
		{introspect.Config{URL: "https://idp.example.com/introspect", ClientID: "a"}, "client secret"},
		{introspect.Config{URL: "https://idp.example.com/introspect", ClientID: "a", ClientSecret: "b", Leeway: -time.Second}, "leeway"},
	}
	for _, tt := range tests {
		if _, err := introspect.New(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) = %v, want %q", tt.cfg, err, tt.want)
		}
	}
}
