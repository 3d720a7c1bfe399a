package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"

	"example.com/tasks/gen"
	"example.com/tasks/impl/apitest"
)

// TestErrorResponses checks that every error the server produces outside the
// handlers is problem+json with the right status, code and headers.
func TestErrorResponses(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, apitest.Config{MaxBodyBytes: 64})
	alice := "Bearer " + apitest.AliceToken

	tests := []struct {
		name        string
		method      string
		path        string // relative to the server root
		contentType string
		body        string
		wantCode    int
		wantProb    gen.ProblemCode
		wantDetail  string // substring of detail
		wantAllow   string
	}{
		{name: "unknown path", method: "GET", path: "/nope", wantCode: 404, wantProb: gen.ProblemCodeNotFound},
		{name: "unknown path under the API", method: "GET", path: "/v1/tasks/x/y", wantCode: 404, wantProb: gen.ProblemCodeNotFound},
		{name: "wrong method", method: "PATCH", path: "/v1/tasks", wantCode: 405, wantProb: gen.ProblemCodeMethodNotAllowed, wantAllow: "GET, HEAD, POST"},
		{name: "wrong method on item", method: "POST", path: "/v1/tasks/" + uuid.NewString(), wantCode: 405, wantProb: gen.ProblemCodeMethodNotAllowed, wantAllow: "GET, HEAD, PUT, PATCH, DELETE"},
		{name: "body over the limit", method: "POST", path: "/v1/tasks", contentType: "application/json",
			body: `{"title":"` + strings.Repeat("a", 100) + `"}`, wantCode: 413, wantProb: gen.ProblemCodePayloadTooLarge, wantDetail: "larger than 64 bytes"},
		{name: "wrong content type", method: "POST", path: "/v1/tasks", contentType: "text/plain", body: `{"title":"x"}`,
			wantCode: 415, wantProb: gen.ProblemCodeUnsupportedMediaType, wantDetail: "application/json"},
		{name: "missing content type", method: "POST", path: "/v1/tasks", body: `{"title":"x"}`,
			wantCode: 415, wantProb: gen.ProblemCodeUnsupportedMediaType},
		{name: "content type with parameters", method: "POST", path: "/v1/tasks", contentType: "application/json; charset=utf-8", body: `{"title":"x"}`, wantCode: 201},
		{name: "missing body", method: "POST", path: "/v1/tasks", wantCode: 400, wantProb: gen.ProblemCodeValidationFailed, wantDetail: "request body"},
		{name: "body not JSON", method: "POST", path: "/v1/tasks", contentType: "application/json", body: `{"title":`, wantCode: 400, wantProb: gen.ProblemCodeValidationFailed},
		{name: "title empty", method: "POST", path: "/v1/tasks", contentType: "application/json", body: `{"title":""}`, wantCode: 400, wantProb: gen.ProblemCodeValidationFailed, wantDetail: "title"},
		{name: "unknown field", method: "POST", path: "/v1/tasks", contentType: "application/json", body: `{"title":"x","owner":"bob"}`, wantCode: 400, wantProb: gen.ProblemCodeValidationFailed, wantDetail: "owner"},
		{name: "status not in enum", method: "POST", path: "/v1/tasks", contentType: "application/json", body: `{"title":"x","status":"lost"}`, wantCode: 400, wantProb: gen.ProblemCodeValidationFailed, wantDetail: "status"},
		{name: "limit too large", method: "GET", path: "/v1/tasks?limit=101", wantCode: 400, wantProb: gen.ProblemCodeValidationFailed, wantDetail: "limit"},
		{name: "limit zero", method: "GET", path: "/v1/tasks?limit=0", wantCode: 400, wantProb: gen.ProblemCodeValidationFailed, wantDetail: "limit"},
		{name: "limit not a number", method: "GET", path: "/v1/tasks?limit=ten", wantCode: 400, wantProb: gen.ProblemCodeValidationFailed, wantDetail: "limit"},
		{name: "cursor with bad characters", method: "GET", path: "/v1/tasks?cursor=a%2Fb", wantCode: 400, wantProb: gen.ProblemCodeValidationFailed, wantDetail: "cursor"},
		{name: "cursor we never issued", method: "GET", path: "/v1/tasks?cursor=abc", wantCode: 400, wantProb: gen.ProblemCodeValidationFailed, wantDetail: "cursor"},
		{name: "id not a uuid", method: "GET", path: "/v1/tasks/not-a-uuid", wantCode: 400, wantProb: gen.ProblemCodeValidationFailed, wantDetail: "not a UUID"},
		{name: "unknown id", method: "GET", path: "/v1/tasks/" + uuid.NewString(), wantCode: 404, wantProb: gen.ProblemCodeNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Authorization", alice)
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			resp, err := srv.HTTP.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.wantCode {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.wantCode)
			}
			if got := resp.Header.Get("Allow"); got != tt.wantAllow {
				t.Errorf("Allow = %q, want %q", got, tt.wantAllow)
			}
			if tt.wantProb == "" {
				return
			}
			p := decodeProblem(t, resp)
			if p.Code != tt.wantProb || int(p.Status) != tt.wantCode || p.Title != http.StatusText(tt.wantCode) {
				t.Errorf("problem = %+v, want code %s status %d", p, tt.wantProb, tt.wantCode)
			}
			if p.Detail == nil || !strings.Contains(*p.Detail, tt.wantDetail) {
				t.Errorf("detail = %v, want it to mention %q", p.Detail, tt.wantDetail)
			}
			if p.Instance == nil || *p.Instance == "" {
				t.Error("problem has no instance (request id)")
			}
		})
	}
}

// TestBodyLimitStreamed sends a body with no Content-Length: the limit must
// hold while reading, not only when the size is declared.
func TestBodyLimitStreamed(t *testing.T) {
	t.Parallel()
	h := newInProcessWith(t, apitest.Config{MaxBodyBytes: 64})
	big := strings.NewReader(`{"title":"` + strings.Repeat("a", 10<<20) + `"}`)
	req := httptest.NewRequest("POST", "/v1/tasks", big)
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+apitest.AliceToken)
	rec := h.serve(t, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status = %d, want 413", rec.Code)
	}
	if read := 10<<20 - big.Len(); read > 1<<16 {
		t.Errorf("the server read %d bytes of a body capped at 64", read)
	}
}

// panicAPI fails the way a bug would.
type panicAPI struct{ gen.StrictServerInterface }

func (panicAPI) ListTasks(context.Context, gen.ListTasksRequestObject) (gen.ListTasksResponseObject, error) {
	panic("store exploded with secret internals")
}

// TestPanicIs500 checks that a panic in a handler becomes a problem+json 500
// that reveals nothing, is logged with its cause, and leaves the server serving.
func TestPanicIs500(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, apitest.Config{API: panicAPI{apitest.API(t, apitest.MemoryDB(t))}})
	for range 2 { // the second call proves the server still serves
		resp, err := srv.Client.ListTasksWithResponse(context.Background(), nil, apitest.Bearer(apitest.AliceToken))
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode() != http.StatusInternalServerError || resp.ApplicationproblemJSON500 == nil {
			t.Fatalf("status = %d, want a problem 500", resp.StatusCode())
		}
		if p := resp.ApplicationproblemJSON500; p.Code != gen.ProblemCodeInternalError || strings.Contains(string(resp.Body), "secret") {
			t.Errorf("500 body = %s", resp.Body)
		}
	}
	if logs := srv.Logs.String(); !strings.Contains(logs, "store exploded") || !strings.Contains(logs, `"level":"ERROR"`) {
		t.Errorf("the panic was not logged as an error:\n%s", logs)
	}
}

// TestHead: HEAD is GET without the body (RFC 9110 §9.3.2), secured and
// validated exactly as GET is.
func TestHead(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, apitest.Config{})
	tests := []struct {
		name, path, token string
		want              int
	}{
		{"public", "/v1/health", "", http.StatusOK},
		{"secured, anonymous", "/v1/tasks", "", http.StatusUnauthorized},
		{"secured, with a token", "/v1/tasks", apitest.CarolToken, http.StatusOK},
		{"bad parameter after auth", "/v1/tasks?limit=0", apitest.CarolToken, http.StatusBadRequest},
		{"no such task", "/v1/tasks/" + uuid.NewString(), apitest.CarolToken, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(http.MethodHead, srv.URL+tt.path, nil)
			if tt.token != "" {
				req.Header.Set("Authorization", "Bearer "+tt.token)
			}
			resp, err := srv.HTTP.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.want || len(body) != 0 {
				t.Errorf("HEAD %s = %d with %d body bytes, want %d and none", tt.path, resp.StatusCode, len(body), tt.want)
			}
			if tt.want == http.StatusUnauthorized && resp.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without a challenge")
			}
		})
	}
}
