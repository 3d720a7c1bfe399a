package validator

import (
	"bytes"
	"fmt"
	"io"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/go-chi/chi/v5"

	"example.com/tasks/impl/problem"
)

// CheckResponse serves r, a request for op, with next, and validates the
// response against the spec before it leaves. A response that drifts from
// the contract is logged with the operation and the reason and replaced by
// a documented 500, so contract bugs surface in development and CI instead
// of in clients. It buffers each response, so it is opt-in
// (--validate-responses); docs/PERFORMANCE.md gives its cost.
func (v *Validator) CheckResponse(w http.ResponseWriter, r *http.Request, op *Operation, next http.Handler) {
	buf := &bufferedResponse{header: http.Header{}, status: http.StatusOK}
	next.ServeHTTP(buf, r)

	rc := chi.RouteContext(r.Context())
	err := openapi3filter.ValidateResponse(r.Context(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: r, PathParams: pathParams(rc), Route: op.route, Options: v.options,
		},
		Status:  buf.status,
		Header:  buf.header,
		Body:    io.NopCloser(bytes.NewReader(buf.body.Bytes())),
		Options: v.responseOptions,
	})
	if err != nil {
		problem.Write(w, r, fmt.Errorf("response does not match the spec: %s %s (%s) → %d: %w",
			r.Method, rc.RoutePattern(), op.route.Operation.OperationID, buf.status, err))
		return
	}
	h := w.Header()
	for k, vs := range buf.header {
		h[k] = vs
	}
	w.WriteHeader(buf.status)
	_, _ = w.Write(buf.body.Bytes())
}

// bufferedResponse holds a response until it has been validated.
type bufferedResponse struct {
	header      http.Header
	status      int
	wroteHeader bool
	body        bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	if !b.wroteHeader {
		b.status, b.wroteHeader = status, true
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	b.wroteHeader = true
	return b.body.Write(p)
}
