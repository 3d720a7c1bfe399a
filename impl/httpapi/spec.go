package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v3"
)

// specHandlers serve the embedded spec, rendered once at start-up.
type specHandlers struct {
	jsonDoc, yamlDoc []byte
}

func newSpecHandlers(doc *openapi3.T) (*specHandlers, error) {
	j, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("httpapi: render spec as JSON: %w", err)
	}
	// JSON is YAML; re-encoding its node tree in block style keeps the key
	// order and gives the YAML people expect to read.
	var node yaml.Node
	if err := yaml.Unmarshal(j, &node); err != nil {
		return nil, fmt.Errorf("httpapi: render spec as YAML: %w", err)
	}
	blockStyle(&node)
	if len(node.Content) == 1 {
		topLevelOrder(node.Content[0])
	}
	var y bytes.Buffer
	enc := yaml.NewEncoder(&y)
	enc.SetIndent(2)
	if err := enc.Encode(&node); err != nil {
		return nil, fmt.Errorf("httpapi: render spec as YAML: %w", err)
	}
	return &specHandlers{jsonDoc: j, yamlDoc: y.Bytes()}, nil
}

func blockStyle(n *yaml.Node) {
	n.Style &^= yaml.FlowStyle
	if n.Kind == yaml.ScalarNode && n.Style&yaml.DoubleQuotedStyle != 0 && n.Tag == "!!str" {
		n.Style &^= yaml.DoubleQuotedStyle // the encoder quotes where YAML needs it
	}
	for _, c := range n.Content {
		blockStyle(c)
	}
}

// topLevelOrder puts the document's sections in the order people write
// them; JSON rendering sorts them, which buries info and paths under components.
func topLevelOrder(m *yaml.Node) {
	order := []string{"openapi", "info", "servers", "tags", "security", "paths", "components"}
	rank := func(key string) int {
		if i := slices.Index(order, key); i >= 0 {
			return i
		}
		return len(order) // x- extensions and the like, last
	}
	type pair struct{ k, v *yaml.Node }
	pairs := make([]pair, 0, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		pairs = append(pairs, pair{m.Content[i], m.Content[i+1]})
	}
	slices.SortStableFunc(pairs, func(a, b pair) int { return rank(a.k.Value) - rank(b.k.Value) })
	m.Content = m.Content[:0]
	for _, p := range pairs {
		m.Content = append(m.Content, p.k, p.v)
	}
}

func (s *specHandlers) json(w http.ResponseWriter, _ *http.Request) {
	serve(w, "application/json", s.jsonDoc)
}

func (s *specHandlers) yaml(w http.ResponseWriter, _ *http.Request) {
	serve(w, "application/yaml", s.yamlDoc)
}

func serve(w http.ResponseWriter, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	_, _ = w.Write(body)
}
