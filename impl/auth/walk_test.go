package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

type mapVerifier map[string]Principal

// headerKeys is a minimal apiKey scheme (impl/auth/apikey is the real one,
// which imports this package): the key in the header the scheme names.
func headerKeys(v Verifier) SchemeFunc {
	return func(s *openapi3.SecurityScheme) Scheme {
		if s.Type != "apiKey" {
			return nil
		}
		return &headerKey{v: v, header: s.Name, info: &Info{Type: "api_key", AuthScheme: "APIKey"}}
	}
}

type headerKey struct {
	v      Verifier
	header string
	info   *Info
}

func (k *headerKey) Info() *Info { return k.info }

func (k *headerKey) Authenticate(ctx context.Context, r *http.Request, name string) (Principal, error) {
	key := r.Header.Get(k.header)
	if key == "" {
		return Principal{}, &Error{Kind: Missing}
	}
	return k.v.Verify(ctx, Credential{Scheme: name, Token: key})
}

func (m mapVerifier) Verify(_ context.Context, c Credential) (Principal, error) {
	if p, ok := m[c.Token]; ok {
		return p, nil
	}
	return Principal{}, Errorf(Invalid, "unknown")
}

// TestWalkAgreesWithKinOpenAPI: Authenticate walks security requirements
// itself (see its comment); on every combination below it must decide as
// kin-openapi's ValidateSecurityRequirements does.
func TestWalkAgreesWithKinOpenAPI(t *testing.T) {
	t.Parallel()
	doc := &openapi3.T{
		OpenAPI: "3.0.3",
		Paths:   openapi3.NewPaths(),
		Components: &openapi3.Components{SecuritySchemes: openapi3.SecuritySchemes{
			"bearer": {Value: openapi3.NewJWTSecurityScheme()},
			"oauth":  {Value: &openapi3.SecurityScheme{Type: "oauth2"}},
			"key":    {Value: openapi3.NewSecurityScheme().WithType("apiKey").WithIn("header").WithName("X-Key")},
		}},
	}
	req := func(pairs ...any) openapi3.SecurityRequirement {
		r := openapi3.SecurityRequirement{}
		for i := 0; i < len(pairs); i += 2 {
			r[pairs[i].(string)] = pairs[i+1].([]string)
		}
		return r
	}
	none := []string{}
	requirementSets := []openapi3.SecurityRequirements{
		{req()},
		{req("bearer", none)},
		{req("bearer", none, "oauth", []string{"a"})},
		{req("oauth", []string{"a"}), req("oauth", []string{"b"})},
		{req("oauth", []string{"a", "b"})},
		{req("bearer", none), req("key", none)},
		{req("bearer", none, "key", none)},
		{req("key", none), req()},
		{req("oauth", []string{"b"}), req("key", none), req()},
	}
	for _, srs := range requirementSets {
		doc.Security = append(doc.Security, srs...) // so that New knows every scheme
	}
	v := mapVerifier{
		"tok-a":  {Subject: "ta", Scopes: []string{"a"}},
		"tok-ab": {Subject: "tab", Scopes: []string{"a", "b"}},
		"key-1":  {Subject: "k"},
	}
	a, err := New(doc, Bearer(v), headerKeys(v))
	if err != nil {
		t.Fatal(err)
	}
	requests := map[string]map[string]string{
		"nothing":       {},
		"token a":       {"Authorization": "Bearer tok-a"},
		"token ab":      {"Authorization": "Bearer tok-ab"},
		"bad token":     {"Authorization": "Bearer nope"},
		"bad header":    {"Authorization": "Bearer"},
		"key":           {"X-Key": "key-1"},
		"bad key":       {"X-Key": "nope"},
		"token and key": {"Authorization": "Bearer tok-a", "X-Key": "key-1"},
	}
	for i, srs := range requirementSets {
		pol := a.compile(srs)
		for name, headers := range requests {
			t.Run(fmt.Sprintf("set %d/%s", i, name), func(t *testing.T) {
				r := httptest.NewRequest("GET", "/", nil)
				for k, v := range headers {
					r.Header.Set(k, v)
				}
				_, _, ours := a.Authenticate(context.Background(), r, pol)

				// kin-openapi's walk, each scheme answered by the same
				// verifier, and its scopes checked here.
				at := attempt{r: r}
				kin := openapi3filter.ValidateSecurityRequirements(context.Background(), &openapi3filter.RequestValidationInput{
					Request: r,
					Route:   &routers.Route{Spec: doc},
					Options: &openapi3filter.Options{AuthenticationFunc: func(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
						p, err := at.verify(ctx, schemeCheck{name: in.SecuritySchemeName, scheme: a.schemes[in.SecuritySchemeName]})
						if err != nil {
							return err
						}
						if !p.HasScopes(in.Scopes) {
							return errors.New("insufficient scope")
						}
						return nil
					}},
				}, srs)
				if (ours == nil) != (kin == nil) {
					t.Errorf("requirements %v: ours %v, kin-openapi %v", srs, ours, kin)
				}
			})
		}
	}
}
