// Package validator enforces openapi.yaml's parameters and request bodies
// on every API request before a handler sees it.
//
// It is built once, at start-up, from the embedded spec, and prepares each
// operation once (Operation). It runs after chi has matched the route and
// after authentication: the caller finds the operation by chi's route
// pattern, so no second router (kin-openapi's tries paths one by one) costs
// more with every path the API grows.
package validator

import (
	"errors"
	"fmt"
	"maps"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/go-chi/chi/v5"

	"example.com/tasks/gen"
	"example.com/tasks/impl/problem"
	"example.com/tasks/impl/querystring"
)

// Validator checks requests against an OpenAPI document.
type Validator struct {
	doc          *openapi3.T
	maxBodyBytes int64
	options      *openapi3filter.Options
	// responseOptions are for CheckResponse: an undocumented status is a drift.
	responseOptions *openapi3filter.Options
	// RequireIfMatch answers 428 (RFC 6585 §3) to a request without
	// If-Match to an operation that declares the header: a client must say
	// which version it means to change.
	RequireIfMatch bool
}

// Operation is what the validator needs of one spec operation, prepared once.
type Operation struct {
	// route is what kin-openapi's checks take, and its errors carry.
	route *routers.Route
	// checked is route with the operation's security cleared, for
	// openapi3filter.ValidateRequest: authentication ran before, and
	// kin-openapi has no option to skip it.
	checked      *routers.Route
	pathParams   bool             // the operation has path parameters
	content      openapi3.Content // the request body's media types, if any
	acceptedMIME string           // for the 415 detail
	ifMatch      bool             // declares an If-Match header parameter
}

// UUIDFormat checks the `uuid` string format (RFC 9562) with kin-openapi's
// own pattern (openapi3.FormatOfStringForUUIDOfRFC9562), with an error that
// does not recite the regular expression.
var UUIDFormat = openapi3.NewCallbackValidator(func(s string) error {
	if !uuidPattern.MatchString(s) {
		return errors.New("not a UUID")
	}
	return nil
})

var uuidPattern = regexp.MustCompile(openapi3.FormatOfStringForUUIDOfRFC9562)

func init() {
	// kin-openapi checks no uuid format unless one is registered. This
	// registration is process-wide; the document-scoped option
	// (openapi3.WithStringFormatValidator) would do the same but builds a
	// map on every schema validation, allocations on every request.
	openapi3.DefineStringFormatValidator("uuid", UUIDFormat)
}

// New builds a Validator for doc that refuses bodies over maxBodyBytes.
func New(doc *openapi3.T, maxBodyBytes int64) *Validator {
	v := &Validator{
		doc:          doc,
		maxBodyBytes: maxBodyBytes,
		options: &openapi3filter.Options{
			// Security was checked before validation.
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			// Every failure, not the first: the client fixes them at once.
			MultiError: true,
			// The body's decoded value travels on in the request, and the
			// generated handler binds it into its typed struct
			// (runtime.BindJSONBody) instead of decoding the JSON again:
			// the handler gets exactly what was validated.
			KeepValidatedValue: true,
		},
	}
	// Schema errors name the failing field and rule, and leave out the
	// schema and value dumps kin-openapi adds by default.
	v.options.WithCustomSchemaErrorFunc(func(err *openapi3.SchemaError) string {
		if ptr := pointer(err); ptr != "" {
			return fmt.Sprintf("field %q: %s", ptr, err.Reason)
		}
		return err.Reason
	})
	v.responseOptions = &openapi3filter.Options{IncludeResponseStatus: true}
	return v
}

// Operation prepares the operation at path and method of the document v was
// built from.
func (v *Validator) Operation(path, method string) *Operation {
	item := v.doc.Paths.Value(path)
	op := item.GetOperation(method)
	var server *openapi3.Server
	if len(v.doc.Servers) > 0 {
		server = v.doc.Servers[0]
	}
	o := &Operation{route: &routers.Route{
		Spec: v.doc, Server: server, Path: path, PathItem: item,
		Method: method, Operation: op,
	}}
	unsecured := *op
	unsecured.Security = &openapi3.SecurityRequirements{}
	checked := *o.route
	checked.Operation = &unsecured
	o.checked = &checked
	for _, params := range []openapi3.Parameters{item.Parameters, op.Parameters} {
		for _, p := range params {
			o.pathParams = o.pathParams || p.Value.In == openapi3.ParameterInPath
			o.ifMatch = o.ifMatch || (p.Value.In == openapi3.ParameterInHeader && http.CanonicalHeaderKey(p.Value.Name) == "If-Match")
		}
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		o.content = op.RequestBody.Value.Content
		o.acceptedMIME = strings.Join(slices.Sorted(maps.Keys(o.content)), ", ")
	}
	return o
}

// Request validates r, a request for op whose route chi matched: the query
// string's encoding, If-Match if it is required, the body's media type and
// size before it is read, then parameters and body against their schemas.
// It returns the client's answer (a *problem.Error) or nil.
func (v *Validator) Request(w http.ResponseWriter, r *http.Request, op *Operation) error {
	// A query string that does not decode: r.URL.Query(), which the schema
	// check and the handlers read, would silently drop the pair. The pairs
	// parsed here are the ones kin-openapi checks, instead of its own
	// r.URL.Query().
	query, qe := querystring.Parse(r.URL.RawQuery)
	if qe != nil {
		return problem.New(http.StatusBadRequest, gen.ProblemCodeInvalidRequest, qe.Error())
	}
	// A write that must be conditional, before its body is read.
	if v.RequireIfMatch && op.ifMatch && r.Header.Get("If-Match") == "" {
		return problem.New(http.StatusPreconditionRequired, gen.ProblemCodePreconditionRequired,
			"this write needs If-Match: GET the resource and send its ETag")
	}
	if op.content != nil {
		mediaType, err := v.checkBodyHeaders(r, op)
		if err != nil {
			return err
		}
		r.Body = http.MaxBytesReader(w, r.Body, v.maxBodyBytes)
		if err := v.readJSON(r, mediaType); err != nil {
			return err
		}
	}
	input := &openapi3filter.RequestValidationInput{
		Request: r, QueryParams: query, Route: op.checked, Options: v.options,
	}
	if op.pathParams {
		input.PathParams = pathParams(chi.RouteContext(r.Context()))
	}
	if err := openapi3filter.ValidateRequest(r.Context(), input); err != nil {
		return v.requestError(err)
	}
	return nil
}

// pathParams returns the path parameters chi matched, as kin-openapi takes
// them: nil, which costs no allocation, for a path without any.
func pathParams(rc *chi.Context) map[string]string {
	if len(rc.URLParams.Keys) == 0 {
		return nil
	}
	params := make(map[string]string, len(rc.URLParams.Keys))
	for i, k := range rc.URLParams.Keys {
		params[k] = rc.URLParams.Values[i]
	}
	return params
}

// checkBodyHeaders refuses a body too large, compressed, or of a media type the operation
// does not accept, before it is read, and returns the media type ("" when no
// body was sent).
func (v *Validator) checkBodyHeaders(r *http.Request, op *Operation) (string, error) {
	if r.ContentLength > v.maxBodyBytes {
		return "", v.tooLarge()
	}
	// The server supports no content coding (RFC 9110 §8.4): a compressed
	// body would otherwise be read as if it were plain JSON. "identity" is
	// no coding at all. The 415 says what is accepted (RFC 9110 §12.5.3).
	for _, coding := range r.Header.Values("Content-Encoding") {
		if c := strings.TrimSpace(coding); c != "" && !strings.EqualFold(c, "identity") {
			return "", &problem.Error{
				Status: http.StatusUnsupportedMediaType,
				Code:   gen.ProblemCodeUnsupportedMediaType,
				Detail: "Content-Encoding is not supported: send the body uncompressed",
				Header: http.Header{"Accept-Encoding": acceptEncoding},
			}
		}
	}
	ct := r.Header.Get("Content-Type")
	if ct == "" && r.ContentLength == 0 {
		return "", nil // no body at all: the schema check reports a missing one
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || op.content.Get(mt) == nil {
		return "", problem.New(http.StatusUnsupportedMediaType, gen.ProblemCodeUnsupportedMediaType,
			"Content-Type must be one of: "+op.acceptedMIME)
	}
	return mt, nil
}

// acceptEncoding is the Accept-Encoding of a 415 for a Content-Encoding:
// no coding is supported.
var acceptEncoding = []string{"identity"}

func (v *Validator) tooLarge() error {
	return problem.New(http.StatusRequestEntityTooLarge, gen.ProblemCodePayloadTooLarge,
		fmt.Sprintf("the request body is larger than %d bytes", v.maxBodyBytes))
}
