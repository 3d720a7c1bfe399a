package main

import (
	"log/slog"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/auth/dpop"
)

// proofChecker returns the DPoP proof checker when the spec declares an
// http scheme DPoP, else nil. Proofs are signed with the algorithms JWTs
// may use.
func proofChecker(doc *openapi3.T, c config, logger *slog.Logger) (*dpop.Checker, error) {
	if !dpop.Declared(doc) {
		return nil, nil
	}
	var algs []string
	for a := range strings.SplitSeq(c.jwtAlgorithms, ",") {
		if a = strings.TrimSpace(a); a != "" {
			algs = append(algs, a)
		}
	}
	checker, err := dpop.New(dpop.Config{PublicURL: c.publicURL, Algorithms: algs, MaxAge: c.dpopMaxAge, Nonces: c.dpopNonce})
	if err != nil {
		return nil, err
	}
	if c.publicURL == "" {
		logger.Warn("DPoP proofs are checked against the URL this server sees; behind a proxy, set --public-url to the URL clients use")
	}
	logger.Info("DPoP enabled", "algorithms", strings.Join(algs, ","), "proof_max_age", c.dpopMaxAge.String(), "nonces", c.dpopNonce, "replay_cache", "per instance")
	return checker, nil
}

// defaultDPoPMaxAge is --dpop-proof-max-age's default.
const defaultDPoPMaxAge = dpop.DefaultMaxAge
