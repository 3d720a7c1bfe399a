package validator

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/go-json-experiment/json/jsontext"

	"example.com/tasks/gen"
	"example.com/tasks/impl/problem"
)

// MaxErrors bounds the failures a 400 lists (the Problem schema's maxItems),
// so that a huge invalid body cannot make a huge answer.
const MaxErrors = 20

// requestError maps a kin-openapi validation error to the client's answer: a
// 400 that lists every failure, each with a JSON Pointer (RFC 6901) into the
// body or the parameter's name and location.
func (v *Validator) requestError(err error) error {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return v.tooLarge()
	}
	if _, ok := errors.AsType[*openapi3filter.RequestError](err); !ok {
		return err
	}
	list := failures(err, nil)
	details := make([]string, len(list))
	for i, f := range list {
		details[i] = describe(f)
	}
	return &problem.Error{
		Status: http.StatusBadRequest,
		Code:   gen.ProblemCodeValidationFailed,
		Detail: strings.Join(details, "; "),
		Errors: list,
		Err:    err,
	}
}

// failures appends to list each failure err holds, up to MaxErrors.
// kin-openapi returns, with Options.MultiError, a MultiError of
// *RequestError, one per parameter or body, each holding the schema's
// failures.
func failures(err error, list []gen.ValidationError) []gen.ValidationError {
	if !isRequestError(err) {
		if multi, ok := errors.AsType[openapi3.MultiError](err); ok {
			for _, e := range multi {
				list = failures(e, list)
			}
			return list
		}
	}
	re, ok := errors.AsType[*openapi3filter.RequestError](err)
	if !ok {
		return appendFailure(list, gen.ValidationError{Detail: err.Error()})
	}
	at := gen.ValidationError{}
	if p := re.Parameter; p != nil {
		at.Parameter = &p.Name
		if in := gen.ValidationErrorIn(p.In); in.Valid() {
			at.In = &in
		}
	} else {
		at.Pointer = new(string)
	}
	schemaErrors := schemaFailures(re.Err, nil)
	if len(schemaErrors) == 0 {
		at.Detail = re.Reason
		if re.Err != nil {
			at.Detail = re.Err.Error()
		}
		return appendFailure(list, at)
	}
	for _, se := range schemaErrors {
		f := at
		f.Detail = se.Reason
		if at.Pointer != nil {
			ptr := pointer(se)
			f.Pointer = &ptr
		}
		list = appendFailure(list, f)
	}
	return list
}

// isRequestError reports whether err is itself a *RequestError (which
// errors.As would also find inside a MultiError).
func isRequestError(err error) bool {
	_, ok := err.(*openapi3filter.RequestError) //nolint:errorlint // the error itself, not its chain
	return ok
}

// schemaFailures collects the schema errors inside err.
func schemaFailures(err error, list []*openapi3.SchemaError) []*openapi3.SchemaError {
	if err == nil {
		return list
	}
	if multi, ok := errors.AsType[openapi3.MultiError](err); ok {
		for _, e := range multi {
			list = schemaFailures(e, list)
		}
	} else if se, ok := errors.AsType[*openapi3.SchemaError](err); ok {
		list = append(list, se)
	}
	return list
}

func appendFailure(list []gen.ValidationError, f gen.ValidationError) []gen.ValidationError {
	if len(list) >= MaxErrors {
		return list
	}
	return append(list, f)
}

// pointer returns the JSON Pointer (RFC 6901) of the value a schema error is
// about, "" for the whole document.
func pointer(se *openapi3.SchemaError) string {
	var p jsontext.Pointer
	for _, tok := range se.JSONPointer() {
		p = p.AppendToken(tok)
	}
	return string(p)
}

// describe is one failure as a sentence for the problem's detail.
func describe(f gen.ValidationError) string {
	switch {
	case f.Parameter != nil && f.In != nil:
		return fmt.Sprintf("parameter %q in %s: %s", *f.Parameter, *f.In, f.Detail)
	case f.Parameter != nil:
		return fmt.Sprintf("parameter %q: %s", *f.Parameter, f.Detail)
	case f.Pointer != nil && *f.Pointer != "":
		return fmt.Sprintf("field %q: %s", *f.Pointer, f.Detail)
	case f.Pointer != nil:
		return "request body: " + f.Detail
	}
	return f.Detail
}
