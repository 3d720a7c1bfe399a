package httpapi_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/idptest"
	"example.com/tasks/impl/auth/introspect"
	"example.com/tasks/impl/auth/jwttoken"
	"example.com/tasks/impl/spec"
)

// TestRefusalReasons: every refused credential is answered 401
// invalid_token (the client's reason in error_description), and its access
// log line names the reason in a word (auth_reason) an operator can act on,
// never the token or its digest. JWTs and opaque tokens, from one provider,
// both enabled: what an operator facing a wall of 401s needs to tell apart.
func TestRefusalReasons(t *testing.T) {
	t.Parallel()
	key, stranger := idptest.NewKey(t, "k", false), idptest.NewKey(t, "stranger", false)
	iss := idptest.NewIssuer(t, key)
	opaque, err := introspect.New(introspect.Config{URL: iss.Introspection, ClientID: idptest.IntrospectionClientID,
		ClientSecret: idptest.IntrospectionSecret, Audiences: []string{idptest.Audience}, Issuer: iss.Name, Leeway: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	jwts := iss.Verifier(t, jwttoken.Config{Leeway: 30 * time.Second, UnknownKIDInterval: time.Hour})
	srv := apitest.NewServer(t, apitest.Config{Verifier: auth.Chain(jwts, apitest.Tokens(), opaque)})
	doc, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	path := scopedGET(t, doc)
	all := strings.Join(allScopes(doc), " ")
	now := time.Now()
	claims := func(edit func(jwt.MapClaims)) jwt.MapClaims {
		c := iss.Claims("alice", all)
		edit(c)
		return c
	}
	answer := func(edit func(map[string]any)) string {
		a := iss.OpaqueAnswer("alice", all)
		edit(a)
		return iss.Opaque(t, a)
	}
	revoked := iss.Opaque(t, iss.OpaqueAnswer("alice", all))
	iss.Revoke(revoked)

	tests := []struct {
		name, token, reason string
	}{
		{"JWT typ JWT (Ory Hydra, Keycloak, Entra ID)", key.SignTyp(t, "JWT", iss.Claims("alice", all)), auth.ReasonTyp},
		{"JWT for another API", key.Sign(t, claims(func(c jwt.MapClaims) { c["aud"] = "another-api" })), auth.ReasonAudience},
		{"JWT issuer without its trailing slash", key.Sign(t, claims(func(c jwt.MapClaims) { c["iss"] = strings.TrimSuffix(iss.Name, "/") })), auth.ReasonIssuer},
		{"JWT expired", key.Sign(t, claims(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Hour).Unix() })), auth.ReasonExpired},
		{"JWT from the future", key.Sign(t, claims(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Hour).Unix() })), auth.ReasonNotYetValid},
		{"JWT by an unpublished key", stranger.Sign(t, iss.Claims("alice", all)), auth.ReasonUnknownKID},
		{"JWT with a forged signature", forgeSignature(key.Sign(t, iss.Claims("alice", all))), auth.ReasonSignature},
		{"opaque token revoked", revoked, auth.ReasonInactive},
		{"opaque refresh token (Ory Hydra)", iss.Opaque(t, iss.RefreshAnswer("alice", all)), auth.ReasonTokenType},
		{"opaque ID token (Keycloak)", iss.Opaque(t, iss.IDTokenAnswer("alice")), auth.ReasonTokenType},
		{"opaque token for another API", answer(func(a map[string]any) { a["aud"] = "another-api" }), auth.ReasonAudience},
		{"opaque token without an audience", answer(func(a map[string]any) { delete(a, "aud") }), auth.ReasonAudience},
		{"opaque token from another issuer", answer(func(a map[string]any) { a["iss"] = "https://other.example/" }), auth.ReasonIssuer},
		{"opaque token expired", answer(func(a map[string]any) { a["exp"] = now.Add(-time.Hour).Unix() }), auth.ReasonExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := get(t, srv, path, tt.token)
			challenge := resp.header.Get("WWW-Authenticate")
			if resp.status != http.StatusUnauthorized || !strings.Contains(challenge, `error="invalid_token"`) {
				t.Errorf("%d %q, want 401 with error=\"invalid_token\": %s", resp.status, challenge, resp.body)
			}
			line := logLine(t, srv, resp.body)
			if line["auth_reason"] != tt.reason {
				t.Errorf("the log line says auth_reason %v, want %q: %v", line["auth_reason"], tt.reason, line)
			}
			digest := sha256.Sum256([]byte(tt.token))
			logs := srv.Logs.String()
			if strings.Contains(logs, tt.token) || strings.Contains(logs, hex.EncodeToString(digest[:])) || strings.Contains(resp.body, tt.token) {
				t.Error("the log or the response holds the token or its digest")
			}
		})
	}
}

// forgeSignature flips the signature's first character: a token whose
// header and claims are intact and whose signature does not verify.
func forgeSignature(token string) string {
	dot := strings.LastIndexByte(token, '.')
	sig := []byte(token[dot+1:])
	if sig[0] == 'A' {
		sig[0] = 'B'
	} else {
		sig[0] = 'A'
	}
	return token[:dot+1] + string(sig)
}

// logLine returns the access-log line of the request whose problem body is
// body (its instance is the request id).
func logLine(t *testing.T, srv *apitest.Server, body string) map[string]any {
	t.Helper()
	var p struct {
		Instance string `json:"instance"`
	}
	if err := json.Unmarshal([]byte(body), &p); err != nil || p.Instance == "" {
		t.Fatalf("no instance in the problem: %v %s", err, body)
	}
	for _, l := range strings.Split(srv.Logs.String(), "\n") {
		var line map[string]any
		if json.Unmarshal([]byte(l), &line) == nil && line["msg"] == "request" && line["request_id"] == p.Instance {
			return line
		}
	}
	t.Fatalf("no log line for request %s", p.Instance)
	return nil
}
