package validator

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/go-chi/chi/v5"
)

// paramsSpec declares plain parameters (checkPlain) of every kind beside
// ones kin-openapi decodes, in an order that mixes them, and a path-item
// parameter an operation overrides.
const paramsSpec = `
openapi: 3.0.3
info: {title: params, version: "1"}
paths:
  /things/{id}/{slug}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string, format: uuid}}
      - {name: slug, in: path, required: true, schema: {type: integer}}
      - {name: X-Shadowed, in: header, schema: {type: integer}}
    get:
      parameters:
        - {name: X-Shadowed, in: header, schema: {type: string, maxLength: 2}}
        - {name: X-Level, in: header, schema: {type: integer, minimum: 0}}
        - {name: X-Tag, in: header, required: true, schema: {type: string, pattern: "^[a-z]+$"}}
        - {name: X-Empty, in: header, allowEmptyValue: true, schema: {type: string, minLength: 3}}
        - {name: X-Kind, in: header, schema: {type: string, enum: [a, b]}}
        - {name: X-Nullable, in: header, schema: {type: string, nullable: true, minLength: 2}}
        - {name: X-Default, in: header, schema: {type: string, default: dflt, maxLength: 4}}
      responses: {"200": {description: ok}}
  /words/{word}:
    get:
      parameters:
        - {name: word, in: path, required: true, schema: {type: string, minLength: 2, maxLength: 5}}
      responses: {"200": {description: ok}}
`

// checkAsKinOpenAPI checks one request with the validator and with
// kin-openapi's own ValidateRequest, and fails unless both give the same
// answer: checkPlain must be only a faster way to the same errors.
func checkAsKinOpenAPI(t *testing.T, v *Validator, path, method string, params map[string]string, header http.Header) {
	t.Helper()
	op := v.Operation(path, method)
	request := func() *http.Request {
		rc := chi.NewRouteContext()
		for k, val := range params {
			rc.URLParams.Add(k, val)
		}
		r := httptest.NewRequest(method, "/", nil)
		r.Header = http.Header{}
		for k, vs := range header {
			r.Header[k] = vs
		}
		return r.WithContext(context.WithValue(r.Context(), chi.RouteCtxKey, rc))
	}
	got := v.check(request(), op, nil, jsonBody{})
	want := openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: request(), PathParams: params, Route: op.route, Options: v.options,
	})
	if (got == nil) != (want == nil) || (got != nil && got.Error() != want.Error()) {
		t.Errorf("%s %v %v:\n got  %v\n want %v (kin-openapi)", path, params, header, got, want)
	}
}

func TestPlainParamsAsKinOpenAPI(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(paramsSpec))
	if err != nil {
		t.Fatal(err)
	}
	v := New(doc, 1<<10)
	plain := map[string]bool{}
	for _, p := range v.Operation("/things/{id}/{slug}", http.MethodGet).params {
		plain[p.Name] = p.plain
	}
	for name, want := range map[string]bool{"id": true, "slug": false, "X-Shadowed": true, "X-Level": false,
		"X-Tag": true, "X-Empty": true, "X-Kind": true, "X-Nullable": true, "X-Default": false} {
		if plain[name] != want {
			t.Errorf("%s: plain %v, want %v", name, plain[name], want)
		}
	}

	const id = "3f0e4b8e-8f9a-4c51-9d3c-1b2a7f6e5d40"
	for _, c := range []struct {
		params map[string]string
		header http.Header
	}{
		{map[string]string{"id": id, "slug": "1"}, http.Header{"X-Tag": {"abc"}}},
		{map[string]string{"id": id, "slug": "1"}, nil},
		{map[string]string{"id": "", "slug": "1"}, http.Header{"X-Tag": {"abc"}}},
		{map[string]string{"slug": "1"}, http.Header{"X-Tag": {"abc"}}},
		{nil, http.Header{"X-Tag": {"abc"}}},
		{map[string]string{"id": "not-a-uuid", "slug": "x"}, http.Header{"X-Tag": {"ABC"}, "X-Level": {"-1"}, "X-Shadowed": {"abc"}}},
		{map[string]string{"id": id, "slug": "1"}, http.Header{"X-Tag": {""}, "X-Empty": {""}, "X-Kind": {"c"}, "X-Nullable": {"x"}}},
		{map[string]string{"id": id, "slug": "1"}, http.Header{"X-Tag": {}, "X-Empty": {}, "X-Kind": {}}},
		{map[string]string{"id": id, "slug": "1"}, http.Header{"X-Tag": {"a", "B"}, "X-Empty": {"ab"}, "X-Kind": {"b"}, "X-Default": {"toolong"}}},
		{map[string]string{"id": id, "slug": "1"}, http.Header{"X-Tag": {"a"}, "X-Default": {""}, "X-Nullable": {""}}},
	} {
		checkAsKinOpenAPI(t, v, "/things/{id}/{slug}", http.MethodGet, c.params, c.header)
	}
	for _, word := range []string{"", "a", "ab", "abcdef", "é", "%20x"} {
		checkAsKinOpenAPI(t, v, "/words/{word}", http.MethodGet, map[string]string{"word": word}, nil)
	}
}

func FuzzPlainParams(f *testing.F) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(paramsSpec))
	if err != nil {
		f.Fatal(err)
	}
	v := New(doc, 1<<10)
	f.Add("3f0e4b8e-8f9a-4c51-9d3c-1b2a7f6e5d40", "7", "abc", "", "a", true)
	f.Add("", "", "", "", "", false)
	f.Add("x", "-1", "ABC", "ab", "c", true)
	f.Fuzz(func(t *testing.T, id, slug, tag, empty, kind string, withEmpty bool) {
		header := http.Header{"X-Tag": {tag}, "X-Kind": {kind}}
		if withEmpty {
			header["X-Empty"] = []string{empty}
		}
		checkAsKinOpenAPI(t, v, "/things/{id}/{slug}", http.MethodGet, map[string]string{"id": id, "slug": slug}, header)
		checkAsKinOpenAPI(t, v, "/words/{word}", http.MethodGet, map[string]string{"word": id}, nil)
	})
}
