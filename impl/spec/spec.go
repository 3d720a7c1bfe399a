// Package spec loads the embedded openapi.yaml and derives from it the names
// a fork changes in one place: the product name (info.title), from which the
// default realm comes, the base path (servers[0].url) and the scopes.
// Nothing else in the code spells them out, tests included.
package spec

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/gen"
	"example.com/tasks/impl/auth"
)

// Load returns the spec embedded in gen, validated.
func Load() (*openapi3.T, error) {
	doc, err := gen.GetSpec()
	if err != nil {
		return nil, fmt.Errorf("spec: load embedded spec: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("spec: embedded spec is invalid: %w", err)
	}
	return doc, nil
}

// Name is the product's name: the spec's info.title ("Tasks API"). It
// names the server in logs and docs, and is the default realm of its
// WWW-Authenticate challenges.
func Name(doc *openapi3.T) string { return doc.Info.Title }

// BasePath returns the path of the spec's first server URL ("/v1"), under
// which the operations are served; "" when there is none. Only the path of
// the URL is used, so the server works behind any host name.
func BasePath(doc *openapi3.T) (string, error) {
	if len(doc.Servers) == 0 {
		return "", nil
	}
	u, err := url.Parse(doc.Servers[0].URL)
	if err != nil {
		return "", fmt.Errorf("spec: servers[0].url: %w", err)
	}
	return strings.TrimSuffix(u.Path, "/"), nil
}

// Scopes returns every scope the spec declares (in its oauth2 flows and
// openIdConnect requirements), sorted, and of those the read scopes: the ones
// that no operation with an unsafe method (POST, PUT, PATCH, DELETE)
// requires. The development and test tokens get their scopes by this rule:
// a full token every scope, a read-only token the read scopes.
func Scopes(doc *openapi3.T) (all, read []string) {
	set := map[string]bool{} // scope → needed by an unsafe method
	if doc.Components != nil {
		for _, ref := range doc.Components.SecuritySchemes {
			if s := ref.Value; s != nil && s.Flows != nil {
				for _, f := range []*openapi3.OAuthFlow{s.Flows.Implicit, s.Flows.Password, s.Flows.ClientCredentials, s.Flows.AuthorizationCode} {
					if f != nil {
						for name := range f.Scopes {
							if _, seen := set[name]; !seen {
								set[name] = false
							}
						}
					}
				}
			}
		}
	}
	for _, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			unsafe := method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
			for _, req := range auth.Requirements(doc, op) {
				for _, scopes := range req {
					for _, name := range scopes {
						set[name] = set[name] || unsafe
					}
				}
			}
		}
	}
	all = slices.Sorted(maps.Keys(set))
	for _, name := range all {
		if !set[name] {
			read = append(read, name)
		}
	}
	return all, read
}

// Slug is the product's name as a lower-case identifier, for the places
// that want one (an example JWT audience, OTEL_SERVICE_NAME, a file name):
// its letters and digits lowercased, each run of other characters one "-"
// ("tasks-api" for "Tasks API"). cmd/rename renames it with the name.
func Slug(doc *openapi3.T) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(strings.TrimSpace(Name(doc))) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	return b.String()
}

// TokenPrefix starts every token that cmd/mint-token makes, so that secret
// scanners and people can tell at a glance whose token a leaked string is:
// the first word of the product's name, lowercased, and "_" ("tasks_" for
// "Tasks API").
func TokenPrefix(doc *openapi3.T) string {
	word, _, _ := strings.Cut(strings.TrimSpace(Name(doc)), " ")
	var b strings.Builder
	for _, r := range strings.ToLower(word) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String() + "_"
}
