package httpapi_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"

	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/domain"
	"example.com/tasks/impl/store/sqlite"
)

// fuzzTokens are the credentials a fuzzed request can carry: the fuzzer picks
// one by number, since it could never guess a valid token itself.
var fuzzTokens = []string{"", apitest.AliceToken, apitest.CarolToken, apitest.NoScopes, "not-a-token"}

// FuzzPipeline sends arbitrary requests through the real handler: any method,
// path, query, headers and body that net/http's own parser accepts. Whatever
// arrives, the server must not panic, must not answer 5xx (a client cannot
// cause a server error), and must answer as the spec documents. The seed
// corpus is in testdata/fuzz/FuzzPipeline.
func FuzzPipeline(f *testing.F) {
	st := &freshStore{}
	st.reset()
	f.Cleanup(func() { st.DB.Close() })
	// CORS on, so that preflights and cross-origin requests are fuzzed too.
	p := newInProcessWith(f, apitest.Config{API: apitest.API(f, st), MaxBodyBytes: 4 << 10, CORSOrigins: []string{"https://app.example"}})
	f.Add("POST", "/v1/tasks", "", "Content-Type: application/json", uint8(1), []byte(`{"title":"x"}`))
	f.Fuzz(func(t *testing.T, method, path, query, headers string, token uint8, body []byte) {
		req := rawRequest(method, path, query, headers, fuzzTokens[int(token)%len(fuzzTokens)], body)
		if req == nil {
			return // net/http would have answered 400 before any handler ran
		}
		st.reset()
		rec := httptest.NewRecorder()
		p.h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s → %d: %s", req.Method, req.RequestURI, rec.Code, rec.Body)
		}
		if err := p.checker.Check(req, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
			t.Fatal(err)
		}
		if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("%s %s → %d without X-Content-Type-Options", req.Method, req.RequestURI, rec.Code)
		}
	})
}

// rawRequest writes an HTTP/1.1 request from the parts and parses it with
// net/http's own parser, so the handler sees only what a server would hand
// it. It returns nil for what net/http refuses.
func rawRequest(method, path, query, headers, token string, body []byte) *http.Request {
	target := path
	if query != "" {
		target += "?" + query
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: api.example\r\n", method, target)
	if headers != "" {
		b.WriteString(strings.ReplaceAll(strings.TrimRight(headers, "\n"), "\n", "\r\n") + "\r\n")
	}
	if token != "" {
		b.WriteString("Authorization: Bearer " + token + "\r\n")
	}
	fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
	b.Write(body)
	req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(b.String())))
	if err != nil || !deliverable(req) {
		return nil
	}
	return req
}

// deliverable repeats the checks net/http's server makes after parsing and
// before calling a handler (server.go, readRequest).
func deliverable(req *http.Request) bool {
	if req.ProtoMajor != 1 || len(req.Header["Host"]) > 1 || req.Method == "PRI" || req.Method == http.MethodConnect {
		return false
	}
	for name, values := range req.Header {
		if !validToken(name) {
			return false
		}
		for _, v := range values {
			for i := 0; i < len(v); i++ {
				if c := v[i]; (c < 0x20 && c != '\t') || c == 0x7f {
					return false
				}
			}
		}
	}
	return validToken(req.Method) && strings.HasPrefix(req.URL.Path, "/")
}

// validToken reports whether s is an RFC 9110 token.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// freshStore is an in-memory database replaced before each fuzzed request,
// so that a long fuzzing run does not grow without bound. It starts with one
// task of alice's, fuzzTaskID, so that reads, updates and deletes of an
// existing task are reachable. A fuzz worker runs one input at a time, so
// swapping the database between inputs needs no lock.
type freshStore struct{ *sqlite.DB }

var fuzzTaskID = uuid.MustParse("3f0e4b8e-8f9a-4c51-9d3c-1b2a7f6e5d40")

func (s *freshStore) reset() {
	ctx := context.Background()
	db, err := sqlite.OpenMemory(ctx, slog.New(slog.DiscardHandler))
	if err != nil {
		panic(err)
	}
	_, _ = db.CreateTask(ctx, domain.Task{Record: domain.Record{ID: fuzzTaskID, Owner: "alice"}, Title: "seed", Status: "todo"})
	if s.DB != nil {
		s.DB.Close()
	}
	s.DB = db
}
