package httpapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"example.com/tasks/gen"
	"example.com/tasks/impl/apitest"
)

// TestAuthFailures covers each row of the status-code table in DESIGN.md
// (RFC 9110 §11.6.1, RFC 6750 §3) through the real router.
func TestAuthFailures(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, apitest.Config{})
	t.Cleanup(func() { // after every parallel case below has finished
		logs := srv.Logs.String()
		for _, secret := range []string{apitest.AliceToken, apitest.CarolToken, apitest.NoScopes, "not-a-real-token", "YWxpY2U6c2VjcmV0"} {
			if strings.Contains(logs, secret) {
				t.Errorf("the log contains the credential %q", secret)
			}
		}
		if !strings.Contains(logs, `"status":401`) {
			t.Errorf("the log has no 401 lines; was it captured?\n%s", logs)
		}
	})

	var (
		missing     = `Bearer realm="` + realm + `"`
		invalid     = `Bearer realm="` + realm + `", error="invalid_token", error_description="the token is not recognised"`
		noToken     = `Bearer realm="` + realm + `", error="invalid_request", error_description="the Authorization header has no token after Bearer"`
		badChars    = `Bearer realm="` + realm + `", error="invalid_request", error_description="the bearer token has characters outside RFC 6750's b64token"`
		twoHeaders  = `Bearer realm="` + realm + `", error="invalid_request", error_description="send exactly one Authorization header"`
		inQuery     = `Bearer realm="` + realm + `", error="invalid_request", error_description="send the token in the Authorization header, not in the query string"`
		emptyHeader = `Bearer realm="` + realm + `", error="invalid_request", error_description="the Authorization header is empty"`
		noWrite     = `Bearer realm="` + realm + `", error="insufficient_scope", error_description="the token lacks a required scope: tasks:write", scope="tasks:write"`
		noRead      = `Bearer realm="` + realm + `", error="insufficient_scope", error_description="the token lacks a required scope: tasks:read", scope="tasks:read"`
	)
	validTask := `{"title":"t"}`

	tests := []struct {
		name      string
		method    string
		path      string
		auth      []string // Authorization header values
		body      string
		wantCode  int
		wantChall string // exact WWW-Authenticate (the Bearer challenge; the loop appends the API key ones); "" means none
		wantProb  gen.ProblemCode
	}{
		{name: "no credentials", method: "GET", path: "/tasks", wantCode: 401, wantChall: missing, wantProb: gen.ProblemCodeMissingCredentials},
		{name: "another scheme is no bearer credential", method: "GET", path: "/tasks", auth: []string{"Basic YWxpY2U6c2VjcmV0"}, wantCode: 401, wantChall: missing, wantProb: gen.ProblemCodeMissingCredentials},
		{name: "unknown token", method: "GET", path: "/tasks", auth: []string{"Bearer not-a-real-token"}, wantCode: 401, wantChall: invalid, wantProb: gen.ProblemCodeInvalidToken},
		{name: "Bearer alone", method: "GET", path: "/tasks", auth: []string{"Bearer"}, wantCode: 400, wantChall: noToken, wantProb: gen.ProblemCodeInvalidRequest},
		{name: "Bearer and spaces", method: "GET", path: "/tasks", auth: []string{"Bearer    "}, wantCode: 400, wantChall: noToken, wantProb: gen.ProblemCodeInvalidRequest},
		{name: "empty header", method: "GET", path: "/tasks", auth: []string{""}, wantCode: 400, wantChall: emptyHeader, wantProb: gen.ProblemCodeInvalidRequest},
		{name: "space inside token", method: "GET", path: "/tasks", auth: []string{"Bearer alice-token extra"}, wantCode: 400, wantChall: badChars, wantProb: gen.ProblemCodeInvalidRequest},
		{name: "character outside b64token", method: "GET", path: "/tasks", auth: []string{"Bearer alice$token"}, wantCode: 400, wantChall: badChars, wantProb: gen.ProblemCodeInvalidRequest},
		{name: "padding in the middle", method: "GET", path: "/tasks", auth: []string{"Bearer ab=cd"}, wantCode: 400, wantChall: badChars, wantProb: gen.ProblemCodeInvalidRequest},
		{name: "two Authorization headers", method: "GET", path: "/tasks", auth: []string{"Bearer " + apitest.AliceToken, "Bearer " + apitest.AliceToken}, wantCode: 400, wantChall: twoHeaders, wantProb: gen.ProblemCodeInvalidRequest},
		{name: "token in the query string", method: "GET", path: "/tasks?access_token=" + apitest.AliceToken, wantCode: 400, wantChall: inQuery, wantProb: gen.ProblemCodeInvalidRequest},
		{name: "token in query and header", method: "GET", path: "/tasks?access_token=x", auth: []string{"Bearer " + apitest.AliceToken}, wantCode: 400, wantChall: inQuery, wantProb: gen.ProblemCodeInvalidRequest},
		{name: "read-only token writes", method: "POST", path: "/tasks", auth: []string{"Bearer " + apitest.CarolToken}, body: validTask, wantCode: 403, wantChall: noWrite, wantProb: gen.ProblemCodeInsufficientScope},
		{name: "scope-less token reads", method: "GET", path: "/tasks", auth: []string{"Bearer " + apitest.NoScopes}, wantCode: 403, wantChall: noRead, wantProb: gen.ProblemCodeInsufficientScope},
		{name: "scope-less token may call /me", method: "GET", path: "/me", auth: []string{"Bearer " + apitest.NoScopes}, wantCode: 200},
		{name: "scheme lower case", method: "GET", path: "/tasks", auth: []string{"bearer " + apitest.CarolToken}, wantCode: 200},
		{name: "scheme upper case", method: "GET", path: "/tasks", auth: []string{"BEARER " + apitest.CarolToken}, wantCode: 200},
		{name: "scheme mixed case", method: "GET", path: "/tasks", auth: []string{"bEaReR " + apitest.CarolToken}, wantCode: 200},
		{name: "several spaces before the token", method: "GET", path: "/tasks", auth: []string{"Bearer   " + apitest.CarolToken}, wantCode: 200},
		{name: "read-only token reads", method: "GET", path: "/tasks", auth: []string{"Bearer " + apitest.CarolToken}, wantCode: 200},
		{name: "public operation ignores bad credentials", method: "GET", path: "/health", auth: []string{"Bearer $$$"}, wantCode: 200},
		{name: "public operation with no credentials", method: "GET", path: "/health", wantCode: 200},

		// Authentication runs first: an anonymous caller never learns what
		// a valid request would look like.
		{name: "401 before invalid body", method: "POST", path: "/tasks", body: `{"title":""}`, wantCode: 401, wantChall: missing, wantProb: gen.ProblemCodeMissingCredentials},
		{name: "401 before non-JSON body", method: "POST", path: "/tasks", body: `not json`, wantCode: 401, wantChall: missing, wantProb: gen.ProblemCodeMissingCredentials},
		{name: "401 before bad path id", method: "GET", path: "/tasks/not-a-uuid", wantCode: 401, wantChall: missing, wantProb: gen.ProblemCodeMissingCredentials},
		{name: "401 before bad query", method: "GET", path: "/tasks?limit=100000", auth: []string{"Bearer wrong"}, wantCode: 401, wantChall: invalid, wantProb: gen.ProblemCodeInvalidToken},
		{name: "403 before bad body", method: "POST", path: "/tasks", auth: []string{"Bearer " + apitest.CarolToken}, body: `{"title":""}`, wantCode: 403, wantChall: noWrite, wantProb: gen.ProblemCodeInsufficientScope},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			req, err := http.NewRequest(tt.method, srv.API+tt.path, body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			for _, a := range tt.auth {
				req.Header.Add("Authorization", a)
			}
			resp, err := srv.HTTP.Do(req) // checks the response against the spec
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.wantCode {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.wantCode)
			}
			wantChall := tt.wantChall
			if wantChall != "" {
				// An operation that also takes an API key names its header too.
				wantChall += apitest.APIKeyChallenges(tt.method, tt.path)
			}
			if got := strings.Join(resp.Header.Values("WWW-Authenticate"), " | "); got != wantChall {
				t.Errorf("WWW-Authenticate = %q\n                  want %q", got, wantChall)
			}
			if tt.wantProb == "" {
				return
			}
			p := decodeProblem(t, resp)
			if p.Code != tt.wantProb || int(p.Status) != tt.wantCode {
				t.Errorf("problem code/status = %s/%d, want %s/%d", p.Code, p.Status, tt.wantProb, tt.wantCode)
			}
		})
	}

}

// TestAnonymousBodyIsNotRead proves that authentication happens before the
// body is touched: a 401 costs the server no body read at all.
func TestAnonymousBodyIsNotRead(t *testing.T) {
	t.Parallel()
	h := newInProcess(t)
	for _, auth := range []string{"", "Bearer wrong-token", "Bearer " + apitest.CarolToken} {
		body := &countingReader{r: strings.NewReader(`{"title":"never read"}`)}
		req := httptest.NewRequest("POST", "/v1/tasks", body)
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		rec := h.serve(t, req)
		if rec.Code != http.StatusUnauthorized && rec.Code != http.StatusForbidden {
			t.Fatalf("%q: status = %d, want 401 or 403", auth, rec.Code)
		}
		if body.n != 0 {
			t.Errorf("%q: the server read %d body bytes before rejecting the caller", auth, body.n)
		}
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func decodeProblem(t *testing.T, resp *http.Response) gen.Problem {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type = %q, want application/problem+json", ct)
	}
	var p gen.Problem
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		t.Fatalf("decode problem: %v", err)
	}
	return p
}
