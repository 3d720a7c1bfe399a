package httpapi

import (
	"strings"

	"example.com/tasks/impl/auth"
)

// challenge renders the WWW-Authenticate challenge of the scheme i, with
// the RFC 6750 error parameters when errCode is set (the failure was i's),
// and the RFC 9728 resource_metadata of an OAuth scheme when metadata is
// set:
//
//	AuthScheme realm="…"[, Lead…][, error=…, error_description=…][, scope=…][, Trail…][, resource_metadata=…]
//
// Written by hand: the grammar is small and the values must be sanitised
// (a description with a quote or CR/LF must not be able to break the header).
func challenge(i *auth.Info, realm, errCode, description string, scopes []string, metadata string) string {
	var b strings.Builder
	b.WriteString(i.AuthScheme)
	b.WriteString(` realm=`)
	writeQuoted(&b, realm)
	for _, p := range i.Lead {
		writeParam(&b, p)
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
	for _, p := range i.Trail {
		writeParam(&b, p)
	}
	if metadata != "" && i.OAuth {
		writeParam(&b, auth.Param{Name: "resource_metadata", Value: metadata})
	}
	return b.String()
}

// writeParam writes `, name="value"`; names are the schemes' constants.
func writeParam(b *strings.Builder, p auth.Param) {
	b.WriteString(", ")
	b.WriteString(p.Name)
	b.WriteByte('=')
	writeQuoted(b, p.Value)
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
