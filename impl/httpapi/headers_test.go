package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"example.com/tasks/impl/apitest"
)

// TestSecurityHeaders checks the headers every response carries, whatever
// answered it: nosniff always, no-store whenever the request carried
// credentials, and no Server banner.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	srv := apitest.NewServer(t, apitest.Config{})
	tests := []struct {
		name, method, path, auth string
		want                     int
	}{
		{"public, anonymous", "GET", "/v1/health", "", 200},
		{"public, with a token", "GET", "/v1/health", apitest.AliceToken, 200},
		{"authenticated", "GET", "/v1/me", apitest.AliceToken, 200},
		{"authenticated list", "GET", "/v1/tasks", apitest.AliceToken, 200},
		{"rejected token", "GET", "/v1/me", "wrong", 401},
		{"forbidden", "POST", "/v1/tasks", apitest.CarolToken, 403},
		{"anonymous", "GET", "/v1/me", "", 401},
		{"not found, with a token", "GET", "/v1/nope", apitest.AliceToken, 404},
		{"method not allowed", "PATCH", "/v1/me", apitest.AliceToken, 405},
		{"spec", "GET", "/openapi.json", "", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", "Bearer "+tt.auth)
			}
			resp, err := srv.HTTP.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.want)
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
			}
			wantCache := ""
			if tt.auth != "" {
				wantCache = "no-store"
			}
			if got := resp.Header.Get("Cache-Control"); got != wantCache {
				t.Errorf("Cache-Control = %q, want %q", got, wantCache)
			}
			if got, ok := resp.Header["Server"]; ok {
				t.Errorf("Server header %q", got)
			}
		})
	}
}

// TestCORS checks that CORS is off unless configured, that a preflight never
// needs a token, and that only allowed origins get CORS headers.
func TestCORS(t *testing.T) {
	t.Parallel()
	const allowed, other = "https://app.example", "https://evil.example"
	off := apitest.NewServer(t, apitest.Config{})
	on := apitest.NewServer(t, apitest.Config{CORSOrigins: []string{allowed}})

	tests := []struct {
		name       string
		srv        *apitest.Server
		method     string
		origin     string
		preflight  string // Access-Control-Request-Method
		auth       bool
		want       int
		wantOrigin string // Access-Control-Allow-Origin
	}{
		{"off: preflight is 405, not 401", off, "OPTIONS", allowed, "POST", false, 405, ""},
		{"off: request gets no CORS headers", off, "GET", allowed, "", true, 200, ""},
		{"on: preflight from an allowed origin, no token", on, "OPTIONS", allowed, "POST", false, 204, allowed},
		{"on: preflight for DELETE", on, "OPTIONS", allowed, "DELETE", false, 204, allowed},
		{"on: preflight from another origin", on, "OPTIONS", other, "POST", false, 204, ""},
		{"on: preflight for a method the API does not use", on, "OPTIONS", allowed, "TRACE", false, 204, ""},
		{"on: request from an allowed origin", on, "GET", allowed, "", true, 200, allowed},
		{"on: request from another origin", on, "GET", other, "", true, 200, ""},
		{"on: anonymous request from an allowed origin", on, "GET", allowed, "", false, 401, allowed},
		{"on: OPTIONS that is not a preflight", on, "OPTIONS", allowed, "", false, 405, allowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest(tt.method, tt.srv.API+"/tasks", nil)
			req.Header.Set("Origin", tt.origin)
			if tt.preflight != "" {
				req.Header.Set("Access-Control-Request-Method", tt.preflight)
				req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
			}
			if tt.auth {
				req.Header.Set("Authorization", "Bearer "+apitest.AliceToken)
			}
			resp, err := tt.srv.HTTP.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.want)
			}
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != tt.wantOrigin {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tt.wantOrigin)
			}
			if tt.wantOrigin == "" {
				return
			}
			if tt.preflight != "" {
				if got := resp.Header.Get("Access-Control-Allow-Methods"); got != tt.preflight {
					t.Errorf("Access-Control-Allow-Methods = %q, want %q", got, tt.preflight)
				}
				if got := strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")); got != "authorization, content-type" {
					t.Errorf("Access-Control-Allow-Headers = %q", got)
				}
			} else if got := resp.Header.Get("Access-Control-Expose-Headers"); !strings.Contains(got, "Www-Authenticate") && !strings.Contains(got, "WWW-Authenticate") {
				t.Errorf("Access-Control-Expose-Headers = %q, want WWW-Authenticate in it", got)
			}
		})
	}
}

// TestCORSHeadersComeFromTheSpec: a preflight may ask for every request
// header the spec reads (credentials, If-Match) and responses expose every
// header it documents (ETag, Location): no list is kept by hand.
func TestCORSHeadersComeFromTheSpec(t *testing.T) {
	t.Parallel()
	const origin = "https://app.example"
	srv := apitest.NewServer(t, apitest.Config{CORSOrigins: []string{origin}})

	req, _ := http.NewRequest("OPTIONS", srv.API+"/tasks/3f0e4b8e-8f9a-4c51-9d3c-1b2a7f6e5d40", nil)
	req.Header.Set("Origin", origin)
	req.Header.Set("Access-Control-Request-Method", "PUT")
	requested := "authorization, content-type, if-match"
	if h := apitest.APIKeyHeader(); h != "" {
		requested += ", " + strings.ToLower(h)
	}
	req.Header.Set("Access-Control-Request-Headers", requested)
	resp, err := srv.HTTP.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers")); got != requested {
		t.Errorf("Access-Control-Allow-Headers = %q, want all requested: %q", got, requested)
	}

	get, _ := http.NewRequest("GET", srv.API+"/tasks", nil)
	get.Header.Set("Origin", origin)
	get.Header.Set("Authorization", "Bearer "+apitest.AliceToken)
	resp, err = srv.HTTP.Do(get)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	exposed := resp.Header.Get("Access-Control-Expose-Headers")
	for _, want := range []string{"Etag", "Location", "Retry-After", "Www-Authenticate"} {
		if !strings.Contains(http.CanonicalHeaderKey(exposed), want) && !strings.Contains(exposed, want) {
			t.Errorf("Access-Control-Expose-Headers = %q, want %s in it", exposed, want)
		}
	}
}
