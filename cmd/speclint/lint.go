package main

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/examples"
)

// problemRef is the one error schema every error response must use.
const problemRef = "#/components/schemas/Problem"

// Finding is one broken rule, located like a compiler error.
type Finding struct {
	Line      int    // 0 when unknown
	Pointer   string // JSON pointer into the document
	Operation string // operationId, or method and path
	Message   string
}

func (f Finding) String() string {
	loc := ""
	if f.Line > 0 {
		loc = fmt.Sprintf("%d: ", f.Line)
	}
	return fmt.Sprintf("%s%s: %s: %s", loc, f.Pointer, f.Operation, f.Message)
}

// Lint checks the security half of the contract, which general OpenAPI
// linters do not know about: that every secured operation documents the
// failures the server sends, in the shared problem format, with challenges,
// and that every requirement names declared schemes and scopes.
func Lint(doc *openapi3.T) []Finding {
	l := &linter{doc: doc, checked: map[string]bool{}}
	l.requirements("#/security", "global security", doc.Security, 0)
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for _, method := range slices.Sorted(maps.Keys(item.Operations())) {
			l.operation(path, item, method, item.GetOperation(method))
		}
	}
	return l.findings
}

type linter struct {
	doc      *openapi3.T
	findings []Finding
	checked  map[string]bool // shared responses already checked
}

func (l *linter) add(line int, ptr, op, format string, args ...any) {
	l.findings = append(l.findings, Finding{Line: line, Pointer: ptr, Operation: op, Message: fmt.Sprintf(format, args...)})
}

func (l *linter) operation(path string, item *openapi3.PathItem, method string, op *openapi3.Operation) {
	ptr := "#/paths/" + escape(path) + "/" + strings.ToLower(method)
	name := op.OperationID
	line := lineOf(op.Origin)
	if name == "" {
		name = method + " " + path
		l.add(line, ptr, name, "has no operationId")
	}
	if op.Security != nil {
		l.requirements(ptr+"/security", name, *op.Security, line)
	}

	reqs := auth.Requirements(l.doc, op)
	secured := len(reqs) > 0 && !slices.ContainsFunc(reqs, func(r openapi3.SecurityRequirement) bool { return len(r) == 0 })
	scoped := slices.ContainsFunc(reqs, func(r openapi3.SecurityRequirement) bool {
		return slices.ContainsFunc(slices.Collect(maps.Values(r)), func(s []string) bool { return len(s) > 0 })
	})
	respPtr := ptr + "/responses"
	documents := func(code int) bool { return op.Responses.Status(code) != nil }
	if secured && !documents(http.StatusUnauthorized) {
		l.add(line, respPtr, name, "secured operation does not document 401 (missing or rejected credentials)")
	}
	if secured && !documents(http.StatusBadRequest) {
		l.add(line, respPtr, name, "secured operation does not document 400 (malformed credentials: invalid_request)")
	}
	if scoped && !documents(http.StatusForbidden) {
		l.add(line, respPtr, name, "operation needs scopes but does not document 403 (insufficient_scope)")
	}
	if !documents(http.StatusInternalServerError) {
		l.add(line, respPtr, name, "does not document 500")
	}
	l.rateLimited(respPtr, name, line, op.Responses.Status(http.StatusTooManyRequests))
	for _, code := range slices.Sorted(maps.Keys(op.Responses.Map())) {
		l.errorResponse(respPtr+"/"+code, name, code, op.Responses.Value(code))
	}

	params := slices.Clone(op.Parameters)
	for _, p := range item.Parameters {
		if params.GetByInAndName(p.Value.In, p.Value.Name) == nil {
			params = append(params, p)
		}
	}
	for _, ref := range params {
		if p := ref.Value; p != nil && p.Required {
			if _, ok := examples.Parameter(p); !ok {
				l.add(lineOf(p.Origin), ptr+"/parameters", name, "required %s parameter %q has no example", p.In, p.Name)
			}
		}
	}
	if rb := op.RequestBody; rb != nil && rb.Value != nil {
		for _, mt := range slices.Sorted(maps.Keys(rb.Value.Content)) {
			if _, ok := examples.Media(rb.Value.Content[mt]); !ok {
				l.add(line, ptr+"/requestBody/content/"+escape(mt), name, "request body has no example")
			}
		}
	}
}

// rateLimitHeaders are what a 429 carries: when to retry, and the fields
// of draft-ietf-httpapi-ratelimit-headers-10.
var rateLimitHeaders = []string{"Retry-After", "RateLimit-Policy", "RateLimit"}

// rateLimited checks that an operation documents the 429 of the rate
// limits, which cover every operation, through one shared component.
func (l *linter) rateLimited(ptr, op string, line int, ref *openapi3.ResponseRef) {
	if ref == nil {
		l.add(line, ptr, op, "does not document 429 (rate_limited): the rate limits cover every operation")
		return
	}
	if !strings.HasPrefix(ref.Ref, "#/components/responses/") {
		l.add(line, ptr+"/429", op, "429 must be a $ref to the shared response in components.responses")
	}
	if ref.Value == nil || l.checked[ref.Ref] {
		return
	}
	if ref.Ref != "" {
		// A shared response is reported once, where it is defined.
		l.checked[ref.Ref] = true
		ptr = ref.Ref
	} else {
		ptr += "/429"
	}
	for _, h := range rateLimitHeaders {
		if hr := ref.Value.Headers[h]; hr == nil || hr.Value == nil || !hr.Value.Required {
			l.add(lineOf(ref.Value.Origin), ptr+"/headers", op, "429 does not document the required %s header", h)
		}
	}
}

// errorResponse checks that a 4xx or 5xx response is a problem document, and
// that 401 and 403 carry their challenge.
func (l *linter) errorResponse(ptr, op, code string, ref *openapi3.ResponseRef) {
	if ref == nil || ref.Value == nil || (!strings.HasPrefix(code, "4") && !strings.HasPrefix(code, "5")) {
		return
	}
	r := ref.Value
	line := lineOf(r.Origin)
	if code == "401" || code == "403" {
		h := r.Headers["WWW-Authenticate"]
		if h == nil || h.Value == nil {
			l.add(line, ptr+"/headers", op, "%s does not document the WWW-Authenticate header", code)
		} else if code == "401" && !h.Value.Required {
			l.add(line, ptr+"/headers/WWW-Authenticate", op, "401 must mark WWW-Authenticate required (RFC 9110 §11.6.1)")
		}
	}
	for _, mt := range slices.Sorted(maps.Keys(r.Content)) {
		if mt != "application/problem+json" {
			l.add(line, ptr+"/content/"+escape(mt), op, "%s is sent as %s; errors are application/problem+json", code, mt)
		}
	}
	pj := r.Content["application/problem+json"]
	if pj == nil && len(r.Content) == 0 {
		l.add(line, ptr+"/content", op, "%s has no application/problem+json body", code)
	} else if pj != nil && (pj.Schema == nil || pj.Schema.Ref != problemRef) {
		l.add(line, ptr+"/content/application~1problem+json/schema", op, "%s body must be $ref: %q", code, problemRef)
	}
}

// requirements checks that each requirement names declared schemes, and
// declared scopes for OAuth2; other scheme types take no scopes in OpenAPI
// 3.0 (§4.8.30).
func (l *linter) requirements(ptr, op string, srs openapi3.SecurityRequirements, line int) {
	var schemes openapi3.SecuritySchemes
	if l.doc.Components != nil {
		schemes = l.doc.Components.SecuritySchemes
	}
	for i, req := range srs {
		for _, name := range slices.Sorted(maps.Keys(req)) {
			at := fmt.Sprintf("%s/%d/%s", ptr, i, escape(name))
			ref := schemes[name]
			if ref == nil || ref.Value == nil {
				l.add(line, at, op, "security scheme %q is not declared in components.securitySchemes", name)
				continue
			}
			scopes := req[name]
			switch s := ref.Value; s.Type {
			case "oauth2":
				declared := declaredScopes(s)
				for _, scope := range scopes {
					if !declared[scope] {
						l.add(line, at, op, "scope %q is not declared by any flow of %q", scope, name)
					}
				}
			case "openIdConnect": // scopes are the provider's to declare
			default:
				if len(scopes) > 0 {
					l.add(line, at, op, "%s scheme %q takes no scopes in OpenAPI 3.0; name them with an oauth2 scheme", s.Type, name)
				}
			}
		}
	}
}

func declaredScopes(s *openapi3.SecurityScheme) map[string]bool {
	out := map[string]bool{}
	if f := s.Flows; f != nil {
		for _, flow := range []*openapi3.OAuthFlow{f.Implicit, f.Password, f.ClientCredentials, f.AuthorizationCode} {
			if flow != nil {
				for scope := range flow.Scopes {
					out[scope] = true
				}
			}
		}
	}
	return out
}

// escape encodes a JSON pointer token (RFC 6901 §3).
func escape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func lineOf(o *openapi3.Origin) int {
	if o == nil || o.Key == nil {
		return 0
	}
	return o.Key.Line
}
