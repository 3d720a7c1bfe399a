package apitest

import (
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/auth"
)

// ScopedRead returns the path (without the base path) of a GET operation
// of doc that needs scopes and takes no path or required parameter, such as
// a list, so that a generic test can call the API without naming a
// resource. ok is false when doc has none.
func ScopedRead(doc *openapi3.T) (path string, ok bool) {
	for _, p := range doc.Paths.InMatchingOrder() {
		op := doc.Paths.Value(p).Get
		if op == nil || strings.Contains(p, "{") ||
			slices.ContainsFunc(op.Parameters, func(r *openapi3.ParameterRef) bool { return r.Value.Required }) {
			continue
		}
		for _, req := range auth.Requirements(doc, op) {
			for _, scopes := range req {
				if len(scopes) > 0 {
					return p, true
				}
			}
		}
	}
	return "", false
}
