package validator_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/apitest"
)

var update = flag.Bool("update", false, "rewrite testdata/answers.golden with the answers of this code")

// TestAnswers pins, byte for byte, what the validator answers to a wide
// range of requests (status, Content-Type and body of each error; what the
// handler sees of an accepted request: its query string, Content-Length and
// body, which kin-openapi rewrites to add defaults), so that work on the
// validator's speed cannot change an answer. testdata/answers.golden was
// written by the validator before that work (go test -run TestAnswers
// -update); a deliberate change of an answer rewrites it, and the diff shows
// what changed.
func TestAnswers(t *testing.T) {
	t.Parallel()
	doc := itemsSpec(t)
	h := apitest.Mount(t, doc, tokens(t), func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("%s %s: reading the body: %v", r.Method, r.URL, err)
		}
		fmt.Fprintf(w, "handler saw query=%q length=%d body=%q", r.URL.RawQuery, r.ContentLength, body)
	})

	const id = "3f0e4b8e-8f9a-4c51-9d3c-1b2a7f6e5d40"
	const json = "application/json"
	type header = map[string]string
	cases := []struct {
		method, path string
		header       header
		body         string
		chunked      bool // no Content-Length
	}{
		// Path parameters.
		{method: "GET", path: "/items/" + id},
		{method: "GET", path: "/items/3F0E4B8E-8F9A-4C51-9D3C-1B2A7F6E5D40"},
		{method: "GET", path: "/items/00000000-0000-0000-0000-000000000000"},
		{method: "GET", path: "/items/ffffffff-FFFF-ffff-ffff-ffffffffffff"},
		{method: "GET", path: "/items/3f0e4b8e-8f9a-0c51-9d3c-1b2a7f6e5d40"},
		{method: "GET", path: "/items/3f0e4b8e-8f9a-4c51-cd3c-1b2a7f6e5d40"},
		{method: "GET", path: "/items/3f0e4b8e8f9a4c519d3c1b2a7f6e5d40"},
		{method: "GET", path: "/items/not-a-uuid"},
		{method: "GET", path: "/items/" + id, header: header{"X-Level": "-1"}},
		{method: "GET", path: "/items/" + id, header: header{"X-Level": "two"}},
		{method: "POST", path: "/counts/0", header: header{"Content-Type": json}, body: `[1]`},
		{method: "POST", path: "/counts/x", header: header{"Content-Type": json}, body: `[1]`},
		// Query parameters.
		{method: "GET", path: "/items"},
		{method: "GET", path: "/items?limit=10&cursor=abc&tag=a&tag=b"},
		{method: "GET", path: "/items?limit=0&cursor=***"},
		{method: "GET", path: "/items?limit=1.5"},
		{method: "GET", path: "/items?limit="},
		{method: "GET", path: "/items?limit=%zz"},
		{method: "GET", path: "/items?limit=1;cursor=2"},
		{method: "GET", path: "/items?tag=a&tag=d&tag=b&tag=c"},
		{method: "GET", path: "/items?cursor=a+b&other=1"},
		// JSON bodies accepted, with the defaults kin-openapi writes in.
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `{"name":"a"}`},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `{"name":"a","size":7,"done":true}`},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `{"name":"a","meta":{"x":1}}`},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: ` {"name" : "\u00e9\n", "size":1, "done":false, "ratio":0.5e0} `},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `{"name":"a","size":1,"done":false}`, chunked: true},
		{method: "POST", path: "/items", header: header{"Content-Type": "application/json; charset=utf-8"}, body: `{"name":"a","size":1,"done":false}`},
		{method: "POST", path: "/items", header: header{"Content-Type": "Application/JSON"}, body: `{"name":"a","size":1,"done":false}`},
		{method: "POST", path: "/items", header: header{"Content-Type": json, "Content-Encoding": "identity"}, body: `{"name":"a","size":1,"done":false}`},
		{method: "POST", path: "/counts/2", header: header{"Content-Type": json}, body: `[1, -0.5, 12345678901234567890]`},
		{method: "POST", path: "/counts/2", header: header{"Content-Type": json}, body: `[]`},
		{method: "POST", path: "/counts/2"},
		{method: "POST", path: "/counts/2", header: header{"Content-Type": json}},
		{method: "POST", path: "/anything", header: header{"Content-Type": json}, body: `{"a":[1,{"b":null}],"c":"\ud83d\ude00"}`},
		{method: "PUT", path: "/items/" + id, header: header{"Content-Type": json, "If-Match": `"1"`}, body: `{"name":"a"}`},
		{method: "PATCH", path: "/items/" + id, header: header{"Content-Type": "application/merge-patch+json"}, body: `{"note":null}`},
		{method: "POST", path: "/labels", header: header{"Content-Type": json}, body: `{"name":"a","kind":"x"}`},
		{method: "POST", path: "/labels", header: header{"Content-Type": json}, body: `{"name":"A","kind":"z","x":1}`},
		{method: "POST", path: "/labels", header: header{"Content-Type": json}, body: `{"kind":"x"}`, chunked: true},
		{method: "POST", path: "/notes", header: header{"Content-Type": "text/plain"}, body: `hi`},
		// JSON bodies refused by the schema.
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `{}`},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `{"name":"","size":-1,"ratio":2,"done":"yes","kind":"z","tags":["a","a","b"]}`},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `{"name":"a","id":"` + id + `"}`},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `{"name":"a","size":1.5}`},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `{"name":"a","size":1.0}`},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `{"name":"a","size":1e2}`},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `{"name":"a","size":99999999999999999999}`},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `{"name":"a","meta":{"level":"x","y":"z"},"extra":{"a/b~c":1}}`},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `{"name":null}`},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `null`},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `[]`},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `"name"`},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `12`},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `true`},
		{method: "POST", path: "/counts/2", header: header{"Content-Type": json}, body: `[1e21, "2", null, 4]`},
		{method: "PUT", path: "/items/not-a-uuid", header: header{"Content-Type": json, "If-Match": "01234567890"}, body: `{"name":""}`},
		{method: "PATCH", path: "/items/" + id, header: header{"Content-Type": "application/merge-patch+json"}, body: `{"note":"too long","name":""}`},
		{method: "POST", path: "/notes", header: header{"Content-Type": "text/plain"}, body: `too long`},
		// Bodies missing, empty, or not I-JSON.
		{method: "POST", path: "/items"},
		{method: "POST", path: "/items", header: header{"Content-Type": json}},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: " \n\t "},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `{"name":"a"`},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `{"name":"a",}`},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `{"name":"a","name":"b"}`},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `{"name":"a","meta":{"owner":"\ufdd0"}}`},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `{"name":"a","tags":["\udbff\udfff"]}`},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `{"\uffff":1}`},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `{"name":"\ud800"}`},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: "{\"name\":\"\xff\"}"},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `{"name":"a"} {"name":"b"}`},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `{"name":"a"} x`},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: "\ufeff{\"name\":\"a\"}"},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `{"name":01}`},
		{method: "POST", path: "/counts/2", header: header{"Content-Type": json}, body: strings.Repeat("[", 300) + strings.Repeat("]", 300)},
		// Body headers.
		{method: "POST", path: "/items", header: header{"Content-Type": "text/plain"}, body: `{"name":"a"}`},
		{method: "POST", path: "/items", header: header{"Content-Type": "application/json;"}, body: `{"name":"a"}`},
		{method: "POST", path: "/items", body: `{"name":"a"}`},
		{method: "POST", path: "/items", header: header{"Content-Type": json, "Content-Encoding": "gzip"}, body: `{"name":"a"}`},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `{"name":"` + strings.Repeat("a", 1100) + `"}`},
		{method: "POST", path: "/items", header: header{"Content-Type": json}, body: `{"name":"` + strings.Repeat("a", 1100) + `"}`, chunked: true},
		{method: "PATCH", path: "/items/" + id, header: header{"Content-Type": json}, body: `{}`},
	}
	var got strings.Builder
	for _, c := range cases {
		req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
		if c.body == "" {
			req = httptest.NewRequest(c.method, c.path, nil)
		}
		if c.chunked {
			req.ContentLength = -1
		}
		for k, v := range c.header {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		// The request id differs from run to run.
		body := requestID.ReplaceAllString(strings.TrimSpace(rec.Body.String()), "")
		fmt.Fprintf(&got, "%s %s %q %.80q chunked=%t\n→ %d %s\n%s\n\n", c.method, c.path, c.header, c.body, c.chunked,
			rec.Code, rec.Header().Get("Content-Type"), body)
	}
	const golden = "testdata/answers.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got.String() != string(want) {
		t.Errorf("the answers differ from %s (go test -run TestAnswers -update rewrites it; git diff shows how):\n%s", golden, diff(string(want), got.String()))
	}
}

// requestID is a problem's instance member, the request id.
var requestID = regexp.MustCompile(`"instance":"[^"]*",`)

// itemsSpec loads testdata/items.yaml.
func itemsSpec(tb testing.TB) *openapi3.T {
	tb.Helper()
	doc, err := openapi3.NewLoader().LoadFromFile("testdata/items.yaml")
	if err != nil {
		tb.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		tb.Fatal(err)
	}
	return doc
}

// diff returns the first lines that differ between want and got.
func diff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)) && b.Len() < 4000; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d\n  want %s\n  got  %s\n", i+1, wl, gl)
		}
	}
	return b.String()
}
