// Package apikey checks the spec's apiKey security schemes: a key in the
// request header the scheme names, looked up in a file of SHA-256 digests
// (the format of --tokens-file, without scopes: openapi.yaml says which
// operations accept a key).
//
// Keys are accepted in headers only: `in: query` ends up in access logs
// and browser history, and `in: cookie` is sent by a browser on cross-site
// requests. auth.New refuses a spec that asks for either.
package apikey

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/statictoken"
)

// AuthScheme is the auth-scheme of the challenge for an apiKey scheme.
//
// No HTTP authentication scheme is registered for API keys, but RFC 9110
// §11.6.1 lets a 401 carry several challenges and §11.1 allows any token as
// an auth-scheme name; clients skip the schemes they do not know. So an
// operation that accepts an API key answers with one more challenge,
//
//	APIKey realm="tasks", header="X-API-Key"
//
// after the Bearer one (RFC 6750 clients, and http.Header.Get, read the
// first), naming the header to send. When the API key itself was at fault the
// challenge carries the RFC 6750 error parameters, as Bearer's would.
const AuthScheme = "APIKey"

// Load reads the keys file at path: statictoken's format, with no scopes.
func Load(path string) (*statictoken.Verifier, error) {
	v, err := statictoken.Load(path)
	if err != nil {
		return nil, err
	}
	if v.Scoped() {
		return nil, fmt.Errorf("%s: API keys carry no scopes (openapi.yaml says which operations accept one): remove the scopes", path)
	}
	return v, nil
}

// Scheme returns the auth.SchemeFunc for apiKey schemes in a header, with v
// verifying the keys; with v nil, every key is refused (a spec may declare
// the scheme before any key is issued).
func Scheme(v auth.Verifier) auth.SchemeFunc {
	byHeader := map[string]*scheme{}
	return func(s *openapi3.SecurityScheme) auth.Scheme {
		if s.Type != "apiKey" || s.In != "header" || s.Name == "" {
			return nil
		}
		h := http.CanonicalHeaderKey(s.Name)
		if byHeader[h] == nil {
			byHeader[h] = &scheme{v: v, header: s.Name, info: &auth.Info{
				Type:           "api_key",
				AuthScheme:     AuthScheme,
				Lead:           []auth.Param{{Name: "header", Value: s.Name}},
				Needs:          "an API key in the " + s.Name + " header",
				RequestHeaders: []string{s.Name},
			}}
		}
		return byHeader[h]
	}
}

type scheme struct {
	v      auth.Verifier
	header string // as the spec spells it
	info   *auth.Info
}

func (s *scheme) Info() *auth.Info { return s.info }

func (s *scheme) Authenticate(ctx context.Context, r *http.Request, name string) (auth.Principal, error) {
	key, perr := fromHeader(r, s.header)
	if perr != nil {
		return auth.Principal{}, perr
	}
	if s.v == nil {
		return auth.Principal{}, errUnknown
	}
	p, err := s.v.Verify(ctx, auth.Credential{Scheme: name, Token: key})
	if errors.Is(err, auth.ErrUnknown) {
		return auth.Principal{}, errUnknown
	}
	return p, err
}

var errUnknown = &auth.Error{Kind: auth.Invalid, Reason: auth.ReasonUnknown, Description: "the API key is not recognised"}

// fromHeader extracts the API key from header. It returns an *auth.Error of
// kind Missing when the header is absent and Malformed when it is repeated,
// empty or holds characters no key has.
func fromHeader(r *http.Request, header string) (string, *auth.Error) {
	values := r.Header.Values(header)
	switch len(values) {
	case 0:
		return "", errNoAPIKey
	case 1:
	default:
		return "", auth.Errorf(auth.Malformed, "send exactly one %s header", header)
	}
	// net/http has already trimmed the surrounding whitespace.
	key := values[0]
	if key == "" {
		return "", auth.Errorf(auth.Malformed, "the %s header is empty", header)
	}
	for i := 0; i < len(key); i++ {
		// A key is one run of visible ASCII (%x21-7E), like a token68.
		if c := key[i]; c < 0x21 || c > 0x7e {
			return "", auth.Errorf(auth.Malformed, "the %s header has characters outside visible ASCII", header)
		}
	}
	return key, nil
}

// errNoAPIKey is shared: what the client is told about missing credentials
// is the operation's, which names the header.
var errNoAPIKey = &auth.Error{Kind: auth.Missing, Description: "no API key was sent"}
