package validator_test

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
	"example.com/tasks/impl/auth/apikey"
	"example.com/tasks/impl/auth/statictoken"
)

// testSpec has no counterpart in code: every rule below is enforced only
// because the document says so. /reports stands for an operation added to a
// spec after the auth code was written.
const testSpec = `
openapi: 3.0.3
info: {title: test, version: "1"}
security:
  - bearerAuth: []
paths:
  /open:
    get:
      security: []
      responses: {"200": {description: ok}}
  /default:
    get:
      responses: {"200": {description: ok}}
  /reports/{year}:
    post:
      security:
        - bearerAuth: []
          oauth2: [reports:read]
      parameters:
        - {name: year, in: path, required: true, schema: {type: integer, minimum: 2000}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, required: [q], properties: {q: {type: string}}}
      responses: {"200": {description: ok}}
  /either:
    get:
      security:
        - oauth2: [a]
        - oauth2: [b]
      responses: {"200": {description: ok}}
  /both:
    get:
      security:
        - oauth2: [a, b]
      responses: {"200": {description: ok}}
  /optional:
    get:
      security:
        - bearerAuth: []
        - {}
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
          scopes: {a: a, b: b, "reports:read": reports}
`

// tokens accepts the bearer tokens tok-* (each its own subject, with the
// scopes its name says) and the API keys key-1 and key-2.
func tokens(t *testing.T) auth.Verifier {
	t.Helper()
	parse := func(scopesBySecret map[string]string) *statictoken.Verifier {
		var b strings.Builder
		b.WriteString("tokens:\n")
		for secret, scopes := range scopesBySecret {
			fmt.Fprintf(&b, "  - {subject: %s, scopes: [%s], sha256: %s}\n", secret, scopes, statictoken.Digest(secret))
		}
		v, err := statictoken.Parse([]byte(b.String()))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	return bySchemeName{
		"apiKeyAuth": parse(map[string]string{"key-1": "", "key-2": ""}),
		"":           parse(map[string]string{"tok-none": "", "tok-a": "a", "tok-b": "b", "tok-ab": "a, b", "tok-reports": "reports:read"}),
	}
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

// newRouter mounts every operation of spec behind the validator; each
// handler reports the principal it was given.
func newRouter(t *testing.T, spec string) http.Handler {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return apitest.Mount(t, doc, tokens(t), func(w http.ResponseWriter, r *http.Request) {
		p, ok := auth.FromContext(r.Context())
		if !ok {
			fmt.Fprint(w, "anonymous")
			return
		}
		fmt.Fprintf(w, "%s %s", p.Subject, strings.Join(p.Scopes, ","))
	})
}

func TestSecurityComesFromTheSpec(t *testing.T) {
	t.Parallel()
	h := newRouter(t, testSpec)
	body := `{"q":"x"}`
	tests := []struct {
		name, method, path, token, body string
		wantCode                        int
		want                            string // body for 200, WWW-Authenticate otherwise
	}{
		{"public needs nothing", "GET", "/open", "", "", 200, "anonymous"},
		{"public ignores a bad token", "GET", "/open", "bogus", "", 200, "anonymous"},
		{"global default rejects anonymous", "GET", "/default", "", "", 401, `Bearer realm="test"`},
		{"global default accepts any valid token", "GET", "/default", "tok-none", "", 200, "tok-none "},
		{"global default rejects unknown token", "GET", "/default", "bogus", "", 401, `Bearer realm="test", error="invalid_token", error_description="the token is not recognised"`},

		{"new operation: anonymous", "POST", "/reports/2024", "", body, 401, `Bearer realm="test"`},
		{"new operation: scope missing", "POST", "/reports/2024", "tok-a", body, 403, `Bearer realm="test", error="insufficient_scope", error_description="the token lacks a required scope: reports:read", scope="reports:read"`},
		{"new operation: scope present", "POST", "/reports/2024", "tok-reports", body, 200, "tok-reports reports:read"},
		{"new operation: 401 before bad params", "POST", "/reports/1999", "", `{}`, 401, `Bearer realm="test"`},
		{"new operation: params after auth", "POST", "/reports/1999", "tok-reports", body, 400, ""},
		{"new operation: body after auth", "POST", "/reports/2024", "tok-reports", `{}`, 400, ""},

		{"OR: first requirement", "GET", "/either", "tok-a", "", 200, "tok-a a"},
		{"OR: second requirement", "GET", "/either", "tok-b", "", 200, "tok-b b"},
		{"OR: neither lists every scope", "GET", "/either", "tok-none", "", 403, `Bearer realm="test", error="insufficient_scope", error_description="the token lacks a required scope: a b", scope="a b"`},
		{"AND: one scope is not enough", "GET", "/both", "tok-a", "", 403, `Bearer realm="test", error="insufficient_scope", error_description="the token lacks a required scope: a b", scope="a b"`},
		{"AND: both scopes", "GET", "/both", "tok-ab", "", 200, "tok-ab a,b"},

		{"optional: a valid token identifies", "GET", "/optional", "tok-a", "", 200, "tok-a a"},
		{"optional: anonymous allowed", "GET", "/optional", "", "", 200, "anonymous"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantCode {
				t.Fatalf("status = %d, want %d; body %s", rec.Code, tt.wantCode, rec.Body)
			}
			switch {
			case tt.wantCode == 200:
				if rec.Body.String() != tt.want {
					t.Errorf("handler saw %q, want %q", rec.Body, tt.want)
				}
			case tt.want != "" || tt.wantCode == 401:
				if got := rec.Header().Get("WWW-Authenticate"); got != tt.want {
					t.Errorf("WWW-Authenticate = %q\n                  want %q", got, tt.want)
				}
			}
		})
	}
}

// TestSeveralSchemes: OR and AND across a bearer token and an API key, and
// one challenge per acceptable credential, Bearer first, the error on the
// challenge of the credential at fault.
func TestSeveralSchemes(t *testing.T) {
	t.Parallel()
	h := newRouter(t, testSpec)
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

func TestUnsupportedSchemeRefusesToStart(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ old, new string }{
		{"bearerAuth: {type: http, scheme: bearer}", "bearerAuth: {type: http, scheme: digest}"},
		{"in: header, name: X-API-Key", "in: query, name: api_key"},
		{"in: header, name: X-API-Key", "in: cookie, name: api_key"},
	} {
		spec := strings.Replace(testSpec, tt.old, tt.new, 1)
		doc, err := openapi3.NewLoader().LoadFromData([]byte(spec))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := auth.New(doc, auth.Bearer(tokens(t)), apikey.Scheme(tokens(t))); err == nil || !strings.Contains(err.Error(), "not supported") {
			t.Errorf("%s: auth.New = %v, want an error naming the unsupported scheme", tt.new, err)
		}
	}
}
