package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// good passes every rule; each case below breaks exactly one.
const good = `openapi: 3.0.3
info: {title: t, version: "1"}
security:
  - bearerAuth: []
paths:
  /things/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}, example: abc}
    put:
      operationId: putThing
      security:
        - bearerAuth: []
          oauth2: [things:write]
      requestBody:
        content:
          application/json:
            schema: {type: object}
            example: {a: 1}
      responses:
        "204": {description: done}
        "400": {$ref: "#/components/responses/BadRequest"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "429": {$ref: "#/components/responses/TooMany"}
        "500": {$ref: "#/components/responses/Internal"}
  /health:
    get:
      operationId: health
      security: []
      responses:
        "200": {description: ok}
        "429": {$ref: "#/components/responses/TooMany"}
        "500": {$ref: "#/components/responses/Internal"}
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
    oauth2:
      type: oauth2
      flows:
        clientCredentials:
          tokenUrl: https://auth.example.com/token
          scopes: {"things:write": write}
  headers:
    Challenge: {required: true, schema: {type: string}}
    Field: {required: true, schema: {type: string}}
  responses:
    BadRequest:
      description: bad
      content: {application/problem+json: {schema: {$ref: "#/components/schemas/Problem"}}}
    Unauthorized:
      description: unauthorized
      headers: {WWW-Authenticate: {$ref: "#/components/headers/Challenge"}}
      content: {application/problem+json: {schema: {$ref: "#/components/schemas/Problem"}}}
    Forbidden:
      description: forbidden
      headers: {WWW-Authenticate: {$ref: "#/components/headers/Challenge"}}
      content: {application/problem+json: {schema: {$ref: "#/components/schemas/Problem"}}}
    Internal:
      description: failed
      content: {application/problem+json: {schema: {$ref: "#/components/schemas/Problem"}}}
    TooMany:
      description: too many
      headers:
        Retry-After: {$ref: "#/components/headers/Field"}
        RateLimit-Policy: {$ref: "#/components/headers/Field"}
        RateLimit: {$ref: "#/components/headers/Field"}
      content: {application/problem+json: {schema: {$ref: "#/components/schemas/Problem"}}}
  schemas:
    Problem: {type: object}
`

func lint(t *testing.T, spec string) []Finding {
	t.Helper()
	loader := openapi3.NewLoader()
	loader.IncludeOrigin = true
	doc, err := loader.LoadFromData([]byte(spec))
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("the test spec is not valid OpenAPI: %v", err)
	}
	return Lint(doc)
}

func TestGoodSpecPasses(t *testing.T) {
	t.Parallel()
	for _, f := range lint(t, good) {
		t.Error(f)
	}
}

func TestEachRuleFires(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		from, to string
		want     string // the whole finding, line excepted
	}{
		{"no operationId", "      operationId: health\n", "",
			"#/paths/~1health/get: GET /health: has no operationId"},
		{"secured without 401", `        "401": {$ref: "#/components/responses/Unauthorized"}` + "\n", "",
			"#/paths/~1things~1{id}/put/responses: putThing: secured operation does not document 401 (missing or rejected credentials)"},
		{"secured without 400", `        "400": {$ref: "#/components/responses/BadRequest"}` + "\n", "",
			"#/paths/~1things~1{id}/put/responses: putThing: secured operation does not document 400 (malformed credentials: invalid_request)"},
		{"scoped without 403", `        "403": {$ref: "#/components/responses/Forbidden"}` + "\n", "",
			"#/paths/~1things~1{id}/put/responses: putThing: operation needs scopes but does not document 403 (insufficient_scope)"},
		{"no 500", `        "500": {$ref: "#/components/responses/Internal"}` + "\ncomponents:", "components:",
			"#/paths/~1health/get/responses: health: does not document 500"},
		{"no 429", `        "429": {$ref: "#/components/responses/TooMany"}` + "\n        \"500\": {$ref: \"#/components/responses/Internal\"}\ncomponents:", `        "500": {$ref: "#/components/responses/Internal"}` + "\ncomponents:",
			"#/paths/~1health/get/responses: health: does not document 429 (rate_limited): the rate limits cover every operation"},
		{"429 inline", `        "429": {$ref: "#/components/responses/TooMany"}` + "\n        \"500\": {$ref: \"#/components/responses/Internal\"}\ncomponents:",
			`        "429": {description: x, headers: {Retry-After: {$ref: "#/components/headers/Field"}, RateLimit-Policy: {$ref: "#/components/headers/Field"}, RateLimit: {$ref: "#/components/headers/Field"}}, content: {application/problem+json: {schema: {$ref: "#/components/schemas/Problem"}}}}` + "\n        \"500\": {$ref: \"#/components/responses/Internal\"}\ncomponents:",
			"#/paths/~1health/get/responses/429: health: 429 must be a $ref to the shared response in components.responses"},
		{"429 without RateLimit", "        RateLimit: {$ref: \"#/components/headers/Field\"}\n", "",
			"#/components/responses/TooMany/headers: health: 429 does not document the required RateLimit header"},
		{"401 without challenge", "      headers: {WWW-Authenticate: {$ref: \"#/components/headers/Challenge\"}}\n      content: {application/problem+json: {schema: {$ref: \"#/components/schemas/Problem\"}}}\n    Forbidden:",
			"      content: {application/problem+json: {schema: {$ref: \"#/components/schemas/Problem\"}}}\n    Forbidden:",
			"#/paths/~1things~1{id}/put/responses/401/headers: putThing: 401 does not document the WWW-Authenticate header"},
		{"challenge not required", "Challenge: {required: true,", "Challenge: {required: false,",
			"#/paths/~1things~1{id}/put/responses/401/headers/WWW-Authenticate: putThing: 401 must mark WWW-Authenticate required (RFC 9110 §11.6.1)"},
		{"error as plain JSON", "    BadRequest:\n      description: bad\n      content: {application/problem+json:", "    BadRequest:\n      description: bad\n      content: {application/json:",
			"#/paths/~1things~1{id}/put/responses/400/content/application~1json: putThing: 400 is sent as application/json; errors are application/problem+json"},
		{"error with its own schema", `        "500": {$ref: "#/components/responses/Internal"}` + "\n  /health:", `        "500": {description: x, content: {application/problem+json: {schema: {type: object}}}}` + "\n  /health:",
			`#/paths/~1things~1{id}/put/responses/500/content/application~1problem+json/schema: putThing: 500 body must be $ref: "#/components/schemas/Problem"`},
		{"undeclared scope", "oauth2: [things:write]", "oauth2: [things:delete]",
			`#/paths/~1things~1{id}/put/security/0/oauth2: putThing: scope "things:delete" is not declared by any flow of "oauth2"`},
		{"scopes on a bearer scheme", "        - bearerAuth: []\n          oauth2", "        - bearerAuth: [things:write]\n          oauth2",
			`#/paths/~1things~1{id}/put/security/0/bearerAuth: putThing: http scheme "bearerAuth" takes no scopes in OpenAPI 3.0; name them with an oauth2 scheme`},
		{"required parameter without example", ", example: abc}", "}",
			`#/paths/~1things~1{id}/put/parameters: putThing: required path parameter "id" has no example`},
		{"body without example", "            example: {a: 1}\n", "",
			"#/paths/~1things~1{id}/put/requestBody/content/application~1json: putThing: request body has no example"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if !strings.Contains(good, tt.from) {
				t.Fatalf("test bug: %q is not in the good spec", tt.from)
			}
			findings := lint(t, strings.Replace(good, tt.from, tt.to, 1))
			var got []string
			for _, f := range findings {
				s := f.String()
				if i := strings.Index(s, "#/"); i > 0 {
					s = s[i:] // drop the line number
				}
				got = append(got, s)
			}
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("findings:\n  %s\nwant exactly:\n  %s", strings.Join(got, "\n  "), tt.want)
			}
		})
	}
}

// TestRealSpec: the project's own spec passes, through the command.
func TestRealSpec(t *testing.T) {
	t.Parallel()
	var out, errOut strings.Builder
	if err := run([]string{filepath.Join("..", "..", "openapi.yaml")}, &out, &errOut); err != nil {
		t.Fatalf("speclint openapi.yaml: %v\n%s%s", err, out.String(), errOut.String())
	}
}

// TestCommandFails: findings make the command fail and print file and line.
func TestCommandFails(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "broken.yaml")
	if err := os.WriteFile(path, []byte(strings.Replace(good, `        "401": {$ref: "#/components/responses/Unauthorized"}`+"\n", "", 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	err := run([]string{path}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "1 finding") {
		t.Fatalf("run = %v, want 1 finding", err)
	}
	if !strings.HasPrefix(out.String(), path+":9: #/paths/~1things~1{id}/put/responses: putThing:") {
		t.Errorf("output does not start with file:line: pointer: operation:\n%s", out.String())
	}
}
