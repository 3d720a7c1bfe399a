package main

import (
	"flag"
	"log/slog"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"example.com/tasks/impl/auth"
	"example.com/tasks/impl/auth/dpop"
)

// dpopConfig is the DPoP option's flags (RFC 9449).
type dpopConfig struct {
	maxAge time.Duration
	nonce  bool
}

func (c *dpopConfig) flags(fs *flag.FlagSet) {
	fs.DurationVar(&c.maxAge, "dpop-proof-max-age", dpop.DefaultMaxAge, "how old a DPoP proof's iat may be, and how long its jti is remembered against replay (per instance, or shared with --redis-url); used when the spec declares an http scheme DPoP")
	fs.BoolVar(&c.nonce, "dpop-nonce", false, "require a server-provided nonce in DPoP proofs (RFC 9449 §9): a client without one gets 401 use_dpop_nonce and a DPoP-Nonce to sign with")
}

// withDPoP adds the DPoP scheme to schemes when the spec declares an http
// scheme DPoP, its proofs signed with the algorithms JWTs may use and its
// tokens verified by tokens. It returns the proof algorithms, for the RFC
// 9728 metadata.
//
// With shared (Redis's replay cache), a proof seen by one instance is a
// replay at every other; while Redis is down, proofs are refused with 503,
// never let through unchecked.
func withDPoP(schemes []auth.SchemeFunc, doc *openapi3.T, c config, tokens auth.Verifier, shared dpop.ReplayCache, logger *slog.Logger) ([]auth.SchemeFunc, []string, error) {
	if !dpop.Declared(doc) {
		return schemes, nil, nil
	}
	cfg := dpop.Config{
		PublicURL:  c.publicURL,
		Algorithms: c.jwt.algorithmList(), // option:jwt (without it: auth.SigningAlgorithms)
		MaxAge:     c.dpop.maxAge,
		Nonces:     c.dpop.nonce,
	}
	replay := "per instance"
	if shared != nil {
		cfg.Replay, replay = shared, "shared"
	}
	checker, err := dpop.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	if c.publicURL == "" {
		logger.Warn("DPoP proofs are checked against the URL this server sees; behind a proxy, set --public-url to the URL clients use")
	}
	logger.Info("DPoP enabled", "algorithms", strings.Join(checker.Algorithms(), ","), "proof_max_age", c.dpop.maxAge.String(), "nonces", c.dpop.nonce, "replay_cache", replay)
	return append(schemes, checker.Scheme(tokens)), checker.Algorithms(), nil
}
