package validator

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"
	"github.com/oapi-codegen/runtime"
)

// TestHandlerGetsTheCheckedValue: after a JSON body passes, the body the
// handler reads carries the value that was checked, defaults written in,
// and the generated code's runtime.BindJSONBody binds that value rather than
// decoding the JSON again (a body that still read as its original bytes
// would bind without the defaults).
func TestHandlerGetsTheCheckedValue(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromFile("testdata/items.yaml")
	if err != nil {
		t.Fatal(err)
	}
	v := New(doc, 1<<10)
	r := httptest.NewRequest(http.MethodPost, "/items", strings.NewReader(`{"name":"a","ratio":0.5}`))
	r.Header.Set("Content-Type", "application/json")
	r = r.WithContext(context.WithValue(r.Context(), chi.RouteCtxKey, chi.NewRouteContext()))
	if err := v.Request(httptest.NewRecorder(), r, v.Operation("/items", http.MethodPost)); err != nil {
		t.Fatal(err)
	}
	checked, ok := r.Body.(interface{ ValidatedValue() any })
	if !ok {
		t.Fatalf("the handler's body %T carries no checked value", r.Body)
	}
	want := map[string]any{"name": "a", "ratio": json.Number("0.5"), "size": float64(1), "done": false}
	if got := checked.ValidatedValue(); !reflect.DeepEqual(got, want) {
		t.Errorf("checked value %#v, want %#v", got, want)
	}

	// What the generated handler does with it: bind into its typed body.
	r.Body = checkedValue{ReadCloser: http.NoBody, value: checked.ValidatedValue()}
	var item struct {
		Name  string  `json:"name"`
		Size  int64   `json:"size"`
		Done  *bool   `json:"done"`
		Ratio float64 `json:"ratio"`
	}
	if err := runtime.BindJSONBody(r, &item); err != nil {
		t.Fatal(err)
	}
	if item.Name != "a" || item.Size != 1 || item.Done == nil || *item.Done || item.Ratio != 0.5 {
		t.Errorf("bound %+v, want the checked value with its defaults", item)
	}
}

// checkedValue is a body that carries a checked value and no bytes.
type checkedValue struct {
	io.ReadCloser
	value any
}

func (b checkedValue) ValidatedValue() any { return b.value }
