// Package apitest holds test helpers that check every response against
// openapi.yaml. Tests send their requests through a Transport, which fails
// the request (RoundTrip returns an error) when the response has a status,
// header, content type or body the spec does not document.
package apitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/go-chi/chi/v5"

	_ "example.com/tasks/impl/validator" // registers the uuid format
)

// Checker validates responses against one OpenAPI document.
type Checker struct {
	doc    *openapi3.T
	mux    *chi.Mux // finds the spec route of a request, as the server does
	routes map[string]*routers.Route
	opts   *openapi3filter.Options
}

// NewChecker returns a Checker for doc, whose operations are served under
// basePath.
func NewChecker(doc *openapi3.T, basePath string) *Checker {
	c := &Checker{
		doc:    doc,
		mux:    chi.NewMux(),
		routes: map[string]*routers.Route{},
		opts: &openapi3filter.Options{
			// An undocumented status is an error. Formats such as uuid are
			// checked as the server checks them (the validator package
			// registers them).
			IncludeResponseStatus: true,
		},
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			c.mux.Method(method, basePath+path, http.NotFoundHandler())
			c.routes[method+" "+basePath+path] = &routers.Route{
				Spec: doc, Path: path, PathItem: item, Method: method, Operation: op,
			}
		}
	}
	return c
}

// find returns the spec route that serves method and path (escaped, under
// the base path), nil if none does, and the path parameters chi matched.
func (c *Checker) find(method, path string) (*routers.Route, *chi.Context) {
	rctx := chi.NewRouteContext()
	pattern := c.mux.Find(rctx, method, path)
	return c.routes[method+" "+pattern], rctx
}

// Check validates one response (whose body is given separately, already
// read). A request outside the spec's operations must be answered with a
// problem document (404, 405) unless it is one of the public documents.
//
// A HEAD request is checked as the GET it stands for, without a body.
func (c *Checker) Check(req *http.Request, status int, header http.Header, body []byte) error {
	opts := c.opts
	if req.Method == http.MethodHead {
		req = req.Clone(req.Context())
		req.Method = http.MethodGet
		o := *c.opts
		o.ExcludeResponseBody = true
		opts = &o
	}
	path := req.URL.EscapedPath()
	route, rctx := c.find(req.Method, path)
	if route == nil {
		if opts.ExcludeResponseBody {
			return nil // HEAD of a document outside the API
		}
		return c.checkOutside(status, header, body)
	}
	params := map[string]string{}
	for i, k := range rctx.URLParams.Keys {
		params[k] = rctx.URLParams.Values[i]
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
		},
		Status:  status,
		Header:  header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: opts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		return fmt.Errorf("%s %s → %d: response does not match the spec: %w", req.Method, path, status, err)
	}
	if status == http.StatusUnauthorized && header.Get("WWW-Authenticate") == "" {
		return fmt.Errorf("%s %s → 401 without WWW-Authenticate (RFC 9110 §11.6.1)", req.Method, path)
	}
	return nil
}

// checkOutside checks a response to a request that matches no operation.
func (c *Checker) checkOutside(status int, header http.Header, body []byte) error {
	if status < 400 {
		return nil // /openapi.json and friends: not part of the API's contract
	}
	ref := c.doc.Components.Schemas["Problem"]
	if ref == nil {
		return errors.New("the spec has no Problem schema")
	}
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		return fmt.Errorf("%d answered with Content-Type %q, not application/problem+json", status, ct)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("%d body is not JSON: %w", status, err)
	}
	if err := ref.Value.VisitJSON(v); err != nil {
		return fmt.Errorf("%d body is not a Problem: %w", status, err)
	}
	return nil
}

// Transport is an http.RoundTripper that checks every response.
type Transport struct {
	Checker *Checker
	// Base sends the requests; nil means http.DefaultTransport.
	Base http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if err := t.Checker.Check(req, resp.StatusCode, resp.Header, body); err != nil {
		return nil, err
	}
	return resp, nil
}
