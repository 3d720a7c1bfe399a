package mcp

import (
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// Extension is the operation extension that hides an operation from MCP
// clients: `x-mcp: false`.
const Extension = "x-mcp"

// MaxDescription is the longest tool description sent: clients cut or
// refuse longer ones (Claude's and others' limit is 1,024 characters).
const MaxDescription = 1024

// BodyArgument is the tool argument that carries the request body.
const BodyArgument = "body"

// tool is one operation of the spec, as an MCP tool.
type tool struct {
	def    *sdk.Tool
	method string // GET, POST, …
	path   string // the spec's path, "/tasks/{id}"
	params []*openapi3.Parameter
	// bodyType is the media type the body argument is sent as; "" when the
	// operation takes no body.
	bodyType string
	// wrapped: the success response's body is not an object, so the
	// structured result holds it as {"body": …} (an MCP outputSchema must
	// be an object).
	wrapped bool
	// headers are the response headers the spec documents for the success
	// responses (ETag, Location): given back in the result's _meta.
	headers []string
}

// tools returns a tool for every operation of doc, except those marked
// `x-mcp: false` and those without an operationId (a tool needs a name),
// sorted by name.
func tools(doc *openapi3.T) ([]*tool, error) {
	var out []*tool
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if hidden(op) || op.OperationID == "" {
				continue
			}
			t, err := newTool(method, path, item, op)
			if err != nil {
				return nil, fmt.Errorf("mcp: %s %s: %w", method, path, err)
			}
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b *tool) int { return strings.Compare(a.def.Name, b.def.Name) })
	return out, nil
}

// hidden reports whether op says `x-mcp: false`.
func hidden(op *openapi3.Operation) bool {
	v, ok := op.Extensions[Extension]
	if !ok {
		return false
	}
	b, isBool := v.(bool)
	return isBool && !b
}

func newTool(method, path string, item *openapi3.PathItem, op *openapi3.Operation) (*tool, error) {
	t := &tool{method: method, path: path}
	props := map[string]any{}
	var required []string
	// Path-level parameters, overridden by the operation's of the same
	// name and location (OpenAPI 3.0 §4.7.9).
	params := map[string]*openapi3.Parameter{}
	var order []string
	for _, list := range []openapi3.Parameters{item.Parameters, op.Parameters} {
		for _, ref := range list {
			p := ref.Value
			if p == nil {
				continue
			}
			switch p.In {
			case openapi3.ParameterInPath, openapi3.ParameterInQuery:
			case openapi3.ParameterInHeader:
				switch http.CanonicalHeaderKey(p.Name) {
				case "Accept", "Content-Type", "Authorization":
					continue // ignored by OpenAPI 3.0 §4.7.12.1: never an argument
				}
			default:
				continue // cookies: not sent by this dispatcher
			}
			key := p.In + " " + p.Name
			if _, seen := params[key]; !seen {
				order = append(order, key)
			}
			params[key] = p
		}
	}
	for _, key := range order {
		p := params[key]
		if p.Name == BodyArgument {
			return nil, fmt.Errorf("parameter %q clashes with the body argument", p.Name)
		}
		if _, clash := props[p.Name]; clash {
			return nil, fmt.Errorf("two parameters are named %q", p.Name)
		}
		s := jsonSchema(p.Schema)
		if p.Description != "" {
			s["description"] = p.Description
		}
		props[p.Name] = s
		if p.Required {
			required = append(required, p.Name)
		}
		t.params = append(t.params, p)
	}
	if rb := op.RequestBody; rb != nil && rb.Value != nil {
		mt, media := jsonMedia(rb.Value.Content)
		if media == nil {
			return nil, fmt.Errorf("its request body has no JSON media type")
		}
		t.bodyType = mt
		s := jsonSchema(media.Schema)
		if d := rb.Value.Description; d != "" {
			s["description"] = d
		}
		props[BodyArgument] = s
		if rb.Value.Required {
			required = append(required, BodyArgument)
		}
	}
	input := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
	if len(required) > 0 {
		input["required"] = required
	}

	t.def = &sdk.Tool{
		Name:        op.OperationID,
		Title:       op.Summary,
		Description: description(op),
		InputSchema: input,
		Annotations: annotations(method, op.Summary),
	}
	if out, wrapped := outputSchema(op, &t.headers); out != nil {
		t.def.OutputSchema, t.wrapped = out, wrapped
	}
	return t, nil
}

// description joins the operation's summary and description, cut at
// MaxDescription characters.
func description(op *openapi3.Operation) string {
	d := strings.TrimSpace(op.Summary)
	if more := strings.TrimSpace(op.Description); more != "" {
		if d != "" {
			d += "\n\n"
		}
		d += more
	}
	if utf8.RuneCountInString(d) <= MaxDescription {
		return d
	}
	runes := []rune(d)
	return string(runes[:MaxDescription-1]) + "…"
}

// annotations are the hints MCP clients show or act on, from the method's
// semantics (RFC 9110 §9.2): GET is safe; DELETE destroys; PUT and DELETE
// are idempotent. No tool reaches beyond this API (openWorldHint false).
func annotations(method, title string) *sdk.ToolAnnotations {
	no := false
	a := &sdk.ToolAnnotations{Title: title, OpenWorldHint: &no}
	switch method {
	case http.MethodGet, http.MethodHead:
		a.ReadOnlyHint = true
	case http.MethodDelete:
		yes := true
		a.DestructiveHint, a.IdempotentHint = &yes, true
	case http.MethodPut:
		a.DestructiveHint, a.IdempotentHint = &no, true
	default:
		a.DestructiveHint = &no
	}
	return a
}

// outputSchema is the schema of op's first success response with a JSON
// body, as an object: a non-object body is wrapped as {"body": …}
// (wrapped). It collects the response headers the success responses
// document. nil when no success response has a JSON body (204).
func outputSchema(op *openapi3.Operation, headers *[]string) (map[string]any, bool) {
	var codes []int
	for code := range op.Responses.Map() {
		if n, err := strconv.Atoi(code); err == nil && n >= 200 && n < 300 {
			codes = append(codes, n)
		}
	}
	slices.Sort(codes)
	var out map[string]any
	wrapped := false
	for _, code := range codes {
		resp := op.Responses.Status(code)
		if resp == nil || resp.Value == nil {
			continue
		}
		for name := range resp.Value.Headers {
			if name = http.CanonicalHeaderKey(name); !slices.Contains(*headers, name) {
				*headers = append(*headers, name)
			}
		}
		if out != nil {
			continue
		}
		if _, media := jsonMedia(resp.Value.Content); media != nil && media.Schema != nil {
			s := jsonSchema(media.Schema)
			if s["type"] == "object" {
				out = s
			} else {
				out = map[string]any{"type": "object", "properties": map[string]any{BodyArgument: s}, "required": []string{BodyArgument}}
				wrapped = true
			}
		}
	}
	slices.Sort(*headers)
	return out, wrapped
}

// jsonMedia returns the JSON media type of content (application/json, or
// any +json such as application/merge-patch+json), application/json first.
func jsonMedia(content openapi3.Content) (string, *openapi3.MediaType) {
	if m := content.Get("application/json"); m != nil {
		return "application/json", m
	}
	names := make([]string, 0, len(content))
	for name := range content {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if mt, _, err := mime.ParseMediaType(name); err == nil && strings.HasSuffix(mt, "+json") {
			return name, content[name]
		}
	}
	return "", nil
}
