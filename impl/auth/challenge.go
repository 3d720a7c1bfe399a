package auth

import (
	"strings"
)

// challenge renders one RFC 6750 §3 Bearer challenge for the
// WWW-Authenticate header. errCode is "" for a request that sent no
// credentials; scopes is set for insufficient_scope.
//
// Written by hand: the grammar is small and the values must be sanitised
// (a description with a quote or CR/LF must not be able to break the header).
func challenge(realm, errCode, description string, scopes []string) string {
	return render("Bearer", realm, "", errCode, description, scopes)
}

// apiKeyAuthScheme is the auth-scheme of the challenge for an apiKey scheme.
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
const apiKeyAuthScheme = "APIKey"

// apiKeyChallenge renders the challenge for an apiKey scheme read from header.
func apiKeyChallenge(realm, header, errCode, description string) string {
	return render(apiKeyAuthScheme, realm, header, errCode, description, nil)
}

func render(authScheme, realm, header, errCode, description string, scopes []string) string {
	var b strings.Builder
	b.WriteString(authScheme)
	b.WriteString(` realm=`)
	writeQuoted(&b, realm)
	if header != "" {
		b.WriteString(`, header=`)
		writeQuoted(&b, header)
	}
	if errCode != "" {
		b.WriteString(`, error="`)
		b.WriteString(errCode) // one of our constants
		b.WriteString(`"`)
	}
	if d := descriptionChars(description); d != "" {
		b.WriteString(`, error_description="`)
		b.WriteString(d)
		b.WriteString(`"`)
	}
	// A scope that sanitises to nothing is dropped, not sent as an empty
	// scope-token (RFC 6749 §3.3 needs at least one character).
	var kept []string
	for _, s := range scopes {
		if s = scopeChars(s); s != "" {
			kept = append(kept, s)
		}
	}
	if len(kept) > 0 {
		b.WriteString(`, scope="`)
		b.WriteString(strings.Join(kept, " "))
		b.WriteString(`"`)
	}
	return b.String()
}

// writeQuoted writes s as an RFC 9110 §5.6.4 quoted-string, dropping the
// control characters it cannot hold.
func writeQuoted(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\t' || (c >= 0x20 && c != 0x7f):
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
}

// descriptionChars keeps what RFC 6750 §3 allows in error_description:
// %x20-21 / %x23-5B / %x5D-7E (printable ASCII but '"' and '\').
func descriptionChars(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 0x20 && r <= 0x7e && r != '"' && r != '\\' {
			return r
		}
		return -1
	}, s)
}

// scopeChars keeps what RFC 6749 §3.3 allows in a scope-token:
// %x21 / %x23-5B / %x5D-7E.
func scopeChars(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 0x21 && r <= 0x7e && r != '"' && r != '\\' {
			return r
		}
		return -1
	}, s)
}
