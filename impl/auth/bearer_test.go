package auth

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
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

// TestBearerScheme: which spec schemes Bearer serves (one Scheme for all,
// so a token is verified once), what the verifier is given, and the refusal
// of a key-bound token without its proof of possession.
func TestBearerScheme(t *testing.T) {
	t.Parallel()
	var got []Credential
	v := verifierFunc(func(_ context.Context, c Credential) (Principal, error) {
		got = append(got, c)
		switch c.Token {
		case "plain":
			return Principal{Subject: "alice"}, nil
		case "bound":
			return Principal{Subject: "alice", JKT: "thumbprint"}, nil
		}
		return Principal{}, ErrUnknown
	})
	f := Bearer(v)
	var s Scheme
	for _, ss := range []*openapi3.SecurityScheme{
		openapi3.NewJWTSecurityScheme(),
		openapi3.NewSecurityScheme().WithType("http").WithScheme("BEARER"),
		{Type: "oauth2"},
		{Type: "openIdConnect"},
	} {
		got := f(ss)
		if got == nil || (s != nil && got != s) {
			t.Fatalf("Bearer(%s %s) = %v, want the one bearer Scheme", ss.Type, ss.Scheme, got)
		}
		s = got
	}
	for _, ss := range []*openapi3.SecurityScheme{
		openapi3.NewSecurityScheme().WithType("http").WithScheme("basic"),
		openapi3.NewSecurityScheme().WithType("http").WithScheme("DPoP"),
		openapi3.NewSecurityScheme().WithType("apiKey").WithIn("header").WithName("Authorization"),
	} {
		if f(ss) != nil {
			t.Errorf("Bearer serves %s %s", ss.Type, ss.Scheme)
		}
	}
	if i := s.Info(); i.AuthScheme != "Bearer" || !i.OAuth || i.Type != "bearer" || s.Info() != i {
		t.Errorf("Info = %+v", i)
	}

	for _, tt := range []struct {
		name, header string
		want         string // subject
		wantKind     Kind
		verified     bool
	}{
		{"plain token", "Bearer plain", "alice", 0, true},
		{"lower-case scheme", "bearer plain", "alice", 0, true},
		{"key-bound token", "Bearer bound", "", Invalid, true},
		{"key-bound token, upper case", "BEARER bound", "", Invalid, true},
		{"unknown token", "Bearer other", "", Invalid, true},
		{"DPoP scheme", "DPoP bound", "", Missing, false},
		{"malformed", "Bearer bo und", "", Malformed, false},
	} {
		got = nil
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", tt.header)
		p, err := s.Authenticate(context.Background(), r, "someScheme")
		var ae *Error
		switch {
		case tt.wantKind == 0 && (err != nil || p.Subject != tt.want):
			t.Errorf("%s: %+v, %v; want %q", tt.name, p, err, tt.want)
		case tt.wantKind != 0 && (!errors.As(err, &ae) || ae.Kind != tt.wantKind || p.Subject != ""):
			t.Errorf("%s: %+v, %v; want kind %v", tt.name, p, err, tt.wantKind)
		}
		if tt.wantKind == Invalid && tt.name != "unknown token" && !strings.Contains(ae.Description, "DPoP") {
			t.Errorf("%s: %q does not say to send it with DPoP", tt.name, ae.Description)
		}
		if (len(got) == 1) != tt.verified || (tt.verified && (got[0].Scheme != "someScheme" || got[0].Token != strings.Fields(tt.header)[1])) {
			t.Errorf("%s: the verifier was given %+v", tt.name, got)
		}
	}

	// Two Authorization headers, or a token in the query string, are
	// refused before any verifier is asked.
	got = nil
	r := httptest.NewRequest("GET", "/?access_token=plain", nil)
	if _, err := s.Authenticate(context.Background(), r, "x"); !isKind(err, Malformed) {
		t.Errorf("query token: %v", err)
	}
	r = httptest.NewRequest("GET", "/", nil)
	r.Header.Add("Authorization", "Bearer plain")
	r.Header.Add("Authorization", "Bearer plain")
	if _, err := s.Authenticate(context.Background(), r, "x"); !isKind(err, Malformed) {
		t.Errorf("two headers: %v", err)
	}
	if len(got) != 0 {
		t.Errorf("the verifier was asked: %+v", got)
	}
}

func isKind(err error, k Kind) bool {
	var ae *Error
	return errors.As(err, &ae) && ae.Kind == k
}
