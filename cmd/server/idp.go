package main

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"maps"
	"slices"
	"time"
)

// idpConfig names the identity provider and this API to it: what every
// verifier of its tokens (JWT, introspection) and the RFC 9728 metadata
// read, whichever of them is on. It belongs to no option: removing JWTs
// leaves introspection with its audience check.
type idpConfig struct {
	issuer              string
	audience            string
	leeway              time.Duration
	authorizationServer string
	// resources are further audiences a token may carry: the /mcp
	// endpoint's resource, set from --mcp and --public-url (mcp.go).
	resources []string
}

func (c *idpConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.issuer, "issuer", "", "the identity provider's issuer identifier: the iss every JWT must carry, and an introspection answer when it names one; found by discovery when the spec declares openIdConnect")
	fs.StringVar(&c.audience, "audience", "", "this API's identifier at the identity provider: the aud every token, JWT or introspected, must include")
	fs.DurationVar(&c.leeway, "leeway", 30*time.Second, "clock skew allowed on the exp, nbf and iat of JWTs and introspection answers")
	fs.StringVar(&c.authorizationServer, "authorization-server", "", "the authorization server the RFC 9728 metadata names (default: --issuer, or the one discovery finds); for introspection without an issuer")
}

// formerNames maps each flag's former name to its name. The former name
// still works, and so does its environment variable, so that a deployment
// configured before the rename keeps starting.
var formerNames = map[string]string{
	"jwt-issuer":   "issuer",
	"jwt-audience": "audience",
	"jwt-leeway":   "leeway",
}

// addFormerNames registers the former names (call it after the flags they
// stand for).
func addFormerNames(fs *flag.FlagSet) {
	for _, old := range slices.Sorted(maps.Keys(formerNames)) {
		fs.String(old, "", "former name of --"+formerNames[old])
	}
}

// useFormerNames sets each flag from its former name when only that one is
// set (isSet: on the command line or in the environment); both set to
// different values is an error, since one of them would be silently ignored.
func useFormerNames(fs *flag.FlagSet, isSet func(name string) bool) error {
	var errs []error
	for _, old := range slices.Sorted(maps.Keys(formerNames)) {
		name := formerNames[old]
		if !isSet(old) {
			continue
		}
		v := fs.Lookup(old).Value.String()
		if isSet(name) {
			if fs.Lookup(name).Value.String() != v {
				errs = append(errs, fmt.Errorf("--%s and --%s (its former name, env %s) are both set and differ: keep --%s", name, old, envName(old), name))
			}
			continue
		}
		if err := fs.Set(name, v); err != nil {
			errs = append(errs, fmt.Errorf("--%s: %w", old, err))
		}
	}
	return errors.Join(errs...)
}

// audiences are the aud values that make a token this API's: --audience
// and the endpoints' resources (an MCP client asks for a token for /mcp,
// RFC 8707); nil without --audience.
func (c idpConfig) audiences() []string {
	if c.audience == "" {
		return nil
	}
	return append([]string{c.audience}, c.resources...)
}

// authorizationServers is what the RFC 9728 metadata names: the issuer
// whose tokens are accepted.
func (c idpConfig) authorizationServers() []string {
	return nonEmpty(cmp.Or(c.authorizationServer, c.issuer))
}

// check refuses provider settings that no verifier reads (verifiers: the
// provider's token verifiers that are on), saying which flag to add.
func (c idpConfig) check(verifiers int, publicURL string) error {
	var errs []error
	if verifiers == 0 {
		for _, f := range []struct{ name, v string }{{"audience", c.audience}, {"issuer", c.issuer}, {"authorization-server", c.authorizationServer}} {
			if f.v != "" {
				errs = append(errs, fmt.Errorf("--%s names the identity provider to a verifier of its tokens: add --jwks-url or --introspection-url (or declare an openIdConnect scheme in the spec, which finds them)", f.name))
			}
		}
	}
	if c.authorizationServer != "" && publicURL == "" {
		errs = append(errs, errors.New("--authorization-server is named in the RFC 9728 metadata, which is served only with --public-url: add it"))
	}
	return errors.Join(errs...)
}
