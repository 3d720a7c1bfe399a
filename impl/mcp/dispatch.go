package mcp

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// caller is what a tool call keeps of the HTTP request to /mcp that carried
// it: the address the rate limiter counts anonymous calls by, and the host.
// The credential is not kept: it is never forwarded (the verified principal
// travels in the context instead, auth.NewVerifiedContext).
type caller struct{ remoteAddr, host string }

type callerKey struct{}

// handler returns the tool handler that makes an HTTP request to t's
// operation and serves it on api: every tool call takes the path a REST
// request takes (auth, rate limit, validation, handler, access log, span).
func (s *server) handler(t *tool) sdk.ToolHandler {
	return func(ctx context.Context, req *sdk.CallToolRequest) (*sdk.CallToolResult, error) {
		r, err := s.request(ctx, t, req.Params.Arguments)
		if err != nil {
			// The arguments cannot make a request: the caller's mistake,
			// told as a tool error the model can correct.
			return toolError(err.Error()), nil
		}
		w := newRecorder()
		s.api.ServeHTTP(w, r)
		return result(t, w)
	}
}

// request builds the HTTP request to t's operation from the arguments of a
// call: path parameters substituted and escaped, query parameters encoded,
// header parameters set, the body as JSON.
func (s *server) request(ctx context.Context, t *tool, raw json.RawMessage) (*http.Request, error) {
	args := map[string]json.RawMessage{}
	if len(bytes.TrimSpace(raw)) > 0 && !bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		if err := json.Unmarshal(raw, &args); err != nil {
			return nil, fmt.Errorf("the arguments must be a JSON object")
		}
	}
	path := t.path
	query := url.Values{}
	header := http.Header{}
	known := map[string]bool{}
	for _, p := range t.params {
		known[p.Name] = true
		v, ok := args[p.Name]
		if !ok {
			if p.In == openapi3.ParameterInPath {
				return nil, fmt.Errorf("the argument %q is required", p.Name)
			}
			continue // the API applies its default, or says it is required
		}
		values, err := scalars(v)
		if err != nil {
			return nil, fmt.Errorf("the argument %q: %w", p.Name, err)
		}
		switch p.In {
		case openapi3.ParameterInPath:
			if len(values) != 1 {
				return nil, fmt.Errorf("the argument %q must be one value", p.Name)
			}
			path = strings.Replace(path, "{"+p.Name+"}", url.PathEscape(values[0]), 1)
		case openapi3.ParameterInQuery:
			query[p.Name] = values // form, explode: name=a&name=b
		case openapi3.ParameterInHeader:
			header[http.CanonicalHeaderKey(p.Name)] = []string{strings.Join(values, ",")}
		}
	}
	var body []byte
	if v, ok := args[BodyArgument]; ok && t.bodyType != "" {
		known[BodyArgument] = true
		body = v
		header.Set("Content-Type", t.bodyType)
	}
	for name := range args {
		if !known[name] {
			return nil, fmt.Errorf("the tool has no argument %q", name)
		}
	}
	target := s.basePath + path
	if len(query) > 0 {
		target += "?" + query.Encode()
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return nil, fmt.Errorf("the arguments make no valid URL")
	}
	// The context is the /mcp request's (its span, its deadline, the
	// verified principal) without chi's routing state, which would make the
	// router take this request for one to /mcp.
	ctx = context.WithValue(ctx, chi.RouteCtxKey, (*chi.Context)(nil))
	r, err := http.NewRequestWithContext(ctx, t.method, "/", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	r.URL, r.RequestURI = u, target
	if body == nil {
		r.Body, r.ContentLength = http.NoBody, 0
	}
	header.Set("Accept", "application/json")
	r.Header = header
	if c, ok := ctx.Value(callerKey{}).(caller); ok {
		r.RemoteAddr, r.Host = c.remoteAddr, c.host
	}
	return r, nil
}

// scalars renders a parameter's JSON value as the strings of its HTTP
// form: a string as itself, a number or boolean as written, an array as
// its items.
func scalars(v json.RawMessage) ([]string, error) {
	var any1 any
	d := json.NewDecoder(bytes.NewReader(v))
	d.UseNumber()
	if err := d.Decode(&any1); err != nil {
		return nil, fmt.Errorf("not JSON")
	}
	one := func(x any) (string, error) {
		switch x := x.(type) {
		case string:
			return x, nil
		case json.Number:
			return x.String(), nil
		case bool:
			return strconv.FormatBool(x), nil
		}
		return "", fmt.Errorf("must be a string, a number or a boolean")
	}
	if list, ok := any1.([]any); ok {
		out := make([]string, 0, len(list))
		for _, x := range list {
			s, err := one(x)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	s, err := one(any1)
	if err != nil {
		return nil, err
	}
	return []string{s}, nil
}

// result turns the operation's response into the tool's result: a success
// body as structured content and as text, the documented headers (ETag,
// Location) in _meta; a 4xx as a tool error holding the problem+json, which
// tells the model what to fix; a 5xx as a JSON-RPC error that says nothing
// of its cause (the access log and the span have it, under the request id
// given).
func result(t *tool, w *recorder) (*sdk.CallToolResult, error) {
	status, body := cmp.Or(w.status, http.StatusOK), w.body.Bytes()
	switch {
	case status >= 500:
		msg := fmt.Sprintf("%s failed on the server (HTTP %d)", t.def.Name, status)
		if ra := w.header.Get("Retry-After"); ra != "" {
			msg += "; retry after " + ra + " s"
		}
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: msg}
	case status >= 400:
		return toolError(string(body)), nil
	}
	res := &sdk.CallToolResult{}
	meta := map[string]any{"status": status}
	hs := map[string]any{}
	for _, name := range t.headers {
		if v := w.header.Get(name); v != "" {
			hs[name] = v
		}
	}
	if len(hs) > 0 {
		meta["headers"] = hs
	}
	res.Meta = meta
	if len(bytes.TrimSpace(body)) == 0 {
		res.Content = []sdk.Content{&sdk.TextContent{Text: strconv.Itoa(status) + " " + http.StatusText(status)}}
		return res, nil
	}
	res.Content = []sdk.Content{&sdk.TextContent{Text: string(body)}}
	if t.def.OutputSchema != nil {
		structured := json.RawMessage(body)
		if t.wrapped {
			structured = append(append([]byte(`{"`+BodyArgument+`":`), body...), '}')
		}
		res.StructuredContent = structured
	}
	return res, nil
}

func toolError(text string) *sdk.CallToolResult {
	return &sdk.CallToolResult{IsError: true, Content: []sdk.Content{&sdk.TextContent{Text: text}}}
}

// recorder is the http.ResponseWriter an operation's response is written
// to. httptest.ResponseRecorder would do, but it belongs in tests; this one
// keeps only what result reads.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func newRecorder() *recorder { return &recorder{header: http.Header{}} }

func (w *recorder) Header() http.Header { return w.header }

func (w *recorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}

func contextWithCaller(r *http.Request) context.Context {
	return context.WithValue(r.Context(), callerKey{}, caller{remoteAddr: r.RemoteAddr, host: r.Host})
}
