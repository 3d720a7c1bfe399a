// Package examples finds the example values an OpenAPI document gives for
// parameters and bodies. The spec linter requires them and the conformance
// suite builds its requests from them, so both read them the same way.
package examples

import (
	"maps"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

// Parameter returns p's example: its own `example`, its first named
// `examples` entry, or its schema's `example`.
func Parameter(p *openapi3.Parameter) (any, bool) {
	if p.Example != nil {
		return p.Example, true
	}
	if v, ok := first(p.Examples); ok {
		return v, true
	}
	return schema(p.Schema)
}

// Media returns the example of a request or response body in one media type,
// found the same way as Parameter's.
func Media(mt *openapi3.MediaType) (any, bool) {
	if mt.Example != nil {
		return mt.Example, true
	}
	if v, ok := first(mt.Examples); ok {
		return v, true
	}
	return schema(mt.Schema)
}

func first(ex openapi3.Examples) (any, bool) {
	for _, name := range slices.Sorted(maps.Keys(ex)) {
		if ref := ex[name]; ref != nil && ref.Value != nil && ref.Value.Value != nil {
			return ref.Value.Value, true
		}
	}
	return nil, false
}

func schema(ref *openapi3.SchemaRef) (any, bool) {
	if ref == nil || ref.Value == nil || ref.Value.Example == nil {
		return nil, false
	}
	return ref.Value.Example, true
}
