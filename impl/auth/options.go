package auth

import (
	"net/http"
	"strings"
)

// Option configures an Authenticator.
type Option func(*Authenticator)

// WithResourceMetadata makes every bearer challenge on a 401 or a 403 carry
// `resource_metadata="url"` (RFC 9728 §5.1), url being where the server
// serves its protected resource metadata: from the challenge alone a client
// finds which authorization server to ask, and for which scopes. A 400 (a
// malformed request) gets none: the client must fix the request first.
func WithResourceMetadata(url string) Option {
	return func(a *Authenticator) { a.resourceMetadata = url }
}

// withResourceMetadata appends the resource_metadata parameter to ch, a
// rendered challenge, when one is configured and status calls for it.
func (a *Authenticator) withResourceMetadata(ch string, status int) string {
	if a.resourceMetadata == "" || (status != http.StatusUnauthorized && status != http.StatusForbidden) {
		return ch
	}
	var b strings.Builder
	b.WriteString(ch)
	b.WriteString(`, resource_metadata=`)
	writeQuoted(&b, a.resourceMetadata)
	return b.String()
}
