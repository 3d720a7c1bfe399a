package jwttoken_test

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/idptest"
	"example.com/tasks/impl/auth/jwttoken"
)

var quiet = slog.New(slog.DiscardHandler)

func bearer(token string) auth.Credential {
	return auth.Credential{Scheme: "bearerAuth", Token: token}
}

// TestAttacks signs every kind of bad token a client or an attacker can
// send and checks each is refused for the right reason, in words that never
// repeat the token.
func TestAttacks(t *testing.T) {
	t.Parallel()
	es := idptest.NewKey(t, "es-1", false)
	rs := idptest.NewKey(t, "rs-1", true)
	unpublished := idptest.NewKey(t, "es-1", false) // same kid, other key: a forgery
	stranger := idptest.NewKey(t, "who-knows", false)
	iss := idptest.NewIssuer(t, es, rs)
	v := iss.Verifier(t, jwttoken.Config{Leeway: 30 * time.Second, Logger: quiet})

	now := time.Now()
	with := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := iss.Claims("alice", "tasks:read tasks:write")
		edit(c)
		return c
	}
	valid := es.Sign(t, iss.Claims("alice", "tasks:read"))
	parts := strings.Split(valid, ".")

	tests := []struct {
		name       string
		token      string
		wantKind   auth.Kind // 0: accepted
		wantDesc   string    // a substring of the description
		wantReason string    // the code operators see
		wantSub    string
		wantScp    []string
		wantClient string
	}{
		{name: "valid ES256", token: valid, wantSub: "alice", wantScp: []string{"tasks:read"}},
		{name: "valid RS256", token: rs.Sign(t, iss.Claims("bob", "")), wantSub: "bob", wantScp: []string{}},
		{name: "scope as a space-delimited string", token: es.Sign(t, iss.Claims("alice", "a  b c")), wantSub: "alice", wantScp: []string{"a", "b", "c"}},
		{name: "scp as an array", token: es.Sign(t, with(func(c jwt.MapClaims) { delete(c, "scope"); c["scp"] = []string{"a", "b"} })), wantSub: "alice", wantScp: []string{"a", "b"}},
		{name: "scp as a string", token: es.Sign(t, with(func(c jwt.MapClaims) { delete(c, "scope"); c["scp"] = "a b" })), wantSub: "alice", wantScp: []string{"a", "b"}},
		{name: "scope and scp merged", token: es.Sign(t, with(func(c jwt.MapClaims) { c["scope"] = "a b"; c["scp"] = []string{"b", "c"} })), wantSub: "alice", wantScp: []string{"a", "b", "c"}},
		{name: "aud as an array that includes ours", token: es.Sign(t, with(func(c jwt.MapClaims) { c["aud"] = []string{"other", idptest.Audience} })), wantSub: "alice", wantScp: []string{"tasks:read", "tasks:write"}},
		{name: "expired within the leeway", token: es.Sign(t, with(func(c jwt.MapClaims) { c["exp"] = now.Add(-10 * time.Second).Unix() })), wantSub: "alice", wantScp: []string{"tasks:read", "tasks:write"}},
		{name: "nbf within the leeway", token: es.Sign(t, with(func(c jwt.MapClaims) { c["nbf"] = now.Add(10 * time.Second).Unix() })), wantSub: "alice", wantScp: []string{"tasks:read", "tasks:write"}},

		{name: "expired", token: es.Sign(t, with(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Hour).Unix() })), wantKind: auth.Expired, wantDesc: "the token has expired", wantReason: "expired"},
		{name: "not yet valid", token: es.Sign(t, with(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Hour).Unix() })), wantKind: auth.Invalid, wantDesc: "not valid yet", wantReason: "not_yet_valid"},
		{name: "issued in the future", token: es.Sign(t, with(func(c jwt.MapClaims) { c["iat"] = now.Add(time.Hour).Unix() })), wantKind: auth.Invalid, wantDesc: "issued in the future", wantReason: "not_yet_valid"},
		{name: "no exp", token: es.Sign(t, with(func(c jwt.MapClaims) { delete(c, "exp") })), wantKind: auth.Invalid, wantDesc: "lacks a required claim", wantReason: "claims"},
		{name: "no sub", token: es.Sign(t, with(func(c jwt.MapClaims) { delete(c, "sub") })), wantKind: auth.Invalid, wantDesc: "no sub claim", wantReason: "claims"},
		{name: "wrong issuer", token: es.Sign(t, with(func(c jwt.MapClaims) { c["iss"] = "https://evil.example/" })), wantKind: auth.Invalid, wantDesc: "not issued by " + iss.Name, wantReason: "issuer"},
		{name: "no issuer", token: es.Sign(t, with(func(c jwt.MapClaims) { delete(c, "iss") })), wantKind: auth.Invalid, wantDesc: "lacks a required claim", wantReason: "claims"},
		{name: "wrong audience", token: es.Sign(t, with(func(c jwt.MapClaims) { c["aud"] = "another-api" })), wantKind: auth.Invalid, wantDesc: "aud must include " + idptest.Audience, wantReason: "audience"},
		{name: "scope of the wrong type", token: es.Sign(t, with(func(c jwt.MapClaims) { c["scope"] = 42 })), wantKind: auth.Invalid, wantDesc: "not a well-formed JWT", wantReason: "malformed"},

		{name: "alg none", token: signNone(t, es.ID, iss.Claims("alice", "tasks:write")), wantKind: auth.Invalid, wantDesc: "signing algorithm is not accepted", wantReason: "algorithm"},
		{name: "HS256 signed with the RSA public key", token: signHMAC(t, rs.ID, rs.Public(t), iss.Claims("alice", "tasks:write")), wantKind: auth.Invalid, wantDesc: "signing algorithm is not accepted", wantReason: "algorithm"},
		{name: "HS256 signed with the EC public key", token: signHMAC(t, es.ID, es.Public(t), iss.Claims("alice", "tasks:write")), wantKind: auth.Invalid, wantDesc: "signing algorithm is not accepted", wantReason: "algorithm"},
		{name: "alg of another published key", token: retype(t, rs, es.ID, iss.Claims("alice", "")), wantKind: auth.Invalid, wantDesc: "no key the issuer publishes matches", wantReason: "unknown_kid"},
		{name: "unknown kid", token: stranger.Sign(t, iss.Claims("alice", "tasks:write")), wantKind: auth.Invalid, wantDesc: "no key the issuer publishes matches", wantReason: "unknown_kid"},
		{name: "published kid, forged signature", token: unpublished.Sign(t, iss.Claims("alice", "tasks:write")), wantKind: auth.Invalid, wantDesc: "signature does not verify", wantReason: "signature"},
		{name: "payload swapped under a valid signature", token: parts[0] + "." + encode(t, iss.Claims("mallory", "tasks:write")) + "." + parts[2], wantKind: auth.Invalid, wantDesc: "signature does not verify", wantReason: "signature"},
		{name: "signature stripped", token: parts[0] + "." + parts[1] + ".", wantKind: auth.Invalid, wantDesc: "signature does not verify", wantReason: "signature"},
		{name: "not a JWT", token: "aaa.bbb.ccc", wantKind: auth.Invalid, wantDesc: "not a well-formed JWT", wantReason: "malformed"},

		{name: "typ application/at+jwt", token: es.SignTyp(t, "application/AT+JWT", iss.Claims("alice", "a")), wantSub: "alice", wantScp: []string{"a"}},
		{name: "client_id read", token: es.Sign(t, with(func(c jwt.MapClaims) { c["client_id"] = "app" })), wantSub: "alice", wantScp: []string{"tasks:read", "tasks:write"}, wantClient: "app"},
		{name: "ID token of the same issuer", token: iss.IDToken(t, es, "alice"), wantKind: auth.Invalid, wantDesc: "not an access token: its typ header must be at+jwt (RFC 9068)", wantReason: "typ"},
		{name: "typ JWT", token: es.SignTyp(t, "JWT", iss.Claims("alice", "tasks:read")), wantKind: auth.Invalid, wantDesc: "typ header must be at+jwt", wantReason: "typ"},
		{name: "no typ", token: es.SignTyp(t, "", iss.Claims("alice", "tasks:read")), wantKind: auth.Invalid, wantDesc: "typ header must be at+jwt", wantReason: "typ"},
		{name: "logout token typ", token: es.SignTyp(t, "logout+jwt", iss.Claims("alice", "tasks:read")), wantKind: auth.Invalid, wantDesc: "typ header must be at+jwt", wantReason: "typ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := v.Verify(t.Context(), bearer(tt.token))
			if tt.wantKind == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if p.Subject != tt.wantSub || !slices.Equal(p.Scopes, tt.wantScp) || p.ClientID != tt.wantClient {
					t.Errorf("principal = %+v, want %s with %q, client %q", p, tt.wantSub, tt.wantScp, tt.wantClient)
				}
				return
			}
			var ae *auth.Error
			if !errors.As(err, &ae) {
				t.Fatalf("accepted or not an *auth.Error: %+v, %v", p, err)
			}
			if ae.Kind != tt.wantKind || !strings.Contains(ae.Description, tt.wantDesc) || ae.ReasonCode() != tt.wantReason {
				t.Errorf("got %v %q (%s), want %v containing %q (%s)", ae.Kind, ae.Description, ae.ReasonCode(), tt.wantKind, tt.wantDesc, tt.wantReason)
			}
			for _, part := range strings.Split(tt.token, ".") {
				if len(part) > 3 && strings.Contains(ae.Description, part) {
					t.Errorf("the description repeats the token: %q", ae.Description)
				}
			}
		})
	}
}

func signNone(t *testing.T, kid string, c jwt.MapClaims) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodNone, c)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// signHMAC is the algorithm-confusion attack: HS256 with the issuer's public
// key, which anyone can download, as the shared secret.
func signHMAC(t *testing.T, kid string, secret []byte, c jwt.MapClaims) string {
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(secret)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// retype signs with k but names another key's kid.
func retype(t *testing.T, k *idptest.Key, kid string, c jwt.MapClaims) string {
	forged := *k
	forged.ID = kid
	return forged.Sign(t, c)
}

func encode(t *testing.T, c jwt.MapClaims) string {
	s, err := jwt.NewWithClaims(jwt.SigningMethodNone, c).SigningString()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(s, ".")[1]
}

func TestConfigRefusesUnsafeSettings(t *testing.T) {
	t.Parallel()
	iss := idptest.NewIssuer(t, idptest.NewKey(t, "k", false))
	good := iss.Config()
	tests := []struct {
		name string
		edit func(*jwttoken.Config)
		want string
	}{
		{"HS256 allowed", func(c *jwttoken.Config) { c.Algorithms = []string{"RS256", "HS256"} }, `algorithm "HS256" cannot be allowed`},
		{"none allowed", func(c *jwttoken.Config) { c.Algorithms = []string{"none"} }, `algorithm "none" cannot be allowed`},
		{"empty allow-list", func(c *jwttoken.Config) { c.Algorithms = []string{} }, "allow-list is empty"},
		{"no issuer", func(c *jwttoken.Config) { c.Issuer = "" }, "an issuer is required"},
		{"no audience", func(c *jwttoken.Config) { c.Audiences = nil }, "an audience is required"},
		{"an empty audience", func(c *jwttoken.Config) { c.Audiences = append(c.Audiences, "") }, "an audience is required"},
		{"no URL", func(c *jwttoken.Config) { c.JWKSURL = "" }, "a JWKS URL is required"},
		{"plain http to a remote host", func(c *jwttoken.Config) { c.JWKSURL = "http://idp.example.com/jwks" }, "must use https"},
		{"not a URL", func(c *jwttoken.Config) { c.JWKSURL = "idp.example.com/jwks" }, "not an http(s) URL"},
		{"negative leeway", func(c *jwttoken.Config) { c.Leeway = -time.Second }, "leeway"},
		{"JWKS not found", func(c *jwttoken.Config) { c.JWKSURL += "/nope" }, "first fetch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := good
			cfg.Logger = quiet
			tt.edit(&cfg)
			iss.Down(tt.name == "JWKS not found")
			if _, err := jwttoken.New(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestKeyRotation: a key published after start is found on its first
// token; a key withdrawn is refused once the set has been refetched.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	k1, k2, k3 := idptest.NewKey(t, "k1", false), idptest.NewKey(t, "k2", false), idptest.NewKey(t, "k3", false)
	iss := idptest.NewIssuer(t, k1)
	// No rate limit here: every unknown kid refetches.
	v := iss.Verifier(t, jwttoken.Config{UnknownKIDInterval: time.Nanosecond, Logger: quiet})
	verify := func(k *idptest.Key) error {
		_, err := v.Verify(t.Context(), bearer(k.Sign(t, iss.Claims("alice", ""))))
		return err
	}
	if err := verify(k1); err != nil {
		t.Fatalf("k1 before rotation: %v", err)
	}
	iss.Publish(t, k1, k2) // the issuer announces k2, then signs with it
	if err := verify(k2); err != nil {
		t.Fatalf("k2 after it was published: %v", err)
	}
	if err := verify(k1); err != nil {
		t.Fatalf("k1 while both are published: %v", err)
	}
	iss.Publish(t, k2) // k1 withdrawn
	if err := verify(k3); err == nil {
		t.Fatal("k3 was never published but verified") // and it made the verifier refetch
	}
	if err := verify(k1); err == nil {
		t.Error("k1 still verifies after it was withdrawn and the set refetched")
	}
	if err := verify(k2); err != nil {
		t.Errorf("k2 after k1 was withdrawn: %v", err)
	}
}

// TestTwoRotationsWithinAMinute: with the default intervals, a provider
// that rotates its signing key twice in a row costs the tokens signed by
// the newest key a short wait, never a refusal (the finding: an unknown
// kid looked up at most once a minute made them 401 until then).
func TestTwoRotationsWithinAMinute(t *testing.T) {
	t.Parallel()
	k1, k2, k3 := idptest.NewKey(t, "k1", false), idptest.NewKey(t, "k2", false), idptest.NewKey(t, "k3", false)
	iss := idptest.NewIssuer(t, k1)
	v := iss.Verifier(t, jwttoken.Config{Logger: quiet}) // default intervals
	start := time.Now()
	for _, rotation := range []struct {
		key       *idptest.Key
		published []*idptest.Key
	}{{k2, []*idptest.Key{k1, k2}}, {k3, []*idptest.Key{k2, k3}}} {
		iss.Publish(t, rotation.published...)
		if _, err := v.Verify(t.Context(), bearer(rotation.key.Sign(t, iss.Claims("alice", "")))); err != nil {
			t.Fatalf("a token signed by %s, just published: %v", rotation.key.ID, err)
		}
	}
	took := time.Since(start)
	t.Logf("two rotations: %s, %d JWKS fetches", took.Round(time.Millisecond), iss.Fetches())
	if took > jwttoken.DefaultUnknownKIDInterval+2*time.Second {
		t.Errorf("two rotations took %s, want about DefaultUnknownKIDInterval (%s)", took, jwttoken.DefaultUnknownKIDInterval)
	}
	if n := iss.Fetches(); n != 3 {
		t.Errorf("%d JWKS fetches, want 3 (start + one per rotation)", n)
	}
}

// TestNewKidLookupsAreShared: the first tokens of a new key, arriving
// together, share one refetch and all pass, though the limiter would let
// only one of them fetch within the hour.
func TestNewKidLookupsAreShared(t *testing.T) {
	t.Parallel()
	k1, k2 := idptest.NewKey(t, "k1", false), idptest.NewKey(t, "k2", false)
	iss := idptest.NewIssuer(t, k1)
	v := iss.Verifier(t, jwttoken.Config{UnknownKIDInterval: time.Hour, Logger: quiet})
	iss.Publish(t, k1, k2)
	const clients = 100
	tokens := make([]string, clients)
	for i := range tokens {
		tokens[i] = k2.Sign(t, iss.Claims(fmt.Sprintf("user-%d", i), ""))
	}
	var wg sync.WaitGroup
	errs := make([]error, clients)
	for i := range clients {
		wg.Go(func() { _, errs[i] = v.Verify(t.Context(), bearer(tokens[i])) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Errorf("tokens of the new key refused: %v", err)
	}
	if n := iss.Fetches(); n != 2 {
		t.Errorf("%d JWKS fetches, want 2 (start + one shared)", n)
	}
}

// TestWithdrawnKeyStopsVerifying: a key the issuer withdraws stops
// verifying new tokens at the next periodic refresh (RefreshInterval),
// with no token needed to trigger it.
func TestWithdrawnKeyStopsVerifying(t *testing.T) {
	t.Parallel()
	k1, k2 := idptest.NewKey(t, "k1", false), idptest.NewKey(t, "k2", false)
	iss := idptest.NewIssuer(t, k1, k2)
	const interval = 200 * time.Millisecond
	v := iss.Verifier(t, jwttoken.Config{RefreshInterval: interval, UnknownKIDInterval: time.Hour, Logger: quiet})
	verify := func(k *idptest.Key) error {
		_, err := v.Verify(t.Context(), bearer(k.Sign(t, iss.Claims("alice", ""))))
		return err
	}
	if err := verify(k1); err != nil {
		t.Fatalf("k1 while published: %v", err)
	}
	iss.Publish(t, k2) // k1 withdrawn
	withdrawn := time.Now()
	// Two fetches later, one whole refresh has read the new set.
	iss.WaitFetches(t, iss.Fetches()+2)
	var ae *auth.Error
	if err := verify(k1); !errors.As(err, &ae) || ae.ReasonCode() != auth.ReasonUnknownKID {
		t.Fatalf("k1 after it was withdrawn and %s passed: %v, want refused as unknown_kid", time.Since(withdrawn), err)
	}
	if err := verify(k2); err != nil {
		t.Errorf("k2: %v", err)
	}
}

// TestVerifiedTokenCache: a verified token is served from the cache until
// CacheTTL, and never past its exp, even when its key has been withdrawn
// in between (that is the window CacheTTL bounds).
func TestVerifiedTokenCache(t *testing.T) {
	t.Parallel()
	k1, k2, k3 := idptest.NewKey(t, "k1", false), idptest.NewKey(t, "k2", false), idptest.NewKey(t, "k3", false)
	iss := idptest.NewIssuer(t, k1, k2)
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); defer mu.Unlock(); now = now.Add(d) }
	v := iss.Verifier(t, jwttoken.Config{UnknownKIDInterval: time.Nanosecond, CacheTTL: time.Minute, Now: clock, Logger: quiet})
	verify := func(token string) error {
		_, err := v.Verify(t.Context(), bearer(token))
		return err
	}
	// Claims made now by the test's clock: iss.Claims reads the real one,
	// whose second may already be past the test clock's (nbf in the future).
	claims := func(sub string) jwt.MapClaims {
		c := iss.Claims(sub, "")
		c["iat"], c["nbf"] = clock().Unix(), clock().Unix()
		return c
	}

	cached := k1.Sign(t, claims("alice"))
	if err := verify(cached); err != nil {
		t.Fatalf("first verification: %v", err)
	}
	iss.Publish(t, k2) // k1 withdrawn
	if err := verify(k3.Sign(t, claims("alice"))); err == nil {
		t.Fatal("k3 was never published but verified") // and it made the verifier refetch
	}
	if err := verify(k1.Sign(t, claims("alice"))); err == nil {
		t.Fatal("a new token signed by the withdrawn k1 verified")
	}
	if err := verify(cached); err != nil {
		t.Errorf("the cached token within CacheTTL: %v (it should be served from the cache)", err)
	}
	advance(time.Minute + time.Second)
	if err := verify(cached); err == nil {
		t.Error("the cached token still verifies after CacheTTL, though its key was withdrawn")
	}

	c := claims("bob")
	c["exp"] = clock().Add(30 * time.Second).Unix()
	short := k2.Sign(t, c)
	if err := verify(short); err != nil {
		t.Fatalf("a token valid for 30s: %v", err)
	}
	advance(31 * time.Second)
	var ae *auth.Error
	if err := verify(short); !errors.As(err, &ae) || ae.Kind != auth.Expired {
		t.Errorf("a cached token past its exp: %v, want Expired", err)
	}
}

// TestUnknownKIDFloodIsRateLimited: a flood of tokens with made-up kids
// makes the verifier refetch the JWKS once, not once per token.
func TestUnknownKIDFloodIsRateLimited(t *testing.T) {
	t.Parallel()
	good := idptest.NewKey(t, "good", false)
	iss := idptest.NewIssuer(t, good)
	v := iss.Verifier(t, jwttoken.Config{UnknownKIDInterval: time.Hour, Logger: quiet})
	if n := iss.Fetches(); n != 1 {
		t.Fatalf("%d fetches at start, want 1", n)
	}
	const flood = 500
	var wg sync.WaitGroup
	var mu sync.Mutex
	var accepted int
	for i := range flood {
		wg.Go(func() {
			forged := idptest.NewKey(t, fmt.Sprintf("kid-%d", i), false)
			if _, err := v.Verify(t.Context(), bearer(forged.Sign(t, iss.Claims("mallory", "tasks:write")))); err == nil {
				mu.Lock()
				accepted++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if accepted != 0 {
		t.Errorf("%d forged tokens accepted", accepted)
	}
	// One fetch at start, one for the first unknown kid; the other 499 wait
	// for an interval of an hour, so they are refused without a fetch.
	if n := iss.Fetches(); n != 2 {
		t.Errorf("%d unknown kids caused %d JWKS fetches, want 2 (start + 1)", flood, n)
	}
	if _, err := v.Verify(t.Context(), bearer(good.Sign(t, iss.Claims("alice", "")))); err != nil {
		t.Errorf("a good token after the flood: %v", err)
	}
}

// TestJWKSOutage: with the JWKS endpoint down or hanging, tokens signed by
// cached keys keep working and unknown kids are refused, not left waiting.
func TestJWKSOutage(t *testing.T) {
	t.Parallel()
	good := idptest.NewKey(t, "good", false)
	iss := idptest.NewIssuer(t, good)
	v := iss.Verifier(t, jwttoken.Config{
		RefreshInterval:    time.Millisecond, // refresh attempts all through the outage
		UnknownKIDInterval: time.Nanosecond,
		HTTPTimeout:        time.Second, // how long an unknown kid waits on a hanging JWKS
		Logger:             quiet,
	})
	check := func(phase string) {
		t.Helper()
		if _, err := v.Verify(t.Context(), bearer(good.Sign(t, iss.Claims("alice", "")))); err != nil {
			t.Errorf("%s: a token signed by a cached key: %v", phase, err)
		}
		stranger := idptest.NewKey(t, "stranger", false)
		var ae *auth.Error
		if _, err := v.Verify(t.Context(), bearer(stranger.Sign(t, iss.Claims("alice", "")))); !errors.As(err, &ae) || ae.Kind != auth.Invalid {
			t.Errorf("%s: unknown kid: %v, want an Invalid *auth.Error", phase, err)
		}
	}

	iss.Down(true)
	// Two more fetches: the first failed refresh has finished.
	iss.WaitFetches(t, iss.Fetches()+2)
	check("JWKS answering 503")

	iss.Down(false)
	iss.Hang(true)
	iss.WaitFetches(t, iss.Fetches()+2)
	check("JWKS hanging")
}

// BenchmarkVerify measures the verification of a valid token: "first" is a
// full signature and claims check (a token not seen before, or the cache
// off), "repeated" is the same token again, served from the cache.
func BenchmarkVerify(b *testing.B) {
	for _, rsaKey := range []bool{false, true} {
		k := idptest.NewKey(b, "k", rsaKey)
		iss := idptest.NewIssuer(b, k)
		cred := bearer(k.Sign(b, iss.Claims("alice", "tasks:read tasks:write")))
		for _, c := range []struct {
			name string
			size int
		}{{"first", -1}, {"repeated", 0}} {
			v := iss.Verifier(b, jwttoken.Config{Logger: quiet, CacheSize: c.size})
			b.Run(k.Method.Alg()+"/"+c.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := v.Verify(b.Context(), cred); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestSkipTypCheck: with the RFC 9068 check off, tokens from a provider that
// sends `typ: JWT` or none are accepted; every other check still runs.
func TestSkipTypCheck(t *testing.T) {
	t.Parallel()
	k := idptest.NewKey(t, "k", false)
	iss := idptest.NewIssuer(t, k)
	v := iss.Verifier(t, jwttoken.Config{SkipTypCheck: true, Logger: quiet})
	for _, typ := range []string{"JWT", "", idptest.AccessTokenTyp} {
		if _, err := v.Verify(t.Context(), bearer(k.SignTyp(t, typ, iss.Claims("alice", "")))); err != nil {
			t.Errorf("typ %q refused with the check off: %v", typ, err)
		}
	}
	c := iss.Claims("alice", "")
	c["aud"] = "another-api"
	if _, err := v.Verify(t.Context(), bearer(k.SignTyp(t, "JWT", c))); err == nil {
		t.Error("a token for another audience passed with the typ check off")
	}
}

// TestChainContract: a token not shaped like a JWT is left to the next
// verifier (ErrUnknown); one shaped like a JWT is answered here, with its
// own reason; a key-bound token's cnf.jkt reaches the principal, so that
// Bearer can refuse it and DPoP check its proof.
func TestChainContract(t *testing.T) {
	t.Parallel()
	es := idptest.NewKey(t, "es-1", false)
	iss := idptest.NewIssuer(t, es)
	v := iss.Verifier(t, jwttoken.Config{Logger: quiet})
	for _, opaque := range []string{"opaque", "one.dot", "four.dots.in.it", ""} {
		_, err := v.Verify(t.Context(), bearer(opaque))
		var ae *auth.Error
		if !errors.Is(err, auth.ErrUnknown) || !errors.As(err, &ae) || ae.Kind != auth.Invalid {
			t.Errorf("%q: %v, want an Invalid error wrapping auth.ErrUnknown", opaque, err)
		}
	}
	expired := iss.Claims("alice", "a")
	expired["exp"] = time.Now().Add(-time.Hour).Unix()
	for _, jwtShaped := range []string{"aaa.bbb.ccc", es.Sign(t, expired)} {
		if _, err := v.Verify(t.Context(), bearer(jwtShaped)); err == nil || errors.Is(err, auth.ErrUnknown) {
			t.Errorf("a JWT-shaped token: %v, want its own refusal, not ErrUnknown", err)
		}
	}
	bound := iss.Claims("alice", "a")
	bound["cnf"] = map[string]any{"jkt": "the-thumbprint"}
	for name, tok := range map[string]string{"bound": es.Sign(t, bound), "plain": es.Sign(t, iss.Claims("alice", "a"))} {
		want := ""
		if name == "bound" {
			want = "the-thumbprint"
		}
		for range 2 { // the second answer comes from the cache
			if p, err := v.Verify(t.Context(), bearer(tok)); err != nil || p.JKT != want {
				t.Errorf("%s: %+v, %v; want JKT %q", name, p, err, want)
			}
		}
	}
}
