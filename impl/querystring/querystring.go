// Package querystring checks a URL's raw query string strictly. net/url's
// Query() drops every pair it cannot decode without a word, so a parameter
// with a broken percent-escape (?limit=%zz) or a ';' would reach no
// validator and be silently ignored; here it is an error that names it.
package querystring

import (
	"fmt"
	"net/url"
	"strings"
)

// Error is a query string that does not decode.
type Error struct {
	// Param is the decoded name of the offending parameter, "" when the
	// name itself does not decode.
	Param  string
	Reason string
}

func (e *Error) Error() string {
	if e.Param == "" {
		return "the query string " + e.Reason
	}
	return fmt.Sprintf("query parameter %q %s", e.Param, e.Reason)
}

// Parse returns the pairs of raw as r.URL.Query() would, or an *Error if
// url.ParseQuery fails on raw, which means that url.Values would silently
// lack a pair. The rules are net/url's, so that what passes here is exactly
// what the validator and the handlers then read: pairs are separated by '&'
// only; a ';' is refused (send it as %3B), as net/url does since Go 1.17,
// because other parsers take it for a separator; '+' is a space; every '%'
// starts a two-digit hexadecimal escape; at most 10,000 pairs (net/url's
// limit, beyond which it returns no pair at all). The values are nil when
// raw is empty or does not decode.
func Parse(raw string) (url.Values, *Error) {
	if raw == "" {
		return nil, nil
	}
	values, err := url.ParseQuery(raw)
	if err == nil {
		return values, nil
	}
	return nil, explain(raw, err)
}

// explain returns the *Error for raw, on which url.ParseQuery failed with err.
func explain(raw string, err error) *Error {
	// net/url's error names no parameter: find the pair it failed on.
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		rawName, rawValue, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(rawName)
		switch {
		case err != nil:
			return &Error{Reason: "has a parameter name that is not correctly percent-encoded"}
		case strings.Contains(pair, ";"):
			return &Error{Param: name, Reason: `contains ";": separate parameters with "&" and send ";" in a value as %3B`}
		}
		if _, err := url.QueryUnescape(rawValue); err != nil {
			return &Error{Param: name, Reason: "has a value that is not correctly percent-encoded"}
		}
	}
	return &Error{Reason: "could not be parsed: " + err.Error()}
}

// HasName reports whether any pair of raw has a name that decodes to name,
// however it is spelt: percent-escaped (access%5Ftoken), with a value that
// does not decode, or after a ';' that another parser would take for a
// separator. It is for names that must be refused wherever they appear.
func HasName(raw, name string) bool {
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		for pair != "" {
			var part string
			part, pair, _ = strings.Cut(pair, ";")
			rawName, _, _ := strings.Cut(part, "=")
			if decoded, err := url.QueryUnescape(rawName); err == nil && decoded == name {
				return true
			}
		}
	}
	return false
}
