package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"example.com/tasks/gen"
	"example.com/tasks/impl/apitest"
	"example.com/tasks/impl/httpapi"
	"example.com/tasks/impl/ratelimit"
	"example.com/tasks/impl/spec"
)

// publicRead is the path of the spec's public GET operation without
// parameters (the health check).
func publicRead(t *testing.T) string {
	t.Helper()
	doc, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths.Map() {
		if op := item.Get; op != nil && op.Security != nil && len(*op.Security) == 0 && len(op.Parameters) == 0 {
			return path
		}
	}
	t.Fatal("the spec has no public GET operation without parameters")
	return ""
}

// TestRateLimitUnderLoad: concurrent requests against a known policy get
// exactly the quota of 200s, then 429 problems; every response carries the
// draft-10 fields with the right values and validates against the spec.
func TestRateLimitUnderLoad(t *testing.T) {
	t.Parallel()
	// 18 s into a minute: a 60 s window resets in 42 s.
	now := time.Date(2026, 1, 1, 12, 0, 18, 0, time.UTC)
	const perSubject, perAddress, requests = 7, 3, 40
	srv := apitest.NewServer(t, apitest.Config{Checks: []httpapi.Check{(&ratelimit.Limiter{
		Store:     ratelimit.NewMemory(),
		Subject:   &ratelimit.Policy{Name: "per-subject", Quota: perSubject, Window: time.Minute},
		Anonymous: &ratelimit.Policy{Name: "per-address", Quota: perAddress, Window: time.Minute},
		Now:       func() time.Time { return now },
	}).Check}})
	doc, err := spec.Load()
	if err != nil {
		t.Fatal(err)
	}
	secured, public := scopedRead(t, doc), publicRead(t)

	cases := []struct {
		name, path, token, policy string
		quota                     int
	}{
		{"per subject", secured, apitest.AliceToken, "per-subject", perSubject},
		{"another subject has its own count", secured, apitest.BobToken, "per-subject", perSubject},
		{"anonymous, per address", public, "", "per-address", perAddress},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var mu sync.Mutex
			statuses := map[int]int{}
			remaining := map[string]int{}
			var wg sync.WaitGroup
			for range requests {
				wg.Go(func() {
					req, _ := http.NewRequest("GET", srv.API+c.path, nil)
					if c.token != "" {
						req.Header.Set("Authorization", "Bearer "+c.token)
					}
					resp, err := srv.HTTP.Do(req) // checks the response against the spec
					if err != nil {
						t.Error(err)
						return
					}
					defer resp.Body.Close()
					h := resp.Header
					wantPolicy := `"` + c.policy + `";q=` + itoa(c.quota) + `;w=60`
					if got := h.Get("RateLimit-Policy"); got != wantPolicy {
						t.Errorf("RateLimit-Policy %q, want %q", got, wantPolicy)
					}
					rl := h.Get("RateLimit")
					if !strings.HasPrefix(rl, `"`+c.policy+`";r=`) || !strings.HasSuffix(rl, ";t=42") {
						t.Errorf("RateLimit %q, want %q;r=N;t=42", rl, c.policy)
					}
					if resp.StatusCode == http.StatusTooManyRequests {
						var p gen.Problem
						if err := json.NewDecoder(resp.Body).Decode(&p); err != nil || p.Code != gen.ProblemCodeRateLimited {
							t.Errorf("429 body: %v %+v", err, p)
						}
						if h.Get("Retry-After") != "42" || rl != `"`+c.policy+`";r=0;t=42` {
							t.Errorf("429 Retry-After %q RateLimit %q, want 42 and r=0", h.Get("Retry-After"), rl)
						}
					}
					mu.Lock()
					defer mu.Unlock()
					statuses[resp.StatusCode]++
					if resp.StatusCode == http.StatusOK {
						remaining[rl]++
					}
				})
			}
			wg.Wait()
			if statuses[http.StatusOK] != c.quota || statuses[http.StatusTooManyRequests] != requests-c.quota {
				t.Fatalf("statuses %v, want %d × 200 and %d × 429", statuses, c.quota, requests-c.quota)
			}
			// Each 200 saw a different remaining count, quota-1 down to 0.
			for r := range c.quota {
				if k := `"` + c.policy + `";r=` + itoa(r) + `;t=42`; remaining[k] != 1 {
					t.Errorf("%s seen %d times on a 200, want once (all: %v)", k, remaining[k], remaining)
				}
			}
		})
	}
	t.Run("after the window", func(t *testing.T) {
		// Nothing in the limiter reads the clock but Now: move it on.
		now = now.Add(42 * time.Second)
		resp, err := srv.Client.GetHealthWithResponse(t.Context())
		if err != nil || resp.StatusCode() != http.StatusOK || resp.HTTPResponse.Header.Get("RateLimit") != `"per-address";r=2;t=60` {
			t.Fatalf("first request of the next window: %v %d %q", err, resp.StatusCode(), resp.HTTPResponse.Header.Get("RateLimit"))
		}
	})
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }
