package mcp

import (
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
)

// jsonSchema renders s, an OpenAPI 3.0 schema whose $refs kin-openapi has
// resolved, as a self-contained JSON Schema (draft 2020-12) object: an MCP
// client validates arguments and results with a JSON Schema validator (the
// TypeScript SDK's is Ajv), which knows neither the spec's components nor
// OpenAPI 3.0's dialect.
//
// Written by hand: kin-openapi marshals a resolved schema back with its
// $ref, and no library here dereferences one. The translation is the
// documented difference between the dialects: `nullable: true` adds "null"
// to the type, the boolean exclusiveMinimum/Maximum become numbers, and
// OpenAPI's own keywords (example, xml, discriminator, externalDocs, x-…)
// are dropped, since a strict validator refuses unknown keywords. A schema
// that refers to itself (a tree) is cut at the cycle with {}, which accepts
// anything, so that the document stays finite.
func jsonSchema(ref *openapi3.SchemaRef) map[string]any {
	return convert(ref, map[*openapi3.Schema]bool{})
}

func convert(ref *openapi3.SchemaRef, visiting map[*openapi3.Schema]bool) map[string]any {
	out := map[string]any{}
	if ref == nil || ref.Value == nil {
		return out
	}
	s := ref.Value
	if visiting[s] {
		return out
	}
	visiting[s] = true
	defer delete(visiting, s)

	if s.Type != nil && len(*s.Type) > 0 {
		types := append([]string(nil), (*s.Type)...)
		if s.Nullable {
			types = append(types, "null")
		}
		if len(types) == 1 {
			out["type"] = types[0]
		} else {
			out["type"] = types
		}
	}
	set := func(k string, v any, ok bool) {
		if ok {
			out[k] = v
		}
	}
	set("title", s.Title, s.Title != "")
	set("description", s.Description, s.Description != "")
	set("format", s.Format, s.Format != "")
	set("default", s.Default, s.Default != nil)
	set("readOnly", true, s.ReadOnly)
	set("writeOnly", true, s.WriteOnly)
	set("deprecated", true, s.Deprecated)
	set("const", s.Const, s.Const != nil)
	if len(s.Enum) > 0 {
		enum := s.Enum
		if s.Nullable && !slices.Contains(enum, nil) {
			enum = append(append([]any(nil), enum...), nil)
		}
		out["enum"] = enum
	}
	// Numbers: 3.0's boolean exclusive bounds modify minimum and maximum;
	// 3.1's are numbers, as in JSON Schema.
	bound := func(plain, exclusive string, v *float64, eb openapi3.ExclusiveBound) {
		switch {
		case eb.Value != nil:
			out[exclusive] = *eb.Value
			if v != nil {
				out[plain] = *v
			}
		case v != nil && eb.IsTrue():
			out[exclusive] = *v
		case v != nil:
			out[plain] = *v
		}
	}
	bound("minimum", "exclusiveMinimum", s.Min, s.ExclusiveMin)
	bound("maximum", "exclusiveMaximum", s.Max, s.ExclusiveMax)
	set("multipleOf", deref(s.MultipleOf), s.MultipleOf != nil)
	// Strings.
	set("minLength", s.MinLength, s.MinLength > 0)
	set("maxLength", deref(s.MaxLength), s.MaxLength != nil)
	set("pattern", s.Pattern, s.Pattern != "")
	// Arrays.
	if s.Items != nil {
		out["items"] = convert(s.Items, visiting)
	}
	set("minItems", s.MinItems, s.MinItems > 0)
	set("maxItems", deref(s.MaxItems), s.MaxItems != nil)
	set("uniqueItems", true, s.UniqueItems)
	// Objects.
	if len(s.Properties) > 0 {
		props := map[string]any{}
		for name, p := range s.Properties {
			props[name] = convert(p, visiting)
		}
		out["properties"] = props
	}
	if len(s.Required) > 0 {
		out["required"] = s.Required
	}
	set("minProperties", s.MinProps, s.MinProps > 0)
	set("maxProperties", deref(s.MaxProps), s.MaxProps != nil)
	switch ap := s.AdditionalProperties; {
	case ap.Has != nil:
		out["additionalProperties"] = *ap.Has
	case ap.Schema != nil:
		out["additionalProperties"] = convert(ap.Schema, visiting)
	}
	// Composition.
	for k, list := range map[string]openapi3.SchemaRefs{"allOf": s.AllOf, "anyOf": s.AnyOf, "oneOf": s.OneOf} {
		if len(list) > 0 {
			all := make([]any, 0, len(list))
			for _, r := range list {
				all = append(all, convert(r, visiting))
			}
			out[k] = all
		}
	}
	if s.Not != nil {
		out["not"] = convert(s.Not, visiting)
	}
	return out
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
