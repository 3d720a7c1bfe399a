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
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
    oauth2:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://auth.example.com/token
          scopes: {a: a, b: b, "reports:read": reports}
`

// tokens accepts the bearer tokens tok-*, each its own subject, with the
// scopes its name says.
func tokens(t *testing.T) auth.Verifier {
	t.Helper()
	return apitest.StaticTokens(t, map[string]string{"tok-none": "", "tok-a": "a", "tok-b": "b", "tok-ab": "a, b", "tok-reports": "reports:read"})
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

func TestUnsupportedSchemeRefusesToStart(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ old, new string }{
		{"bearerAuth: {type: http, scheme: bearer}", "bearerAuth: {type: http, scheme: digest}"},
	} {
		spec := strings.Replace(testSpec, tt.old, tt.new, 1)
		doc, err := openapi3.NewLoader().LoadFromData([]byte(spec))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := auth.New(doc, auth.Bearer(tokens(t))); err == nil || !strings.Contains(err.Error(), "not supported") {
			t.Errorf("%s: auth.New = %v, want an error naming the unsupported scheme", tt.new, err)
		}
	}
}
