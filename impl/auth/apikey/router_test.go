package apikey_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/auth"
)

// routerSpec accepts a bearer token or an API key (OR), or both (AND).
const routerSpec = `
openapi: 3.0.3
info: {title: test, version: "1"}
security:
  - bearerAuth: []
paths:
  /default:
    get:
      responses: {"200": {description: ok}}
  /token-or-key:
    get:
      security:
        - bearerAuth: []
          oauth2: [a]
        - apiKeyAuth: []
      responses: {"200": {description: ok}}
  /token-and-key:
    get:
      security:
        - bearerAuth: []
          apiKeyAuth: []
      responses: {"200": {description: ok}}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
    apiKeyAuth: {type: apiKey, in: header, name: X-API-Key}
    oauth2:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://auth.example.com/token
          scopes: {a: a, b: b}
`

// router serves routerSpec through apitest.Mount (the guard and the
// validator, as the server mounts them); each handler writes the subject
// and scopes it was given. The bearer tokens tok-a and tok-b carry the
// scope their name says; the keys are key-1 and key-2.
func router(t *testing.T) http.Handler {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(routerSpec))
	if err != nil {
		t.Fatal(err)
	}
	v := bySchemeName{
		"apiKeyAuth": apitest.StaticTokens(t, map[string]string{"key-1": "", "key-2": ""}),
		"":           apitest.StaticTokens(t, map[string]string{"tok-a": "a", "tok-b": "b"}),
	}
	return apitest.Mount(t, doc, v, func(w http.ResponseWriter, r *http.Request) {
		p, _ := auth.FromContext(r.Context())
		fmt.Fprintf(w, "%s %s", p.Subject, strings.Join(p.Scopes, ","))
	})
}

// bySchemeName verifies a credential with the verifier of its security
// scheme, or of "" for the others: a key is no token, nor a token a key.
type bySchemeName map[string]auth.Verifier

func (m bySchemeName) Verify(ctx context.Context, c auth.Credential) (auth.Principal, error) {
	if v, ok := m[c.Scheme]; ok {
		return v.Verify(ctx, c)
	}
	return m[""].Verify(ctx, c)
}

// TestSeveralSchemes: OR and AND across a bearer token and an API key, and
// one challenge per acceptable credential, Bearer first, the error on the
// challenge of the credential at fault.
func TestSeveralSchemes(t *testing.T) {
	t.Parallel()
	h := router(t)
	const (
		bearer = `Bearer realm="test"`
		apiKey = `APIKey realm="test", header="X-API-Key"`
	)
	tests := []struct {
		name, path, token string
		keys              []string // X-API-Key values
		wantCode          int
		want              string // body for 200, WWW-Authenticate (values joined by " | ") otherwise
		wantDetail        string // the problem's detail, for errors
	}{
		{name: "OR: a token with the scope", path: "/token-or-key", token: "tok-a", wantCode: 200, want: "tok-a a"},
		{name: "OR: an API key", path: "/token-or-key", keys: []string{"key-1"}, wantCode: 200, want: "key-1 "},
		{name: "OR: a token lacking the scope, and a key", path: "/token-or-key", token: "tok-b", keys: []string{"key-2"}, wantCode: 200, want: "key-2 "},
		{name: "OR: nothing", path: "/token-or-key", wantCode: 401, want: bearer + " | " + apiKey,
			wantDetail: "this operation needs a bearer token or an API key in the X-API-Key header"},
		{name: "OR: an unknown key", path: "/token-or-key", keys: []string{"key-x"}, wantCode: 401,
			want: bearer + ` | APIKey realm="test", header="X-API-Key", error="invalid_token", error_description="the API key is not recognised"`},
		{name: "OR: a token lacking the scope", path: "/token-or-key", token: "tok-b", wantCode: 403,
			want: `Bearer realm="test", error="insufficient_scope", error_description="the token lacks a required scope: a", scope="a" | ` + apiKey},
		{name: "OR: two keys", path: "/token-or-key", keys: []string{"key-1", "key-2"}, wantCode: 400,
			want: bearer + ` | APIKey realm="test", header="X-API-Key", error="invalid_request", error_description="send exactly one X-API-Key header"`},
		{name: "OR: an empty key", path: "/token-or-key", keys: []string{""}, wantCode: 400,
			want: bearer + ` | APIKey realm="test", header="X-API-Key", error="invalid_request", error_description="the X-API-Key header is empty"`},
		{name: "OR: a key with a space", path: "/token-or-key", keys: []string{"key 1"}, wantCode: 400,
			want: bearer + ` | APIKey realm="test", header="X-API-Key", error="invalid_request", error_description="the X-API-Key header has characters outside visible ASCII"`},
		{name: "OR: a bad key beside a good token", path: "/token-or-key", token: "tok-a", keys: []string{"key-x"}, wantCode: 200, want: "tok-a a"},
		{name: "a key where only tokens are accepted", path: "/default", keys: []string{"key-1"}, wantCode: 401, want: bearer,
			wantDetail: "this operation needs a bearer token"},

		{name: "AND: both; the token names the caller", path: "/token-and-key", token: "tok-b", keys: []string{"key-1"}, wantCode: 200, want: "tok-b b"},
		{name: "AND: the token alone", path: "/token-and-key", token: "tok-b", wantCode: 401, want: bearer + " | " + apiKey,
			wantDetail: "this operation needs a bearer token and an API key in the X-API-Key header"},
		{name: "AND: the key alone", path: "/token-and-key", keys: []string{"key-1"}, wantCode: 401, want: bearer + " | " + apiKey},
		{name: "AND: a bad key", path: "/token-and-key", token: "tok-b", keys: []string{"key-x"}, wantCode: 401,
			want: bearer + ` | APIKey realm="test", header="X-API-Key", error="invalid_token", error_description="the API key is not recognised"`},
		{name: "AND: a bad token", path: "/token-and-key", token: "tok-x", keys: []string{"key-1"}, wantCode: 401,
			want: `Bearer realm="test", error="invalid_token", error_description="the token is not recognised" | ` + apiKey},
		{name: "AND: a key sent as the token", path: "/token-and-key", token: "key-1", keys: []string{"key-1"}, wantCode: 401,
			want: `Bearer realm="test", error="invalid_token", error_description="the token is not recognised" | ` + apiKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest("GET", tt.path, nil)
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			for _, k := range tt.keys {
				req.Header.Add("X-API-Key", k)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantCode {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.wantCode, rec.Body)
			}
			if tt.wantCode == 200 {
				if rec.Body.String() != tt.want {
					t.Errorf("handler saw %q, want %q", rec.Body, tt.want)
				}
				return
			}
			if got := strings.Join(rec.Header().Values("WWW-Authenticate"), " | "); got != tt.want {
				t.Errorf("WWW-Authenticate = %q\n                  want %q", got, tt.want)
			}
			if tt.wantDetail != "" && !strings.Contains(rec.Body.String(), `"detail":"`+tt.wantDetail+`"`) {
				t.Errorf("body = %s, want detail %q", rec.Body, tt.wantDetail)
			}
		})
	}
}
