package ratelimit

import (
	"context"
	"sync"
	"time"
)

// Memory is a Store in the process: limits are per instance.
type Memory struct {
	mu      sync.Mutex
	windows map[string]*window
	swept   time.Time
}

type window struct {
	end   time.Time
	count int
}

// NewMemory returns an empty Memory store.
func NewMemory() *Memory { return &Memory{windows: map[string]*window{}} }

// Take implements Store.
func (m *Memory) Take(_ context.Context, key string, p Policy, now time.Time) (Usage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sweep(now, p.Window)
	w := m.windows[key]
	if w == nil || !now.Before(w.end) {
		w = &window{end: now.Truncate(p.Window).Add(p.Window)}
		m.windows[key] = w
	}
	if w.count >= p.Quota {
		return Usage{Allowed: false, Remaining: 0, Reset: w.end}, nil
	}
	w.count++
	return Usage{Allowed: true, Remaining: p.Quota - w.count, Reset: w.end}, nil
}

// sweep drops ended windows, at most once per window length, so that the
// map holds only the keys seen in the last window or two.
func (m *Memory) sweep(now time.Time, every time.Duration) {
	if now.Sub(m.swept) < every {
		return
	}
	m.swept = now
	for k, w := range m.windows {
		if !now.Before(w.end) {
			delete(m.windows, k)
		}
	}
}
