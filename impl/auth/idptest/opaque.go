package idptest

import (
	"crypto/rand"
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// The client credentials the introspection endpoint takes. The secret has
// characters that RFC 6749 §2.3.1's form-encoding changes.
const (
	IntrospectionClientID = "resource-server"
	IntrospectionSecret   = "s3cret:+/ value"
)

// Opaque issues an opaque access token whose introspection answers active
// with answer's members (sub, scope, exp, …; see OpaqueAnswer).
func (iss *Issuer) Opaque(t testing.TB, answer map[string]any) string {
	t.Helper()
	token := rand.Text()
	iss.mu.Lock()
	defer iss.mu.Unlock()
	iss.opaque[token] = maps.Clone(answer)
	return token
}

// OpaqueAnswer returns the members of a valid answer for sub with scope (a
// space-delimited list): what Claims is to a JWT.
func (iss *Issuer) OpaqueAnswer(sub, scope string) map[string]any {
	c := iss.Claims(sub, scope)
	c["client_id"] = ClientID
	c["token_type"] = "Bearer"
	return c
}

// RefreshAnswer returns the members Ory Hydra answers for one of its
// refresh tokens, introspected although the server asked about an access
// token: active, the API's audience, a month to live, and only token_use
// to tell it apart.
func (iss *Issuer) RefreshAnswer(sub, scope string) map[string]any {
	a := iss.OpaqueAnswer(sub, scope)
	a["token_use"] = "refresh_token"
	a["exp"] = time.Now().Add(30 * 24 * time.Hour).Unix()
	return a
}

// IDTokenAnswer returns the members Keycloak answers for an ID token: typ
// ID, the client (and here the API too) as its audience.
func (iss *Issuer) IDTokenAnswer(sub string) map[string]any {
	a := iss.OpaqueAnswer(sub, "")
	delete(a, "token_type")
	a["typ"] = "ID"
	a["aud"] = []string{ClientID, Audience}
	return a
}

// Revoke makes token inactive.
func (iss *Issuer) Revoke(token string) {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	delete(iss.opaque, token)
}

// AnswerIntrospection makes every introspection answer raw, with a JSON
// content type ("" goes back to real answers): a broken provider.
func (iss *Issuer) AnswerIntrospection(raw string) {
	iss.mu.Lock()
	defer iss.mu.Unlock()
	iss.answer = nil
	if raw != "" {
		iss.answer = []byte(raw)
	}
}

// Introspections reports how many introspection requests arrived.
func (iss *Issuer) Introspections() int64 { return iss.introspections.Load() }

// introspect is RFC 7662 §2: POST, client authentication, the token in a form.
func (iss *Issuer) introspect(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	id, secret, ok := r.BasicAuth()
	id, _ = url.QueryUnescape(id)
	secret, _ = url.QueryUnescape(secret)
	if !ok || id != IntrospectionClientID || secret != IntrospectionSecret {
		w.WriteHeader(http.StatusUnauthorized)
		w.Write([]byte(`{"error":"invalid_client"}`))
		return
	}
	if r.Method != http.MethodPost || r.ParseForm() != nil || r.PostForm.Get("token") == "" {
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":"invalid_request"}`))
		return
	}
	iss.mu.Lock()
	answer, fixed := maps.Clone(iss.opaque[r.PostForm.Get("token")]), iss.answer
	iss.mu.Unlock()
	if fixed != nil {
		w.Write(fixed)
		return
	}
	if answer == nil {
		answer = map[string]any{"active": false}
	} else {
		answer["active"] = true
	}
	json.NewEncoder(w).Encode(answer)
}
