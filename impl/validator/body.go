package validator

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"

	"example.com/tasks/gen"
	"example.com/tasks/impl/problem"
)

// readJSON reads a JSON body and refuses what encoding/json (which
// kin-openapi's ValidateRequestBody and the generated code decode with)
// silently accepts, all of which RFC 7493 (I-JSON) forbids: invalid UTF-8
// and lone surrogates, which it turns into U+FFFD; duplicate member names,
// of which the last wins, so a proxy that reads the first one sees another
// request than the handler; Unicode noncharacters (§2.1); a second value
// after the first. The body is put back for kin-openapi's check, which
// reads, decodes and validates it against the schema. A body that is not
// JSON, or holds only white space, is left to kin-openapi alone.
func (v *Validator) readJSON(r *http.Request, mt string) error {
	if mt != "application/json" && !strings.HasSuffix(mt, "+json") {
		return nil
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return v.tooLarge()
		}
		return problem.New(http.StatusBadRequest, gen.ProblemCodeValidationFailed, "the request body could not be read")
	}
	r.Body = io.NopCloser(bytes.NewReader(data))
	if len(bytes.TrimSpace(data)) == 0 {
		return nil // the schema check reports a missing body
	}
	return checkIJSON(data)
}

// checkIJSON refuses a body that is not I-JSON, with the first failure.
// jsontext.Value.IsValid checks the rules jsontext holds (UTF-8, escapes,
// duplicate names, nesting depth, one value) on a pooled decoder without
// allocating; only a body that fails them, or that has a byte outside ASCII
// or an escape and so may hold a noncharacter, is read again token by token
// (firstIJSONFailure). TestCheckIJSON and FuzzCheckIJSON hold the two paths
// to the same answers.
func checkIJSON(data []byte) error {
	if jsontext.Value(data).IsValid() && asciiWithoutEscapes(data) {
		return nil
	}
	return firstIJSONFailure(data)
}

// asciiWithoutEscapes reports whether data has neither a byte outside ASCII
// nor a backslash: a JSON text can hold a noncharacter only as UTF-8 or as a
// \u escape.
func asciiWithoutEscapes(data []byte) bool {
	for _, c := range data {
		if c >= utf8.RuneSelf || c == '\\' {
			return false
		}
	}
	return true
}

// firstIJSONFailure reads the one JSON value data holds token by token with
// jsontext, which checks UTF-8, escapes, duplicate names and the nesting
// depth as it goes; no library checks noncharacters, so each string is
// looked at here. It stops at the first failure, and returns it as
// notIJSON's answer.
func firstIJSONFailure(data []byte) error {
	dec := jsontext.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			var at jsontext.Pointer
			if se, ok := errors.AsType[*jsontext.SyntacticError](err); ok {
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
