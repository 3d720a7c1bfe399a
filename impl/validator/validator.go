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
	"bytes"
	"errors"
	"fmt"
	"io"
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
	"github.com/go-json-experiment/json/jsontext"

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
	// route is handed to kin-openapi to check parameters and body. Its
	// operation is a copy with security cleared: authentication ran before
	// validation, and kin-openapi would otherwise read the body once more
	// to run the (no-op) checks again.
	route        *routers.Route
	content      openapi3.Content // the request body's media types, if any
	acceptedMIME string           // for the 415 detail
	ifMatch      bool             // declares an If-Match header parameter
}

// UUIDFormat checks the `uuid` string format (RFC 9562), with an error that
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
	stripped := *op
	stripped.Security = &openapi3.SecurityRequirements{}
	o := &Operation{route: &routers.Route{
		Spec: v.doc, Server: server, Path: path, PathItem: item,
		Method: method, Operation: &stripped,
	}}
	for _, p := range append(slices.Clone(item.Parameters), op.Parameters...) {
		if p.Value != nil && p.Value.In == openapi3.ParameterInHeader && http.CanonicalHeaderKey(p.Value.Name) == "If-Match" {
			o.ifMatch = true
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
	// check and the handlers read, would silently drop the pair.
	if qe := querystring.Check(r.URL.RawQuery); qe != nil {
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
		if err := v.checkJSON(r, mediaType); err != nil {
			return err
		}
	}
	err := openapi3filter.ValidateRequest(r.Context(), &openapi3filter.RequestValidationInput{
		Request:    r,
		PathParams: pathParams(chi.RouteContext(r.Context())),
		Route:      op.route,
		Options:    v.options,
	})
	if err != nil {
		return v.requestError(err)
	}
	return nil
}

// pathParams returns the path parameters chi matched, as kin-openapi takes them.
func pathParams(rc *chi.Context) map[string]string {
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

// checkJSON reads a JSON body and refuses what encoding/json (used by
// kin-openapi and the generated code) silently accepts, all of which RFC 7493
// (I-JSON) forbids: invalid UTF-8 and lone surrogates, which it turns into
// U+FFFD; duplicate member names, of which the last wins, so a proxy that
// reads the first one sees another request than the handler; Unicode
// noncharacters (§2.1); a second value after the first. jsontext checks the
// first three and the nesting depth (10,000) as it reads each token; no
// library checks noncharacters, so each string is looked at here. The body is
// put back for the schema check.
func (v *Validator) checkJSON(r *http.Request, mt string) error {
	if mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return nil
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return v.tooLarge()
		}
		return problem.New(http.StatusBadRequest, gen.ProblemCodeValidationFailed, "the request body could not be read")
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if len(bytes.TrimSpace(body)) == 0 {
		return nil // the schema check reports a missing body
	}
	dec := jsontext.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			var at jsontext.Pointer
			var se *jsontext.SyntacticError
			if errors.As(err, &se) {
				at = se.JSONPointer
			}
			return notIJSON(strings.TrimPrefix(err.Error(), "jsontext: "), at)
		}
		if tok.Kind() == '"' {
			if c, ok := noncharacter(tok.String()); ok {
				at := dec.StackPointer()
				return notIJSON(fmt.Sprintf("noncharacter %U at %q", c, at), at)
			}
		}
		if dec.StackDepth() == 0 {
			break
		}
	}
	// encoding/json would also ignore a second value after the first.
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return notIJSON("a second JSON value follows the first", "")
	}
	return nil
}

// notIJSON is the 400 for a body that is not I-JSON: reading stops at the
// first failure, which is the one failure listed, at the value it is in.
func notIJSON(detail string, at jsontext.Pointer) error {
	return &problem.Error{
		Status: http.StatusBadRequest,
		Code:   gen.ProblemCodeValidationFailed,
		Detail: "the request body is not valid I-JSON (RFC 7493): " + detail,
		Errors: []gen.ValidationError{{Detail: detail, Pointer: ptrTo(string(at))}},
	}
}

func ptrTo(s string) *string { return &s }

// noncharacter returns the first Unicode noncharacter in s: U+FDD0 to
// U+FDEF, and the last two code points of each plane (U+FFFE, U+FFFF,
// U+1FFFE, …, U+10FFFF).
func noncharacter(s string) (rune, bool) {
	for _, c := range s {
		if (c >= 0xFDD0 && c <= 0xFDEF) || c&0xFFFE == 0xFFFE {
			return c, true
		}
	}
	return 0, false
}

// acceptEncoding is the Accept-Encoding of a 415 for a Content-Encoding:
// no coding is supported.
var acceptEncoding = []string{"identity"}

func (v *Validator) tooLarge() error {
	return problem.New(http.StatusRequestEntityTooLarge, gen.ProblemCodePayloadTooLarge,
		fmt.Sprintf("the request body is larger than %d bytes", v.maxBodyBytes))
}
