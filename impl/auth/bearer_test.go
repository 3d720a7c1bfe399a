package auth

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestBearerToken(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		url       string
		headers   []string
		wantToken string
		wantKind  Kind // 0: success
	}{
		{"none", "/", nil, "", Missing},
		{"plain", "/", []string{"Bearer abc"}, "abc", 0},
		{"case-insensitive scheme", "/", []string{"bEARER abc"}, "abc", 0},
		{"all b64token characters", "/", []string{"Bearer aZ09-._~+/=="}, "aZ09-._~+/==", 0},
		{"several spaces", "/", []string{"Bearer   abc"}, "abc", 0},
		{"other scheme", "/", []string{"Basic YWxhZGRpbjpvcGVuc2VzYW1l"}, "", Missing},
		{"scheme only", "/", []string{"Bearer"}, "", Malformed},
		{"scheme and spaces", "/", []string{"Bearer   "}, "", Malformed},
		{"empty", "/", []string{""}, "", Malformed},
		{"leading space", "/", []string{" Bearer abc"}, "", Malformed},
		{"tab separator", "/", []string{"Bearer\tabc"}, "", Missing},
		{"two tokens", "/", []string{"Bearer abc def"}, "", Malformed},
		{"only padding", "/", []string{"Bearer =="}, "", Malformed},
		{"padding inside", "/", []string{"Bearer a=b"}, "", Malformed},
		{"non-ASCII", "/", []string{"Bearer abcé"}, "", Malformed},
		{"comma", "/", []string{"Bearer abc,def"}, "", Malformed},
		{"quote", "/", []string{`Bearer "abc"`}, "", Malformed},
		{"two headers", "/", []string{"Bearer abc", "Bearer abc"}, "", Malformed},
		{"query token", "/?access_token=abc", nil, "", Malformed},
		{"query token beside header", "/?access_token=abc", []string{"Bearer abc"}, "", Malformed},
		{"query token, escaped name", "/?access%5Ftoken=abc", nil, "", Malformed},
		{"query token that does not decode", "/?access_token=abc%zz", []string{"Bearer abc"}, "", Malformed},
		{"query token after a semicolon", "/?a=1;access_token=abc", []string{"Bearer abc"}, "", Malformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", tt.url, nil)
			for _, h := range tt.headers {
				r.Header.Add("Authorization", h)
			}
			token, err := bearerToken(r)
			switch {
			case tt.wantKind == 0 && err != nil:
				t.Fatalf("error %v, want token %q", err, tt.wantToken)
			case tt.wantKind != 0 && (err == nil || err.Kind != tt.wantKind):
				t.Fatalf("got token %q, error %v; want kind %v", token, err, tt.wantKind)
			case token != tt.wantToken:
				t.Errorf("token = %q, want %q", token, tt.wantToken)
			}
			if err != nil && len(tt.headers) > 0 {
				if _, tok, _ := strings.Cut(tt.headers[0], " "); len(strings.TrimSpace(tok)) > 2 && strings.Contains(err.Description, strings.TrimSpace(tok)) {
					t.Errorf("the error echoes the credential: %q", err.Description)
				}
			}
		})
	}
}
