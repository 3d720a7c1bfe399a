package httpapi_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"

	"example.com/tasks/gen"
	"example.com/tasks/impl/apitest"
)

// secretToken is a credential that no verifier knows: it is rejected, and
// must still never be echoed.
const secretToken = "s3cr3t-unknown-token-value"

// TestHostileInput sends what an attacker or a broken client would, over a
// real loopback connection, and checks each answer: status, problem code,
// detail, and that the response is the one the spec documents. The server's
// log of the whole run is then searched for every token used. Answers that
// net/http gives before the handler (431, slow headers) are tested in
// cmd/server, where the http.Server is configured.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, apitest.Config{MaxBodyBytes: 64 << 10})
	id := uuid.NewString()
	deep := strings.Repeat("[", 20_000) + strings.Repeat("]", 20_000)
	many := make([]string, 100)
	for i := range many {
		many[i] = "Bearer " + apitest.AliceToken
	}

	tests := []struct {
		name   string
		method string
		path   string
		auth   []string // Authorization values; nil means alice's token
		header http.Header
		body   string
		want   int
		code   gen.ProblemCode
		detail string // substring of the problem's detail
	}{
		// Bodies: sizes and shapes.
		{name: "deeply nested JSON", method: "POST", path: "/v1/tasks", body: `{"title":"x","description":` + deep + `}`,
			want: 400, code: gen.ProblemCodeValidationFailed, detail: "exceeded max depth"},
		{name: "nested JSON within the depth limit", method: "POST", path: "/v1/tasks", body: `{"title":"x","description":` + deep[:5000] + deep[len(deep)-5000:] + `}`,
			want: 400, code: gen.ProblemCodeValidationFailed, detail: "description"},
		{name: "huge JSON", method: "POST", path: "/v1/tasks", body: `{"title":"x","description":"` + strings.Repeat("a", 1<<20) + `"}`,
			want: 413, code: gen.ProblemCodePayloadTooLarge},
		{name: "huge JSON of many members", method: "POST", path: "/v1/tasks", body: `{"title":"x"` + strings.Repeat(`,"a":1`, 20_000) + `}`,
			want: 413, code: gen.ProblemCodePayloadTooLarge},
		{name: "invalid UTF-8", method: "POST", path: "/v1/tasks", body: "{\"title\":\"\xff\xfe\"}",
			want: 400, code: gen.ProblemCodeValidationFailed, detail: "invalid UTF-8"},
		{name: "lone surrogate", method: "POST", path: "/v1/tasks", body: `{"title":"\udc00"}`,
			want: 400, code: gen.ProblemCodeValidationFailed, detail: "surrogate"},
		{name: "raw NUL byte", method: "POST", path: "/v1/tasks", body: "{\"title\":\"a\x00b\"}",
			want: 400, code: gen.ProblemCodeValidationFailed, detail: "invalid character"},
		{name: "escaped NUL in title", method: "POST", path: "/v1/tasks", body: `{"title":"a\u0000b"}`,
			want: 400, code: gen.ProblemCodeValidationFailed, detail: "/title"},
		{name: "control character in description", method: "POST", path: "/v1/tasks", body: `{"title":"a","description":"\u001b[31mred"}`,
			want: 400, code: gen.ProblemCodeValidationFailed, detail: "/description"},
		{name: "line breaks in description are text", method: "POST", path: "/v1/tasks", body: `{"title":"a","description":"one\r\ntwo\tthree"}`,
			want: 201},
		{name: "noncharacter U+FFFF", method: "POST", path: "/v1/tasks", body: `{"title":"a\uffffb"}`,
			want: 400, code: gen.ProblemCodeValidationFailed, detail: "noncharacter U+FFFF at \"/title\""},
		{name: "noncharacter U+FDD0", method: "POST", path: "/v1/tasks", body: `{"title":"a","description":"\ufdd0"}`,
			want: 400, code: gen.ProblemCodeValidationFailed, detail: "noncharacter U+FDD0"},
		{name: "noncharacter U+FFFE, raw", method: "POST", path: "/v1/tasks", body: "{\"title\":\"a\uFFFEb\"}",
			want: 400, code: gen.ProblemCodeValidationFailed, detail: "noncharacter U+FFFE"},
		{name: "noncharacter U+10FFFF as a surrogate pair", method: "POST", path: "/v1/tasks", body: `{"title":"\udbff\udfff"}`,
			want: 400, code: gen.ProblemCodeValidationFailed, detail: "noncharacter U+10FFFF"},
		{name: "noncharacter in a member name", method: "POST", path: "/v1/tasks", body: `{"title":"a","\ufdef":1}`,
			want: 400, code: gen.ProblemCodeValidationFailed, detail: "noncharacter U+FDEF"},
		{name: "the characters around the noncharacters are text", method: "POST", path: "/v1/tasks", body: `{"title":"\ufdcf\ufdf0\ufffd\ud83d\ude00"}`,
			want: 201},
		{name: "C1 control in title", method: "POST", path: "/v1/tasks", body: `{"title":"a\u0085b"}`,
			want: 400, code: gen.ProblemCodeValidationFailed, detail: "/title"},
		{name: "C1 control in description", method: "POST", path: "/v1/tasks", body: `{"title":"a","description":"\u009b31m"}`,
			want: 400, code: gen.ProblemCodeValidationFailed, detail: "/description"},
		{name: "DEL in title", method: "POST", path: "/v1/tasks", body: `{"title":"a\u007f"}`,
			want: 400, code: gen.ProblemCodeValidationFailed, detail: "/title"},
		{name: "first character past C1 is text", method: "POST", path: "/v1/tasks", body: `{"title":"\u00a0caf\u00e9"}`,
			want: 201},
		{name: "duplicate keys", method: "POST", path: "/v1/tasks", body: `{"title":"shown to the proxy","title":"stored"}`,
			want: 400, code: gen.ProblemCodeValidationFailed, detail: `duplicate object member name "title"`},
		{name: "unknown field", method: "POST", path: "/v1/tasks", body: `{"title":"x","owner":"bob"}`,
			want: 400, code: gen.ProblemCodeValidationFailed, detail: "owner"},
		{name: "trailing JSON value", method: "POST", path: "/v1/tasks", body: `{"title":"x"}{"title":"y"}`,
			want: 400, code: gen.ProblemCodeValidationFailed},

		// Path ids and query parameters.
		{name: "encoded traversal in id", method: "GET", path: "/v1/tasks/..%2F..%2Fhealth",
			want: 400, code: gen.ProblemCodeValidationFailed, detail: "not a UUID"},
		{name: "encoded dots as id", method: "DELETE", path: "/v1/tasks/%2e%2e",
			want: 400, code: gen.ProblemCodeValidationFailed, detail: "not a UUID"},
		{name: "encoded slash after id", method: "GET", path: "/v1/tasks/" + id + "%2Fx",
			want: 400, code: gen.ProblemCodeValidationFailed, detail: "not a UUID"},
		{name: "plain traversal is not cleaned into a route", method: "GET", path: "/v1/tasks/../me",
			want: 404, code: gen.ProblemCodeNotFound},
		{name: "dot segments before the API", method: "GET", path: "/v1/../v1/me",
			want: 404, code: gen.ProblemCodeNotFound},
		{name: "NUL in id", method: "GET", path: "/v1/tasks/%00",
			want: 400, code: gen.ProblemCodeValidationFailed, detail: "not a UUID"},
		{name: "CR LF in id", method: "GET", path: "/v1/tasks/%0d%0aSet-Cookie:%20x=1",
			want: 400, code: gen.ProblemCodeValidationFailed, detail: "not a UUID"},
		{name: "absurd limit", method: "GET", path: "/v1/tasks?limit=99999999999999999999",
			want: 400, code: gen.ProblemCodeValidationFailed, detail: "limit"},
		{name: "negative limit", method: "GET", path: "/v1/tasks?limit=-1",
			want: 400, code: gen.ProblemCodeValidationFailed, detail: "limit"},
		{name: "limit in exponent form", method: "GET", path: "/v1/tasks?limit=1e2",
			want: 400, code: gen.ProblemCodeValidationFailed, detail: "limit"},
		{name: "huge cursor", method: "GET", path: "/v1/tasks?cursor=" + strings.Repeat("A", 4096),
			want: 400, code: gen.ProblemCodeValidationFailed, detail: "cursor"},
		{name: "invalid percent-escape in a value", method: "GET", path: "/v1/tasks?limit=%zz",
			want: 400, code: gen.ProblemCodeInvalidRequest, detail: `"limit"`},
		{name: "lone percent sign", method: "GET", path: "/v1/tasks?cursor=%",
			want: 400, code: gen.ProblemCodeInvalidRequest, detail: `"cursor"`},
		{name: "invalid percent-escape in a name", method: "GET", path: "/v1/tasks?li%zzmit=5",
			want: 400, code: gen.ProblemCodeInvalidRequest, detail: "parameter name"},
		{name: "semicolon between parameters", method: "GET", path: "/v1/tasks?limit=5;cursor=abc",
			want: 400, code: gen.ProblemCodeInvalidRequest, detail: "%3B"},
		{name: "semicolon escaped in a value", method: "GET", path: "/v1/tasks?cursor=a%3Bb",
			want: 400, code: gen.ProblemCodeValidationFailed, detail: "cursor"},
		{name: "escaped parameter name", method: "GET", path: "/v1/tasks?li%6Dit=5",
			want: 200},
		{name: "undecodable query on a public operation", method: "GET", path: "/v1/health?x=%zz",
			want: 400, code: gen.ProblemCodeInvalidRequest, detail: `"x"`},

		// Credentials.
		{name: "100 Authorization headers", method: "GET", path: "/v1/me", auth: many,
			want: 400, code: gen.ProblemCodeInvalidRequest, detail: "exactly one"},
		{name: "unknown token", method: "GET", path: "/v1/me", auth: []string{"Bearer " + secretToken},
			want: 401, code: gen.ProblemCodeInvalidToken},
		{name: "token and garbage", method: "GET", path: "/v1/me", auth: []string{"Bearer " + apitest.AliceToken + " " + secretToken},
			want: 400, code: gen.ProblemCodeInvalidRequest},
		{name: "token in the query", method: "GET", path: "/v1/me?access_token=" + secretToken, auth: []string{},
			want: 400, code: gen.ProblemCodeInvalidRequest, detail: "query string"},
		{name: "token in the query, escaped name", method: "GET", path: "/v1/me?access%5Ftoken=" + secretToken, auth: []string{},
			want: 400, code: gen.ProblemCodeInvalidRequest, detail: "Authorization header"},
		{name: "token in the query that does not decode", method: "GET", path: "/v1/tasks?access_token=" + secretToken + "%zz",
			want: 400, code: gen.ProblemCodeInvalidRequest, detail: "Authorization header"},
		{name: "token in the query after a semicolon", method: "GET", path: "/v1/tasks?limit=5;access_token=" + secretToken, auth: []string{},
			want: 400, code: gen.ProblemCodeInvalidRequest, detail: "Authorization header"},
		{name: "token under another scheme", method: "GET", path: "/v1/me", auth: []string{"Token " + secretToken},
			want: 401, code: gen.ProblemCodeMissingCredentials},
		{name: "token in a request id", method: "GET", path: "/v1/me", auth: []string{},
			header: http.Header{"X-Request-Id": {"Bearer " + secretToken}},
			want:   401, code: gen.ProblemCodeMissingCredentials},
	}
	// A group, so that the log is searched once every case has finished.
	t.Run("cases", func(t *testing.T) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				req, err := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
				if err != nil {
					t.Fatal(err)
				}
				auth := tt.auth
				if auth == nil {
					auth = []string{"Bearer " + apitest.AliceToken}
				}
				req.Header = tt.header.Clone()
				if req.Header == nil {
					req.Header = http.Header{}
				}
				req.Header["Authorization"] = auth
				if tt.body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				resp, err := srv.HTTP.Do(req) // checks the response against the spec
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != tt.want {
					t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tt.want, body)
				}
				if strings.Contains(string(body), secretToken) || strings.Contains(string(body), apitest.AliceToken) {
					t.Errorf("the response echoes a token: %s", body)
				}
				for name, values := range resp.Header {
					if name == "Set-Cookie" || strings.ContainsAny(strings.Join(values, ""), "\r\n") {
						t.Errorf("injected header %s: %q", name, values)
					}
				}
				if tt.code == "" {
					return
				}
				resp.Body = io.NopCloser(strings.NewReader(string(body)))
				p := decodeProblem(t, resp)
				if p.Code != tt.code {
					t.Errorf("code = %s, want %s", p.Code, tt.code)
				}
				if p.Detail == nil || !strings.Contains(*p.Detail, tt.detail) {
					t.Errorf("detail = %v, want it to mention %q", p.Detail, tt.detail)
				}
			})
		}
	})
	logs := srv.Logs.String()
	for _, token := range []string{apitest.AliceToken, secretToken} {
		if strings.Contains(logs, token) {
			t.Errorf("the log contains the token %q", token)
		}
	}
}

// TestHostileInProcess covers what a well-behaved client library refuses to
// send, by calling the handler directly: header values with CR/LF (net/http
// would answer 400 itself), and a huge declared body the server must refuse
// without reading it.
func TestHostileInProcess(t *testing.T) {
	t.Parallel()
	p := newInProcessWith(t, apitest.Config{MaxBodyBytes: 1024})

	t.Run("CR LF in the Authorization header", func(t *testing.T) {
		t.Parallel()
		req := httptest.NewRequest("GET", "/v1/me", nil)
		req.Header.Set("Authorization", "Bearer abc\r\nSet-Cookie: session=1\r\n\r\n<html>")
		rec := p.serve(t, req)
		if rec.Code != http.StatusBadRequest {
			t.Fatalf("status = %d, want 400", rec.Code)
		}
		for name, values := range rec.Header() {
			if name == "Set-Cookie" || strings.ContainsAny(strings.Join(values, ""), "\r\n") {
				t.Errorf("injected header %s: %q", name, values)
			}
		}
		if strings.Contains(rec.Body.String(), "<html>") || strings.Contains(rec.Body.String(), "session") {
			t.Errorf("the body echoes the header: %s", rec.Body)
		}
	})

	t.Run("huge declared body is not read", func(t *testing.T) {
		t.Parallel()
		body := &countingReader{r: strings.NewReader(`{"title":"` + strings.Repeat("a", 1<<20) + `"}`)}
		req := httptest.NewRequest("POST", "/v1/tasks", body)
		req.ContentLength = 1 << 30
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+apitest.AliceToken)
		rec := p.serve(t, req)
		if rec.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("status = %d, want 413", rec.Code)
		}
		if body.n != 0 {
			t.Errorf("the server read %d bytes of a body it refused by its declared length", body.n)
		}
	})
}
