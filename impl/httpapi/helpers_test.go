package httpapi_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/apitest"
)

// realm is the realm the server's challenges carry by default: the API's
// name, from the spec.
var realm = apitest.Realm()

// inProcess is the real handler called directly, for cases that need to see
// what the server did with the request itself (bytes read, panics).
type inProcess struct {
	h       http.Handler
	checker *apitest.Checker
}

func newInProcess(t testing.TB) *inProcess {
	t.Helper()
	return newInProcessWith(t, apitest.Config{})
}

func newInProcessWith(t testing.TB, cfg apitest.Config) *inProcess {
	t.Helper()
	h, err := apitest.Handler(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	doc := apitest.Spec()
	return &inProcess{h: h, checker: apitest.NewChecker(doc, doc.Servers[0].URL)}
}

// serve runs req through the handler and checks the response against the spec.
func (p *inProcess) serve(t *testing.T, req *http.Request) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	p.h.ServeHTTP(rec, req)
	if err := p.checker.Check(req, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
		t.Error(err)
	}
	return rec
}

// do sends a request through srv's checked client (every response is
// validated against the spec) and returns the response with its body read.
// header is sent as given, with alice's token unless it names an
// Authorization of its own.
func do(t *testing.T, srv *apitest.Server, method, path string, header http.Header, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, srv.API+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	if _, ok := req.Header["Authorization"]; !ok {
		req.Header.Set("Authorization", "Bearer "+apitest.AliceToken)
	}
	resp, err := srv.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(got))
	return resp, got
}

// scopedRead is the path of an operation that needs scopes
// (apitest.ScopedRead).
func scopedRead(t *testing.T, doc *openapi3.T) string {
	t.Helper()
	path, ok := apitest.ScopedRead(doc)
	if !ok {
		t.Fatal("the spec has no scoped GET operation without required parameters")
	}
	return path
}
