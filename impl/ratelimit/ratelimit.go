// Package ratelimit limits requests per authenticated subject and, for
// anonymous requests, per client address, and says so with the RateLimit
// and RateLimit-Policy fields of draft-ietf-httpapi-ratelimit-headers-10.
//
// Counting is a fixed window: a quota of N requests per window, the window
// starting on a multiple of its length. It is exact (N requests pass, the
// N+1st is refused, however many arrive at once) and needs one atomic
// increment with an expiry per request, which any shared store offers.
// The counts live behind Store: Memory keeps them in the process, so limits
// are per instance; impl/redisstore keeps them in Redis, shared by every
// instance. When a shared Store fails, Limiter.Fallback says what happens.
package ratelimit

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"example.com/tasks/impl/auth"
)

// Policy is a quota of requests per window.
type Policy struct {
	Name   string // the policy's name in the RateLimit fields
	Quota  int
	Window time.Duration
}

// ParsePolicy reads "N/DURATION", such as "600/1m" or "10/1s".
func ParsePolicy(name, s string) (Policy, error) {
	n, d, ok := strings.Cut(s, "/")
	quota, err := strconv.Atoi(n)
	if !ok || err != nil || quota <= 0 {
		return Policy{}, fmt.Errorf("%q: want N/DURATION with N a positive number of requests, such as 600/1m", s)
	}
	window, err := time.ParseDuration(d)
	if err != nil || window < time.Second || window%time.Second != 0 {
		return Policy{}, fmt.Errorf("%q: want N/DURATION with DURATION whole seconds, such as 1s, 1m or 1h", s)
	}
	return Policy{Name: name, Quota: quota, Window: window}, nil
}

func (p Policy) String() string { return strconv.Itoa(p.Quota) + "/" + p.Window.String() }

// Usage is a key's state in its current window after one request was taken.
type Usage struct {
	Allowed   bool
	Remaining int       // requests left in the window
	Reset     time.Time // when the window ends
}

// Store counts requests per key. Take counts one request for key under p at
// now and says whether it is within the quota. It must be exact under
// concurrent calls.
type Store interface {
	Take(ctx context.Context, key string, p Policy, now time.Time) (Usage, error)
}

// Limiter applies the configured policies to requests.
type Limiter struct {
	Store Store
	// Subject limits requests made with credentials, per subject; nil: none.
	Subject *Policy
	// Anonymous limits requests made without credentials, per client
	// address; nil: none.
	Anonymous *Policy
	// ClientAddress returns the address to key anonymous requests on; nil
	// means ClientAddress(nil), the connection's peer.
	ClientAddress func(*http.Request) string
	// Fallback counts when Store fails (fail open): a Memory, so that
	// while a shared Store is down each instance still limits alone. nil
	// fails closed: the request is refused with an *Unavailable (503).
	Fallback Store
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Unavailable is the error of a request whose quota cannot be checked
// because Store failed and there is no Fallback: the HTTP edge answers it
// with 503 and Retry-After. Err, the cause, is for the log only.
type Unavailable struct {
	Err error
}

func (e *Unavailable) Error() string {
	return "the rate limit cannot be checked now; retry later"
}

func (e *Unavailable) Unwrap() error { return e.Err }

// RetryLater is how long the client should wait: about the time a shared
// store takes to be found back.
func (e *Unavailable) RetryLater() time.Duration { return time.Second }

// Exceeded is the error of a request over its quota: the HTTP edge answers
// it with 429 and Retry-After.
type Exceeded struct {
	Policy Policy
	Wait   time.Duration // whole seconds: the new window is open by then
}

func (e *Exceeded) Error() string {
	return fmt.Sprintf("the quota of %d requests per %s is used up; retry in %ds", e.Policy.Quota, e.Policy.Window, int(e.Wait/time.Second))
}

// RetryAfter is how long the client must wait.
func (e *Exceeded) RetryAfter() time.Duration { return e.Wait }

// Check applies the limits to r, which authentication has passed (so that
// the subject is known): it tells r's response its policy and what remains,
// and returns an *Exceeded when r is over its quota, another error when the
// store fails, nil when r may go on. httpapi.Guard runs it.
func (l *Limiter) Check(w http.ResponseWriter, r *http.Request) error {
	var p *Policy
	var key string
	if who, ok := auth.FromContext(r.Context()); ok && who.Subject != "" {
		p, key = l.Subject, "subject:"+who.Subject
	} else if l.Anonymous != nil {
		clientAddress := l.ClientAddress
		if clientAddress == nil {
			clientAddress = peerAddress
		}
		p, key = l.Anonymous, "address:"+clientAddress(r)
	}
	if p == nil {
		return nil
	}
	now := time.Now()
	if l.Now != nil {
		now = l.Now()
	}
	u, err := l.Store.Take(r.Context(), key, *p, now)
	if err != nil {
		if l.Fallback == nil {
			return &Unavailable{Err: err}
		}
		if u, err = l.Fallback.Take(r.Context(), key, *p, now); err != nil {
			return &Unavailable{Err: err}
		}
	}
	// Whole seconds, rounded up: a client that waits t seconds finds
	// the new window open.
	reset := int(math.Ceil(u.Reset.Sub(now).Seconds()))
	h := w.Header()
	name := strconv.Quote(p.Name)
	h.Set("RateLimit-Policy", name+";q="+strconv.Itoa(p.Quota)+";w="+strconv.Itoa(int(p.Window/time.Second)))
	h.Set("RateLimit", name+";r="+strconv.Itoa(u.Remaining)+";t="+strconv.Itoa(reset))
	if !u.Allowed {
		return &Exceeded{Policy: *p, Wait: time.Duration(reset) * time.Second}
	}
	return nil
}
