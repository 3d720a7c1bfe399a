package main

import (
	"flag"
	"fmt"
	"log/slog"

	"example.com/tasks/impl/httpapi"
	"example.com/tasks/impl/ratelimit"
)

// rateLimitConfig is the rate-limit option's flags.
type rateLimitConfig struct {
	subject, anonymous, trustedProxies string
	failMode                           string
}

// failClosed reports whether a request whose limit cannot be checked is
// refused.
func (c rateLimitConfig) failClosed() bool { return c.failMode == "closed" }

func (c *rateLimitConfig) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.subject, "rate-limit", "", "requests allowed per authenticated subject, N/DURATION such as 600/1m; empty: no limit (per instance, or shared with --redis-url)")
	fs.StringVar(&c.anonymous, "rate-limit-anonymous", "", "requests allowed per client address without credentials, N/DURATION; empty: no limit (per instance, or shared with --redis-url)")
	fs.StringVar(&c.failMode, "rate-limit-fail-mode", "open", "with --redis-url, what a request gets while Redis is down: open (each instance counts alone, as without Redis) or closed (503 with Retry-After)")
	fs.StringVar(&c.trustedProxies, "trusted-proxies", "", "comma-separated proxy addresses or CIDR prefixes whose X-Forwarded-For names the client; empty: the connection's peer is the client")
}

// withRateLimit adds the rate limiter's check when a limit is set: after
// authentication, so that the limit is per subject, and before validation,
// so that a malformed request counts too. A request refused by
// authentication (401, 400) is not counted.
//
// With shared (Redis's counts), every instance counts in one place; while
// Redis is down, --rate-limit-fail-mode says whether each instance counts
// alone (open) or refuses (closed).
func withRateLimit(checks []httpapi.Check, cfg config, shared ratelimit.Store, logger *slog.Logger) ([]httpapi.Check, error) {
	c := cfg.rateLimit
	if c.failMode != "open" && c.failMode != "closed" {
		return nil, fmt.Errorf("--rate-limit-fail-mode must be open or closed, not %q", c.failMode)
	}
	proxies, err := ratelimit.ParseProxies(c.trustedProxies)
	if err != nil {
		return nil, fmt.Errorf("--trusted-proxies: %w", err)
	}
	l := &ratelimit.Limiter{Store: ratelimit.NewMemory(), ClientAddress: ratelimit.ClientAddress(proxies)}
	counted := "per instance"
	if shared != nil {
		l.Store, counted = shared, "shared, fail "+c.failMode
		if !c.failClosed() {
			l.Fallback = ratelimit.NewMemory()
		}
	}
	for _, f := range []struct {
		flag, value, name string
		dst               **ratelimit.Policy
	}{
		{"--rate-limit", c.subject, "per-subject", &l.Subject},
		{"--rate-limit-anonymous", c.anonymous, "per-address", &l.Anonymous},
	} {
		if f.value == "" {
			continue
		}
		p, err := ratelimit.ParsePolicy(f.name, f.value)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.flag, err)
		}
		*f.dst = &p
	}
	if l.Subject == nil && l.Anonymous == nil {
		return checks, nil
	}
	logger.Info("rate limits", "counted", counted, "per_subject", policyString(l.Subject), "per_address", policyString(l.Anonymous),
		"trusted_proxies", len(proxies))
	return append(checks, l.Check), nil
}

func policyString(p *ratelimit.Policy) string {
	if p == nil {
		return "none"
	}
	return p.String()
}
