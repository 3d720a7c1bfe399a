package auth

import "net/http"

// apiKey extracts the API key from the header an apiKey scheme names. It
// returns an *Error of kind Missing when the header is absent and Malformed
// when it is repeated, empty or holds characters no key has.
//
// Keys are accepted in headers only (New refuses `in: query`, which ends up
// in access logs and browser history, and `in: cookie`, which a browser
// sends on cross-site requests).
func apiKey(r *http.Request, header string) (string, *Error) {
	values := r.Header.Values(header)
	switch len(values) {
	case 0:
		return "", errNoAPIKey
	case 1:
	default:
		return "", Errorf(Malformed, "send exactly one %s header", header)
	}
	// net/http has already trimmed the surrounding whitespace.
	key := values[0]
	if key == "" {
		return "", Errorf(Malformed, "the %s header is empty", header)
	}
	for i := 0; i < len(key); i++ {
		// A key is one run of visible ASCII (%x21-7E), like a token68.
		if c := key[i]; c < 0x21 || c > 0x7e {
			return "", Errorf(Malformed, "the %s header has characters outside visible ASCII", header)
		}
	}
	return key, nil
}

// errNoAPIKey is shared: what the client is told about missing credentials
// is the operation's (Policy.missing), which names the header.
var errNoAPIKey = &Error{Kind: Missing, Description: "no API key was sent"}
