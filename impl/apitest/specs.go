package apitest

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/spec"
)

// EditedSpec returns a fresh copy of the embedded spec in which every
// security requirement's bearer-carried schemes (http bearer, oauth2) are
// replaced by one scheme, name, declared as s, with the union of their
// scopes; or, with replace false, in which each requirement that has them
// is followed by that edited copy, an alternative. The operations are the
// same, so the generated routes serve it: tests try schemes the real spec
// does not declare (openIdConnect, DPoP) without changing it.
func EditedSpec(t testing.TB, name string, s *openapi3.SecurityScheme, replace bool) *openapi3.T {
	t.Helper()
	doc, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	schemes := doc.Components.SecuritySchemes
	edit := func(srs openapi3.SecurityRequirements) openapi3.SecurityRequirements {
		out := make(openapi3.SecurityRequirements, 0, len(srs))
		for _, req := range srs {
			edited := openapi3.SecurityRequirement{}
			for n, scopes := range req {
				v := schemes[n].Value
				if v.Type == "oauth2" || (v.Type == "http" && strings.EqualFold(v.Scheme, "bearer")) {
					edited[name] = append(append([]string{}, edited[name]...), scopes...)
					slices.Sort(edited[name])
				} else {
					edited[n] = scopes
				}
			}
			_, changed := edited[name]
			if !replace && changed {
				out = append(out, req)
			}
			out = append(out, edited)
		}
		return out
	}
	doc.Security = edit(doc.Security)
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.Security != nil {
				srs := edit(*op.Security)
				op.Security = &srs
			}
		}
	}
	schemes[name] = &openapi3.SecuritySchemeRef{Value: s}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("edited spec: %v", err)
	}
	return doc
}
