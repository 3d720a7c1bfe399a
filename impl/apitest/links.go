package apitest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-openapi/jsonpointer"

	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/examples"
)

// maxChain bounds how many links the suite follows, one after the other, to
// reach one operation: each step creates a resource, and without a bound a
// spec whose operations all link to each other is explored at length.
const maxChain = 6

// linked is what following a link yields for its target: parameter values
// (by name, or qualified by location as in "path.id") and, when the link
// gives one, the request body. The zero value means no link led there.
type linked struct {
	params map[string]string
	body   any // nil: the target's example
}

// param returns the value the link gave for p, if any.
func (in linked) param(p *openapi3.Parameter) (string, bool) {
	if v, ok := in.params[p.In+"."+p.Name]; ok {
		return v, true
	}
	v, ok := in.params[p.Name]
	return v, ok
}

// link is one `links` entry on a 2xx response of from.
type link struct {
	name string
	from operation
	*openapi3.Link
}

func (l link) String() string { return fmt.Sprintf("link %q from %s", l.name, l.from) }

// linksTo returns the links to target, in the spec's order so that every
// run tries them alike, but none from an operation on chain: that
// operation is waiting for target's answer, so following it would loop.
func (s *suite) linksTo(target operation, chain []string) []link {
	var out []link
	for _, src := range s.ops {
		if slices.Contains(chain, src.op.OperationID) {
			continue
		}
		for _, code := range slices.Sorted(maps.Keys(src.op.Responses.Map())) {
			resp := src.op.Responses.Value(code).Value
			if resp == nil || !strings.HasPrefix(code, "2") {
				continue
			}
			for _, name := range slices.Sorted(maps.Keys(resp.Links)) {
				if l := resp.Links[name].Value; l != nil && l.OperationID == target.op.OperationID {
					out = append(out, link{name: name, from: src, Link: l})
				}
			}
		}
	}
	return out
}

// linkedParams follows a link to target, if the spec has one, and returns
// what it yields: the spec says how to make the resource target acts on.
func (s *suite) linkedParams(target operation) (linked, error) {
	return s.reach(target, nil)
}

// reach follows the first link to target that works. chain holds the
// operations waiting for target's answer, which no link from is used;
// with no other link, target gets its examples. The error says, for each
// link tried, which step failed.
func (s *suite) reach(target operation, chain []string) (linked, error) {
	chain = append(slices.Clone(chain), target.op.OperationID)
	links := s.linksTo(target, chain)
	if len(links) == 0 {
		return linked{}, nil
	}
	if len(chain) > maxChain {
		return linked{}, fmt.Errorf("links to %s not followed: the chain would be longer than %d links (%s)",
			target, maxChain, strings.Join(chain, " ← "))
	}
	var failed []string
	for _, l := range links {
		in, err := s.follow(l, chain)
		if err == nil {
			return in, nil
		}
		failed = append(failed, err.Error())
	}
	return linked{}, errors.New(strings.Join(failed, "; "))
}

// follow calls l's source with the parameters a link of its own gives it
// (reached first, so a nested resource's parent exists), then evaluates
// l's parameters and request body on that exchange. Each call makes fresh
// resources: a delete never removes what another check needs.
func (s *suite) follow(l link, chain []string) (linked, error) {
	in, err := s.reach(l.from, chain)
	if err != nil {
		return linked{}, fmt.Errorf("%s: %w", l, err)
	}
	var as openapi3.SecurityRequirement
	if reqs := auth.Requirements(s.doc, l.from.op); len(reqs) > 0 {
		as = reqs[0]
	}
	x, err := s.request(l.from, in, as, s.creds.AllScopes)
	if err != nil {
		return linked{}, fmt.Errorf("%s: %w", l, err)
	}
	x.rec = httptest.NewRecorder()
	s.h.ServeHTTP(x.rec, x.req)
	if x.rec.Code < 200 || x.rec.Code > 299 {
		return linked{}, fmt.Errorf("%s: that operation answered %d, want a 2xx (body %s)%s",
			l, x.rec.Code, excerpt(x.rec.Body.Bytes()), s.exampleHint(l.from, in))
	}
	out := linked{params: map[string]string{}}
	for _, name := range slices.Sorted(maps.Keys(l.Parameters)) {
		v, err := x.eval(l.Parameters[name])
		if err != nil {
			return linked{}, fmt.Errorf("%s: parameter %s: %w", l, name, err)
		}
		out.params[name] = text(v)
	}
	if l.RequestBody != nil {
		if out.body, err = x.eval(l.RequestBody); err != nil {
			return linked{}, fmt.Errorf("%s: requestBody: %w", l, err)
		}
	}
	return out, nil
}

// exampleHint explains a failure of op when a path parameter of op is its
// example: no link gave a value, so it names nothing that exists.
func (s *suite) exampleHint(op operation, in linked) string {
	for _, ref := range append(slices.Clone(op.item.Parameters), op.op.Parameters...) {
		p := ref.Value
		if p == nil || p.In != openapi3.ParameterInPath {
			continue
		}
		if _, given := in.param(p); given {
			continue
		}
		id := op.op.OperationID
		why := fmt.Sprintf("no `links` entry leads to this operation, %s", id)
		fix := "add a `links` entry to it from the response of the operation that creates the resource"
		switch {
		case in.params != nil:
			why = fmt.Sprintf("the link that leads to this operation, %s, does not set this parameter", id)
			fix = fmt.Sprintf("add %q to that link's parameters", p.Name)
		case len(s.linksTo(op, nil)) > 0:
			why = fmt.Sprintf("the only `links` entries to this operation, %s, come from operations already on this chain of links (a loop)", id)
		}
		ex, _ := examples.Parameter(p)
		return fmt.Sprintf("; %s, so its path parameter %q is its example %q, which names nothing that exists: %s", why, p.Name, text(ex), fix)
	}
	return ""
}

// excerpt shortens a response body for a finding.
func excerpt(body []byte) string {
	const limit = 200
	b := bytes.TrimSpace(body)
	if len(b) > limit {
		return strings.ToValidUTF8(string(b[:limit]), "") + "…"
	}
	return string(b)
}

// exchange is one request the suite sent and the answer it got: what a
// link's runtime expressions read.
type exchange struct {
	req  *http.Request
	path map[string]string // the path parameters sent
	body []byte            // the request body sent (req.Body is consumed)
	rec  *httptest.ResponseRecorder
}

// eval gives a link's parameter or request body value on x: a runtime
// expression, a string with expressions embedded in braces, or a constant,
// used as it is (OpenAPI 3.0, Link Object and Runtime Expressions).
func (x *exchange) eval(v any) (any, error) {
	s, ok := v.(string)
	switch {
	case !ok:
		return v, nil
	case strings.HasPrefix(s, "$"):
		return x.expr(s)
	case strings.Contains(s, "{$"):
		return x.embedded(s)
	}
	return s, nil
}

// expr evaluates one runtime expression:
//
//	$url | $method | $statusCode
//	$request.path.NAME | $request.query.NAME | $request.header.NAME | $request.body#/pointer
//	$response.header.NAME | $response.body#/pointer
func (x *exchange) expr(e string) (any, error) {
	switch e {
	case "$url":
		return "http://" + x.req.Host + x.req.URL.RequestURI(), nil
	case "$method":
		return x.req.Method, nil
	case "$statusCode":
		return x.rec.Code, nil
	}
	side, source, _ := strings.Cut(e, ".")
	var header http.Header
	var body []byte
	switch side {
	case "$request":
		header, body = x.req.Header, x.body
	case "$response":
		header, body = x.rec.Header(), x.rec.Body.Bytes()
	default:
		return nil, fmt.Errorf("%s is not a runtime expression this suite knows", e)
	}
	if ptr, ok := strings.CutPrefix(source, "body"); ok && (ptr == "" || ptr[0] == '#') {
		return pointer(e, body, strings.TrimPrefix(ptr, "#"))
	}
	kind, name, _ := strings.Cut(source, ".")
	var values []string
	switch {
	case kind == "header":
		values = header.Values(name) // canonicalized: case-insensitive
	case kind == "path" && side == "$request":
		if v, ok := x.path[name]; ok {
			values = []string{v}
		}
	case kind == "query" && side == "$request":
		values = x.req.URL.Query()[name]
	default:
		return nil, fmt.Errorf("%s is not a runtime expression this suite knows", e)
	}
	if len(values) == 0 {
		return nil, fmt.Errorf("%s did not resolve: no %s %q in the %s", e, kind, name, strings.TrimPrefix(side, "$"))
	}
	return values[0], nil
}

// pointer evaluates the JSON pointer ptr ("" for the whole document) in
// body, keeping numbers as written: a large id keeps every digit.
func pointer(e string, body []byte, ptr string) (any, error) {
	var doc any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s did not resolve: the body is not JSON (%v): %s", e, err, excerpt(body))
	}
	p, err := jsonpointer.New(ptr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", e, err)
	}
	v, _, err := p.Get(doc)
	if err != nil {
		return nil, fmt.Errorf("%s did not resolve in %s: %w", e, excerpt(body), err)
	}
	return v, nil
}

// embedded replaces each {$expression} in s by its value.
func (x *exchange) embedded(s string) (any, error) {
	var out strings.Builder
	for {
		start := strings.Index(s, "{$")
		if start < 0 {
			break
		}
		end := strings.Index(s[start:], "}")
		if end < 0 {
			break
		}
		v, err := x.expr(s[start+1 : start+end])
		if err != nil {
			return nil, err
		}
		out.WriteString(s[:start] + text(v))
		s = s[start+end+1:]
	}
	out.WriteString(s)
	return out.String(), nil
}

// text renders a value as a parameter: a string as it is, anything else
// (number, boolean, object) as JSON.
func text(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
