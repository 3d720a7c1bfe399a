package validator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/go-json-experiment/json/jsontext"

	"example.com/tasks/gen"
	"example.com/tasks/impl/problem"
)

// A JSON request body is read once and decoded once, for two checks: the
// I-JSON rules, which need jsontext's token stream, and the schema, which
// kin-openapi checks on the value encoding/json would decode. Left to
// kin-openapi, ValidateRequestBody would read the body again and decode it
// again with encoding/json; its hook for that (RegisterBodyDecoder) is
// process-wide and sees only the bytes, so it cannot take the value already
// decoded here. So the token pass builds the value, and checkBody does for
// it what ValidateRequestBody does for a JSON body, with the same options
// and the same *openapi3filter.RequestError, so that every answer stays
// the same (TestAnswers). Measured with BenchmarkRequest in this package
// (10 interleaved runs; this, the reused decoders below and the cheaper
// error mapping together): a small valid body 9.4 → 4.8 µs and 49 → 24
// allocations; an invalid one 13.9 → 8.2 µs, 91 → 57 allocations. The whole
// stack (impl/httpapi's BenchmarkRequest, with the edge and guard layers): 127 →
// 101 allocations on a POST, 110 → 78 on its 400.

// jsonBody is a JSON request body, read and decoded; the zero value is
// none. It is passed by value: a pointer would cost an allocation.
type jsonBody struct {
	mediaType string // lower case, without parameters
	data      []byte
	value     any
}

func (b jsonBody) decoded() bool { return b.data != nil }

// readJSON reads a JSON body and refuses what encoding/json (used by
// kin-openapi and the generated code) silently accepts, all of which RFC 7493
// (I-JSON) forbids: invalid UTF-8 and lone surrogates, which it turns into
// U+FFFD; duplicate member names, of which the last wins, so a proxy that
// reads the first one sees another request than the handler; Unicode
// noncharacters (§2.1); a second value after the first. The body is put
// back for the handler. It returns no body for one that is not JSON or holds
// only white space: kin-openapi reads and checks those.
func (v *Validator) readJSON(r *http.Request, mt string) (jsonBody, error) {
	if mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return jsonBody{}, nil
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return jsonBody{}, v.tooLarge()
		}
		return jsonBody{}, problem.New(http.StatusBadRequest, gen.ProblemCodeValidationFailed, "the request body could not be read")
	}
	rd := &bodyReader{}
	rd.Reset(data)
	r.Body = rd
	if len(bytes.TrimSpace(data)) == 0 {
		return jsonBody{}, nil // the schema check reports a missing body
	}
	value, err := decodeIJSON(&rd.Reader)
	if err != nil {
		return jsonBody{}, err
	}
	rd.Reset(data)
	return jsonBody{mediaType: mt, data: data, value: value}, nil
}

// bodyReader is a body read into memory and put back for the handler, in one
// allocation where io.NopCloser(bytes.NewReader(…)) makes two; readJSON
// decodes from it first, then rewinds it.
type bodyReader struct{ bytes.Reader }

func (*bodyReader) Close() error { return nil }

// checkedBody is a body that passed its schema check, with the value that
// was checked. The generated handler binds that value into its typed struct
// (runtime.BindJSONBody, which looks for kin-openapi's ValidatedValue)
// instead of decoding the JSON once more: the handler gets exactly what was
// validated, defaults included (BenchmarkRequest/Post in impl/httpapi: 101 →
// 95 allocations, 37.7 → 34.9 µs).
type checkedBody struct {
	io.ReadCloser
	value any
}

// ValidatedValue is the body's value as the schema check saw it.
func (b checkedBody) ValidatedValue() any { return b.value }

// decodeIJSON decodes the one JSON value data holds into what encoding/json's
// Decoder with UseNumber (kin-openapi's JSONBodyDecoder) makes of it:
// map[string]any, []any, string, json.Number, bool or nil. jsontext checks
// UTF-8, duplicate names and the nesting depth (10,000) as it reads each
// token; no library checks noncharacters, so each string is looked at here.
// It stops at the first failure, and returns it as notIJSON's answer.
//
// Written by hand because no decoder does both: encoding/json accepts what
// I-JSON forbids, and json/v2 decodes numbers into float64 or its own
// Number type, not the encoding/json.Number kin-openapi's schema checks
// expect (they tell 1.0 from 1 and keep 20-digit integers whole).
func decodeIJSON(data *bytes.Reader) (any, error) {
	// Not a bytes.Buffer, which jsontext would read in place: some of its
	// error messages differ then (FuzzDecodeIJSON found one).
	dec := decoders.Get().(*jsontext.Decoder)
	defer func() {
		dec.Reset(dropBuffer)
		decoders.Put(dec)
	}()
	dec.Reset(data)
	tok, err := dec.ReadToken()
	if err != nil {
		return nil, syntaxError(err)
	}
	value, err := decodeValue(dec, tok)
	if err != nil {
		return nil, err
	}
	// encoding/json would also ignore a second value after the first.
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return nil, notIJSON("a second JSON value follows the first", "")
	}
	return value, nil
}

// decoders are reused: a new jsontext.Decoder costs ten allocations on a
// small body, a third of what the decoding allocates (the decoder, and the
// namespaces that find duplicate names, which Reset keeps). Measured on a
// small body (BenchmarkRequest/PostDefaults): 7.2 → 6.0 µs, 43 → 34
// allocations. Its read buffer is not kept: jsontext's message for a bad
// character depends on how much of the body it has read
// (FuzzDecodeIJSON's corpus holds such a body), so each body must be read
// in the same steps as by a new decoder. A Decoder reset to a bytes.Buffer,
// which it would read in place, drops its buffer at the next Reset.
var decoders = sync.Pool{New: func() any { return jsontext.NewDecoder(dropBuffer) }}

var dropBuffer = new(bytes.Buffer)

// decodeValue decodes the value that starts with tok, the last token dec read.
func decodeValue(dec *jsontext.Decoder, tok jsontext.Token) (any, error) {
	switch tok.Kind() {
	case '{':
		obj := map[string]any{}
		for {
			tok, err := dec.ReadToken()
			if err != nil {
				return nil, syntaxError(err)
			}
			if tok.Kind() == '}' {
				return obj, nil
			}
			name, err := decodeString(dec, tok)
			if err != nil {
				return nil, err
			}
			if tok, err = dec.ReadToken(); err != nil {
				return nil, syntaxError(err)
			}
			if obj[name], err = decodeValue(dec, tok); err != nil {
				return nil, err
			}
		}
	case '[':
		arr := []any{}
		for {
			tok, err := dec.ReadToken()
			if err != nil {
				return nil, syntaxError(err)
			}
			if tok.Kind() == ']' {
				return arr, nil
			}
			elem, err := decodeValue(dec, tok)
			if err != nil {
				return nil, err
			}
			arr = append(arr, elem)
		}
	case '"':
		return decodeString(dec, tok)
	case '0':
		return json.Number(tok.String()), nil
	case 't', 'f':
		return tok.Bool(), nil
	}
	return nil, nil // null
}

// decodeString returns the string tok, refusing a noncharacter in it.
func decodeString(dec *jsontext.Decoder, tok jsontext.Token) (string, error) {
	s := tok.String()
	if c, ok := noncharacter(s); ok {
		at := dec.StackPointer()
		return "", notIJSON(fmt.Sprintf("noncharacter %U at %q", c, at), at)
	}
	return s, nil
}

// syntaxError is the answer to jsontext's error, at the value it is in.
func syntaxError(err error) error {
	var at jsontext.Pointer
	var se *jsontext.SyntacticError
	if errors.As(err, &se) {
		at = se.JSONPointer
	}
	return notIJSON(strings.TrimPrefix(err.Error(), "jsontext: "), at)
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

// checkBody is openapi3filter.ValidateRequestBody (kin-openapi v0.153.0) for
// a JSON body that readJSON decoded: the schema of the body's media type
// checks the value as a request's (readOnly members refused), with every
// failure; defaults the schema gives to absent members are written into the
// body the handler reads. A media type whose schema it does not cover (none,
// or a binary string) is left to ValidateRequestBody itself.
func (v *Validator) checkBody(input *openapi3filter.RequestValidationInput, op *Operation, body jsonBody) error {
	rb := op.route.Operation.RequestBody.Value
	r := input.Request
	// As ValidateRequestBody, which reads the body to its end: a chunked
	// body's length is known now.
	r.ContentLength = int64(len(body.data))
	mt := rb.Content.Get(r.Header.Get("Content-Type"))
	if mt == nil || mt.Schema == nil || isBinary(mt.Schema.Value) {
		return openapi3filter.ValidateRequestBody(r.Context(), input, rb)
	}
	opts := v.bodyOptions
	defaultsSet := false
	encode := bodyEncoder(body.mediaType)
	if op.bodyDefaults && encode != nil && !v.options.SkipSettingDefaults {
		opts = append(opts[:len(opts):len(opts)], openapi3.DefaultsSet(func() { defaultsSet = true }))
	}
	if err := mt.Schema.Value.VisitJSON(body.value, opts...); err != nil {
		return &openapi3filter.RequestError{
			Input: input, RequestBody: rb, Err: err,
			Reason: "doesn't match schema" + schemaName(mt.Schema),
		}
	}
	if defaultsSet {
		data, err := encode(body.value)
		if err != nil {
			return &openapi3filter.RequestError{Input: input, RequestBody: rb, Reason: "rewriting failed", Err: err}
		}
		r.ContentLength = int64(len(data))
		rewritten := &bodyReader{}
		rewritten.Reset(data)
		r.Body = rewritten
	}
	r.Body = checkedBody{ReadCloser: r.Body, value: body.value}
	return nil
}

// schemaOptions are the schema options kin-openapi's ValidateParameter
// derives from options; ValidateRequestBody adds VisitAsRequest first, and
// DefaultsSet, which is per request.
func schemaOptions(doc *openapi3.T, options *openapi3filter.Options, schemaErr func(*openapi3.SchemaError) string) []openapi3.SchemaValidationOption {
	var opts []openapi3.SchemaValidationOption
	if options.MultiError {
		opts = append(opts, openapi3.MultiErrors())
	}
	if schemaErr != nil {
		opts = append(opts, openapi3.SetSchemaErrorMessageCustomizer(schemaErr))
	}
	opts = append(opts, options.SchemaValidationOptions...)
	if doc.IsOpenAPI31OrLater() {
		opts = append(opts, openapi3.EnableJSONSchema2020())
	}
	return opts
}

// hasDefault reports whether s, or a schema kin-openapi checks a member, an
// item or an alternative of a value against when it checks s (OpenAPI 3.0),
// declares a default: only then can the check write one into a body, and
// checkBody ask to be told (openapi3.DefaultsSet, three allocations per
// request). seen holds the schemas already looked at: schemas can nest
// themselves.
func hasDefault(ref *openapi3.SchemaRef, seen map[*openapi3.Schema]bool) bool {
	if ref == nil || ref.Value == nil || seen[ref.Value] {
		return false
	}
	s := ref.Value
	seen[s] = true
	if s.Default != nil || hasDefault(s.Items, seen) || hasDefault(s.Not, seen) ||
		hasDefault(s.AdditionalProperties.Schema, seen) {
		return true
	}
	for _, list := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
		for _, sub := range list {
			if hasDefault(sub, seen) {
				return true
			}
		}
	}
	for _, prop := range s.Properties {
		if hasDefault(prop, seen) {
			return true
		}
	}
	return false
}

// bodyEncoder returns the encoder with which kin-openapi writes the defaults
// it set into a body of mediaType, nil if it sets none.
func bodyEncoder(mediaType string) openapi3filter.BodyEncoder {
	if encode := openapi3filter.RegisteredBodyEncoder(mediaType); encode != nil {
		return encode
	}
	if strings.HasSuffix(mediaType, "+json") {
		return openapi3filter.RegisteredBodyEncoder("application/json")
	}
	return nil
}

// isBinary reports whether kin-openapi reads a body of this schema as bytes.
func isBinary(s *openapi3.Schema) bool {
	return s != nil && s.Type.Is("string") && s.Format == "binary"
}

// schemaName is how kin-openapi names a body's schema in its reason: " "
// and the reference or title, if any.
func schemaName(s *openapi3.SchemaRef) string {
	name := strings.TrimSpace(s.Ref)
	if name == "" && s.Value != nil {
		name = strings.TrimSpace(s.Value.Title)
	}
	if name != "" {
		name = " " + name
	}
	return name
}
