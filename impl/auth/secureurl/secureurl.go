// Package secureurl holds the one rule for every URL the server trusts for
// authentication (a JWKS, an OpenID Connect discovery document, an
// introspection endpoint, its own public URL): https, or plain http on a
// loopback address only, for tests and identity providers on the same host.
// Anything fetched or advertised in clear text across a network can be
// swapped on the way.
package secureurl

import (
	"fmt"
	"net"
	"net/url"
)

// Parse parses raw and checks it against the rule. what names the URL in
// the error ("JWKS URL").
func Parse(what, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		return nil, fmt.Errorf("a %s is required", what)
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		return nil, fmt.Errorf("%s %q is not an http(s) URL", what, raw)
	case u.Scheme == "http" && !Loopback(u.Hostname()):
		return nil, fmt.Errorf("%s %q must use https (plain http only on a loopback address)", what, raw)
	}
	return u, nil
}

// Loopback reports whether host (without port) is localhost or a loopback IP.
func Loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
