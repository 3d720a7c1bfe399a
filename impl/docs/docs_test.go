package docs_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/docs"
)

// TestDocs goes through the real handler; the browser test in e2e/ proves the
// page works, this one pins the routes and headers it relies on.
func TestDocs(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, apitest.Config{})
	// The checker still validates every response; redirects are not followed.
	client := &http.Client{
		Transport:     srv.HTTP.Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	tests := []struct {
		path        string
		status      int
		contentType string
		location    string
		bodyHas     []string
	}{
		{path: "/", status: http.StatusFound, location: "docs"},
		{path: "/docs/", status: http.StatusFound, location: "../docs"},
		{path: "/docs", status: http.StatusOK, contentType: "text/html; charset=utf-8",
			bodyHas: []string{`href="docs/swagger-ui.css"`, `src="docs/swagger-ui-bundle.js"`, `src="docs/init.js"`}},
		{path: "/docs/init.js", status: http.StatusOK, contentType: "text/javascript; charset=utf-8",
			bodyHas: []string{`url: "openapi.json"`, "validatorUrl: null"}},
		{path: "/docs/swagger-ui-bundle.js", status: http.StatusOK, contentType: "text/javascript; charset=utf-8",
			bodyHas: []string{"SwaggerUIBundle"}},
		{path: "/docs/swagger-ui.css", status: http.StatusOK, contentType: "text/css; charset=utf-8"},
		{path: "/docs/favicon-32x32.png", status: http.StatusOK, contentType: "image/png"},
		{path: "/docs/LICENSE", status: http.StatusNotFound, contentType: "application/problem+json"},
		{path: "/docs/index.html", status: http.StatusNotFound, contentType: "application/problem+json"},
		{path: "/docs/swaggerui/swagger-ui.css", status: http.StatusNotFound, contentType: "application/problem+json"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			resp, err := client.Get(srv.URL + tt.path) // no Authorization: the docs are public
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if got := resp.Header.Get("Location"); got != tt.location {
				t.Errorf("Location %q, want %q", got, tt.location)
			}
			if tt.contentType != "" && resp.Header.Get("Content-Type") != tt.contentType {
				t.Errorf("Content-Type %q, want %q", resp.Header.Get("Content-Type"), tt.contentType)
			}
			if resp.StatusCode < 400 && resp.Header.Get("Content-Security-Policy") != docs.ContentSecurityPolicy {
				t.Errorf("Content-Security-Policy %q, want %q", resp.Header.Get("Content-Security-Policy"), docs.ContentSecurityPolicy)
			}
			for _, s := range tt.bodyHas {
				if !strings.Contains(string(body), s) {
					t.Errorf("body lacks %q", s)
				}
			}
		})
	}
}

// TestDocsRevalidate: a reload costs a 304, not Swagger UI's 1.7 MB again.
func TestDocsRevalidate(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, apitest.Config{})
	resp, err := srv.HTTP.Get(srv.URL + "/docs/swagger-ui-bundle.js")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	etag := resp.Header.Get("ETag")
	if etag == "" || resp.Header.Get("Cache-Control") != "no-cache" {
		t.Fatalf("ETag %q, Cache-Control %q; want an ETag and no-cache", etag, resp.Header.Get("Cache-Control"))
	}
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/docs/swagger-ui-bundle.js", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("If-None-Match", etag)
	resp, err = srv.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("status %d with If-None-Match, want 304", resp.StatusCode)
	}
}
