package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"example.com/tasks/impl/ratelimit"
)

// Limits is the ratelimit.Store in Redis: every instance counts in the same
// keys, so N instances allow a quota, not N quotas.
type Limits struct{ c *Client }

// Limits returns the client's rate-limit store.
func (c *Client) Limits() Limits { return Limits{c} }

// take counts one request in the key's fixed window, in one round trip.
// The window is read from Redis's clock, not the instance's, so that
// instances whose clocks differ still count in the same window; the key
// expires when the window ends. It returns the count so far (the refused
// requests included, so the count may pass the quota) and the milliseconds
// left in the window.
var take = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window = tonumber(ARGV[1])
local left = window - now % window
local n = redis.call('INCR', KEYS[1])
if n == 1 then
  redis.call('PEXPIRE', KEYS[1], left)
end
return {n, left}
`)

// Take implements ratelimit.Store. now is not used: the window is Redis's.
func (l Limits) Take(ctx context.Context, key string, p ratelimit.Policy, now time.Time) (ratelimit.Usage, error) {
	var n, left int64
	err := l.c.do(ctx, func(ctx context.Context) error {
		// The policy is part of the key: a new quota or window starts
		// afresh rather than reading counts made under the old one.
		k := l.c.key("ratelimit", p.Name, p.String(), key)
		v, err := take.Run(ctx, l.c.rdb, []string{k}, p.Window.Milliseconds()).Int64Slice()
		if err == nil && len(v) != 2 {
			err = fmt.Errorf("redis: the rate-limit script answered %d values, want 2", len(v))
		}
		if err == nil {
			n, left = v[0], v[1]
		}
		return err
	})
	if err != nil {
		return ratelimit.Usage{}, err
	}
	return ratelimit.Usage{
		Allowed:   n <= int64(p.Quota),
		Remaining: int(max(0, int64(p.Quota)-n)),
		Reset:     now.Add(time.Duration(left) * time.Millisecond),
	}, nil
}
