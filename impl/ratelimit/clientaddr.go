package ratelimit

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// ParseProxies reads a comma-separated list of trusted proxies, each an
// address or a CIDR prefix ("10.0.0.0/8, 192.0.2.7").
func ParseProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for f := range strings.SplitSeq(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if !strings.Contains(f, "/") {
			a, err := netip.ParseAddr(f)
			if err != nil {
				return nil, fmt.Errorf("trusted proxy %q: not an address or a CIDR prefix", f)
			}
			out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: not an address or a CIDR prefix", f)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// ClientAddress returns the function that finds a request's client
// address: the connection's peer, unless the peer is a trusted proxy; then
// the X-Forwarded-For entries are read from the right, skipping trusted
// proxies, and the first other one is the client. X-Forwarded-For is never
// read from anyone else: a client chooses what it says, so keying a limit on
// it would let any client pick a fresh address per request. For the same
// reason an IPv6 client is its /64 ("2001:db8::/64"): one host is commonly
// given a whole /64 and can use a fresh address in it for every request.
func ClientAddress(trusted []netip.Prefix) func(*http.Request) string {
	isTrusted := func(a netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(a.Unmap()) {
				return true
			}
		}
		return false
	}
	return func(r *http.Request) string {
		peer, err := netip.ParseAddrPort(r.RemoteAddr)
		if err != nil {
			host, _, _ := net.SplitHostPort(r.RemoteAddr)
			return host
		}
		client := peer.Addr().Unmap()
		if !isTrusted(client) {
			return key(client)
		}
		hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
		for i := len(hops) - 1; i >= 0; i-- {
			a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
			if err != nil {
				break // a garbled entry: trust nothing left of it
			}
			client = a.Unmap()
			if !isTrusted(client) {
				break
			}
		}
		return key(client)
	}
}

// peerAddress is ClientAddress(nil): the connection's peer.
var peerAddress = ClientAddress(nil)

// key is what a client address is counted as: itself for IPv4, its /64 for
// IPv6.
func key(a netip.Addr) string {
	if a.Is4() {
		return a.String()
	}
	p, err := a.Prefix(64)
	if err != nil {
		return a.String()
	}
	return p.String()
}
