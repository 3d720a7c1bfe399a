package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"testing"

	"example.com/tasks/gen"
	"example.com/tasks/impl/apitest"
)

// TestContentEncoding checks that a request body in a content coding is
// refused with 415 and Accept-Encoding: identity (RFC 9110 §15.5.16,
// §12.5.3), whether or not it really is compressed: the server supports
// none, and reading a compressed body as JSON would misread it.
func TestContentEncoding(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, apitest.Config{})
	plain := []byte(`{"title":"x"}`)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(plain)
	_ = zw.Close()

	tests := []struct {
		name     string
		encoding []string
		body     []byte
		want     int
	}{
		{name: "plain JSON labelled gzip", encoding: []string{"gzip"}, body: plain, want: 415},
		{name: "gzip body", encoding: []string{"gzip"}, body: gz.Bytes(), want: 415},
		{name: "unknown coding", encoding: []string{"br"}, body: plain, want: 415},
		{name: "identity then gzip", encoding: []string{"identity, gzip"}, body: plain, want: 415},
		{name: "two headers", encoding: []string{"identity", "gzip"}, body: plain, want: 415},
		{name: "identity", encoding: []string{"identity"}, body: plain, want: 201},
		{name: "identity, any case", encoding: []string{"IDENTITY"}, body: plain, want: 201},
		{name: "no header", body: plain, want: 201},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			header := http.Header{"Content-Type": {"application/json"}, "Content-Encoding": tt.encoding}
			resp, body := do(t, srv, "POST", "/tasks", header, string(tt.body))
			if resp.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tt.want, body)
			}
			if tt.want != http.StatusUnsupportedMediaType {
				if got := resp.Header.Get("Accept-Encoding"); got != "" {
					t.Errorf("Accept-Encoding = %q on a %d", got, resp.StatusCode)
				}
				return
			}
			if got := resp.Header.Values("Accept-Encoding"); len(got) != 1 || got[0] != "identity" {
				t.Errorf("Accept-Encoding = %q, want identity", got)
			}
			if p := decodeProblem(t, resp); p.Code != gen.ProblemCodeUnsupportedMediaType {
				t.Errorf("code = %s, want unsupported_media_type", p.Code)
			}
		})
	}
}
